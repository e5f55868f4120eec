// Matches checkpoint tensors to the parameters a model expects, the way Hugging Face's
// from_pretrained does: legacy LayerNorm names, with or without the base-model prefix, a tied
// decoder, and a report of missing and unexpected keys.
import type { NamedTensor } from './safetensors.js';

export interface LoadReport {
  /** Expected parameters the checkpoint lacks (the caller initialises them, as HF does). */
  missing: string[];
  /** Checkpoint tensors the model has no use for. */
  unexpected: string[];
}

/** TF-era checkpoints and early PyTorch ports call LayerNorm's parameters gamma and beta. */
export function modernName(name: string): string {
  return name.replace(/LayerNorm\.gamma$/, 'LayerNorm.weight').replace(/LayerNorm\.beta$/, 'LayerNorm.bias');
}

/**
 * Renames checkpoint tensors to the names `expected` uses and checks shapes.
 * `basePrefix` is the base model's attribute name ('bert.'): a BertModel checkpoint lacks it, a
 * head checkpoint has it; either loads into either, as in transformers.
 * `aliases` map an expected name to a checkpoint name that can stand for it (a tied decoder).
 */
export function matchStateDict(
  checkpoint: Map<string, NamedTensor>,
  expected: Map<string, number[]>,
  options: { source: string; basePrefix?: string; aliases?: Map<string, string> },
): { tensors: Map<string, NamedTensor>; report: LoadReport } {
  const prefix = options.basePrefix ?? 'bert.';
  const renamed = new Map<string, NamedTensor>();
  for (const [name, tensor] of checkpoint) renamed.set(modernName(name), tensor);

  const lookup = (name: string): [string, NamedTensor] | undefined => {
    const candidates = name.startsWith(prefix) ? [name, name.slice(prefix.length)] : [name, prefix + name];
    const alias = options.aliases?.get(name);
    if (alias) candidates.push(alias);
    for (const candidate of candidates) {
      const tensor = renamed.get(candidate);
      if (tensor) return [candidate, tensor];
    }
    return undefined;
  };

  const tensors = new Map<string, NamedTensor>();
  const used = new Set<string>();
  const missing: string[] = [];
  for (const [name, shape] of expected) {
    const found = lookup(name);
    if (!found) {
      missing.push(name);
      continue;
    }
    const [checkpointName, tensor] = found;
    if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i])) {
      throw new Error(`${options.source}: ${checkpointName} has shape [${tensor.shape.join(', ')}], the model config expects [${shape.join(', ')}] for ${name}`);
    }
    used.add(checkpointName);
    tensors.set(name, asFloat32(tensor, checkpointName, options.source));
  }
  const unexpected = [...renamed.keys()].filter((name) => !used.has(name));
  return { tensors, report: { missing, unexpected } };
}

/** Parameters are float32: F64 tensors are narrowed, as torch's model.float() does; integer and bool ones are refused. */
function asFloat32(tensor: NamedTensor, checkpointName: string, source: string): NamedTensor {
  if (tensor.data instanceof Float32Array) return tensor;
  if (tensor.data instanceof Float64Array) return { dtype: 'F32', shape: tensor.shape, data: Float32Array.from(tensor.data) };
  throw new Error(`${source}: ${checkpointName} is ${tensor.dtype}; parameters must be floating point (F32, F16, BF16 or F64)`);
}
