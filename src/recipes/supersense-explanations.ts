// The story's last look at its model: integrated gradients and attention maps for held-out
// definitions the saved classifier gets right and ones it gets wrong, as one viewer page
// (explain/viewer-page.ts). The 20 Gauss–Legendre steps of a definition (median 13 tokens) run as
// one batch of ~300 tokens forward and backward through the small model, a fraction of a second, so
// a few dozen candidates cost seconds of the 15-minute budget.
import { type SupersenseExample, SUPERSENSE_LABELS } from '../data/supersense.js';
import { Explainer } from '../explain/explain.js';
import { writeViewerHtml } from '../explain/viewer-page.js';

/** Held-out definitions searched for right and wrong predictions. */
const CANDIDATES = 40;
/** Of each kind, on the page. */
const SHOWN = 3;

/** Writes the page to `path`; returns how many right and wrong predictions it shows. */
export async function writeHeldOutExplanations(modelDir: string, heldOut: readonly SupersenseExample[], path: string, threads?: number): Promise<{ right: number; wrong: number }> {
  const explainer = await Explainer.load(modelDir, threads === undefined ? {} : { threads });
  try {
    const candidates = heldOut.slice(0, CANDIDATES);
    const records = await explainer.explain(candidates.map((example) => example.text), { method: 'integrated-gradients', steps: 20, attentions: true });
    const isRight = records.map((record, index) => record.target === SUPERSENSE_LABELS[candidates[index]!.label]);
    const right = records.filter((_, index) => isRight[index]).slice(0, SHOWN);
    const wrong = records.filter((_, index) => !isRight[index]).slice(0, SHOWN);
    writeViewerHtml(path, [...right, ...wrong], `Held-out WordNet definitions: ${right.length} predicted right, then ${wrong.length} wrong`);
    return { right: right.length, wrong: wrong.length };
  } finally {
    await explainer.dispose();
  }
}
