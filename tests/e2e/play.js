// play.js -- play a package in headless Chromium with a real player and
// report what happened as one JSON line.
//   node play.js PLAYER URL [--switch] [--live] [--seconds N] [--timeout N]
//                [--cmcd SID] [--beacon URL]
// PLAYER is hls (hls.js), dash (dash.js) or shaka (Shaka Player).  The page
// and the player are served from this script's own port; the media comes
// from URL (another origin, so it needs CORS).  --switch makes hls.js go
// through every level; --live turns on the low-latency mode of hls.js and
// Shaka Player and measures the live latency (dash.js turns low-latency
// mode on by itself for an MPD with availabilityTimeComplete="false";
// --live measures its latency and reports whether the mode was on); live,
// --seconds counts from where playing began (the live edge), reported as
// "advanced".  --cmcd turns on the player's own CMCD (CTA-5004, in the query
// of every request) with SID as the session id; --beacon posts the page's
// own QoE beacons to URL as a player integration would (sv-serve's /beacon:
// startup with its ms, each stall with its ms, end with played_ms), under
// the same SID.  Exit 0 when it played without a fatal error.
const { launch, servePage, poll } = require('./browser');

const argv = process.argv.slice(2);
const player = argv[0], url = argv[1];
const flag = f => argv.includes(f);
const num = (f, d) => { const i = argv.indexOf(f);
                        return i >= 0 ? parseFloat(argv[i + 1]) : d; };
const str = (f, d) => { const i = argv.indexOf(f);
                        return i >= 0 ? argv[i + 1] : d; };
const opts = { player, url, switching: flag('--switch'), live: flag('--live'),
               seconds: num('--seconds', 6), cmcd: str('--cmcd', null),
               beacon: str('--beacon', null) };
const timeout = num('--timeout', 60) * 1000;

const libs = {
  hls: 'hls.js/dist/hls.min.js',
  dash: 'dashjs/dist/dash.all.min.js',
  shaka: 'shaka-player/dist/shaka-player.compiled.js',
};

// The page: runs the player, keeps window.sv up to date.
function page() {
  return `<!doctype html><html><body><video id="v" muted playsinline></video>
<script src="/lib.js"></script><script>
const o = ${JSON.stringify(opts)};
const v = document.getElementById('v');
const sv = window.sv = { errors: [], fatal: null, levels: [], nlevels: 0,
  buffered: [], played: 0, ended: false, latency: [], pdt_latency: [],
  switches: 0, low_latency: null };
const seen = new Set(), bufd = new Set();
v.addEventListener('ended', () => { sv.ended = true; });
// QoE beacons: text/plain bodies, so no CORS preflight; end is awaited
const beacon = b => o.beacon ? fetch(o.beacon, { method: 'POST',
  mode: 'no-cors', keepalive: true,
  body: JSON.stringify(Object.assign({ sid: o.cmcd }, b)) }) : null;
const t0 = performance.now();
let started = false, waiting = null;
v.addEventListener('playing', () => {
  if (!started) {
    started = true;
    beacon({ event: 'startup', ms: Math.round(performance.now() - t0) });
  } else if (waiting !== null) {
    beacon({ event: 'stall', ms: Math.round(performance.now() - waiting) });
  }
  waiting = null;
});
v.addEventListener('waiting', () => {
  if (started && waiting === null) waiting = performance.now(); });
window.svEnd = () => beacon({ event: 'end',
  played_ms: Math.round(v.currentTime * 1000) });
v.addEventListener('error', () => { sv.fatal = 'video: ' +
  (v.error ? v.error.message || v.error.code : '?'); });
// live: where playing began (the live edge, not 0) and how far it went
sv.start = null; sv.advanced = 0;
setInterval(() => {
  sv.played = v.currentTime;
  if (sv.start === null && v.currentTime > 0 && !v.paused)
    sv.start = v.currentTime;
  if (sv.start !== null) sv.advanced = v.currentTime - sv.start;
}, 100);
if (o.player === 'hls') {
  const hls = new Hls({ lowLatencyMode: o.live, enableWorker: true,
    cmcd: o.cmcd ? { sessionId: o.cmcd, contentId: 'sv-test' } : undefined });
  window.player = hls;
  hls.on(Hls.Events.ERROR, (e, d) => {
    if (d.fatal) sv.fatal = d.type + ': ' + d.details;
    else sv.errors.push(d.details);
  });
  hls.on(Hls.Events.MANIFEST_PARSED, (e, d) => {
    sv.nlevels = d.levels.length; v.play().catch(() => {}); });
  hls.on(Hls.Events.LEVEL_SWITCHED, (e, d) => {
    if (!seen.has(d.level)) { seen.add(d.level); sv.levels.push(d.level); }
  });
  hls.on(Hls.Events.FRAG_BUFFERED, (e, d) => {
    if (d.frag.type === 'main' && !bufd.has(d.frag.level)) {
      bufd.add(d.frag.level); sv.buffered.push(d.frag.level); }
  });
  if (o.switching) {
    // once a level has buffered and played on, go to the next one
    let last = -1;
    setInterval(() => {
      if (sv.nlevels < 2 || v.currentTime <= 0) return;
      const cur = hls.currentLevel;
      if (bufd.has(cur) && cur !== last) {
        last = cur;
        setTimeout(() => {
          hls.currentLevel = (cur + 1) % sv.nlevels; sv.switches++; }, 700);
      }
    }, 200);
  }
  if (o.live) {
    setInterval(() => {
      if (v.currentTime <= 0 || v.paused) return;
      if (hls.latency > 0) sv.latency.push(hls.latency);
      if (hls.playingDate)
        sv.pdt_latency.push((Date.now() - hls.playingDate.getTime()) / 1000);
    }, 500);
  }
  hls.loadSource(o.url);
  hls.attachMedia(v);
} else if (o.player === 'dash') {
  const p = dashjs.MediaPlayer().create();
  window.player = p;
  p.updateSettings({ debug: { logLevel: 1 } });
  if (o.cmcd)
    p.updateSettings({ streaming: { cmcd: { enabled: true, sid: o.cmcd,
                                            cid: 'sv-test' } } });
  p.on(dashjs.MediaPlayer.events.ERROR, e => {
    sv.fatal = 'dash: ' + JSON.stringify(e.error || e).slice(0, 300); });
  p.on(dashjs.MediaPlayer.events.PLAYBACK_ERROR, e => {
    sv.fatal = 'dash playback: ' + JSON.stringify(e.error || e).slice(0, 300); });
  p.on(dashjs.MediaPlayer.events.STREAM_INITIALIZED, () => {
    sv.nlevels = p.getBitrateInfoListFor('video').length; });
  p.on(dashjs.MediaPlayer.events.QUALITY_CHANGE_RENDERED, e => {
    if (e.mediaType === 'video' && !seen.has(e.newQuality)) {
      seen.add(e.newQuality); sv.levels.push(e.newQuality); } });
  p.initialize(v, o.url, true);
  if (o.live)
    setInterval(() => {
      const l = p.getCurrentLiveLatency();
      if (v.currentTime > 0 && l > 0) sv.latency.push(l);
      sv.low_latency = p.getLowLatencyModeEnabled(); }, 250);
} else {
  shaka.polyfill.installAll();
  const p = new shaka.Player();
  window.player = p;
  p.addEventListener('error', e => {
    sv.fatal = 'shaka: ' + (e.detail && e.detail.code); });
  if (o.cmcd)
    p.configure({ cmcd: { enabled: true, sessionId: o.cmcd,
                          contentId: 'sv-test' } });
  if (o.live) {
    // LL-HLS: parts, blocking reloads and the preload hint
    p.configure({ streaming: { lowLatencyMode: true } });
    setInterval(() => {
      sv.low_latency = p.getConfiguration().streaming.lowLatencyMode;
      if (v.currentTime <= 0 || v.paused) return;
      // Shaka's own figure, or (when it has none yet) the wall clock
      // behind the program date time of the playhead, which it is made of
      const d = p.getPlayheadTimeAsDate();
      const pl = d ? (Date.now() - d.getTime()) / 1000 : NaN;
      const l = p.getStats().liveLatency;
      if (l > 0) sv.latency.push(l);
      else if (pl > 0) sv.latency.push(pl);
      if (pl > 0) sv.pdt_latency.push(pl);
    }, 500);
  }
  p.attach(v).then(() => p.load(o.url)).then(() => {
    sv.nlevels = p.getVariantTracks().length; return v.play(); })
   .catch(e => { sv.fatal = 'shaka load: ' + (e && e.code || e); });
}
</script></body></html>`;
}

(async () => {
  if (!libs[player]) throw new Error('unknown player ' + player);
  const server = await servePage(page(), { '/lib.js': libs[player] });
  const chromium = await launch('sv-package-chromium');
  let st = null, ok = false;
  try {
    const pg = chromium.page;
    const console_errors = [];
    pg.on('pageerror', e => console_errors.push(String(e).slice(0, 200)));
    await pg.goto(server.url);
    // live: played on for --seconds from where it began
    const done = s => s && (s.fatal || (s.ended ||
      (opts.live ? s.advanced : s.played) >= opts.seconds) &&
      (!opts.switching ||
      (s.nlevels > 0 && s.buffered.length >= s.nlevels)));
    st = await poll(pg, () => window.sv, done, timeout);
    if (opts.beacon) await pg.evaluate(() => window.svEnd());
    if (st) st.page_errors = console_errors;
    ok = !!st && !st.fatal && done(st) && console_errors.length === 0;
  } finally {
    await chromium.close();
    server.close();
  }
  const med = a => { const s = a.slice(Math.floor(a.length / 2)).sort(
    (x, y) => x - y); return s.length ? +s[s.length >> 1].toFixed(3) : null; };
  console.log(JSON.stringify({
    player, ok, played: st ? +st.played.toFixed(3) : 0,
    advanced: st ? +st.advanced.toFixed(3) : 0,
    ended: st ? st.ended : false, fatal: st ? st.fatal : 'no result',
    nlevels: st ? st.nlevels : 0, levels: st ? st.levels : [],
    buffered: st ? st.buffered : [], switches: st ? st.switches : 0,
    errors: st ? st.errors.slice(0, 10) : [],
    page_errors: st ? st.page_errors : [],
    latency: st ? med(st.latency) : null,
    pdt_latency: st ? med(st.pdt_latency) : null,
    low_latency: st ? st.low_latency : null,
  }));
  process.exit(ok ? 0 : 1);
})().catch(e => { console.error(e); process.exit(2); });
