// Dawn's Null backend: it runs nothing, but it advertises every feature (shader-f16, subgroups,
// chromium-experimental-subgroup-matrix) and compiles every shader through Tint. Tests use it to
// check that the kernels written for GPUs we do not have here (f16, tensor cores) at least
// validate and build pipelines; their numbers are checked where a real adapter has the feature.
import { createNodeDevice } from '../../src/node/dawn.ts';
import type { Device } from '../../src/gpu/device.ts';

let cached: Promise<Device | null> | null = null;

/** A compile-only device with every feature, or null when this Dawn build has no Null backend. */
export function nullDevice(): Promise<Device | null> {
  cached ??= createNodeDevice({ backend: 'null', toggles: 'allow_unsafe_apis' }).catch(() => null);
  return cached;
}
