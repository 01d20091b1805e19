// watermark-capture.js -- one viewer's playback of a watermarked package
// through sv-serve in headless Chromium (serve-player.html, hls.js), with
// everything the player was given kept: a capture of the playback.
//   node watermark-capture.js URL OUTDIR TIMEOUT_SECONDS
// Every media response with status 200 (the init segment and the segments,
// after sv-serve's redirect to the viewer's variant) is written to OUTDIR
// under its path with '/' made '_' (v0_a_seg-3.m4s), as the player got it.
// Waits until the video has ended (or a fatal error, or the time is up) and
// prints one JSON line: {"ended":..,"fatal":..,"errors":[..],
// "fetched":[{"path":..,"status":..,"redirected_from":..}],
// "frames":..,"dropped":..}.  Exit 0 when it played to the end, 1 otherwise.
const fs = require('fs');
const path = require('path');
const { launch, poll } = require('./browser');

(async () => {
  const [url, outdir, timeoutS] = process.argv.slice(2);
  const chromium = await launch('sv-watermark-chromium');
  const fetched = [], writes = [];
  let st = null, ok = false, q = null;
  chromium.page.on('response', res => {
    const u = new URL(res.url());
    if (!/\.(m4s|mp4)$/.test(u.pathname))
      return;
    const from = res.request().redirectedFrom();
    const rec = { path: u.pathname, status: res.status(),
                  redirected_from: from ? new URL(from.url()).pathname : null };
    fetched.push(rec);
    if (res.status() !== 200)
      return;
    writes.push(res.body().then(b => fs.writeFileSync(
      path.join(outdir, u.pathname.replace(/^\/+/, '').replace(/\//g, '_')),
      b)));
  });
  try {
    await chromium.page.goto(url);
    st = await poll(chromium.page, () => window.svStats,
                    s => s && (s.fatal || s.ended),
                    parseFloat(timeoutS) * 1000);
    q = await chromium.page.evaluate(() => {
      const p = document.getElementById('v').getVideoPlaybackQuality();
      return { frames: p.totalVideoFrames, dropped: p.droppedVideoFrames };
    });
    await Promise.all(writes);
    ok = st && !st.fatal && st.ended;
  } finally {
    await chromium.close();
  }
  console.log(JSON.stringify({
    ended: st ? st.ended : false, fatal: st ? st.fatal : 'no stats',
    errors: st ? st.errors.slice(0, 10) : [], fetched,
    frames: q ? q.frames : 0, dropped: q ? q.dropped : 0,
  }));
  process.exit(ok ? 0 : 1);
})().catch(e => { console.error(e); process.exit(2); });
