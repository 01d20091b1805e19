// serve-play.js -- drive serve-player.html in headless Chromium.
//   node serve-play.js URL PLAY_SECONDS TIMEOUT_SECONDS
// Waits until the video has played PLAY_SECONDS from where it started
// (or ended), then prints
// one JSON line: {"played":..,"ended":..,"fatal":..,"parts":..,
// "latency_ms":{"median":..,"min":..,"max":..,"samples":..},...}.
// Exit 0 when it played, 1 otherwise.
const path = require('path');
const fs = require('fs');
const os = require('os');
const { chromium } = require(path.join(__dirname, 'node_modules',
                                       'playwright-core'));

(async () => {
  const [url, playS, timeoutS] = process.argv.slice(2);
  const want = parseFloat(playS), limit = parseFloat(timeoutS) * 1000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-serve-chromium-'));
  const browser = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu',
           '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--disable-quic', '--no-first-run',
           '--autoplay-policy=no-user-gesture-required'],
  });
  let st = null, ok = false;
  try {
    const page = browser.pages()[0] || await browser.newPage();
    await page.goto(url);
    const start = Date.now();
    while (Date.now() - start < limit) {
      st = await page.evaluate(() => window.svStats);
      if (st && (st.fatal || st.ended || st.played >= want)) break;
      await new Promise(r => setTimeout(r, 250));
    }
    ok = st && !st.fatal && (st.ended || st.played >= want);
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // latency once playback settled: the second half of the samples
  const l = st ? st.latencies.slice(Math.floor(st.latencies.length / 2))
                   .sort((a, b) => a - b) : [];
  const res = {
    played: st ? st.played : 0, position: st ? st.currentTime : 0, ended: st ? st.ended : false,
    fatal: st ? st.fatal : 'no stats', errors: st ? st.errors.slice(0, 10) : [],
    parts: st ? st.parts : 0, frags: st ? st.frags : 0,
    level: st ? st.level : null,
    latency_ms: l.length ? { median: Math.round(l[l.length >> 1]),
                             min: Math.round(l[0]),
                             max: Math.round(l[l.length - 1]),
                             samples: l.length } : null,
  };
  console.log(JSON.stringify(res));
  process.exit(ok ? 0 : 1);
})().catch(e => { console.error(e); process.exit(2); });
