// The teacher's side of distillation: its forward pass (dropout off, as DistilBERT's teacher.eval())
// on each training batch, returning the outputs the student's program reads as teacher.* inputs.
//
// Where the teacher runs. Two ways were open: the teacher's forward inside the student's training
// graph (its weights as non-trainable graph inputs), or a forward of its own on each batch, its
// outputs fed to the training graph as data. The second is taken:
// - inside the training graph, buildTrainProgram would differentiate the teacher too (every
//   graph.parameter is trained, and two BERTs' parameter names collide), and the worker would have
//   to feed the teacher's weights to its session on every step;
// - the run draws update k + 1 (and so runs this forward, on the main thread) while the worker
//   trains update k, so on a machine with a free core the forward overlaps the step;
// - its weights are constants here, so ORT may use the fused encoder layer, which a training
//   graph, whose weights are inputs, cannot.
// Measured (SST-2, tiny 2-layer teacher → 1-layer student, batch 32, 2 threads, on this 2-core
// machine while other jobs kept its load at 7–12): the hard term alone (no teacher forward) trains
// 190–290 examples/s, with the teacher 77–100; the teacher's forward takes ~50 ms a batch alone and
// ~130 ms beside the worker's step, because two ORT sessions then share two busy cores (a teacher
// session without spinning threads gave 102–133). The in-graph teacher was not built, so it is not
// measured against; on a saturated machine it may well be the faster of the two.
// The attention maps (TinyBERT's attention term) exist only outside the fused Attention kernel, so
// asking for them keeps the plain layers.
import type { BertModelState } from '../model/checkpoint.js';
import { type InferenceOutput, buildInferenceGraph, inferenceOnnx } from '../model/inference-graph.js';
import { type HostTensor, Session } from '../runtime/session.js';
import { TEACHER_INPUT_PREFIX, type TeacherNeeds } from './distill-loss.js';

const MODEL_INPUTS = ['input_ids', 'token_type_ids', 'attention_mask', 'masked_lm_positions'];

export class DistillationTeacher {
  private constructor(
    private readonly session: Session,
    private readonly needs: TeacherNeeds,
    private readonly lastLayer: number,
  ) {}

  /** A session over the teacher with exactly the outputs `needs` asks for. */
  static async create(teacher: BertModelState, needs: TeacherNeeds, options: { threads?: number; maskedPositions?: boolean } = {}): Promise<DistillationTeacher> {
    const lastLayer = teacher.config.num_hidden_layers;
    const onlyLast = needs.hiddenStates.length === 1 && needs.hiddenStates[0] === lastLayer;
    const outputs: InferenceOutput[] = [
      ...(needs.logits ? [teacher.heads.maskedLm ? 'mlm_logits' as const : 'logits' as const] : []),
      ...(needs.hiddenStates.length === 0 ? [] : onlyLast ? ['last_hidden_state' as const] : ['hidden_states' as const]),
      ...(needs.attentions.length > 0 ? ['attentions' as const] : []),
    ];
    const graph = buildInferenceGraph(teacher, { outputs, maskedPositions: options.maskedPositions ?? false });
    const session = await Session.create(inferenceOnnx(teacher, graph), options.threads === undefined ? {} : { threads: options.threads });
    return new DistillationTeacher(session, needs, lastLayer);
  }

  /** The teacher.* feeds for a training batch (its model inputs are read, its labels ignored). */
  async outputs(batch: Readonly<Record<string, HostTensor>>): Promise<Record<string, HostTensor>> {
    const feeds: Record<string, HostTensor> = {};
    for (const name of MODEL_INPUTS) if (batch[name] !== undefined && this.session.inputNames.includes(name)) feeds[name] = batch[name]!;
    const out = await this.session.run(feeds);
    const teacher: Record<string, HostTensor> = {};
    if (this.needs.logits) teacher[`${TEACHER_INPUT_PREFIX}logits`] = out.mlm_logits ?? out.logits!;
    for (const index of this.needs.hiddenStates) {
      teacher[`${TEACHER_INPUT_PREFIX}hidden_states.${index}`] = out[`hidden_states.${index}`] ?? (index === this.lastLayer ? out.last_hidden_state! : missing(`hidden_states.${index}`));
    }
    for (const layer of this.needs.attentions) teacher[`${TEACHER_INPUT_PREFIX}attentions.${layer}`] = out[`attentions.${layer}`] ?? missing(`attentions.${layer}`);
    return teacher;
  }

  async dispose(): Promise<void> {
    await this.session.dispose();
  }
}

function missing(name: string): never {
  throw new Error(`DistillationTeacher: the teacher's graph has no output ${name}`);
}
