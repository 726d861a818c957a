// wgft info [--json]: the adapter, backend, features and limits the engine runs on, and how
// `--precision mixed|f16` would be realized (tensor cores, shader-f16 or emulated).
import { Command } from 'commander';
import { initNode } from '../node/dawn.ts';
import { WANTED_LIMITS } from '../gpu/device.ts';
import { PRECISIONS, precisionSupport } from '../gpu/precision.ts';
import { realizationText } from './precision-flag.ts';

export function infoCommand(): Command {
  return new Command('info')
    .description('print the WebGPU adapter, backend, features and limits in use')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const d = await initNode();
      const limits: Record<string, number> = {};
      for (const k of WANTED_LIMITS) limits[k] = (d.limits as unknown as Record<string, number>)[k];
      const info = {
        adapter: { vendor: d.adapter.vendor, architecture: d.adapter.architecture, description: d.adapter.description },
        backend: d.adapter.backend,
        featureLevel: d.adapter.featureLevel,
        features: [...d.features].sort(),
        limits,
        // What `--precision mixed|f16` runs on here.
        precision: { choices: PRECISIONS, ...precisionSupport(d) },
      };
      if (opts.json) {
        console.log(JSON.stringify(info, null, 2));
        return;
      }
      console.log(`adapter:  ${info.adapter.description || info.adapter.vendor || '(unnamed)'} ${info.adapter.architecture}`.trimEnd());
      console.log(`backend:  ${info.backend} (${info.featureLevel} mode)`);
      console.log(`features: ${info.features.join(', ') || '(none)'}`);
      console.log(`precision: ${PRECISIONS.join('|')}; mixed/f16 run on ${realizationText(d)}`);
      for (const [k, v] of Object.entries(limits)) console.log(`${k.padEnd(36)} ${v}`);
    });
}
