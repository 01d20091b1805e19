// stats-shot.js -- open a local file (an HTML report, an SVG chart) in
// headless Chromium, screenshot it, and report every request the page made
// as one JSON line.
//   node stats-shot.js FILE OUT.png|- [WAIT_MS]
// OUT - takes no screenshot (a page that reloads itself every second may
// reload in the middle of a long one).
// WAIT_MS (default 500): how long to watch the page after it loaded, for
// what it fetches later (a report with meta refresh reloads itself).
// Exit 0 when the page loaded.
const path = require('path');
const { launch } = require('./browser');

(async () => {
  const file = path.resolve(process.argv[2]);
  const out = process.argv[3];
  const wait = parseInt(process.argv[4] || '500', 10);
  const url = 'file://' + file;
  const b = await launch('sv-stats-shot');
  const requests = [], failed = [], errors = [];
  try {
    b.context.on('request', r => requests.push(r.url()));
    b.context.on('requestfailed', r => failed.push(r.url()));
    b.page.on('pageerror', e => errors.push(String(e)));
    b.page.on('console', m => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await b.page.setViewportSize({ width: 1100, height: 800 });
    await b.page.goto(url, { waitUntil: 'load', timeout: 30000 });
    const info = await b.page.evaluate(() => ({
      title: document.title,
      svgs: document.querySelectorAll('svg').length,
      tables: document.querySelectorAll('table').length,
      height: document.documentElement.scrollHeight,
    }));
    if (out !== '-') {
      // an SVG document has no page to scroll: its viewport is enough
      await b.page.screenshot({ path: out,
                                fullPage: !/\.svg$/.test(file) });
    }
    // anything the page would fetch later (it should fetch nothing)
    await b.page.waitForTimeout(wait);
    console.log(JSON.stringify({ url, requests, failed, errors, ...info }));
  } finally {
    await b.close();
  }
})().catch(e => { console.error('stats-shot: ' + e.message); process.exit(1); });
