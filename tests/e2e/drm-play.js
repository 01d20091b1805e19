// drm-play.js -- open a drm-*.html player page in headless Chromium and
// report what it played.
//   node drm-play.js URL PLAY_SECONDS TIMEOUT_SECONDS
// Prints one JSON line {"played":..,"fatal":..,"errors":[..]} from the
// page's window.svStats; exits 0 when PLAY_SECONDS were played, 1 if not.
const path = require('path');
const fs = require('fs');
const os = require('os');
const { chromium } = require(path.join(__dirname, 'node_modules',
                                       'playwright-core'));

(async () => {
  const [url, playS, timeoutS] = process.argv.slice(2);
  const want = parseFloat(playS), limit = parseFloat(timeoutS) * 1000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sv-drm-chromium-'));
  const browser = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu',
           '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--disable-quic', '--no-first-run',
           '--autoplay-policy=no-user-gesture-required'],
  });
  let st = null;
  try {
    const page = browser.pages()[0] || await browser.newPage();
    await page.goto(url);
    const start = Date.now();
    while (Date.now() - start < limit) {
      st = await page.evaluate(() => window.svStats);
      if (st && (st.fatal || st.currentTime >= want)) break;
      await new Promise(r => setTimeout(r, 250));
    }
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const ok = st && !st.fatal && st.currentTime >= want;
  console.log(JSON.stringify({
    played: st ? st.currentTime : 0, fatal: st ? st.fatal : 'no stats',
    errors: st ? st.errors.slice(0, 10) : [],
    licenses: st ? st.licenses : 0,
  }));
  process.exit(ok ? 0 : 1);
})().catch(e => { console.error(e); process.exit(2); });
