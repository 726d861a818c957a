#!/usr/bin/env bash
# What a session with the GPU machine should run, step by step (each well under the device tool's
# 10-minute limit per command), writing logs and results under $OUT. On the device, from the repo
# root, with .device packed by scripts/device-pack.sh and carried:
#   . .device/setup.sh && bash scripts/device-session.sh tests      # GPU-only kernel checks
#   . .device/setup.sh && bash scripts/device-session.sh bench      # the H100 rows, f32, vs tfjs
#   . .device/setup.sh && bash scripts/device-session.sh bench-half # ours in mixed and f16
# Then copy $OUT/results/*.json into bench/results/ here and run `npm run bench -- --report`
# (or regenerate the README tables as bench/README.md says).
set -uo pipefail
step=${1:?usage: device-session.sh tests|bench|bench-half}
out=${OUT:-out/device}
mkdir -p "$out/results"
# shader-f16 and subgroup matrices (tensor cores) on NVIDIA through Vulkan need these toggles.
export WGFT_DAWN_TOGGLES=${WGFT_DAWN_TOGGLES:-allow_unsafe_apis,vulkan_enable_f16_on_nvidia}
node bin/wgft.js info --json > "$out/info.json" 2>&1
big='matmul-4096 vgg16-224-freeze15-step-b32 vgg16-224-forward-b32'
case "$step" in
  tests)
    # The subgroup-matrix and native-f16 tests skip on machines without those features; here they run.
    npx vitest run test/kernels/subgroup-matrix.test.ts test/kernels/precision.test.ts \
      test/kernels/matmul.test.ts test/kernels/conv2d.test.ts test/kernels/depthwise.test.ts \
      --reporter=default --reporter=json --outputFile="$out/gpu-tests.json" 2>&1 | tail -40 | tee "$out/gpu-tests.log"
    ;;
  bench)
    node --import tsx bench/run.ts --workload $big matmul-1024 vgg16-48-freeze15-step-b8 \
      --framework webgpu-finetune tfjs-webgpu torch-cuda 2>&1 | tee "$out/bench-f32.log"
    ;;
  bench-half)
    for p in mixed f16; do
      node --import tsx bench/run.ts --precision "$p" --workload $big --framework webgpu-finetune 2>&1 | tee "$out/bench-$p.log"
    done
    node --import tsx bench/run.ts --workload precision-accuracy 2>&1 | tee "$out/precision-accuracy.log"
    ;;
  *) echo "unknown step $step" >&2; exit 2 ;;
esac
cp bench/results/*.json "$out/results/" 2>/dev/null
cp bench/README.md "$out/" 2>/dev/null
true
