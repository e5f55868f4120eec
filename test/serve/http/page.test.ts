// The page at GET / in headless Chromium (Debian's chromium through puppeteer-core): typing a text
// and pressing Run shows what the routes answer — the [MASK] candidates of a masked-LM model, the
// entities of a token classifier marked in the text, a classifier's labels and, on Explain, its
// attributions in the explanation viewer.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { BertServer } from '../../../src/serve/http/server.js';
import { skipWithoutShared } from '../../helpers/shared.js';
import { FIXTURE, fixturePath } from '../../model/fixture.js';
import { classifierDir, post, scratch, serve } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = skipWithoutShared(FIXTURE, 'token-classification', 'model.safetensors')
  || (existsSync(CHROMIUM) ? false : `needs Chromium at ${CHROMIUM} (apt-get install chromium), which is absent`);

let browser: Browser;
const profile = mkdtempSync(join(tmpdir(), 'bertkit-serve-chromium-'));
const root = scratch(after);
before(async () => {
  if (skip) return;
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`],
  });
});
after(async () => {
  await browser?.close();
  rmSync(profile, { recursive: true, force: true });
});

/** Opens the server's page, types `text`, presses Run and waits for every answer. */
async function runPage(server: BertServer, text: string): Promise<Page> {
  const page = await browser.newPage();
  const failures: string[] = [];
  page.on('pageerror', (error) => failures.push(String(error)));
  page.on('requestfailed', (request) => failures.push(`request failed: ${request.url()}`));
  await page.goto(server.url + '/');
  await page.waitForSelector('body[data-state="ready"]');
  await page.$eval('#text', (area, value) => { Object.assign(area, { value }); }, text);
  await page.click('#run');
  await page.waitForSelector('body[data-state="done"], body[data-state="failed"]');
  assert.deepEqual(failures, []);
  assert.equal(await page.$eval('body', (body) => body.dataset.state), 'done', await page.$eval('#error', (node) => node.textContent ?? ''));
  return page;
}

test('a masked-LM model: the page lists the [MASK] candidates /fill-mask returns; no prediction or entity sections', { skip }, async () => {
  const server = await serve(fixturePath());
  try {
    const text = 'the capital of france is [MASK].';
    const page = await runPage(server, text);
    const shown = await page.$$eval('#fill-mask ol[data-mask="0"] li', (items) => items.map((item) => item.getAttribute('data-token')));
    const answer = await post<{ token_str: string }[][]>(server, '/fill-mask', { inputs: text });
    assert.deepEqual(shown, answer.body[0]!.map((candidate) => candidate.token_str));
    assert.equal(await page.$eval('#prediction-section', (section) => section.hasAttribute('hidden')), true);
    assert.equal(await page.$eval('#entities-section', (section) => section.hasAttribute('hidden')), true);
    assert.match(await page.$eval('#embedding', (node) => node.textContent ?? ''), /^32 dimensions: \[/);
  } finally {
    await server.close();
  }
});

test('a token classifier: the page marks the entities /ner returns, at their offsets, with their types', { skip }, async () => {
  const server = await serve(classifierDir(root, 'token-classification'));
  try {
    const text = 'Ada Lovelace wrote programs in London for Charles Babbage.';
    const page = await runPage(server, text);
    const marks = await page.$$eval('#entities mark', (nodes) => nodes.map((node) => [node.getAttribute('data-entity'), Number(node.getAttribute('data-start')), Number(node.getAttribute('data-end'))]));
    const answer = await post<{ entity_group: string; start: number; end: number }[]>(server, '/ner', { inputs: text });
    assert.ok(answer.body.length > 0, 'precondition: the fixture finds entities in the text');
    assert.deepEqual(marks, answer.body.map((entity) => [entity.entity_group, entity.start, entity.end]));
    assert.equal(await page.$eval('#entities', (node) => node.textContent?.replace(/(PER|ORG|LOC|MISC)/g, '')), text.replace(/(PER|ORG|LOC|MISC)/g, ''), 'the text itself, marks around its entities');
  } finally {
    await server.close();
  }
});

test('a sequence classifier: the page shows /predict\'s labels, best first, and /explain\'s attributions in the viewer', { skip }, async () => {
  const server = await serve(classifierDir(root, 'sequence-classification'));
  try {
    const text = 'I like you.';
    const page = await runPage(server, text);
    const shown = await page.$$eval('#prediction li', (items) => items.map((item) => item.getAttribute('data-label')));
    const answer = await post<{ label: string }[]>(server, '/predict', { inputs: text });
    assert.deepEqual(shown, answer.body.map((prediction) => prediction.label));
    await page.select('#explain-method', 'gradient-x-input');
    await page.click('#explain');
    await page.waitForSelector('body[data-state="explained"], body[data-state="failed"]');
    assert.equal(await page.$eval('body', (body) => body.dataset.state), 'explained', await page.$eval('#error', (node) => node.textContent ?? ''));
    const record = await post<{ tokens: string[]; target: string }>(server, '/explain', { inputs: text, method: 'gradient-x-input' });
    assert.equal(record.body.target, answer.body[0]!.label, 'the predicted label is explained');
    const viewerText = await page.$eval('#bertkit-viewer', (root) => root.textContent ?? '');
    for (const token of record.body.tokens) assert.ok(viewerText.includes(token), `the viewer shows ${token}`);
  } finally {
    await server.close();
  }
});
