// The explanation viewer's front end, as the text of a browser ES module (no imports, no network):
//   export function renderExplanations(root, records) → handle
// renders the records `bertkit explain` writes (explain.ts's Explanation, JSON) into the DOM element
// `root`: the tokens shaded by attribution (diverging blue–white–red scaled to the record's largest
// |attribution|, values on hover, word pieces mergeable into words), a head view (one layer, lines
// from each token to the tokens it attends to, opacity = weight, one colour per head, heads toggled
// by their colour swatches, hovering a token keeps only its lines, sentence pairs split at [SEP] by
// token_type_ids) and a model view (a layers × heads grid of attention heatmaps; clicking a cell
// opens it in the head view). Both attention views draw on canvas, so that 512-token inputs render
// (a 512-token head view is 512² lines per head, which SVG in the DOM cannot hold); each view
// exports as SVG (vector for tokens and the head view) and PNG.
// It is a string so that `bertkit explain --html` inlines it into one self-contained page and
// `bertkit serve` can send it as a module, both from the installed dist/ without a bundler.
// The handle: { select(i), setLayer(l), toggleHead(h), setMerge(on), svg(view), png(view) → Promise<Blob> },
// view ∈ 'tokens' | 'head' | 'model'.
export const VIEWER_SCRIPT = String.raw`
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#637939'];
const SVG_NS = 'http://www.w3.org/2000/svg';
/** Weights below this are not drawn in the head view (rows sum to 1: at most 200 lines per token). */
const LINE_THRESHOLD = 0.005;

function headColor(head) {
  return head < PALETTE.length ? PALETTE[head] : 'hsl(' + ((head * 137.508) % 360).toFixed(0) + ', 65%, 45%)';
}

function element(tag, attributes, children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === 'text') node.textContent = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children || []) node.append(child);
  return node;
}

function escapeXml(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Diverging colour of t in [-1, 1]: blue (negative) – white – red (positive). */
function divergingColor(t) {
  const s = Math.max(-1, Math.min(1, t));
  const [r, g, b] = s >= 0 ? [214, 39, 40] : [31, 119, 180];
  const a = Math.abs(s);
  const mix = (c) => Math.round(255 + (c - 255) * a);
  return 'rgb(' + mix(r) + ', ' + mix(g) + ', ' + mix(b) + ')';
}

/** Tokens, or words: a '##' piece joins the word before it, attributions summed. */
function tokenUnits(record, merge) {
  const units = [];
  record.tokens.forEach((token, index) => {
    const value = record.attributions ? record.attributions[index] : 0;
    const piece = merge && token.startsWith('##') && units.length > 0 && !units[units.length - 1].special;
    if (piece) {
      const unit = units[units.length - 1];
      unit.text += token.slice(2);
      unit.value += value;
      unit.indices.push(index);
    } else {
      units.push({ text: token, value, indices: [index], special: /^\[(CLS|SEP|PAD)\]$/.test(token) });
    }
  });
  return units;
}

function download(name, blob) {
  const link = element('a', { href: URL.createObjectURL(blob), download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

function svgToPng(svgText, width, height) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => {
      const canvas = element('canvas', { width: String(width), height: String(height) });
      const context = canvas.getContext('2d');
      context.fillStyle = '#fff';
      context.fillRect(0, 0, width, height);
      context.drawImage(image, 0, 0);
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('PNG encoding failed'))), 'image/png');
    };
    image.onerror = () => reject(new Error('the SVG did not load as an image'));
    image.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svgText);
  });
}

function canvasToPng(canvas) {
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('PNG encoding failed'))), 'image/png'));
}

/** Lays tokens out in lines of at most maxWidth px: [{unit, x, y, width}], the total height. */
function layoutTokens(units, maxWidth, font) {
  const context = document.createElement('canvas').getContext('2d');
  context.font = font;
  const boxes = [];
  let x = 0, y = 0;
  const lineHeight = 26;
  for (const unit of units) {
    const width = Math.ceil(context.measureText(unit.text).width) + 10;
    if (x > 0 && x + width > maxWidth) { x = 0; y += lineHeight; }
    boxes.push({ unit, x, y, width });
    x += width + 4;
  }
  return { boxes, height: y + lineHeight };
}

export function renderExplanations(root, records) {
  if (!Array.isArray(records) || records.length === 0) throw new Error('renderExplanations: no records');
  const state = { record: 0, layer: 0, heads: new Set(), merge: false, pair: 'all', hover: null };
  root.classList.add('bk-viewer');
  root.textContent = '';

  const recordSelect = element('select', { class: 'bk-record', onchange: () => select(Number(recordSelect.value)) },
    records.map((record, index) => element('option', { value: String(index), text: (index + 1) + '. ' + record.text.slice(0, 80) + (record.text_pair ? ' | ' + record.text_pair.slice(0, 40) : '') })));
  const summary = element('div', { class: 'bk-summary' });
  const mergeBox = element('input', { type: 'checkbox', class: 'bk-merge', onchange: () => setMerge(mergeBox.checked) });
  const tokenBox = element('div', { class: 'bk-tokens' });
  const legend = element('div', { class: 'bk-legend' });
  const layerSelect = element('select', { class: 'bk-layer', onchange: () => setLayer(Number(layerSelect.value)) });
  const pairSelect = element('select', { class: 'bk-pair', onchange: () => { state.pair = pairSelect.value; drawHeadView(); } });
  const headToggles = element('div', { class: 'bk-heads' });
  const headCanvas = element('canvas', { class: 'bk-head-canvas' });
  const modelCanvas = element('canvas', { class: 'bk-model-canvas' });
  const exportButtons = (view) => element('span', { class: 'bk-export' }, [
    element('button', { type: 'button', text: 'SVG', onclick: () => download(view + '.svg', new Blob([svg(view)], { type: 'image/svg+xml' })) }),
    element('button', { type: 'button', text: 'PNG', onclick: () => png(view).then((blob) => download(view + '.png', blob)) }),
  ]);
  const tokenSection = element('section', { class: 'bk-section bk-token-section' }, [
    element('h2', {}, ['Attributions ', exportButtons('tokens')]),
    element('label', {}, [mergeBox, ' merge word pieces into words']),
    legend, tokenBox,
  ]);
  const headSection = element('section', { class: 'bk-section bk-head-section' }, [
    element('h2', {}, ['Head view ', exportButtons('head')]),
    element('div', { class: 'bk-controls' }, [element('label', {}, ['Layer ', layerSelect]), ' ', element('label', { class: 'bk-pair-label' }, ['Attention ', pairSelect])]),
    headToggles,
    element('div', { class: 'bk-scroll' }, [headCanvas]),
  ]);
  const modelSection = element('section', { class: 'bk-section bk-model-section' }, [
    element('h2', {}, ['Model view ', exportButtons('model')]),
    element('p', { class: 'bk-hint', text: 'layers × heads; click a head to open it in the head view' }),
    element('div', { class: 'bk-scroll' }, [modelCanvas]),
  ]);
  root.append(element('header', { class: 'bk-header' }, [recordSelect, summary]), tokenSection, headSection, modelSection);
  if (records.length === 1) recordSelect.style.display = 'none';

  headCanvas.addEventListener('mousemove', (event) => {
    const geometry = headGeometry(current());
    const rect = headCanvas.getBoundingClientRect();
    const row = Math.floor((event.clientY - rect.top - geometry.top) / geometry.rowHeight);
    const side = event.clientX - rect.left < geometry.width / 2 ? 'from' : 'to';
    const hover = row >= 0 && row < current().tokens.length ? { row, side } : null;
    if (JSON.stringify(hover) !== JSON.stringify(state.hover)) { state.hover = hover; drawHeadView(); }
  });
  headCanvas.addEventListener('mouseleave', () => { state.hover = null; drawHeadView(); });
  modelCanvas.addEventListener('click', (event) => {
    const record = current();
    if (!record.attentions) return;
    const geometry = modelGeometry(record);
    const rect = modelCanvas.getBoundingClientRect();
    const head = Math.floor((event.clientX - rect.left - geometry.left) / geometry.pitch);
    const layer = Math.floor((event.clientY - rect.top - geometry.top) / geometry.pitch);
    if (layer < 0 || layer >= record.attentions.length || head < 0 || head >= record.attentions[0].length) return;
    state.heads = new Set([head]);
    setLayer(layer);
    headSection.scrollIntoView({ behavior: 'smooth' });
  });

  function current() { return records[state.record]; }

  function select(index) {
    if (!(index >= 0 && index < records.length)) throw new Error('renderExplanations: no record ' + index);
    state.record = index;
    recordSelect.value = String(index);
    const record = current();
    const layers = record.attentions ? record.attentions.length : 0;
    const heads = layers > 0 ? record.attentions[0].length : 0;
    state.layer = Math.min(state.layer, Math.max(0, layers - 1));
    state.heads = new Set(Array.from({ length: heads }, (_, head) => head));
    state.pair = 'all';
    state.hover = null;
    layerSelect.replaceChildren(...Array.from({ length: layers }, (_, layer) => element('option', { value: String(layer), text: String(layer) })));
    layerSelect.value = String(state.layer);
    const paired = record.token_type_ids.some((type) => type === 1);
    pairSelect.replaceChildren(...(paired ? ['all', 'A→A', 'A→B', 'B→A', 'B→B'] : ['all']).map((pair) => element('option', { value: pair, text: pair === 'all' ? 'all tokens' : pair })));
    pairSelect.parentElement.style.display = paired ? '' : 'none';
    tokenSection.style.display = record.attributions ? '' : 'none';
    headSection.style.display = layers > 0 ? '' : 'none';
    modelSection.style.display = layers > 0 ? '' : 'none';
    renderSummary();
    renderTokens();
    renderHeadToggles();
    drawHeadView();
    drawModelView();
  }

  function setLayer(layer) {
    const record = current();
    if (!record.attentions || !(layer >= 0 && layer < record.attentions.length)) throw new Error('renderExplanations: no layer ' + layer);
    state.layer = layer;
    layerSelect.value = String(layer);
    renderHeadToggles();
    drawHeadView();
    drawModelView();
  }

  function toggleHead(head) {
    if (state.heads.has(head)) state.heads.delete(head); else state.heads.add(head);
    renderHeadToggles();
    drawHeadView();
  }

  function setMerge(on) {
    state.merge = Boolean(on);
    mergeBox.checked = state.merge;
    renderTokens();
  }

  function renderSummary() {
    const record = current();
    const parts = ['method: ' + record.method];
    if (record.target !== null && record.target !== undefined) parts.push('target: ' + record.target + (record.target_token !== undefined ? ' at token ' + record.target_token + ' (' + record.tokens[record.target_token] + ')' : ''));
    if (typeof record.score === 'number') parts.push('score (logit): ' + record.score.toFixed(4));
    if (typeof record.delta === 'number') parts.push('delta: ' + record.delta.toExponential(2));
    parts.push(record.tokens.length + ' tokens');
    summary.textContent = parts.join(' · ');
  }

  function scaleOf(record) {
    return record.attributions ? Math.max(1e-12, ...record.attributions.map(Math.abs)) : 1;
  }

  function renderTokens() {
    const record = current();
    tokenBox.textContent = '';
    if (!record.attributions) return;
    const units = tokenUnits(record, state.merge);
    const scale = Math.max(1e-12, ...units.map((unit) => Math.abs(unit.value)));
    for (const unit of units) {
      tokenBox.append(element('span', {
        class: 'bk-token' + (unit.special ? ' bk-special' : ''),
        style: 'background:' + divergingColor(unit.value / scale),
        title: unit.text + ': ' + unit.value.toPrecision(4) + (unit.indices.length > 1 ? ' (tokens ' + unit.indices.join(', ') + ')' : ' (token ' + unit.indices[0] + ')'),
        'data-value': String(unit.value),
        text: unit.text,
      }));
    }
    legend.replaceChildren(
      element('span', { class: 'bk-swatch', style: 'background:' + divergingColor(-1) }), ' −' + scale.toPrecision(3) + ' ',
      element('span', { class: 'bk-swatch', style: 'background:#fff' }), ' 0 ',
      element('span', { class: 'bk-swatch', style: 'background:' + divergingColor(1) }), ' +' + scale.toPrecision(3),
    );
  }

  function renderHeadToggles() {
    const record = current();
    const heads = record.attentions ? record.attentions[0].length : 0;
    headToggles.replaceChildren(...Array.from({ length: heads }, (_, head) => element('button', {
      type: 'button',
      class: 'bk-head-toggle' + (state.heads.has(head) ? ' bk-on' : ''),
      'data-head': String(head),
      title: 'head ' + head + ' (click to toggle, double-click to show only this head)',
      style: 'border-color:' + headColor(head) + ';background:' + (state.heads.has(head) ? headColor(head) : '#fff'),
      text: String(head),
      onclick: () => toggleHead(head),
      ondblclick: () => { state.heads = new Set([head]); renderHeadToggles(); drawHeadView(); },
    })));
  }

  function headGeometry(record) {
    const count = record.tokens.length;
    const rowHeight = count > 128 ? 12 : 18;
    const font = (count > 128 ? 10 : 13) + 'px sans-serif';
    const context = headCanvas.getContext('2d');
    context.font = font;
    const labelWidth = Math.min(160, Math.max(40, ...record.tokens.map((token) => Math.ceil(context.measureText(token).width) + 8)));
    const gap = 160;
    return { rowHeight, font, labelWidth, gap, top: 6, width: 2 * labelWidth + gap, height: 12 + count * rowHeight };
  }

  /** Which (from, to) pairs the pair filter keeps; segments follow token_type_ids (the split at [SEP]). */
  function pairKeeps(record) {
    const segment = (index) => (record.token_type_ids[index] === 1 ? 'B' : 'A');
    if (state.pair === 'all') return () => true;
    const [from, to] = state.pair.split('→');
    return (i, j) => segment(i) === from && segment(j) === to;
  }

  /** The head view's lines: [{head, from, to, weight}] for the visible heads, the pair filter and the hovered token. */
  function headLines(record) {
    const lines = [];
    const keeps = pairKeeps(record);
    const hover = state.hover;
    const layer = record.attentions[state.layer];
    for (const head of [...state.heads].sort((a, b) => a - b)) {
      const matrix = layer[head];
      for (let i = 0; i < matrix.length; i++) {
        if (hover && hover.side === 'from' && hover.row !== i) continue;
        const row = matrix[i];
        for (let j = 0; j < row.length; j++) {
          if (hover && hover.side === 'to' && hover.row !== j) continue;
          if (row[j] >= LINE_THRESHOLD && keeps(i, j)) lines.push({ head, from: i, to: j, weight: row[j] });
        }
      }
    }
    return lines;
  }

  function drawHeadView() {
    const record = current();
    if (!record.attentions) return;
    const g = headGeometry(record);
    headCanvas.width = g.width;
    headCanvas.height = g.height;
    const context = headCanvas.getContext('2d');
    context.fillStyle = '#fff';
    context.fillRect(0, 0, g.width, g.height);
    const heads = Math.max(1, state.heads.size);
    context.lineWidth = 2;
    for (const line of headLines(record)) {
      context.strokeStyle = headColor(line.head);
      context.globalAlpha = Math.min(1, line.weight * (state.hover ? 1 : 1 / Math.sqrt(heads)));
      context.beginPath();
      context.moveTo(g.labelWidth + 4, g.top + (line.from + 0.5) * g.rowHeight);
      context.lineTo(g.labelWidth + g.gap - 4, g.top + (line.to + 0.5) * g.rowHeight);
      context.stroke();
    }
    context.globalAlpha = 1;
    context.font = g.font;
    context.textBaseline = 'middle';
    const keeps = pairKeeps(record);
    record.tokens.forEach((token, index) => {
      const y = g.top + (index + 0.5) * g.rowHeight;
      const fromShown = record.tokens.some((_, j) => keeps(index, j));
      const toShown = record.tokens.some((_, i) => keeps(i, index));
      const hovered = state.hover && state.hover.row === index;
      context.fillStyle = fromShown ? (hovered && state.hover.side === 'from' ? '#c00' : '#222') : '#bbb';
      context.textAlign = 'right';
      context.fillText(token, g.labelWidth, y);
      context.fillStyle = toShown ? (hovered && state.hover.side === 'to' ? '#c00' : '#222') : '#bbb';
      context.textAlign = 'left';
      context.fillText(token, g.labelWidth + g.gap, y);
    });
  }

  function modelGeometry(record) {
    const heads = record.attentions[0].length;
    const cell = Math.max(48, Math.min(96, Math.floor(960 / heads) - 6));
    return { cell, pitch: cell + 6, left: 36, top: 22, heads, layers: record.attentions.length };
  }

  function drawModelView() {
    const record = current();
    if (!record.attentions) return;
    const g = modelGeometry(record);
    const count = record.tokens.length;
    modelCanvas.width = g.left + g.heads * g.pitch;
    modelCanvas.height = g.top + g.layers * g.pitch;
    const context = modelCanvas.getContext('2d');
    context.fillStyle = '#fff';
    context.fillRect(0, 0, modelCanvas.width, modelCanvas.height);
    context.fillStyle = '#222';
    context.font = '11px sans-serif';
    context.textBaseline = 'middle';
    context.textAlign = 'center';
    for (let head = 0; head < g.heads; head++) context.fillText('H' + head, g.left + head * g.pitch + g.cell / 2, g.top / 2);
    context.textAlign = 'right';
    for (let layer = 0; layer < g.layers; layer++) context.fillText('L' + layer, g.left - 6, g.top + layer * g.pitch + g.cell / 2);
    // Each head's matrix as a count × count image, scaled into its cell.
    const tile = element('canvas', { width: String(count), height: String(count) });
    const tileContext = tile.getContext('2d');
    const pixels = tileContext.createImageData(count, count);
    context.imageSmoothingEnabled = count > g.cell;
    for (let layer = 0; layer < g.layers; layer++) {
      for (let head = 0; head < g.heads; head++) {
        const matrix = record.attentions[layer][head];
        const [r, gr, b] = [parseInt(headColor(head).slice(1, 3), 16) || 60, parseInt(headColor(head).slice(3, 5), 16) || 60, parseInt(headColor(head).slice(5, 7), 16) || 160];
        for (let i = 0; i < count; i++) {
          for (let j = 0; j < count; j++) {
            const a = Math.sqrt(matrix[i][j]);
            const at = (i * count + j) * 4;
            pixels.data[at] = Math.round(255 + (r - 255) * a);
            pixels.data[at + 1] = Math.round(255 + (gr - 255) * a);
            pixels.data[at + 2] = Math.round(255 + (b - 255) * a);
            pixels.data[at + 3] = 255;
          }
        }
        tileContext.putImageData(pixels, 0, 0);
        const x = g.left + head * g.pitch, y = g.top + layer * g.pitch;
        context.drawImage(tile, x, y, g.cell, g.cell);
        context.strokeStyle = layer === state.layer ? '#c00' : '#ccc';
        context.lineWidth = layer === state.layer ? 2 : 1;
        context.strokeRect(x - 0.5, y - 0.5, g.cell + 1, g.cell + 1);
      }
    }
  }

  /** The view as an SVG document (text). */
  function svg(view) {
    const record = current();
    if (view === 'tokens') {
      const font = '14px sans-serif';
      const { boxes, height } = layoutTokens(tokenUnits(record, state.merge), 900, font);
      const scale = Math.max(1e-12, ...boxes.map((box) => Math.abs(box.unit.value)));
      const items = boxes.map((box) => '<g><title>' + escapeXml(box.unit.text + ': ' + box.unit.value.toPrecision(4)) + '</title>'
        + '<rect x="' + box.x + '" y="' + box.y + '" width="' + box.width + '" height="22" rx="3" fill="' + divergingColor(box.unit.value / scale) + '"/>'
        + '<text x="' + (box.x + 5) + '" y="' + (box.y + 16) + '">' + escapeXml(box.unit.text) + '</text></g>');
      return '<svg xmlns="' + SVG_NS + '" width="900" height="' + height + '" font-family="sans-serif" font-size="14"><rect width="100%" height="100%" fill="#fff"/>' + items.join('') + '</svg>';
    }
    if (view === 'head') {
      const g = headGeometry(record);
      const heads = Math.max(1, state.heads.size);
      const lines = headLines(record).map((line) => '<line x1="' + (g.labelWidth + 4) + '" y1="' + (g.top + (line.from + 0.5) * g.rowHeight).toFixed(1) + '" x2="' + (g.labelWidth + g.gap - 4) + '" y2="' + (g.top + (line.to + 0.5) * g.rowHeight).toFixed(1)
        + '" stroke="' + headColor(line.head) + '" stroke-width="2" stroke-opacity="' + Math.min(1, line.weight / Math.sqrt(heads)).toFixed(3) + '"/>');
      const labels = record.tokens.map((token, index) => {
        const y = (g.top + (index + 0.5) * g.rowHeight).toFixed(1);
        return '<text x="' + g.labelWidth + '" y="' + y + '" text-anchor="end" dominant-baseline="middle">' + escapeXml(token) + '</text>'
          + '<text x="' + (g.labelWidth + g.gap) + '" y="' + y + '" dominant-baseline="middle">' + escapeXml(token) + '</text>';
      });
      return '<svg xmlns="' + SVG_NS + '" width="' + g.width + '" height="' + g.height + '" font-family="sans-serif" font-size="' + parseInt(g.font, 10) + '"><rect width="100%" height="100%" fill="#fff"/>' + lines.join('') + labels.join('') + '</svg>';
    }
    if (view === 'model') {
      return '<svg xmlns="' + SVG_NS + '" xmlns:xlink="http://www.w3.org/1999/xlink" width="' + modelCanvas.width + '" height="' + modelCanvas.height + '"><image width="' + modelCanvas.width + '" height="' + modelCanvas.height + '" href="' + modelCanvas.toDataURL('image/png') + '"/></svg>';
    }
    throw new Error('renderExplanations: no view ' + view + " (views: 'tokens', 'head', 'model')");
  }

  /** The view as a PNG Blob. */
  function png(view) {
    if (view === 'head') return canvasToPng(headCanvas);
    if (view === 'model') return canvasToPng(modelCanvas);
    const text = svg(view);
    const size = /width="(\d+)" height="(\d+)"/.exec(text);
    return svgToPng(text, Number(size[1]), Number(size[2]));
  }

  select(0);
  return { select, setLayer, toggleHead, setMerge, svg, png, state };
}
`;
