// Servers over the bert-tiny fixtures for the HTTP tests: model directories (the fixture's
// classification checkpoints beside its tokenizer files; a question-answering model made from the
// fixture's encoder with a freshly initialised head), servers on a free port, JSON requests.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headsOf } from '../../../src/model/architecture.js';
import { loadBert, saveBert } from '../../../src/model/checkpoint.js';
import { type BertServer, type ServeOptions, startServer } from '../../../src/serve/http/server.js';
import { BertTokenizer } from '../../../src/tokenizer/bert-tokenizer.js';
import { fixturePath } from '../../model/fixture.js';

export const quiet = { warn: () => {} };

/** A scratch folder removed when the test file ends. */
export function scratch(after: (fn: () => void) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'bertkit-serve-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The fixture's sequence- or token-classification checkpoint with the fixture's tokenizer files. */
export function classifierDir(root: string, kind: 'sequence-classification' | 'token-classification'): string {
  const dir = join(root, kind);
  mkdirSync(dir);
  for (const file of ['config.json', 'model.safetensors']) symlinkSync(fixturePath(kind, file), join(dir, file));
  for (const file of ['vocab.txt', 'tokenizer_config.json']) symlinkSync(fixturePath(file), join(dir, file));
  return dir;
}

/** A BertForQuestionAnswering: the fixture's encoder, a qa_outputs head initialised with seed 0. */
export async function questionAnsweringDir(root: string): Promise<string> {
  const dir = join(root, 'question-answering');
  const model = await loadBert(fixturePath(), { heads: headsOf('BertForQuestionAnswering'), ...quiet });
  saveBert(dir, model, { tokenizer: BertTokenizer.fromPretrained(fixturePath()) });
  return dir;
}

/** A server on a free loopback port whose model has loaded. */
export async function serve(model: string, options: Omit<ServeOptions, 'model'> = {}): Promise<BertServer> {
  const server = await startServer({ model, port: 0, threads: 1, ...options });
  await server.loaded;
  return server;
}

export interface JsonAnswer<T = unknown> {
  readonly status: number;
  readonly body: T;
}

export async function post<T = unknown>(server: BertServer, route: string, body: unknown, headers: Record<string, string> = {}): Promise<JsonAnswer<T>> {
  const response = await fetch(server.url + route, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

export async function get(server: BertServer, route: string): Promise<{ status: number; text: string }> {
  const response = await fetch(server.url + route);
  return { status: response.status, text: await response.text() };
}
