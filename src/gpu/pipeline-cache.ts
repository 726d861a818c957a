// Compute pipelines, made once per process for each (prelude, shader, entry point, overrides), never per
// shape: shapes travel in the params uniform. Layouts are explicit (inputs read-only, then outputs,
// then the params uniform with a dynamic offset) so that bind groups can be built ahead of time.
import { SHADERS } from './shaders.gen.ts';
import { ShaderStage } from './constants.ts';

export interface KernelSpec {
  /** Name of the WGSL file in wgsl/ without extension. */
  shader: string;
  entry?: string;
  /** Number of read-only storage bindings (0..inputs-1). */
  inputs: number;
  /** Number of read-write storage bindings (inputs..inputs+outputs-1); the params uniform follows. */
  outputs: number;
  /** Values for WGSL `override` constants (workgroup size, tile sizes, vector width). */
  overrides?: Record<string, number>;
  /**
   * Name of a WGSL file in wgsl/ prepended to the shader: declarations whose types differ between
   * variants of one kernel, which overrides cannot express (the precision preludes of the matmul
   * and conv kernels, see src/gpu/precision.ts).
   */
  prelude?: string;
}

export interface CompiledKernel {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  key: string;
}

export const PARAMS_SLOT = 256;

export function kernelKey(spec: KernelSpec): string {
  const o = spec.overrides ? Object.entries(spec.overrides).sort().map(([k, v]) => `${k}=${v}`).join(',') : '';
  return `${spec.prelude ? spec.prelude + '+' : ''}${spec.shader}:${spec.entry ?? 'main'}:${spec.inputs}:${spec.outputs}:${o}`;
}

export class PipelineCache {
  private pipelines = new Map<string, CompiledKernel>();
  private modules = new Map<string, GPUShaderModule>();
  private layouts = new Map<string, GPUBindGroupLayout>();
  compiled = 0;

  constructor(private readonly device: GPUDevice) {}

  get(spec: KernelSpec): CompiledKernel {
    const key = kernelKey(spec);
    let k = this.pipelines.get(key);
    if (!k) {
      k = this.create(spec, key);
      this.pipelines.set(key, k);
    }
    return k;
  }

  /** Compiles a kernel inside an error scope and throws a clear error naming the shader if WGSL fails. */
  async check(spec: KernelSpec): Promise<void> {
    this.device.pushErrorScope('validation');
    const k = this.get(spec);
    const err = await this.device.popErrorScope();
    if (err) {
      this.pipelines.delete(k.key);
      const pre = spec.prelude ? ` after prelude ${spec.prelude}.wgsl (its lines come first)` : '';
      throw new Error(`shader ${spec.shader}.wgsl (${spec.entry ?? 'main'})${pre} failed to compile: ${err.message}`);
    }
  }

  private module(shader: string, prelude?: string): GPUShaderModule {
    const key = prelude ? `${prelude}+${shader}` : shader;
    let m = this.modules.get(key);
    if (!m) {
      const source = (name: string) => {
        const code = SHADERS[name];
        if (code === undefined) throw new Error(`no shader named ${name}.wgsl in wgsl/ (run npm run gen)`);
        return code;
      };
      const code = prelude ? `${source(prelude)}\n${source(shader)}` : source(shader);
      m = this.device.createShaderModule({ code, label: key });
      this.modules.set(key, m);
    }
    return m;
  }

  private layout(inputs: number, outputs: number): GPUBindGroupLayout {
    const key = `${inputs}:${outputs}`;
    let l = this.layouts.get(key);
    if (!l) {
      const entries: GPUBindGroupLayoutEntry[] = [];
      for (let i = 0; i < inputs + outputs; i++) {
        entries.push({
          binding: i,
          visibility: ShaderStage.COMPUTE,
          buffer: { type: i < inputs ? 'read-only-storage' : 'storage' },
        });
      }
      entries.push({
        binding: inputs + outputs,
        visibility: ShaderStage.COMPUTE,
        buffer: { type: 'uniform', hasDynamicOffset: true },
      });
      l = this.device.createBindGroupLayout({ entries, label: `layout ${key}` });
      this.layouts.set(key, l);
    }
    return l;
  }

  private create(spec: KernelSpec, key: string): CompiledKernel {
    const layout = this.layout(spec.inputs, spec.outputs);
    const pipeline = this.device.createComputePipeline({
      label: key,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module: this.module(spec.shader, spec.prelude), entryPoint: spec.entry ?? 'main', constants: spec.overrides },
    });
    this.compiled++;
    return { pipeline, layout, key };
  }
}
