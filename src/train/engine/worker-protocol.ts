// Messages between TrainWorker (main thread) and the training worker. Buffers move by transfer.
import type { ParameterInfo } from '../../runtime/parameters.js';
import { isKernelMemory } from '../../runtime/simd/index.js';
import type { Batch, TrainStepConfig, TrainStepState } from './train-step.js';
import type { TrainProgram } from '../../runtime/train-program.js';
import type { ScheduleConfig } from '../optim/schedules.js';

export type WorkerRequest =
  | { readonly op: 'create'; readonly program: TrainProgram; readonly parameters: readonly (ParameterInfo & { data: Float32Array })[]; readonly config: TrainStepConfig }
  | { readonly op: 'step'; readonly batch: Batch | readonly Batch[] }
  | { readonly op: 'state' }
  | { readonly op: 'parameters' }
  | { readonly op: 'restore'; readonly state: TrainStepState }
  | { readonly op: 'schedule'; readonly schedule: ScheduleConfig }
  | { readonly op: 'dispose' };

/**
 * The distinct ArrayBuffers under some typed arrays (a buffer may be listed only once for transfer).
 * WebAssembly memories (a TrainStep's parameters in this thread) cannot move; they are copied instead.
 */
export function transferablesOf(arrays: Iterable<ArrayBufferView>): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const array of arrays) {
    if (array.buffer instanceof ArrayBuffer && !isKernelMemory(array.buffer)) buffers.add(array.buffer);
  }
  return [...buffers];
}
