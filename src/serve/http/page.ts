// GET /: a page to try the served model: type a text, see what each of the model's routes says
// about it (the predicted labels, the entities marked in the text, the [MASK] candidates, the
// answer to a question, the embedding's first values), and on request its explanation in the
// explanation viewer (explain/viewer-script.ts, sent as the module /viewer.js). Self-contained, no CDN:
// the server may have no internet, and neither may its users. It reads /info to learn the routes
// and calls them as any client does (with the API key typed in, when the server wants one). Text
// from the model or the user only ever goes into textContent, never into markup.
import type { FastifyInstance } from 'fastify';
import { EXPLAIN_METHODS } from '../../explain/explain.js';
import { VIEWER_SCRIPT } from '../../explain/viewer-script.js';
import { VIEWER_STYLE } from '../../explain/viewer-style.js';

/** The page's routes: no API key needed (the page asks for one to call the others). */
export const PAGE_ROUTES = ['/', '/viewer.js'] as const;

export function registerPage(app: FastifyInstance): void {
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
  app.get('/viewer.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(VIEWER_SCRIPT));
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bertkit serve</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.3rem; margin-bottom: 0; }
  #model { color: #666; margin-top: 0.2rem; }
  textarea, input[type=text], input[type=password] { width: 100%; box-sizing: border-box; font: inherit; padding: 0.4rem; }
  textarea { min-height: 5rem; }
  button { font: inherit; padding: 0.3rem 1.2rem; margin: 0.5rem 0; }
  section { border-top: 1px solid #ddd; margin-top: 1rem; }
  section[hidden] { display: none; }
  h2 { font-size: 1rem; }
  ol { padding-left: 1.5rem; }
  .bar { display: inline-block; height: 0.7rem; background: #4a7bd0; margin-right: 0.5rem; vertical-align: middle; }
  mark { background: #ffe08a; padding: 0 0.15rem; border-radius: 0.2rem; }
  mark small { color: #7a5a00; margin-left: 0.2rem; font-size: 0.7rem; }
  #error { color: #b00020; white-space: pre-wrap; }
  .hint { color: #666; font-size: 0.85rem; }
  code { font-size: 0.85rem; }
</style>
<style>${VIEWER_STYLE}</style>
</head>
<body>
<h1>bertkit serve</h1>
<p id="model">loading…</p>
<label for="text">Text</label>
<textarea id="text">Paris is the capital of [MASK].</textarea>
<div id="question-box" hidden><label for="question">Question (the text is the context)</label><input type="text" id="question" value="What is the capital of France?"></div>
<details><summary class="hint">API key</summary><input type="password" id="api-key" placeholder="only when the server was started with --api-key"></details>
<button id="run" disabled>Run</button>
<p id="error"></p>
<section id="prediction-section" hidden><h2>Prediction <span class="hint">/predict</span></h2><ol id="prediction"></ol></section>
<section id="entities-section" hidden><h2>Entities <span class="hint">/ner</span></h2><p id="entities"></p></section>
<section id="fill-mask-section" hidden><h2>[MASK] candidates <span class="hint">/fill-mask</span></h2><div id="fill-mask"></div></section>
<section id="answer-section" hidden><h2>Answer <span class="hint">/qa</span></h2><p id="answer"></p></section>
<section id="explain-section" hidden><h2>Explanation <span class="hint">/explain</span></h2>
<select id="explain-method">${EXPLAIN_METHODS.map((method) => `<option>${method}</option>`).join('')}</select> <button id="explain">Explain</button>
<div id="bertkit-viewer"></div></section>
<section id="embedding-section" hidden><h2>Embedding <span class="hint">/embed</span></h2><p><code id="embedding"></code></p></section>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
let routes = [];
let maskToken = "[MASK]";

function element(tag, text, attributes) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  return node;
}

async function call(route, body) {
  const headers = { "content-type": "application/json" };
  const key = $("api-key").value;
  if (key) headers.authorization = "Bearer " + key;
  const response = await fetch(route, { method: "POST", headers, body: JSON.stringify(body) });
  const answer = await response.json();
  if (!response.ok) throw new Error(route + ": " + response.status + " " + (answer.error || answer.message || ""));
  return answer;
}

function showPrediction(labels) {
  const list = $("prediction");
  list.replaceChildren(...labels.map(({ label, score }) => {
    const item = element("li", undefined, { "data-label": label, "data-score": String(score) });
    item.append(element("span", undefined, { class: "bar", style: "width:" + Math.round(Math.max(0, Math.min(1, score)) * 12) + "rem" }));
    item.append(element("span", label + " " + score.toFixed(3)));
    return item;
  }));
}

function showEntities(text, entities) {
  const parts = [];
  let at = 0;
  for (const entity of entities) {
    parts.push(document.createTextNode(text.slice(at, entity.start)));
    const mark = element("mark", text.slice(entity.start, entity.end), { "data-entity": entity.entity_group, "data-start": String(entity.start), "data-end": String(entity.end), title: entity.entity_group + " " + entity.score.toFixed(3) });
    mark.append(element("small", entity.entity_group));
    parts.push(mark);
    at = entity.end;
  }
  parts.push(document.createTextNode(text.slice(at)));
  $("entities").replaceChildren(...parts);
}

function showFillMask(masks) {
  $("fill-mask").replaceChildren(...masks.map((candidates, mask) => {
    const list = element("ol", undefined, { "data-mask": String(mask) });
    list.append(...candidates.map(({ token_str, score }) => element("li", token_str + " " + score.toFixed(3), { "data-token": token_str, "data-score": String(score) })));
    return list;
  }));
}

async function run() {
  const text = $("text").value;
  $("error").textContent = "";
  document.body.dataset.state = "running";
  const jobs = [];
  const failed = [];
  const job = (promise) => jobs.push(promise.catch((error) => failed.push(error.message)));
  if (routes.includes("/predict")) job(call("/predict", { inputs: text, truncate: true }).then(showPrediction));
  if (routes.includes("/ner")) job(call("/ner", { inputs: text, truncate: true }).then((entities) => showEntities(text, entities)));
  if (routes.includes("/fill-mask")) {
    if (text.includes(maskToken)) job(call("/fill-mask", { inputs: text, truncate: true }).then(showFillMask));
    else $("fill-mask").replaceChildren(element("p", "Put " + maskToken + " in the text to see the model's candidates.", { class: "hint" }));
  }
  if (routes.includes("/qa")) {
    job(call("/qa", { question: $("question").value, context: text, truncate: true }).then((answer) => {
      $("answer").replaceChildren(element("mark", answer.answer, { "data-start": String(answer.start), "data-end": String(answer.end) }), element("span", " " + answer.score.toFixed(3), { class: "hint" }));
    }));
  }
  job(call("/embed", { inputs: text, truncate: true }).then(([embedding]) => {
    $("embedding").textContent = embedding.length + " dimensions: [" + embedding.slice(0, 6).map((x) => x.toFixed(4)).join(", ") + ", …]";
  }));
  await Promise.all(jobs);
  $("error").textContent = failed.join("\\n");
  document.body.dataset.state = failed.length === 0 ? "done" : "failed";
}

async function start() {
  const response = await fetch("/info", { headers: $("api-key").value ? { authorization: "Bearer " + $("api-key").value } : {} });
  const info = await response.json();
  if (!response.ok) {
    $("model").textContent = info.error || "the server is not ready";
    setTimeout(start, 1000);
    return;
  }
  routes = info.bertkit.routes;
  $("model").textContent = info.model_id + " · " + info.bertkit.architecture + " · up to " + info.max_input_length + " tokens";
  $("prediction-section").hidden = !routes.includes("/predict");
  $("entities-section").hidden = !routes.includes("/ner");
  $("fill-mask-section").hidden = !routes.includes("/fill-mask");
  $("answer-section").hidden = !routes.includes("/qa");
  $("question-box").hidden = !routes.includes("/qa");
  $("embedding-section").hidden = false;
  $("explain-section").hidden = !routes.includes("/explain");
  if (!routes.includes("/fill-mask")) $("text").value = "Ada Lovelace wrote the first program in London.";
  $("run").disabled = false;
  document.body.dataset.state = "ready";
}

async function explainText() {
  $("error").textContent = "";
  document.body.dataset.state = "explaining";
  try {
    const record = await call("/explain", { inputs: $("text").value, method: $("explain-method").value, truncate: true });
    window.bertkitViewer = window.renderExplanations($("bertkit-viewer"), [record]);
    document.body.dataset.state = "explained";
  } catch (error) {
    $("error").textContent = error.message;
    document.body.dataset.state = "failed";
  }
}

$("run").addEventListener("click", run);
$("explain").addEventListener("click", explainText);
start();
</script>
<script type="module">
import { renderExplanations } from "/viewer.js";
window.renderExplanations = renderExplanations;
</script>
</body>
</html>
`;
