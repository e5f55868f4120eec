// The layer rule of DEVELOPERS.md, checked on the code: lower folders of src/ never import higher ones,
// and no two folders import each other. Every import of src/**/*.ts counts: `import`, `import type`,
// `export … from`, `import()`, and a worker's `new URL('./worker.js', import.meta.url)`.
//
// The order, lowest first, and why each folder sits where it does:
//   io         files and formats (safetensors, pickle, text lines, JSON); imports nothing of ours. The guide
//              lists it after model, but the tokenizer and the model read their files through it, so it is lowest.
//   graph      ONNX graph building, autodiff and emission; imports nothing of ours (graph and io are independent).
//   tokenizer  WordPiece, reading vocabularies and corpora through io.
//   runtime    ONNX Runtime sessions and parameter stores, running graphs.
//   model      BERT and its heads as graphs; checkpoints carry their tokenizer.
//   data       corpora, masking, tasks and shards, tokenized; below training, which consumes it.
//   train, compress, explain, serve, recipes   the features built on the model: a later one may use an earlier
//              one (distillation trains, a server may quantize or explain), never the reverse.
//   index.ts   src/index.ts, the library's public API: it may import every library folder, and only cli imports it.
//   cli        the thin command-line layer over the library; nothing imports it.
// The rule (no core folder imports a feature folder, no library folder imports cli) follows from
// the order; it has its own tests so that a failure names the rule broken.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const LAYERS = ['io', 'graph', 'tokenizer', 'runtime', 'model', 'data', 'train', 'compress', 'explain', 'serve', 'recipes', 'index.ts', 'cli'];
const CORE = ['io', 'graph', 'tokenizer', 'runtime', 'model', 'data'];
const FEATURES = ['train', 'compress', 'explain', 'serve', 'recipes', 'cli'];

/** The TypeScript sources, found from the build this test was compiled into: `<outDir>/test/` → `<repo>/src/`. */
const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** One import: both ends as source paths inside src/ ('model/onnx-export.ts' → 'serve/inference-graph.ts'). */
interface Import {
  file: string;
  target: string;
}

/** Every module a source file refers to, as written ('../serve/x.js', 'node:fs'); comments and strings are not imports. */
function moduleReferences(source: string): string[] {
  const references: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      references.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      references.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      references.push(node.argument.literal.text);
    } else if (ts.isNewExpression(node) && isModuleUrl(node)) {
      references.push((node.arguments![0] as ts.StringLiteral).text);
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile('module.ts', source, ts.ScriptTarget.Latest));
  return references;
}

/** `new URL('literal', import.meta.url)`: how a worker thread's module is named. */
function isModuleUrl(node: ts.NewExpression): boolean {
  const [path, base] = node.arguments ?? [];
  return ts.isIdentifier(node.expression) && node.expression.text === 'URL' && path !== undefined && ts.isStringLiteral(path)
    && base !== undefined && ts.isPropertyAccessExpression(base) && ts.isMetaProperty(base.expression) && base.name.text === 'url';
}

const toSrcPath = (path: string): string => path.split(sep).join('/');

function sourceImports(files: readonly string[]): Import[] {
  return files.flatMap((file) => moduleReferences(readFileSync(join(SRC, file), 'utf8'))
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => ({ file, target: toSrcPath(relative(SRC, resolve(SRC, dirname(file), specifier))).replace(/\.js$/, '.ts') })));
}

/** The layer of a path inside src/: its top folder, or 'index.ts' for the root API; a path outside src/ starts with '..'. */
const layerOf = (path: string): string => (path.includes('/') ? path.slice(0, path.indexOf('/')) : path);

/** The imports that cross from one layer to another and that `allowed(from, to)` forbids, as 'from/file.ts → to/file.ts'. */
function forbidden(imports: readonly Import[], allowed: (from: string, to: string) => boolean): string[] {
  return imports
    .filter(({ file, target }) => layerOf(file) !== layerOf(target) && !allowed(layerOf(file), layerOf(target)))
    .map(({ file, target }) => `${file} → ${target}`);
}

const downward = (from: string, to: string): boolean => LAYERS.indexOf(to) <= LAYERS.indexOf(from);
const coreStaysCore = (from: string, to: string): boolean => !(CORE.includes(from) && FEATURES.includes(to));
const onlyCliImportsCli = (from: string, to: string): boolean => to !== 'cli' || from === 'cli';

/** Groups of layers that import each other, directly or around a loop (Tarjan's strongly connected components). */
function layerCycles(imports: readonly Import[]): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const { file, target } of imports) {
    const from = layerOf(file), to = layerOf(target);
    if (from !== to) edges.set(from, (edges.get(from) ?? new Set()).add(to));
  }
  const index = new Map<string, number>(), lowLink = new Map<string, number>(), stack: string[] = [], cycles: string[][] = [];
  const connect = (layer: string): void => {
    index.set(layer, index.size);
    lowLink.set(layer, index.get(layer)!);
    stack.push(layer);
    for (const next of edges.get(layer) ?? []) {
      if (!index.has(next)) connect(next);
      if (stack.includes(next)) lowLink.set(layer, Math.min(lowLink.get(layer)!, lowLink.get(next)!));
    }
    if (lowLink.get(layer) === index.get(layer)) {
      const component = stack.splice(stack.indexOf(layer));
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const layer of edges.keys()) if (!index.has(layer)) connect(layer);
  return cycles;
}

const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts')).map(toSrcPath);
const imports = sourceImports(files);

test('the checker finds every kind of import, and flags upward imports and loops in a synthetic import list', () => {
  const source = [
    "// import { commented } from '../serve/commented.js';",
    "import {\n  spread,\n  overLines,\n} from '../model/multi-line.js';",
    "import type { OnlyAType } from '../train/types.js';",
    "export * from './same-folder.js';",
    "import { readFileSync } from 'node:fs';",
    "const lazy = await import('../serve/lazy.js');",
    "type Lazy = import('../explain/lazy-type.js').Lazy;",
    "const text = 'import { notAnImport } from \"../cli/x.js\"';",
    "const worker = new Worker(new URL('./worker.js', import.meta.url));",
  ].join('\n');
  assert.deepEqual(moduleReferences(source),
    ['../model/multi-line.js', '../train/types.js', './same-folder.js', 'node:fs', '../serve/lazy.js', '../explain/lazy-type.js', './worker.js']);

  const synthetic: Import[] = [
    { file: 'model/onnx-export.ts', target: 'serve/inference-graph.ts' },
    { file: 'serve/bert-inference.ts', target: 'model/bert.ts' },
    { file: 'data/shards.ts', target: 'cli/progress.ts' },
    { file: 'train/finetune.ts', target: 'serve/batching.ts' },
    { file: 'serve/batching.ts', target: 'serve/pooling.ts' },
    { file: 'index.ts', target: 'train/finetune.ts' },
    { file: 'cli/main.ts', target: 'index.ts' },
  ];
  assert.deepEqual(forbidden(synthetic, downward), ['model/onnx-export.ts → serve/inference-graph.ts', 'data/shards.ts → cli/progress.ts', 'train/finetune.ts → serve/batching.ts']);
  assert.deepEqual(forbidden(synthetic, coreStaysCore), ['model/onnx-export.ts → serve/inference-graph.ts', 'data/shards.ts → cli/progress.ts']);
  assert.deepEqual(forbidden(synthetic, onlyCliImportsCli), ['data/shards.ts → cli/progress.ts']);
  assert.deepEqual(layerCycles(synthetic), [['model', 'serve']]);
  assert.deepEqual(layerCycles([...synthetic, { file: 'cli/main.ts', target: 'data/shards.ts' }]), [['model', 'serve'], ['cli', 'data']]);
});

test('every folder of src/, and everything imported, has a place in the layer order', () => {
  assert.ok(imports.length > 0, `no imports found under ${SRC}`);
  const layers = new Set([...files.map(layerOf), ...imports.map(({ target }) => layerOf(target))]);
  assert.deepEqual([...layers].filter((layer) => !LAYERS.includes(layer)), [], 'give each new folder its place in LAYERS (test/layers.test.ts)');
});

test('io, graph, tokenizer, runtime, model and data import none of train, compress, explain, serve, recipes and cli', () => {
  assert.deepEqual(forbidden(imports, coreStaysCore), []);
});

test('no library folder imports cli', () => {
  assert.deepEqual(forbidden(imports, onlyCliImportsCli), []);
});

test(`lower folders never import higher ones: ${LAYERS.join(' < ')}`, () => {
  assert.deepEqual(forbidden(imports, downward), []);
});

test('no two folders import each other, directly or around a loop', () => {
  assert.deepEqual(layerCycles(imports), []);
});
