// p2p-play.js -- several viewers of one stream in headless Chromium, each in
// its own browser context (its own WebRTC stack and cache), on
// p2p-player.html: hls.js + p2p-media-loader announcing to our tracker.
//   node p2p-play.js PAGE_URL VIEWERS STAGGER_S PLAY_S TIMEOUT_S
// Viewer i opens STAGGER_S * i seconds after the first; every viewer stays
// open until all have played PLAY_SECONDS (or ended), so later viewers can
// fetch from earlier ones.  Prints one JSON line: per viewer the page's
// svStats (bytes and segments by source, peers, errors, played), and the
// totals {http, p2p, p2p_share}.  Exit 0 when every viewer played with no
// fatal error, 1 otherwise.
// Run it inside `unshare -n` (loopback only): the flags make Chromium
// gather 127.0.0.1 host candidates and nothing else.
const path = require('path');
const { chromium } = require(path.join(__dirname, 'node_modules',
                                       'playwright-core'));

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu',
              '--disable-background-networking', '--disable-component-update',
              '--disable-sync', '--disable-quic', '--no-first-run',
              '--autoplay-policy=no-user-gesture-required',
              '--allow-loopback-in-peer-connection',
              '--use-fake-ui-for-media-stream',
              '--use-fake-device-for-media-stream',
              '--disable-features=WebRtcHideLocalIpsWithMdns'];

const sleep = ms => new Promise(r => setTimeout(r, ms));

(async () => {
  const [url, nS, staggerS, playS, timeoutS] = process.argv.slice(2);
  const n = parseInt(nS, 10), stagger = parseFloat(staggerS) * 1000;
  const want = parseFloat(playS), limit = parseFloat(timeoutS) * 1000;
  const start = Date.now();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
                                          args: ARGS });
  const pages = [], console_ = [];
  let stats = [];
  try {
    for (let i = 0; i < n; i++) {
      if (i) await sleep(stagger);
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      page.on('pageerror', e => console_.push(`viewer ${i}: ${e.message}`));
      if (process.env.P2P_DEBUG) {    // p2p-media-loader's debug log, to stderr
        await page.addInitScript(d => { localStorage.debug = d; },
                                 process.env.P2P_DEBUG);
        page.on('console', m => console.error(`viewer ${i}: ${m.text()}`));
      }
      await page.goto(url);
      pages.push(page);
    }
    const done = s => s && (s.fatal || s.ended || s.played >= want);
    while (Date.now() - start < limit) {
      stats = await Promise.all(pages.map(p => p.evaluate(() => window.svStats)));
      if (stats.every(done)) break;
      await sleep(500);
    }
  } finally {
    await browser.close();
  }
  const sum = k => stats.reduce((a, s) => a + (s ? s.bytes[k] || 0 : 0), 0);
  const http = sum('http'), p2p = sum('p2p');
  const ok = stats.length === n &&
    stats.every(s => s && !s.fatal && (s.ended || s.played >= want));
  const viewers = stats.map(s => s && {
    played: +s.played.toFixed(2), ended: s.ended, fatal: s.fatal,
    errors: s.errors.slice(0, 10), bytes: s.bytes, segments: s.segments,
    uploaded: s.uploaded, peersConnected: s.peersConnected,
    peerErrors: s.peerErrors, trackerErrors: s.trackerErrors.slice(0, 5),
    trackerWarnings: s.trackerWarnings.slice(0, 5),
    segmentErrors: s.segmentErrors,
  });
  console.log(JSON.stringify({
    viewers, http, p2p,
    p2p_share: http + p2p ? +(p2p / (http + p2p)).toFixed(4) : 0,
    page_errors: console_.slice(0, 10),
    seconds: Math.round((Date.now() - start) / 1000),
  }));
  process.exit(ok ? 0 : 1);
})().catch(e => { console.error(e); process.exit(2); });
