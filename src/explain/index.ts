// Explanations' public API: attributions (integrated gradients, gradient × input, attention rollout)
// and attention maps of a model's predictions, and the viewer page that shows them.
export { EXPLAIN_METHODS, Explainer, explain, isExplainMethod, type ExplainMethod, type ExplainOptions, type Explanation, type ExplainerOptions } from './explain.js';
export { attentionRollout } from './attention-rollout.js';
export { gaussLegendre, type Quadrature } from './gauss-legendre.js';
export { viewerHtml, writeViewerHtml } from './viewer-page.js';
export { VIEWER_SCRIPT } from './viewer-script.js';
export { VIEWER_STYLE } from './viewer-style.js';
