// serve-play.js -- drive serve-player.html in headless Chromium.
//   node serve-play.js URL PLAY_SECONDS TIMEOUT_SECONDS
// Waits until the video has played PLAY_SECONDS from where it started
// (or ended), then prints
// one JSON line: {"played":..,"ended":..,"fatal":..,"parts":..,
// "latency_ms":{"median":..,"min":..,"max":..,"samples":..},...}.
// Exit 0 when it played, 1 otherwise.
const { launch, poll } = require('./browser');

(async () => {
  const [url, playS, timeoutS] = process.argv.slice(2);
  const want = parseFloat(playS), limit = parseFloat(timeoutS) * 1000;
  const chromium = await launch('sv-serve-chromium');
  let st = null, ok = false;
  try {
    await chromium.page.goto(url);
    st = await poll(chromium.page, () => window.svStats,
                    s => s && (s.fatal || s.ended || s.played >= want),
                    limit);
    ok = st && !st.fatal && (st.ended || st.played >= want);
  } finally {
    await chromium.close();
  }
  // latency once playback settled: the second half of the samples
  const l = st ? st.latencies.slice(Math.floor(st.latencies.length / 2))
                   .sort((a, b) => a - b) : [];
  const res = {
    played: st ? st.played : 0, position: st ? st.currentTime : 0, ended: st ? st.ended : false,
    fatal: st ? st.fatal : 'no stats', errors: st ? st.errors.slice(0, 10) : [],
    parts: st ? st.parts : 0, frags: st ? st.frags : 0,
    stalls: st ? st.stalls || 0 : 0, jumps: st ? st.jumps || 0 : 0,
    level: st ? st.level : null,
    // hls.js's own latency, its target and the buffer ahead at the end (s)
    hls_latency: st && st.hlsLatency.length ? st.hlsLatency[st.hlsLatency.length - 1] : null,
    target: st ? st.target : null, ahead: st ? st.ahead : null,
    latency_ms: l.length ? { median: Math.round(l[l.length >> 1]),
                             min: Math.round(l[0]),
                             max: Math.round(l[l.length - 1]),
                             samples: l.length } : null,
  };
  console.log(JSON.stringify(res));
  process.exit(ok ? 0 : 1);
})().catch(e => { console.error(e); process.exit(2); });
