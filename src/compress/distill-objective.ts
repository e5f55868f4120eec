// Distillation as an objective of the one training run: the fine-tuning (or pretraining) objective
// with the student's distillation loss in place of its own, and the teacher's outputs added to each
// batch it draws. Data order, evaluation on the dev set, the best checkpoint, early stopping,
// resume and the saved model stay the base objective's, so a distilled student is saved, scored
// and resumed exactly as a fine-tuned model is.
//
// The teacher's forward runs in draw(), which the run calls for update k + 1 while the worker
// trains update k; the teacher's session opens with the base objective's evaluators (after the
// worker) and closes with them.
import type { BertModelState } from '../model/checkpoint.js';
import type { TrainProgram } from '../runtime/train-program.js';
import type { DrawnUpdate, Objective } from '../train/engine/run.js';
import type { Batch } from '../train/engine/train-step.js';
import type { TeacherNeeds } from './distill-loss.js';
import { DistillationTeacher } from './distill-teacher.js';

export interface TeacherSpec {
  readonly model: BertModelState;
  readonly needs: TeacherNeeds;
  /** The batches carry masked_lm_positions (general distillation). */
  readonly maskedPositions?: boolean;
}

/**
 * `base` trained on `program` (the student's distillation loss) with the teacher's outputs in every
 * batch; `identity` (the distillation settings) joins the base identity, so a resumed run must keep them.
 */
export function withTeacher(base: Objective, program: TrainProgram, teacherSpec: TeacherSpec, identity: Readonly<Record<string, unknown>>): Objective {
  let teacher: DistillationTeacher | undefined;
  // With only the hard term (α_ce = α_cos = 0, …) no term reads the teacher: no session, no forward.
  const { needs } = teacherSpec;
  const needed = needs.logits || needs.hiddenStates.length > 0 || needs.attentions.length > 0;
  return {
    ...base,
    program,
    identity: { ...base.identity, ...identity },
    open: async (threads) => {
      await base.open?.(threads);
      if (!needed) return;
      teacher = await DistillationTeacher.create(teacherSpec.model, teacherSpec.needs, {
        ...(threads === undefined ? {} : { threads }),
        maskedPositions: teacherSpec.maskedPositions ?? false,
      });
    },
    draw: async (index): Promise<DrawnUpdate> => {
      const update = await base.draw(index);
      if (!needed) return update;
      if (teacher === undefined) throw new Error('distillation: the teacher is not open (draw before open)');
      const batches: Batch[] = [];
      for (const batch of update.batches) batches.push({ ...batch, ...(await teacher.outputs(batch)) });
      return { ...update, batches };
    },
    dispose: async () => {
      await teacher?.dispose();
      await base.dispose?.();
    },
  };
}
