// `bertkit distill`: task-specific distillation of a fine-tuned teacher into a smaller student
// (DistilBERT's loss, TinyBERT's intermediate terms on request), trained and saved as finetune
// trains and saves, with the same recipe and data flags; or, with --corpus, general distillation
// of a masked-LM teacher on text, trained as pretraining is.
import { type Command, Option } from 'commander';
import { distillOnCorpus } from '../../compress/distill-general.js';
import { type DistillationSetup, type StudentSource, distill, prepareDistillation } from '../../compress/distill.js';
import { DISTILL_DEFAULTS, type DistillationLoss } from '../../compress/distill-loss.js';
import { taskSpec } from '../../data/tasks/registry.js';
import { type TaskKind, defaultMaxSeqLength } from '../../data/tasks/task.js';
import { sequenceLengthFor } from '../../model/config.js';
import { defaultEpochs } from '../../train/finetune.js';
import { PRETRAIN_DEFAULTS } from '../../train/pretraining-run.js';
import { type ComparisonRow, compareModels, comparisonMarkdown } from '../../serve/compare-models.js';
import { integerAtLeast, number } from '../args.js';
import { ProgressBar } from '../progress.js';
import { CLI_OPTIONS_KEY, cliOptionsRecord, resumedCliOptions } from '../resume-options.js';
import { type RecipeCliOptions, addRecipeOptions, recipeOptions, recipeSettings, reportRun, sayer, stoppableByCtrlC, trainingProgress } from '../task-training.js';
import { type DataCliOptions, addDataOptions, taskLoadOptions } from './finetune.js';

const DISTILL_TASKS: readonly TaskKind[] = ['classification', 'regression', 'ner', 'srl'];

interface DistillCliOptions extends RecipeCliOptions, DataCliOptions {
  teacher?: string;
  student?: string;
  studentLayers?: number;
  task?: TaskKind;
  train?: string;
  dev?: string;
  corpus?: string[];
  maxSteps?: number;
  output: string;
  temperature: number;
  alphaCe: number;
  alphaHard: number;
  alphaCos: number;
  alphaHiddenMse: number;
  alphaAttentionMse: number;
  compare: boolean;
}

export function registerDistill(program: Command): void {
  const weight = number({ min: 0 });
  const command = program
    .command('distill')
    .description('distil a fine-tuned teacher into a smaller student (DistilBERT\'s soft targets + labels + hidden-state cosine), saving the best dev checkpoint as a Hugging Face model directory; or, with --corpus, a masked-LM teacher into a smaller pretrained model')
    // Required unless resuming: a resumed run takes its options from the checkpoint.
    .option('--teacher <dir>', 'the fine-tuned teacher (bertkit finetune\'s output, or a Hugging Face task model with its tokenizer) (required)')
    .option('--student-layers <k>', 'a student of k teacher layers, evenly spaced (12 → 6 keeps 0,2,4,7,9,11), with the teacher\'s embeddings, pooler and head', integerAtLeast(1))
    .option('--student <dir>', 'a student model directory sharing the teacher\'s vocabulary (e.g. a general-distilled one)')
    .addOption(new Option('--task <kind>', 'task-specific distillation of a fine-tuned teacher').choices([...DISTILL_TASKS]))
    .option('--train <file>', 'training data (tsv/csv/jsonl tables; CoNLL for ner; CoNLL-U PropBank for srl), with the teacher\'s labels')
    .option('--dev <file>', 'dev data: scored every epoch, picks the best checkpoint')
    .option('--corpus <paths...>', 'general distillation of a masked-LM teacher on text files or folders (instead of --task); --alpha-hard weighs the MLM loss')
    .option('--max-steps <n>', 'with --corpus: optimizer updates', integerAtLeast(1))
    .requiredOption('--output <dir>', 'where the student, log.jsonl, training_curve.svg and eval_results.json go')
    .option('--temperature <t>', 'softmax temperature of the soft targets', number({ above: 0 }), DISTILL_DEFAULTS.temperature)
    .option('--alpha-ce <w>', 'weight of the soft-target KL · T² (regression: squared error to the teacher)', weight, DISTILL_DEFAULTS.alphaSoft)
    .option('--alpha-hard <w>', 'weight of the task loss on the labels', weight, DISTILL_DEFAULTS.alphaHard)
    .option('--alpha-cos <w>', 'weight of the cosine loss between the last hidden states', weight, DISTILL_DEFAULTS.alphaCosine)
    .option('--alpha-hidden-mse <w>', 'TinyBERT: weight of the MSE between matched layers\' hidden states (embeddings included)', weight, DISTILL_DEFAULTS.alphaHidden)
    .option('--alpha-attention-mse <w>', 'TinyBERT: weight of the MSE between matched layers\' attention maps', weight, DISTILL_DEFAULTS.alphaAttention)
    .option('--no-compare', 'skip the closing table (bertkit compare on --dev: the teacher, the student and its int8 form)');
  addDataOptions(addRecipeOptions(command)).action(async (given: DistillCliOptions, self: Command) => {
    const options = given.resume === undefined ? given : resumedCliOptions(self, given, given.resume);
    if (options.teacher === undefined) throw new Error('distill: give --teacher (or --resume a checkpoint, which records it)');
    if ((options.student === undefined) === (options.studentLayers === undefined)) throw new Error('distill: give exactly one of --student-layers and --student');
    const student: StudentSource = options.student !== undefined ? { dir: options.student } : { layers: options.studentLayers! };
    if ((options.task === undefined) === (options.corpus === undefined)) throw new Error('distill: give --task (with --train) for task-specific distillation, or --corpus for general distillation');
    if (options.corpus !== undefined) {
      if (options.maxSteps === undefined) throw new Error('distill: --corpus needs --max-steps');
      for (const [flag, value] of [['--dropout', options.dropout], ['--time-budget', options.timeBudget]] as const) {
        if (value !== undefined) throw new Error(`distill: ${flag} applies to task distillation (--task); --corpus runs --max-steps updates with the student's dropout`);
      }
      // Finetune's learning rate (2e-5) is far too low to train a student from text; pretraining's default unless
      // given (a resumed run's is recorded).
      const learningRate = self.getOptionValueSource('learningRate') === 'default' && given.resume === undefined ? PRETRAIN_DEFAULTS.learningRate : options.learningRate;
      await runCorpusDistill({ ...options, learningRate }, options.teacher, student, options.corpus, options.maxSteps);
      return;
    }
    if (options.train === undefined) throw new Error('distill: --task needs --train');
    await runDistill(options, options.teacher, student, options.task!, options.train);
  });
}

function lossOf(options: DistillCliOptions): DistillationLoss {
  return {
    temperature: options.temperature, alphaSoft: options.alphaCe, alphaHard: options.alphaHard, alphaCosine: options.alphaCos,
    alphaHidden: options.alphaHiddenMse, alphaAttention: options.alphaAttentionMse,
  };
}

/** Paths recorded absolute, so that a run resumes from another working directory. */
const PATH_OPTIONS = new Set(['teacher', 'student', 'train', 'dev', 'corpus']);

async function runDistill(options: DistillCliOptions, teacher: string, student: StudentSource, task: TaskKind, trainFile: string): Promise<void> {
  const setup = await prepareDistillation(teacher, student, { kind: task, ...(options.multiLabel ? { multiLabel: true } : {}) }, options.seed);
  const say = sayer(options.quiet);
  say(`bertkit distill: a ${setup.layerMap.length}-layer student of the ${setup.teacher.config.num_hidden_layers}-layer teacher (learning from teacher layers ${setup.layerMap.join(', ')})${describeInitialised(setup)}`);

  const spec = taskSpec(task);
  const loadOptions = taskLoadOptions(options);
  const maxSeqLength = sequenceLengthFor(setup.teacher.config, options.maxSeqLength, defaultMaxSeqLength(task), '--max-seq-length');
  if (maxSeqLength !== defaultMaxSeqLength(task)) loadOptions.maxSeqLength = maxSeqLength;
  const withLabels = { ...loadOptions, ...(setup.labels.length > 0 ? { labels: [...setup.labels] } : {}) };
  const train = await spec.load(trainFile, setup.tokenizer, withLabels);
  const dev = options.dev === undefined ? undefined : await spec.load(options.dev, setup.tokenizer, withLabels);
  const epochs = options.epochs ?? defaultEpochs(train.examples.length);
  say(`${train.examples.length} training examples (${train.features.length} features)${dev ? `, ${dev.examples.length} dev examples` : ''}, ${epochs} epochs`);

  const loss = lossOf(options);
  const settings = {
    task, teacher, student: options.student ?? null, studentLayers: setup.layerMap.length, teacherLayers: setup.layerMap,
    train: trainFile, dev: options.dev ?? null, ...loadOptions, ...recipeSettings(options, epochs), ...loss,
    [CLI_OPTIONS_KEY]: cliOptionsRecord(options, PATH_OPTIONS),
  };
  const progress = trainingProgress('distill', options, spec.primaryMetric);
  await stoppableByCtrlC('distill', options.saveSteps, async (signal) => {
    const result = await distill({
      setup, loss, task: spec, train, ...(dev ? { dev } : {}), ...recipeOptions(options, epochs, dev !== undefined),
      seed: options.seed, outputDir: options.output, settings, signal, onStep: progress.onStep!, onEval: progress.onEval!,
      ...(options.resume === undefined ? {} : { resume: options.resume }),
    }).finally(() => progress.stop());
    const finished = !result.interrupted && options.compare && options.dev !== undefined;
    const comparison = finished ? await compareTeacherAndStudent(teacher, options.output, options.dev!, options) : undefined;
    reportRun(result, options.output, { student_layers: setup.layerMap.length, teacher_layers: setup.layerMap, ...(comparison ? { comparison } : {}) });
  });
}

/** bertkit compare's table of the teacher, the student and the int8 student on the dev file, on stderr (the rows also go into the run's JSON). */
async function compareTeacherAndStudent(teacher: string, student: string, dev: string, options: DistillCliOptions): Promise<ComparisonRow[]> {
  const say = sayer(options.quiet);
  say('bertkit distill: comparing the teacher and the student on --dev');
  const rows = await compareModels([{ dir: teacher, dtype: 'fp32' }, { dir: student, dtype: 'fp32' }, { dir: student, dtype: 'q8' }], undefined, dev, {
    ...(options.threads === undefined ? {} : { threads: options.threads }),
  });
  process.stderr.write(comparisonMarkdown(rows));
  return rows;
}

function describeInitialised(setup: DistillationSetup): string {
  return setup.initialised.length === 0 ? '' : `; initialised ${setup.initialised.length} student parameters (${setup.initialised.join(', ')})`;
}

/** General distillation: a pretraining run on the corpus with the distillation loss; prints the held-out MLM scores. */
async function runCorpusDistill(options: DistillCliOptions, teacher: string, student: StudentSource, corpus: string[], maxSteps: number): Promise<void> {
  const say = sayer(options.quiet);
  const progress = new ProgressBar({ label: 'distill', total: maxSteps, unit: 'steps' }, { quiet: options.quiet === true });
  const result = await stoppableByCtrlC('distill', options.saveSteps, (signal) => distillOnCorpus({
    teacher, student, loss: lossOf(options), corpus, settings: { [CLI_OPTIONS_KEY]: cliOptionsRecord(options, PATH_OPTIONS) }, outputDir: options.output, maxSteps,
    ...(options.maxSeqLength === undefined ? {} : { maxSeqLength: options.maxSeqLength }),
    batchSize: options.batchSize, gradientAccumulationSteps: options.gradientAccumulationSteps, learningRate: options.learningRate,
    warmupSteps: Math.round(options.warmupRatio * maxSteps), lrScheduler: options.lrScheduler, weightDecay: options.weightDecay,
    adamEpsilon: options.adamEpsilon, maxGradNorm: options.maxGradNorm, seed: options.seed, saveSteps: options.saveSteps, evalSteps: options.evalSteps,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    ...(options.resume === undefined ? {} : { resume: options.resume }),
    ...(options.overwriteOutputDir ? { overwriteOutputDir: true } : {}),
    signal, onMessage: say, onStep: (entry) => progress.update(entry.step),
    onEval: (entry) => say(`step ${entry.step}: held-out MLM loss ${entry.mlm_loss.toFixed(4)}, accuracy ${entry.mlm_accuracy.toFixed(4)}`),
  })).finally(() => progress.stop());
  const evaluation = result.evaluation;
  process.stdout.write(`${JSON.stringify({
    steps: result.step, loss: result.losses.at(-1) ?? null, mlm_loss: evaluation?.mlmLoss ?? null, mlm_accuracy: evaluation?.mlmAccuracy ?? null,
    interrupted: result.interrupted, output: options.output,
  })}\n`);
}
