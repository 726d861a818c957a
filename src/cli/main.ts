// wgft: one file per command in src/cli/; this file only wires them to commander.
import { Command } from 'commander';
import { infoCommand } from './info.ts';
import { inspectCommand } from './inspect.ts';
import { finetuneCommand } from './finetune.ts';
import { evaluateCommand } from './evaluate.ts';
import { demoCommand } from './demo.ts';
import { runCommand } from './run.ts';
import { predictCommand } from './predict.ts';
import { exportCommand } from './export.ts';

export async function main(argv: string[]): Promise<void> {
  const program = new Command('wgft')
    .description('Fine-tune pretrained CNNs on WebGPU (Dawn): Keras H5, TF checkpoints, tfjs and MXNet files')
    .showHelpAfterError();
  for (const make of [infoCommand, inspectCommand]) program.addCommand(make());
  program.addCommand(finetuneCommand());
  program.addCommand(evaluateCommand());
  program.addCommand(demoCommand());
  program.addCommand(runCommand());
  program.addCommand(predictCommand());
  program.addCommand(exportCommand());
  try {
    await program.parseAsync(argv);
  } catch (e) {
    console.error(`wgft: ${(e as Error).message}`);
    process.exitCode = 1;
  }
  // Dawn keeps the event loop alive; leave once the command is done.
  process.exit(process.exitCode ?? 0);
}
