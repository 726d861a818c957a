// WebGPU flag values, spelled out so that modules can be evaluated before the environment
// (Dawn in Node, the browser) has installed the GPUBufferUsage/GPUShaderStage globals.
export const BufferUsage = { MAP_READ: 0x1, MAP_WRITE: 0x2, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
export const ShaderStage = { COMPUTE: 0x4 } as const;
export const MapMode = { READ: 0x1 } as const;
