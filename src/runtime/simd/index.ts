// WebAssembly SIMD kernels for the runtime's per-element loops outside ORT, assembled byte by byte:
// ./assembler.ts (the binary format and the one element loop), ./kernels.ts (the kernels' arithmetic),
// ./memory.ts (kernel memories and the one staging loop), ./operations.ts (what callers use).
export { type LambNorms, accumulateSimd, adamwSimd, lambApplySimd, lambMomentsSimd, uniformSimd } from './operations.js';
export { allocateTensorGroups, isKernelMemory, setSimdEnabled, simdAvailable } from './memory.js';
