// edge-llhls-player.js -- N scripted LL-HLS players following the rules of
// the LL-HLS specification (blocking playlist reloads for the next part,
// the preload-hinted part requested at once), each with its own
// connections, as an audience behind a CDN edge would be.
//   node edge-llhls-player.js PLAYLIST_URL N SECONDS [WRITER_LOG]
// Prints one JSON line: {"players":N,"reloads":..,"parts":..,"errors":[..],
// "reload_after_part_ms":{"median":..,"p95":..,"max":..,"samples":..},
// "part_latency_ms":{...}}.  With WRITER_LOG (serve-llhls-writer.py --log,
// read at the end) the first is, for each blocking reload, the time from
// the rename of its part at the origin (or from the request, when the part
// was there before it) to the reload's answer at the player
// (reloads_held: how many were asked before their part), and the second, for each part, from the capture time of its end
// to the player having all of it: the player's own view of the live edge.
// Exit 0 when every player kept up (no errors), 1 otherwise.
const http = require('http');
const fs = require('fs');

const [url, nArg, secArg, wlog] = process.argv.slice(2);
const N = parseInt(nArg, 10), until = Date.now() + parseFloat(secArg) * 1000;
// seen: [part name, asked ms, reload answered ms, part received ms]
const seen = [], errors = [];
let reloads = 0, parts = 0;

function get(agent, u) {
  return new Promise((resolve, reject) => {
    const req = http.get(u, { agent, headers: { 'user-agent': 'sv-edge-player' } }, res => {
      const chunks = [];
      res.on('data', c => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks),
                                    cache: res.headers['x-cache'] || '' }));
    });
    req.on('error', reject);
    req.setTimeout(20000, () => req.destroy(new Error('timeout: ' + u)));
  });
}

// the last part listed and the hinted one: {msn, part, hint}
function parse(text) {
  const lines = text.split('\n');
  let msn = 0, seq = null, lastPart = null, hint = null, nseg = 0;
  for (const l of lines) {
    if (l.startsWith('#EXT-X-MEDIA-SEQUENCE:')) seq = parseInt(l.slice(22), 10);
    else if (l.startsWith('#EXT-X-PRELOAD-HINT:')) hint = /URI="([^"]+)"/.exec(l)[1];
    else if (l.startsWith('#EXT-X-PART:')) lastPart = /URI="([^"]+)"/.exec(l)[1];
    else if (l && !l.startsWith('#')) nseg++;
  }
  msn = (seq || 0) + nseg;
  return { msn, lastPart, hint, ended: text.includes('#EXT-X-ENDLIST') };
}

// "s12.p3.m4s" -> [12, 3]
function numbers(name) {
  const m = /^s(\d+)\.p(\d+)\.m4s$/.exec(name);
  return m ? [parseInt(m[1], 10), parseInt(m[2], 10)] : null;
}

async function player(i) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const base = url.slice(0, url.lastIndexOf('/') + 1);
  await new Promise(r => setTimeout(r, i * 37));
  try {
    let r = await get(agent, url), pl = parse(r.body.toString());
    await get(agent, base + 'init.mp4');
    while (Date.now() < until && !pl.ended && pl.hint) {
      const want = numbers(pl.hint);
      if (!want) throw new Error('hint not a part name: ' + pl.hint);
      const q = `?_HLS_msn=${want[0]}&_HLS_part=${want[1]}`;
      const asked = Date.now(), at = r => { r.t = Date.now(); return r; };
      const [reload, part] = await Promise.all([get(agent, url + q).then(at),
                                                get(agent, base + pl.hint).then(at)]);
      if (reload.status !== 200 || part.status !== 200)
        throw new Error(`status ${reload.status}/${part.status} for ${pl.hint}`);
      reloads++;
      parts++;
      seen.push([pl.hint, asked, reload.t, part.t]);
      pl = parse(reload.body.toString());
    }
  } catch (e) {
    errors.push(`player ${i}: ${e.message}`);
  } finally {
    agent.destroy();
  }
}

(async () => {
  await Promise.all([...Array(N).keys()].map(player));
  const parts_at = new Map();    // part name -> the writer's log line
  if (wlog) {
    for (const l of fs.readFileSync(wlog, 'utf8').split('\n'))
      if (l) { const o = JSON.parse(l); parts_at.set(o.part, o); }
  }
  const reloadDelay = [], latency = [];
  let held = 0;
  for (const [name, ta, tr, tp] of seen) {
    const w = parts_at.get(name);
    if (!w) continue;
    // a reload asked after its part was there (a player that joined or
    // fell behind) waits from its own request on
    if (ta < w.renamed_ms) held++;
    reloadDelay.push(tr - Math.max(ta, w.renamed_ms));
    latency.push(tp - w.end_ms);
  }
  const stats = d => {
    d.sort((a, b) => a - b);
    const q = f => Math.round(d[Math.min(d.length - 1, Math.floor(d.length * f))]);
    return d.length ? { median: q(0.5), p95: q(0.95), max: q(1), samples: d.length } : null;
  };
  console.log(JSON.stringify({
    players: N, reloads, parts, errors: errors.slice(0, 10),
    reload_after_part_ms: stats(reloadDelay), reloads_held: held,
    part_latency_ms: stats(latency),
  }));
  process.exit(errors.length ? 1 : 0);
})();
