// drm-play.js -- open a drm-*.html player page in headless Chromium and
// report what it played.
//   node drm-play.js URL PLAY_SECONDS TIMEOUT_SECONDS
// Prints one JSON line {"played":..,"fatal":..,"errors":[..]} from the
// page's window.svStats; exits 0 when PLAY_SECONDS were played, 1 if not.
const { launch, poll } = require('./browser');

(async () => {
  const [url, playS, timeoutS] = process.argv.slice(2);
  const want = parseFloat(playS), limit = parseFloat(timeoutS) * 1000;
  const chromium = await launch('sv-drm-chromium');
  let st = null;
  try {
    await chromium.page.goto(url);
    st = await poll(chromium.page, () => window.svStats,
                    s => s && (s.fatal || s.currentTime >= want), limit);
  } finally {
    await chromium.close();
  }
  const ok = st && !st.fatal && st.currentTime >= want;
  console.log(JSON.stringify({
    played: st ? st.currentTime : 0, fatal: st ? st.fatal : 'no stats',
    errors: st ? st.errors.slice(0, 10) : [],
    licenses: st ? st.licenses : 0,
    heights: st && st.heights ? st.heights : [],
  }));
  process.exit(ok ? 0 : 1);
})().catch(e => { console.error(e); process.exit(2); });
