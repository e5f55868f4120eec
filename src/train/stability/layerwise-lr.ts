// Layer-wise learning-rate decay (Howard & Ruder 2018; Sun et al. 2019 for BERT): lower layers hold
// general features and move less. With L layers numbered 1..L from the bottom and the embeddings as
// layer 0, layer l trains at lr·decay^(L−l); the pooler and the task head train at the full lr.

const LAYER = /^(?:bert\.|electra\.)?encoder\.layer\.(\d+)\./;
const EMBEDDINGS = /^(?:bert\.|electra\.)?embeddings\./;

/** The depth LLRD assigns a parameter: 0 = embeddings, l = encoder layer l (1-based), L + 1 = above the encoder. */
export function depthOf(name: string, numLayers: number): number {
  const layer = LAYER.exec(name);
  if (layer !== null) return Number(layer[1]) + 1;
  return EMBEDDINGS.test(name) ? 0 : numLayers + 1;
}

/** The learning-rate multiplier of each parameter: decay^(L − depth), and 1 above the encoder. */
export function layerwiseLearningRateScales(names: Iterable<string>, numLayers: number, decay: number): Record<string, number> {
  if (!(decay > 0 && decay <= 1)) throw new Error(`--layer-lr-decay must be in (0, 1], got ${decay}`);
  const scales: Record<string, number> = {};
  for (const name of names) scales[name] = decay ** Math.max(0, numLayers - depthOf(name, numLayers));
  return scales;
}
