// The viewer as one self-contained HTML page (`bertkit explain --html`): the style, the explanation
// records as JSON and the viewer module (viewer-script.ts) inline, no network, no CDN. The records'
// JSON sits in a <script type="application/json"> block with '<' escaped, so no text in them can end it.
import { writeFileAtomic } from '../io/atomic-write.js';
import type { Explanation } from './explain.js';
import { VIEWER_SCRIPT } from './viewer-script.js';
import { VIEWER_STYLE } from './viewer-style.js';

export function viewerHtml(records: readonly Explanation[], title = 'bertkit explanations'): string {
  if (records.length === 0) throw new Error('viewerHtml: no explanations to show');
  const data = JSON.stringify(records).replace(/</g, '\\u003c');
  const escapedTitle = title.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapedTitle}</title>`,
    `<style>${VIEWER_STYLE}</style>`,
    '</head><body>',
    `<h1>${escapedTitle}</h1>`,
    '<div id="bertkit-viewer"></div>',
    `<script type="application/json" id="bertkit-explanations">${data}</script>`,
    `<script type="module">${VIEWER_SCRIPT}`,
    "window.bertkitViewer = renderExplanations(document.getElementById('bertkit-viewer'), JSON.parse(document.getElementById('bertkit-explanations').textContent));",
    '</script>',
    '</body></html>',
    '',
  ].join('\n');
}

/** Writes viewerHtml(records) to `path` atomically. */
export function writeViewerHtml(path: string, records: readonly Explanation[], title?: string): void {
  writeFileAtomic(path, new TextEncoder().encode(viewerHtml(records, title)));
}
