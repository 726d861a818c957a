#!/usr/bin/env bash
# One-time set-up: Mesa's OpenGL ES driver (the WebGPU fallback adapter on machines without a
# GPU) and Fashion-MNIST (the demo's data) from Debian/Ubuntu packages, then the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v apt-get >/dev/null; then
  SUDO=""; [ "$(id -u)" != 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq || true
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libegl1 libegl-mesa0 libgles2 libgl1-mesa-dri dataset-fashion-mnist
else
  echo "setup: no apt-get here; install Mesa's EGL/GLES drivers and Fashion-MNIST (IDX files) yourself" >&2
fi
npm ci --no-audit --no-fund
