// The viewer as a person sees it: the page `bertkit explain --html` writes, opened in headless
// Chromium (Debian's chromium, driven by puppeteer-core), with every request outside the file refused.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { Explanation } from '../../src/explain/explain.js';
import { writeViewerHtml } from '../../src/explain/viewer-page.js';

const CHROMIUM = process.env.BERTKIT_CHROMIUM ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `needs Chromium at ${CHROMIUM} (apt-get install -y chromium, or set BERTKIT_CHROMIUM)`;
const dir = mkdtempSync(join(tmpdir(), 'bertkit-viewer-'));

/** Attention maps [layer][head][from][to] that differ by layer and head: a softmax of a fixed pattern. */
function attentionMaps(tokens: number, layers: number, heads: number): number[][][][] {
  return Array.from({ length: layers }, (_, l) => Array.from({ length: heads }, (_, h) => Array.from({ length: tokens }, (_, i) => {
    const scores = Array.from({ length: tokens }, (_, j) => 3 * Math.cos((i - j) * (h + 1) * 0.7 + l) - Math.abs(i - j - h) * 0.3);
    const max = Math.max(...scores);
    const exps = scores.map((s) => Math.exp(s - max));
    const sum = exps.reduce((a, b) => a + b, 0);
    return exps.map((e) => e / sum);
  })));
}

function record(tokens: string[], attributions: number[], typeIds?: number[]): Explanation {
  return {
    text: tokens.filter((t) => !t.startsWith('[')).join(' ').replace(/ ##/g, ''),
    tokens, input_ids: tokens.map((_, i) => 1000 + i), token_type_ids: typeIds ?? tokens.map(() => 0), offsets: tokens.map(() => [0, 0]),
    method: 'integrated-gradients', target: 'positive', score: 1.25, attributions, delta: 1e-5,
    attentions: attentionMaps(tokens.length, 2, 3),
  };
}

const short = record(['[CLS]', 'an', 'un', '##believ', '##able', 'film', '[SEP]'], [0.01, -0.2, 0.5, 0.3, 0.1, -0.6, 0.02]);
const pair = record(['[CLS]', 'is', 'it', 'good', '?', '[SEP]', 'yes', '[SEP]'], [0, 0.1, 0.2, 0.3, -0.1, 0, 0.4, 0], [0, 0, 0, 0, 0, 0, 1, 1]);
const long = record(['[CLS]', ...Array.from({ length: 510 }, (_, i) => `w${i}`), '[SEP]'], Array.from({ length: 512 }, (_, i) => Math.sin(i)));
let browser: Browser | undefined;
let page: Page;
const pageErrors: string[] = [];
const outsideRequests: string[] = [];

before(async () => {
  if (skip) return;
  const html = join(dir, 'viewer.html');
  writeViewerHtml(html, [short, pair, long]);
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'profile')}`],
  });
  page = await browser.newPage();
  await page.setViewport({ width: 1100, height: 900 });
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    if (request.url().startsWith('file:') || request.url().startsWith('data:') || request.url().startsWith('blob:')) void request.continue();
    else { outsideRequests.push(request.url()); void request.abort(); }
  });
  await page.goto(pathToFileURL(html).href);
  await page.waitForFunction('window.bertkitViewer !== undefined', { timeout: 10_000 });
});
after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `code` (an expression) in the page; the test code holds no DOM types, the build has none. */
const inPage = <T>(code: string): Promise<T> => page.evaluate(code) as Promise<T>;
const canvasImage = (selector: string): Promise<string> => inPage(`document.querySelector('${selector}').toDataURL()`);

test('the tokens render shaded by attribution (red positive, blue negative) with their values on hover, word pieces mergeable', { skip }, async () => {
  const tokens = await inPage<{ text: string; title: string; background: string }[]>(`[...document.querySelectorAll('.bk-token')].map((span) => ({ text: span.textContent, title: span.getAttribute('title'), background: span.style.backgroundColor }))`);
  assert.deepEqual(tokens.map((t) => t.text), short.tokens);
  assert.match(tokens[2]!.title!, /^un: 0\.5000 \(token 2\)$/);
  const rgb = (css: string): number[] => /rgb\((\d+), (\d+), (\d+)\)/.exec(css)!.slice(1).map(Number);
  const [red, , blue] = rgb(tokens[2]!.background);
  assert.ok(red! > blue!, `a positive token is red: ${tokens[2]!.background}`);
  const [red5, , blue5] = rgb(tokens[5]!.background);
  assert.ok(blue5! > red5!, `a negative token is blue: ${tokens[5]!.background}`);
  await page.click('.bk-merge');
  const merged = await inPage<[string, number][]>(`[...document.querySelectorAll('.bk-token')].map((span) => [span.textContent, Number(span.getAttribute('data-value'))])`);
  assert.deepEqual(merged.map(([text]) => text), ['[CLS]', 'an', 'unbelievable', 'film', '[SEP]']);
  assert.ok(Math.abs(merged[2]![1] - 0.9) < 1e-9, 'a word\'s attribution is the sum of its pieces\'');
  await page.click('.bk-merge');
});

test('toggling a head or choosing another layer changes the head view; the model view marks the layer', { skip }, async () => {
  const toggles = await inPage<string[]>(`[...document.querySelectorAll('.bk-head-toggle')].map((button) => button.textContent)`);
  assert.deepEqual(toggles, ['0', '1', '2']);
  const first = await canvasImage('.bk-head-canvas');
  await page.click('.bk-head-toggle[data-head="1"]');
  const withoutHead1 = await canvasImage('.bk-head-canvas');
  assert.notEqual(withoutHead1, first, 'hiding head 1 changes the picture');
  assert.equal(await inPage<boolean>(`document.querySelector('.bk-head-toggle[data-head="1"]').classList.contains('bk-on')`), false);
  await page.click('.bk-head-toggle[data-head="1"]');
  assert.equal(await canvasImage('.bk-head-canvas'), first, 'showing it again restores the picture');
  const model = await canvasImage('.bk-model-canvas');
  await page.select('.bk-layer', '1');
  assert.notEqual(await canvasImage('.bk-head-canvas'), first, 'layer 1 draws other lines');
  assert.notEqual(await canvasImage('.bk-model-canvas'), model, 'the model view marks the chosen layer');
  await page.screenshot({ path: join(dir, 'viewer.png'), fullPage: true });
  assert.ok(statSync(join(dir, 'viewer.png')).size > 10_000);
});

test('a sentence pair splits at [SEP]: A→B keeps only lines from the first sentence to the second', { skip }, async () => {
  await page.select('.bk-record', '1');
  assert.equal(await inPage<string>(`document.querySelector('.bk-pair-label').style.display`), '');
  const all = await canvasImage('.bk-head-canvas');
  await page.select('.bk-pair', 'A→B');
  const svg = await inPage<string>(`window.bertkitViewer.svg('head')`);
  assert.notEqual(await canvasImage('.bk-head-canvas'), all);
  // Every line runs from a first-sentence row (0–5) to a second-sentence row (6–7): y = 6 + (index + 0.5)·18.
  const ends = [...svg.matchAll(/y1="([\d.]+)" x2="[\d.]+" y2="([\d.]+)"/g)].map((m) => [(Number(m[1]) - 6) / 18 - 0.5, (Number(m[2]) - 6) / 18 - 0.5]);
  assert.ok(ends.length > 0);
  assert.ok(ends.every(([from, to]) => from! <= 5 && to! >= 6), JSON.stringify(ends.slice(0, 5)));
});

test('each view exports as SVG and PNG', { skip }, async () => {
  const exported = await inPage<Record<string, { svg: string; png: number; type: string }>>(`(async () => {
    const result = {};
    for (const view of ['tokens', 'head', 'model']) {
      const blob = await window.bertkitViewer.png(view);
      result[view] = { svg: window.bertkitViewer.svg(view).slice(0, 200), png: blob.size, type: blob.type };
    }
    return result;
  })()`);
  for (const view of ['tokens', 'head', 'model']) {
    assert.match(exported[view]!.svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, view);
    assert.equal(exported[view]!.type, 'image/png', view);
    assert.ok(exported[view]!.png > 500, `${view} PNG has ${exported[view]!.png} bytes`);
  }
});

test('a 512-token input renders every token, its head view and its model view', { skip }, async () => {
  await page.select('.bk-record', '2');
  assert.equal(await inPage<number>(`document.querySelectorAll('.bk-token').length`), 512);
  const size = await inPage<number[]>(`[document.querySelector('.bk-head-canvas').width, document.querySelector('.bk-head-canvas').height]`);
  assert.ok(size[1]! >= 512 * 12, `head view ${size}`);
  const drawn = await inPage<number>(`(() => {
    const canvas = document.querySelector('.bk-head-canvas');
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let coloured = 0;
    for (let k = 0; k < data.length; k += 4) if (data[k] !== data[k + 1] || data[k + 1] !== data[k + 2]) coloured++;
    return coloured;
  })()`);
  assert.ok(drawn > 10_000, `${drawn} coloured pixels`);
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(outsideRequests, []);
});
