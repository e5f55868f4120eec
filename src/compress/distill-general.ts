// General distillation on a corpus, as DistilBERT was trained: a student with the teacher's masked-LM
// head learns, at the masked positions of pretraining batches, the teacher's MLM distribution (soft
// targets, KL · T²) and the masked tokens themselves (α_mlm, the hard term), and the teacher's last
// hidden states (cosine) at every real token. No next-sentence prediction (DistilBERT dropped it).
// The result is a smaller pretrained model, made once and fine-tuned (or task-distilled with
// --student) many times.
//
// It is a pretraining run (pretraining-run.ts: corpus shards, masking, held-out MLM evaluation,
// checkpoints, resume) whose objective withTeacher changes; the student cut out of the teacher is
// written to OUTPUT/student-init first and the run continues from it (--init).
import { join } from 'node:path';
import { headsOf } from '../model/architecture.js';
import { type BertModelState, loadBert, saveBert } from '../model/checkpoint.js';
import { readBertConfig } from '../model/config.js';
import { BertTokenizer } from '../tokenizer/bert-tokenizer.js';
import type { PretrainResult } from '../train/pretrain.js';
import { type PretrainingRunOptions, runPretraining } from '../train/pretraining-run.js';
import { DISTILL_DEFAULTS, type DistillationLoss, buildDistillationProgram } from './distill-loss.js';
import { withTeacher } from './distill-objective.js';
import { evenlySpacedLayers, extractStudent } from './distill-student.js';
import { type StudentSource, checkSameVocabulary, distillationIdentity } from './distill.js';

export interface CorpusDistillOptions extends Omit<PretrainingRunOptions, 'preset' | 'config' | 'init' | 'vocab' | 'vocabSize' | 'addTokens' | 'nsp' | 'sentenceOrder' | 'objective' | 'generatorSize' | 'transformObjective' | 'batchFile'> {
  /** A model with a masked-LM head (BertForPreTraining or BertForMaskedLM) and its tokenizer. */
  readonly teacher: string;
  readonly student: StudentSource;
  readonly loss?: Partial<DistillationLoss>;
}

export async function distillOnCorpus(options: CorpusDistillOptions): Promise<PretrainResult> {
  const { teacher: teacherDir, student: source, loss: lossOptions, ...run } = options;
  const loss: DistillationLoss = { ...DISTILL_DEFAULTS, ...lossOptions };
  const heads = headsOf('BertForMaskedLM');
  const teacherConfig = readBertConfig(join(teacherDir, 'config.json'));
  const teacher = await loadBert(teacherDir, { heads, warn: () => {} });
  if (teacher.report.missing.length > 0) {
    throw new Error(`--teacher ${teacherDir}: general distillation needs the teacher's masked-LM head (a BertForPreTraining or BertForMaskedLM model); the checkpoint lacks ${teacher.report.missing.slice(0, 5).join(', ')}`);
  }
  const tokenizer = BertTokenizer.fromPretrained(teacherDir);
  let student: BertModelState;
  if ('layers' in source) {
    student = extractStudent(teacher, evenlySpacedLayers(teacherConfig.num_hidden_layers, source.layers));
  } else {
    const studentConfig = readBertConfig(join(source.dir, 'config.json'));
    checkSameVocabulary(teacherDir, tokenizer, teacherConfig, source.dir, studentConfig);
    if (studentConfig.num_hidden_layers > teacherConfig.num_hidden_layers) throw new Error(`--student ${source.dir} has ${studentConfig.num_hidden_layers} layers, more than the teacher's ${teacherConfig.num_hidden_layers}`);
    student = await loadBert(source.dir, { heads, seed: run.seed ?? 0, warn: () => {} });
  }
  const layerMap = evenlySpacedLayers(teacherConfig.num_hidden_layers, student.config.num_hidden_layers);
  const { program, teacherNeeds } = buildDistillationProgram(student.config, heads, { loss, layerMap, teacherConfig, maskedPositions: true });
  const initDir = join(run.outputDir, 'student-init');
  if (run.resume === undefined) saveBert(initDir, student, { tokenizer });
  return runPretraining({
    ...run,
    init: initDir,
    nsp: false,
    transformObjective: (base) => withTeacher(base, program, { model: teacher, needs: teacherNeeds, maskedPositions: true }, distillationIdentity(loss, layerMap)),
  });
}
