// The registry of fine-tuning tasks: each task kind's reader, encoder and metrics, by name.
// Kept apart from task.ts (the types every task imports) so that no task imports the registry.

import { classificationTask, regressionTask, similarityTask } from './classification.js';
import { nerTask } from './ner.js';
import { qaTask } from './squad.js';
import { srlTask } from './srl.js';
import type { TaskKind, TaskSpec, TaskSpecOptions } from './task.js';

/** The reader, encoder and metrics of one kind of task. */
export function taskSpec(kind: TaskKind, options: TaskSpecOptions = {}): TaskSpec {
  switch (kind) {
    case 'classification':
      return classificationTask;
    case 'regression':
      return regressionTask;
    case 'similarity':
      return similarityTask;
    case 'ner':
      return nerTask(options.nerMode);
    case 'srl':
      return srlTask;
    case 'qa':
      return qaTask(options);
    default:
      throw new Error(`unknown task kind '${String(kind)}' (expected classification, regression, similarity, ner, srl or qa)`);
  }
}
