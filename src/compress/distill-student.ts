// A student cut out of its teacher, as DistilBERT's extract_distilbert.py makes one: the teacher's
// embeddings, K of its N encoder layers and everything above them (pooler, task or MLM head),
// copied; the student has the teacher's config with num_hidden_layers = K.
//
// Which layers: evenly spaced over the teacher's depth, first and last included,
//   layer(i) = round(i · (N − 1) / (K − 1))     i = 0 … K−1   (K = 1: layer 0)
// which for N = 12, K = 6 gives 0, 2, 4, 7, 9, 11 — extract_distilbert.py's hand-picked list
// (11·i/5 = 0, 2.2, 4.4, 6.6, 8.8, 11). Student layer i also learns from teacher layer layer(i)
// when the TinyBERT terms match hidden states and attention maps layer by layer.
import { type BertHeads, basePrefixOf } from '../model/architecture.js';
import type { BertModelState } from '../model/checkpoint.js';
import type { BertConfig } from '../model/config.js';
import { initialParameters } from '../model/initial-parameters.js';

/** The teacher layers (0-based) a K-layer student keeps of an N-layer teacher. */
export function evenlySpacedLayers(teacherLayers: number, studentLayers: number): number[] {
  if (!Number.isInteger(studentLayers) || studentLayers < 1 || studentLayers > teacherLayers) {
    throw new Error(`--student-layers must be an integer from 1 to the teacher's ${teacherLayers} layers, got ${studentLayers}`);
  }
  const step = studentLayers === 1 ? 0 : (teacherLayers - 1) / (studentLayers - 1);
  return Array.from({ length: studentLayers }, (_, i) => Math.round(i * step));
}

/** The student: the teacher's config with `layers.length` layers, its weights copied from the teacher's, layer layers[i] as layer i. */
export function extractStudent(teacher: BertModelState, layers: readonly number[]): BertModelState {
  const config: BertConfig = { ...teacher.config, num_hidden_layers: layers.length };
  const heads: BertHeads = teacher.heads;
  const layerName = new RegExp(`^(${basePrefixOf(heads, teacher.config.model_type).replace('.', '\\.')}encoder\\.layer\\.)(\\d+)(\\..*)$`);
  const teacherName = (name: string): string => name.replace(layerName, (_, prefix: string, index: string, rest: string) => `${prefix}${layers[Number(index)]}${rest}`);
  const { parameters, initialised } = initialParameters(config, heads, 0, (name) => {
    const source = teacherName(name);
    return teacher.parameters.has(source) ? teacher.parameters.get(source).slice() : undefined;
  });
  // Every student parameter has its teacher counterpart (same config but depth): nothing may start random.
  if (initialised.length > 0) throw new Error(`extractStudent: the teacher lacks ${initialised.join(', ')}`);
  return { config, heads, parameters };
}
