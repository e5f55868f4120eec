// The viewer's CSS (viewer-script.ts builds the elements it names), inlined by viewer-page.ts.
export const VIEWER_STYLE = `
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; background: #fafafa; }
h1 { font-size: 1.3rem; margin: 0 0 1rem; }
.bk-viewer h2 { font-size: 1.05rem; margin: 0 0 .5rem; display: flex; align-items: center; gap: .75rem; }
.bk-header { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; margin-bottom: 1rem; }
.bk-summary { color: #555; }
.bk-section { background: #fff; border: 1px solid #e2e2e2; border-radius: 6px; padding: .9rem 1rem; margin-bottom: 1rem; }
.bk-tokens { line-height: 2.1; margin-top: .5rem; }
.bk-token { padding: .15rem .3rem; margin: 0 .12rem; border-radius: 3px; border: 1px solid #eee; white-space: pre; cursor: default; }
.bk-token.bk-special { color: #777; }
.bk-legend { font-size: .85rem; color: #555; margin-top: .4rem; }
.bk-swatch { display: inline-block; width: 1.4em; height: .9em; border: 1px solid #ccc; vertical-align: middle; }
.bk-controls { margin-bottom: .5rem; }
.bk-heads { display: flex; flex-wrap: wrap; gap: .3rem; margin-bottom: .6rem; }
.bk-head-toggle { min-width: 2rem; border: 2px solid; border-radius: 4px; color: #222; cursor: pointer; padding: .1rem .3rem; }
.bk-head-toggle.bk-on { color: #fff; }
.bk-scroll { overflow: auto; max-height: 80vh; }
.bk-export button { font-size: .75rem; margin-left: .2rem; cursor: pointer; }
.bk-hint { color: #777; font-size: .85rem; margin: 0 0 .5rem; }
`;
