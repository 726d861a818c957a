#!/usr/bin/env bash
# Packs .device/ for a session on the GPU machine (the `device` tool): ../shared/device/prepare.sh
# (node, Vulkan loader, setup.sh), then node_modules again, this time *with* the test runner, so
# that `npx vitest run` works there, which the GPU-only tests need (subgroup-matrix kernels, native
# f16 preludes: they skip on this machine). To stay under the 64 MiB carry limit it leaves out
# what a GPU run never loads: source maps, type declarations, other platforms' binaries, the
# browser-bundle variants of tfjs, the compilers, the headless browser and the plot renderers.
# Usage: npm ci && bash scripts/device-pack.sh   then carry [".device"] and run
#   . .device/setup.sh && npx vitest run test/kernels/subgroup-matrix.test.ts ...
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
bash ../shared/device/prepare.sh >/dev/null
npm run gen >/dev/null
tar -C "$root" -cf - \
  --exclude='*.map' --exclude='*.d.ts' --exclude='*.d.mts' --exclude='*.d.cts' \
  --exclude='node_modules/webgpu/dist/darwin-*' --exclude='node_modules/webgpu/dist/win32-*' \
  --exclude='node_modules/webgpu/dist/linux-arm64' --exclude='node_modules/.cache' \
  --exclude='node_modules/@typescript' --exclude='node_modules/typescript' \
  --exclude='node_modules/playwright-core' --exclude='node_modules/@resvg' --exclude='node_modules/vega*' \
  --exclude='node_modules/lightningcss*' \
  --exclude='node_modules/@tensorflow/*/dist/*.min.js' --exclude='node_modules/@tensorflow/*/dist/*.es2017.js' \
  --exclude='node_modules/@tensorflow/*/dist/*.fesm.js' --exclude='node_modules/@tensorflow/*/dist/*.esm.js' \
  --exclude='node_modules/@tensorflow/*/src' \
  node_modules src/gpu/shaders.gen.ts | xz -T2 -6 > .device/node_modules.tar.xz
du -sh .device
echo 'carry: [".device"]; on the device: . .device/setup.sh && npx vitest run ... (or node --import tsx ...)'
