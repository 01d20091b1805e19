// steering-play.js -- a live playback steered between two CDN pathways in
// headless Chromium, with hls.js (HLS Content Steering) or dash.js (DASH
// ContentSteering).
//   node steering-play.js PLAYER URL POLICY PORT_A PORT_B STEP1 STEP2 KILL_PID
// Plays URL (PLAYER: hls or dash) until media comes from pathway A (its
// cache listens on PORT_A); then puts STEP1 in place of the policy file
// POLICY (A down) and times until the first media request to PORT_B; then
// puts STEP2 in place (A back as the second choice), kills the process
// KILL_PID (B's cache) and times until the first media request to PORT_A.
// Prints one JSON line: {"player", "policy_switch_ms", "kill_switch_ms",
// "played", "fatal", "stalls", ...}; exit 0 when both switches happened and
// playback went on after each.
const fs = require('fs');
const path = require('path');
const { launch, servePage, poll } = require('./browser');

const [player, url, policy, portA, portB, step1, step2, killPid] =
  process.argv.slice(2);
const libs = { hls: 'hls.js/dist/hls.min.js', dash: 'dashjs/dist/dash.all.min.js' };

function page() {
  return `<!doctype html><html><body><video id="v" muted playsinline></video>
<script src="/lib.js"></script><script>
const v = document.getElementById('v');
const sv = window.sv = { played: 0, fatal: null, errors: [], stalls: 0 };
v.addEventListener('waiting', () => { if (v.currentTime > 0) sv.stalls++; });
setInterval(() => { sv.played = v.currentTime; }, 100);
if (${JSON.stringify(player)} === 'hls') {
  const hls = new Hls({ enableWorker: true });
  hls.on(Hls.Events.ERROR, (e, d) => {
    if (d.fatal) sv.fatal = d.type + ': ' + d.details;
    else sv.errors.push(d.details);
  });
  hls.on(Hls.Events.MANIFEST_PARSED, () => v.play().catch(() => {}));
  hls.loadSource(${JSON.stringify(url)});
  hls.attachMedia(v);
} else {
  const p = dashjs.MediaPlayer().create();
  p.updateSettings({ debug: { logLevel: 1 } });
  p.on(dashjs.MediaPlayer.events.ERROR, e => {
    sv.errors.push(JSON.stringify(e.error || e).slice(0, 200)); });
  p.on(dashjs.MediaPlayer.events.PLAYBACK_ERROR, e => {
    sv.fatal = 'dash playback: ' + JSON.stringify(e.error || e).slice(0, 200); });
  p.initialize(v, ${JSON.stringify(url)}, true);
}
</script></body></html>`;
}

// a file put in place whole, as an operator's tooling would
function install(src) {
  const tmp = path.join(path.dirname(policy), '.policy.tmp');
  fs.copyFileSync(src, tmp);
  fs.renameSync(tmp, policy);
}

(async () => {
  const server = await servePage(page(), { '/lib.js': libs[player] });
  const chromium = await launch('sv-steering-chromium');
  const media = [];     // [time, port] of every media request
  const res = { player, policy_switch_ms: null, kill_switch_ms: null };
  let ok = false;
  try {
    const pg = chromium.page;
    pg.on('request', r => {
      const m = /^https?:\/\/[^:/]+:(\d+)\/.*\.(m4s|mp4)(\?|$)/.exec(r.url());
      if (m) media.push([Date.now(), m[1]]);
    });
    const firstFrom = (port, since) => {
      const e = media.find(([t, p]) => t >= since && p === port);
      return e ? e[0] : null;
    };
    const until = async (cond, ms) => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        const x = cond();
        if (x) return x;
        await new Promise(r => setTimeout(r, 100));
      }
      return null;
    };
    await pg.goto(server.url);
    const st0 = await poll(pg, () => window.sv, s => s && (s.fatal || s.played >= 3), 60000);
    if (!st0 || st0.fatal || !firstFrom(portA, 0))
      throw new Error('did not play from pathway A: ' + JSON.stringify(st0));
    // 1: the policy marks A down
    let t0 = Date.now();
    install(step1);
    let t1 = await until(() => firstFrom(portB, t0), 40000);
    if (t1) res.policy_switch_ms = t1 - t0;
    let at = (await pg.evaluate(() => window.sv)).played;
    await poll(pg, () => window.sv, s => s && (s.fatal || s.played >= at + 3), 30000);
    // 2: A back as the second choice, then B's cache dies
    install(step2);
    await new Promise(r => setTimeout(r, 3000));
    t0 = Date.now();
    process.kill(parseInt(killPid, 10), 'SIGKILL');
    t1 = await until(() => firstFrom(portA, t0), 40000);
    if (t1) res.kill_switch_ms = t1 - t0;
    at = (await pg.evaluate(() => window.sv)).played;
    const st = await poll(pg, () => window.sv, s => s && (s.fatal || s.played >= at + 3), 30000);
    Object.assign(res, { played: st.played, fatal: st.fatal, stalls: st.stalls,
                         errors: st.errors.slice(0, 10), advanced_after_kill: st.played - at });
    ok = res.policy_switch_ms !== null && res.kill_switch_ms !== null &&
         !st.fatal && st.played >= at + 3;
  } catch (e) {
    res.fatal = String(e.message || e).slice(0, 300);
  } finally {
    await chromium.close();
    server.close();
  }
  console.log(JSON.stringify(res));
  process.exit(ok ? 0 : 1);
})().catch(e => { console.error(e); process.exit(2); });
