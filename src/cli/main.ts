// wgft: one file per command in src/cli/; this file only wires them to commander.
import { Command } from 'commander';
import { infoCommand } from './info.ts';

export async function main(argv: string[]): Promise<void> {
  const program = new Command('wgft')
    .description('Fine-tune pretrained CNNs on WebGPU (Dawn): Keras H5, TF checkpoints, tfjs and MXNet files')
    .showHelpAfterError();
  for (const make of [infoCommand]) program.addCommand(make());
  try {
    await program.parseAsync(argv);
  } catch (e) {
    console.error(`wgft: ${(e as Error).message}`);
    process.exitCode = 1;
  }
  // Dawn keeps the event loop alive; leave once the command is done.
  process.exit(process.exitCode ?? 0);
}
