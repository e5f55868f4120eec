// The training worker: hosts one TrainStep so Session.run (which blocks its thread) never stalls the
// main thread's event loop. Requests run one at a time, in arrival order.
import { ParameterStore } from '../../runtime/parameters.js';
import { serveWorkerCalls } from '../../runtime/worker-calls.js';
import { TrainStep, type TrainStepState } from './train-step.js';
import { type WorkerRequest, transferablesOf } from './worker-protocol.js';

let trainer: TrainStep | undefined;
serveWorkerCalls(handle);

async function handle(request: WorkerRequest): Promise<{ value: unknown; transfer: ArrayBuffer[] }> {
  switch (request.op) {
    case 'create': {
      if (trainer !== undefined) throw new Error('TrainWorker: already created');
      const store = new ParameterStore();
      for (const { name, shape, data } of request.parameters) store.add(name, shape, data);
      trainer = await TrainStep.create(request.program, store, request.config);
      return { value: undefined, transfer: [] };
    }
    case 'step':
      return { value: await active().step(request.batch), transfer: [] };
    case 'state': {
      const state: TrainStepState = active().state();
      const moments = Object.values(state.optimizer.moments).flatMap(({ m, v }) => [m, v]);
      return { value: state, transfer: transferablesOf([...Object.values(state.parameters), ...moments]) };
    }
    case 'parameters': {
      const copies: Record<string, Float32Array> = {};
      for (const { name, data } of active().parameters.entries()) copies[name] = data.slice();
      return { value: copies, transfer: transferablesOf(Object.values(copies)) };
    }
    case 'restore':
      active().restore(request.state);
      return { value: undefined, transfer: [] };
    case 'schedule':
      active().setSchedule(request.schedule);
      return { value: undefined, transfer: [] };
    case 'dispose':
      await trainer?.dispose();
      trainer = undefined;
      return { value: undefined, transfer: [] };
  }
}

function active(): TrainStep {
  if (trainer === undefined) throw new Error('TrainWorker: not created (or already closed)');
  return trainer;
}
