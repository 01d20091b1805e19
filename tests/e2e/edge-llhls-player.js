// edge-llhls-player.js -- N scripted LL-HLS players following the rules of
// the LL-HLS specification (blocking playlist reloads for the next part,
// the preload-hinted part requested at once), as an audience behind a CDN
// edge would be.
//   node edge-llhls-player.js PLAYLIST_URL N SECONDS [WRITER_LOG]
// Kept light so that what it measures is the server, not itself: one
// process, every player on two keep-alive connections of its own (one for
// playlists, one for media: the reload and the hinted part go out
// together), each a plain socket with a small bounded HTTP/1.1 response
// reader (Content-Length, chunked, or up to the close) rather than Node's
// http module; part bodies are counted, not kept.
// Prints one JSON line: {"players":N,"reloads":..,"parts":..,"errors":[..],
// "reload_after_part_ms":{"median":..,"p95":..,"max":..,"samples":..},
// "part_latency_ms":{...},"loop_delay_ms":{...}}.  With WRITER_LOG
// (serve-llhls-writer.py --log, read at the end) the first is, for each
// blocking reload, the time from the rename of its part at the origin (or
// from the request, when the part was there before it) to the reload's
// answer at the player (reloads_held: how many were asked before their
// part), and the second, for each part, from the capture time of its end
// to the player having all of it: the player's own view of the live edge.
// loop_delay_ms is how late this process's event loop ran (p50/p99/max):
// what the figures above owe to the client rather than the server.
// Exit 0 when every player kept up (no errors), 1 otherwise.
const net = require('net');
const fs = require('fs');
const { monitorEventLoopDelay } = require('perf_hooks');

const [url, nArg, secArg, wlog] = process.argv.slice(2);
const N = parseInt(nArg, 10), until = Date.now() + parseFloat(secArg) * 1000;
const target = new URL(url);
if (target.protocol !== 'http:') {
  console.error('edge-llhls-player.js: http:// URLs only');
  process.exit(2);
}
const HOST = target.hostname, PORT = parseInt(target.port || '80', 10);
const HEAD_MAX = 16384;             // response head
const BODY_MAX = 16 << 20;          // response body
const TIMEOUT_MS = 20000;           // a held request waits 3 target durations
// seen: [part name, asked ms, reload answered ms, part received ms]
const seen = [], errors = [];
let reloads = 0, parts = 0;

const CRLF2 = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

// One keep-alive HTTP/1.1 connection, one request at a time.
class Conn {
  constructor() {
    this.sock = null;
    this.buf = null;        // bytes read and not yet taken
    this.cur = null;        // the request in flight
  }

  // GET path; resolves to { status, body (a Buffer when keep, else null),
  // length, t (ms when the last byte came) }
  get(path, keep) {
    return new Promise((resolve, reject) => {
      this.cur = { resolve, reject, keep, head: null, chunks: [], length: 0,
                   left: -1, chunked: false, toClose: false, chunkLeft: -1 };
      if (!this.sock) this.open();
      this.sock.write(`GET ${path} HTTP/1.1\r\nHost: ${target.host}\r\n` +
                      'User-Agent: sv-edge-player\r\nAccept: */*\r\n\r\n');
      this.sock.setTimeout(TIMEOUT_MS);
    });
  }

  open() {
    const s = net.connect(PORT, HOST);
    s.setNoDelay(true);
    s.on('data', d => this.data(d));
    s.on('timeout', () => this.fail(new Error('timeout')));
    s.on('error', e => this.fail(e));
    s.on('close', () => {
      if (this.sock !== s) return;
      this.sock = null;
      const c = this.cur;
      if (c && c.head && c.toClose && c.left < 0 && !c.chunked) this.done();
      else if (c) this.fail(new Error('connection closed mid-answer'));
    });
    this.sock = s;
    this.buf = null;
  }

  fail(e) {
    const c = this.cur;
    this.cur = null;
    if (this.sock) { const s = this.sock; this.sock = null; s.destroy(); }
    if (c) c.reject(e);
  }

  done() {
    const c = this.cur;
    this.cur = null;
    if (this.sock) {
      this.sock.setTimeout(0);
      if (c.toClose) { const s = this.sock; this.sock = null; s.destroy(); }
    }
    c.resolve({ status: c.status, length: c.length, t: Date.now(),
                body: c.keep ? Buffer.concat(c.chunks) : null });
  }

  take(b) {
    const c = this.cur;
    c.length += b.length;
    if (c.length > BODY_MAX) throw new Error('body too large');
    if (c.keep) c.chunks.push(b);
  }

  data(d) {
    if (!this.cur) { this.fail(new Error('bytes with no request')); return; }
    this.buf = this.buf && this.buf.length ? Buffer.concat([this.buf, d]) : d;
    try {
      this.parse();
    } catch (e) {
      this.fail(e);
    }
  }

  parse() {
    const c = this.cur;
    if (!c.head) {
      const end = this.buf.indexOf(CRLF2);
      if (end < 0) {
        if (this.buf.length > HEAD_MAX) throw new Error('response head too large');
        return;
      }
      if (end > HEAD_MAX) throw new Error('response head too large');
      const lines = this.buf.toString('latin1', 0, end).split('\r\n');
      this.buf = this.buf.subarray(end + 4);
      const m = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0]);
      if (!m) throw new Error('not an HTTP/1 answer: ' + lines[0].slice(0, 40));
      c.status = parseInt(m[2], 10);
      c.head = true;
      c.toClose = m[1] === '0';
      for (let i = 1; i < lines.length; i++) {
        const k = lines[i].indexOf(':');
        if (k <= 0) throw new Error('bad header line');
        const name = lines[i].slice(0, k).trim().toLowerCase();
        const value = lines[i].slice(k + 1).trim().toLowerCase();
        if (name === 'content-length') {
          if (!/^\d{1,9}$/.test(value)) throw new Error('bad Content-Length');
          c.left = parseInt(value, 10);
        } else if (name === 'transfer-encoding') {
          c.chunked = value.split(',').pop().trim() === 'chunked';
        } else if (name === 'connection') {
          if (value.includes('close')) c.toClose = true;
          else if (value.includes('keep-alive')) c.toClose = false;
        }
      }
      if (c.status === 204 || c.status === 304) { c.chunked = false; c.left = 0; }
      if (c.chunked) c.left = -1;
      else if (c.left < 0) c.toClose = true;     // up to the close
    }
    if (c.chunked) {
      for (;;) {
        if (c.chunkLeft < 0) {
          const e = this.buf.indexOf(CRLF);
          if (e < 0) {
            if (this.buf.length > 1024) throw new Error('bad chunk size line');
            return;
          }
          const size = this.buf.toString('latin1', 0, e).split(';')[0].trim();
          if (!/^[0-9a-fA-F]{1,7}$/.test(size)) throw new Error('bad chunk size');
          c.chunkLeft = parseInt(size, 16);
          this.buf = this.buf.subarray(e + 2);
          if (c.chunkLeft === 0) c.chunkLeft = -2;     // the trailer follows
        }
        if (c.chunkLeft === -2) {
          // trailer fields (none expected) end with an empty line
          const e = this.buf.indexOf(CRLF);
          if (e < 0) return;
          this.buf = this.buf.subarray(e + 2);
          if (e === 0) { this.rest(); this.done(); return; }
          if (e > 1024) throw new Error('bad trailer');
          continue;
        }
        if (this.buf.length < c.chunkLeft + 2) {
          // take what is there of the chunk, keep waiting for the rest
          if (this.buf.length > 0 && this.buf.length <= c.chunkLeft) {
            this.take(this.buf);
            c.chunkLeft -= this.buf.length;
            this.buf = Buffer.alloc(0);
          }
          return;
        }
        this.take(this.buf.subarray(0, c.chunkLeft));
        if (this.buf[c.chunkLeft] !== 13 || this.buf[c.chunkLeft + 1] !== 10)
          throw new Error('chunk not followed by CRLF');
        this.buf = this.buf.subarray(c.chunkLeft + 2);
        c.chunkLeft = -1;
      }
    }
    if (c.left >= 0) {
      const n = Math.min(c.left, this.buf.length);
      if (n) this.take(this.buf.subarray(0, n));
      c.left -= n;
      this.buf = this.buf.subarray(n);
      if (c.left === 0) { this.rest(); this.done(); }
      return;
    }
    // up to the close
    if (this.buf.length) this.take(this.buf);
    this.buf = null;
  }

  // an answer ended: nothing may follow it (one request at a time)
  rest() {
    if (this.buf && this.buf.length) throw new Error('bytes after the answer');
    this.buf = null;
  }

  close() {
    if (this.sock) { this.sock.destroy(); this.sock = null; }
  }
}

// the last part listed and the hinted one: {msn, part, hint}
function parse(text) {
  const lines = text.split('\n');
  let msn = 0, seq = null, lastPart = null, hint = null, nseg = 0;
  for (const l of lines) {
    if (l.startsWith('#EXT-X-MEDIA-SEQUENCE:')) seq = parseInt(l.slice(22), 10);
    else if (l.startsWith('#EXT-X-PRELOAD-HINT:')) {
      const m = /URI="([^"]+)"/.exec(l);
      if (m) hint = m[1];
    } else if (l.startsWith('#EXT-X-PART:')) {
      const m = /URI="([^"]+)"/.exec(l);
      if (m) lastPart = m[1];
    } else if (l && !l.startsWith('#')) nseg++;
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
  const lists = new Conn(), media = new Conn();
  const path = target.pathname;
  const base = path.slice(0, path.lastIndexOf('/') + 1);
  await new Promise(r => setTimeout(r, i * 37));
  try {
    let r = await lists.get(path + target.search, true);
    if (r.status !== 200) throw new Error(`status ${r.status} for the playlist`);
    let pl = parse(r.body.toString());
    const init = await media.get(base + 'init.mp4', false);
    if (init.status !== 200) throw new Error(`status ${init.status} for init.mp4`);
    while (Date.now() < until && !pl.ended && pl.hint) {
      const want = numbers(pl.hint);
      if (!want) throw new Error('hint not a part name: ' + pl.hint);
      const q = `?_HLS_msn=${want[0]}&_HLS_part=${want[1]}`;
      const asked = Date.now();
      const [reload, part] = await Promise.all([lists.get(path + q, true),
                                                media.get(base + pl.hint, false)]);
      if (reload.status !== 200 || part.status !== 200)
        throw new Error(`status ${reload.status}/${part.status} for ${pl.hint}`);
      if (part.length === 0) throw new Error('empty part ' + pl.hint);
      reloads++;
      parts++;
      seen.push([pl.hint, asked, reload.t, part.t]);
      pl = parse(reload.body.toString());
    }
  } catch (e) {
    errors.push(`player ${i}: ${e.message}`);
  } finally {
    lists.close();
    media.close();
  }
}

(async () => {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  await Promise.all([...Array(N).keys()].map(player));
  loop.disable();
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
  // the histogram counts in ns, from its resolution (10 ms) on
  const ms = v => Math.round(v / 1e6);
  console.log(JSON.stringify({
    players: N, reloads, parts, errors: errors.slice(0, 10),
    reload_after_part_ms: stats(reloadDelay), reloads_held: held,
    part_latency_ms: stats(latency),
    loop_delay_ms: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)),
                     max: ms(loop.max) },
  }));
  process.exit(errors.length ? 1 : 0);
})();
