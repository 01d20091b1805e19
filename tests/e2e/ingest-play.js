// ingest-play.js -- play a live HLS stream with hls.js in headless Chromium
// and print one JSON line: whether it played, the live latency hls.js saw
// (to the live edge), and the latency by EXT-X-PROGRAM-DATE-TIME.
//   node ingest-play.js URL SECONDS
// The page and hls.js come from this script's own port; URL is another
// origin, so the server must send CORS headers.
const { launch, servePage } = require('./browser');

const [url, secs] = [process.argv[2], parseFloat(process.argv[3] || '8')];

const html = `<!doctype html><video id="v" muted playsinline></video>
<script src="/hls.js"></script><script>
const v = document.getElementById('v');
const r = window.result = { fatal: null, latency: [], pdt: [], started: 0 };
const hls = new Hls({ lowLatencyMode: true });
hls.on(Hls.Events.ERROR, (e, d) => { if (d.fatal) r.fatal = d.details; });
hls.on(Hls.Events.MANIFEST_PARSED, () => v.play().catch(() => {}));
v.addEventListener('playing', () => { if (!r.started) r.started = Date.now(); });
setInterval(() => {
  if (v.paused || v.currentTime <= 0) return;
  r.played = v.currentTime;
  if (hls.latency > 0) r.latency.push(hls.latency);
  if (hls.playingDate) r.pdt.push((Date.now() - hls.playingDate) / 1000);
}, 250);
hls.loadSource(${JSON.stringify(url)});
hls.attachMedia(v);
</script>`;

const p99 = a => { const s = [...a].sort((x, y) => x - y);
                   return s.length ? s[Math.floor(0.99 * (s.length - 1))] : null; };
const median = a => { const s = [...a].sort((x, y) => x - y);
                      return s.length ? s[Math.floor(s.length / 2)] : null; };

(async () => {
  const server = await servePage(html, { '/hls.js': 'hls.js/dist/hls.min.js' });
  const chromium = await launch('sv-chromium');
  let out = { ok: false };
  try {
    const page = chromium.page;
    const t0 = Date.now();
    await page.goto(server.url);
    await page.waitForFunction(() => window.result.played > 0 ||
                               window.result.fatal, null,
                               { timeout: 60000 });
    await page.waitForTimeout(secs * 1000);
    const r = await page.evaluate(() => window.result);
    out = { ok: !r.fatal && r.played > 0, fatal: r.fatal, played: r.played,
            startup_s: r.started ? (r.started - t0) / 1000 : null,
            latency_median_s: median(r.latency), latency_p99_s: p99(r.latency),
            pdt_latency_median_s: median(r.pdt) };
  } catch (e) {
    out.error = String(e);
  }
  console.log(JSON.stringify(out));
  await chromium.close();
  server.close();
  process.exit(out.ok ? 0 : 1);
})().catch(e => { console.error(e); process.exit(1); });
