// Model sizes to pretrain from scratch, named as the BERT miniatures (Turc et al. 2019, google-research/bert):
// layers / hidden, heads = hidden / 64, FFN = 4 × hidden; everything else HF's BertConfig defaults.
import { BERT_DEFAULTS, type BertConfig, parseBertConfig } from '../model/config.js';

export const PRESETS = {
  tiny: { layers: 2, hidden: 128 },
  mini: { layers: 4, hidden: 256 },
  small: { layers: 4, hidden: 512 },
  medium: { layers: 8, hidden: 512 },
  base: { layers: 12, hidden: 768 },
} as const satisfies Record<string, { layers: number; hidden: number }>;

export type PresetName = keyof typeof PRESETS;

export function isPresetName(name: string): name is PresetName {
  return Object.hasOwn(PRESETS, name);
}

/** The BertConfig of a preset for a vocabulary of `vocabSize` tokens. */
export function presetConfig(name: string, vocabSize: number): BertConfig {
  if (!isPresetName(name)) throw new Error(`unknown preset '${name}' (expected one of ${Object.keys(PRESETS).join(', ')})`);
  const { layers, hidden } = PRESETS[name];
  return parseBertConfig({
    ...BERT_DEFAULTS,
    vocab_size: vocabSize,
    hidden_size: hidden,
    num_hidden_layers: layers,
    num_attention_heads: hidden / 64,
    intermediate_size: 4 * hidden,
  }, `preset '${name}'`);
}
