// whep-play.js -- glass-to-glass latency through sv-ingest: headless
// Chromium publishes a canvas stream over WHIP and, in the same page (one
// clock), plays it back over WHEP; the canvas carries the time it was drawn
// as a pattern of black and white cells, which the player reads back from
// each decoded frame (requestVideoFrameCallback, then a canvas readback).
// For comparison, the same canvas first goes straight from one
// RTCPeerConnection to another in the page (no server: the floor).
// Prints one JSON line: HTTP statuses, both sets of latencies (p50, p95,
// max, frames read, frames whose pattern did not decode) and the viewer's
// getStats() decomposition.
//   node whep-play.js WHIP_BASE TOKEN FRAMES [WIDTHxHEIGHT] [VIEWERS]
//                     [DIRECT_FRAMES] [wall]
// WHIP_BASE is http://host:port: publishing goes to /whip/live, playback
// to /whep/live/TOKEN.  FRAMES: frames measured per viewer (>= 300 for a
// p95 worth the name); DIRECT_FRAMES (default FRAMES, 0: skip) for the
// no-server floor.  With "wall" the page publishes nothing: live/TOKEN
// comes from elsewhere (RTMP from tests/e2e/stamp-source.py and ffmpeg)
// with stamps of the wall clock, read against Date-based time here.  Run
// it inside `unshare -n` (loopback only).
const { launch, servePage } = require('./browser');

const base = process.argv[2], token = process.argv[3];
const frames = parseInt(process.argv[4] || '300', 10);
const [w, h] = (process.argv[5] || '1280x720').split('x').map(Number);
const viewers = parseInt(process.argv[6] || '1', 10);
const directFrames = parseInt(process.argv[7] || String(frames), 10);
const wall = process.argv[8] === 'wall';

const html = `<!doctype html><body><canvas id="c" width="${w}" height="${h}">
</canvas><script>
const W = ${w}, H = ${h}, COLS = 20, ROWS = 2, WALL = ${wall};
const WRAP = 4294967296;
const CELL = Math.min(32, Math.floor(W / (COLS + 2)) & ~1);
const r = window.result = {};
// the stamp: 32 bits of performance.now() in ms and an 8-bit sum, in
// cells inside a grey guard border
function drawStamp(g, v) {
  const sum = ((v >>> 24) + (v >>> 16 & 255) + (v >>> 8 & 255) + (v & 255))
              & 255;
  g.fillStyle = '#808080';
  g.fillRect(0, 0, (COLS + 2) * CELL, (ROWS + 2) * CELL);
  for (let i = 0; i < 40; i++) {
    const b = i < 32 ? (v >>> (31 - i)) & 1 : (sum >>> (39 - i)) & 1;
    g.fillStyle = b ? '#fff' : '#000';
    g.fillRect(CELL + (i % COLS) * CELL, CELL + Math.floor(i / COLS) * CELL,
               CELL, CELL);
  }
}
function readStamp(img) {
  const stride = img.width * 4;
  let v = 0, sum = 0;
  for (let i = 0; i < 40; i++) {
    const x = CELL + (i % COLS) * CELL + CELL / 2;
    const y = CELL + Math.floor(i / COLS) * CELL + CELL / 2;
    const o = y * stride + x * 4;
    const b = (img.data[o] + img.data[o + 1] + img.data[o + 2]) / 3 > 128
              ? 1 : 0;
    if (i < 32) v = (v * 2 + b) >>> 0; else sum = sum * 2 + b;
  }
  const want = ((v >>> 24) + (v >>> 16 & 255) + (v >>> 8 & 255) + (v & 255))
               & 255;
  return sum === want ? v : null;
}
let stream;
function startCanvas() {
  const c = document.getElementById('c'), g = c.getContext('2d');
  let n = 0;
  setInterval(() => {            // a moving picture, and the stamp
    g.fillStyle = 'hsl(' + (n * 7 % 360) + ',80%,50%)';
    g.fillRect(0, 0, W, H);
    g.fillStyle = '#fff';
    g.fillRect((n * 9) % W, H / 2, 80, 80);
    drawStamp(g, Math.floor(performance.now()) >>> 0);
    n++;
  }, 1000 / 60);
  stream = c.captureStream(30);
  const ac = new AudioContext(), osc = ac.createOscillator();
  const dst = ac.createMediaStreamDestination();
  osc.connect(dst); osc.start();
  stream.addTrack(dst.stream.getAudioTracks()[0]);
}
function h264First(tr, caps) {
  const all = caps.codecs;
  tr.setCodecPreferences(all.filter(k => k.mimeType === 'video/H264')
                            .concat(all.filter(k => k.mimeType !==
                                                    'video/H264')));
}
function gathered(pc) {
  return new Promise(ok => {
    if (pc.iceGatheringState === 'complete') return ok();
    pc.onicegatheringstatechange = () =>
      pc.iceGatheringState === 'complete' && ok();
    setTimeout(ok, 3000);
  });
}
function connected(pc) {
  return new Promise((ok, no) => {
    const t = setTimeout(() => no(new Error('not connected: ' +
                                            pc.connectionState)), 15000);
    const f = () => {
      if (pc.connectionState === 'connected') { clearTimeout(t); ok(); }
      if (pc.connectionState === 'failed') { clearTimeout(t);
        no(new Error('connection failed')); }
    };
    pc.addEventListener('connectionstatechange', f); f();
  });
}
function videoOf(track) {
  const v = document.createElement('video');
  v.muted = true; v.autoplay = true; v.playsInline = true;
  v.srcObject = new MediaStream([track]);
  document.body.appendChild(v);
  v.play().catch(() => {});
  return v;
}
// frames presented by video: the latency of each (now - its stamp)
function collect(video, n) {
  const c = document.createElement('canvas');
  c.width = W; c.height = H;
  const g = c.getContext('2d', { willReadFrequently: true });
  const out = { lat: [], bad: 0, repeats: 0 };
  let last = -1;
  return new Promise(done => {
    const stop = setTimeout(() => done(out), (n / 30 + 20) * 1000);
    const cb = (now, meta) => {
      // wall: the stamp is the epoch's milliseconds, low 32 bits
      const t = WALL ? (performance.timeOrigin + performance.now()) % WRAP
                     : performance.now();
      if (meta.rtpTimestamp === last) { out.repeats++; }
      else {
        last = meta.rtpTimestamp;
        g.drawImage(video, 0, 0, W, H);
        const v = readStamp(g.getImageData(0, 0, (COLS + 2) * CELL,
                                           (ROWS + 2) * CELL));
        if (v === null) out.bad++;
        else if (!WALL) out.lat.push(t - v);
        // a stamp from the future or over a minute old is a misread that
        // the 8-bit sum let through (1 in 256 of the damaged ones)
        else if ((t - v + WRAP) % WRAP > 60000) out.bad++;
        else out.lat.push((t - v + WRAP) % WRAP);
      }
      if (out.lat.length >= n) { clearTimeout(stop); return done(out); }
      video.requestVideoFrameCallback(cb);
    };
    video.requestVideoFrameCallback(cb);
  });
}
async function direct(n) {
  const a = new RTCPeerConnection({ iceServers: [] });
  const b = new RTCPeerConnection({ iceServers: [] });
  const tr = a.addTransceiver(stream.getVideoTracks()[0],
                              { direction: 'sendonly' });
  h264First(tr, RTCRtpSender.getCapabilities('video'));
  const got = new Promise(ok => { b.ontrack = e => ok(e.track); });
  await a.setLocalDescription(await a.createOffer());
  await gathered(a);
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(await b.createAnswer());
  await gathered(b);
  await a.setRemoteDescription(b.localDescription);
  await connected(b);
  const res = await collect(videoOf(await got), n);
  a.close(); b.close();
  return res;
}
async function publish(base, token) {
  const pc = window.pub = new RTCPeerConnection({ iceServers: [] });
  const tr = pc.addTransceiver(stream.getVideoTracks()[0],
                               { direction: 'sendonly' });
  pc.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendonly' });
  h264First(tr, RTCRtpSender.getCapabilities('video'));
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const res = await fetch(base + '/whip/live', { method: 'POST',
    body: pc.localDescription.sdp,
    headers: { 'Content-Type': 'application/sdp',
               'Authorization': 'Bearer ' + token } });
  r.whip_post = res.status;
  r.whip_location = res.headers.get('Location');
  const answer = await res.text();
  if (res.status !== 201) throw new Error('WHIP ' + res.status + answer);
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  await connected(pc);
}
async function play(url) {
  const pc = new RTCPeerConnection({ iceServers: [] });
  const vt = pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  h264First(vt, RTCRtpReceiver.getCapabilities('video'));
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const res = await fetch(url, { method: 'POST',
    body: pc.localDescription.sdp,
    headers: { 'Content-Type': 'application/sdp' } });
  const v = { post: res.status, location: res.headers.get('Location') };
  const answer = await res.text();
  if (res.status !== 201) throw new Error('WHEP ' + res.status + answer);
  v.answer_sendonly = /a=sendonly/.test(answer);
  v.answer_ssrc = /a=ssrc:\\d+ cname:/.test(answer);
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  await connected(pc);
  v.pc = pc;
  v.video = videoOf(vt.receiver.track);
  return v;
}
async function inbound(pc) {
  const s = {};
  (await pc.getStats()).forEach(x => {
    if (x.type === 'inbound-rtp' && x.kind === 'video')
      Object.assign(s, { framesDecoded: x.framesDecoded,
        framesDropped: x.framesDropped, freezeCount: x.freezeCount,
        nackCount: x.nackCount, pliCount: x.pliCount, firCount: x.firCount,
        packetsLost: x.packetsLost, packetsReceived: x.packetsReceived,
        width: x.frameWidth, height: x.frameHeight,
        decoder: x.decoderImplementation,
        jitterBufferMs: x.jitterBufferEmittedCount > 0 ?
          1000 * x.jitterBufferDelay / x.jitterBufferEmittedCount : null,
        decodeMs: x.framesDecoded > 0 ?
          1000 * x.totalDecodeTime / x.framesDecoded : null });
    if (x.type === 'inbound-rtp' && x.kind === 'audio')
      s.audioPackets = x.packetsReceived;
    if (x.type === 'candidate-pair' && x.nominated &&
        x.currentRoundTripTime !== undefined)
      s.rttMs = 1000 * x.currentRoundTripTime;
  });
  return s;
}
async function run(base, token, n, nviewers, nd) {
  if (!WALL) startCanvas();
  r.direct = nd > 0 && !WALL ? await direct(nd)
                             : { lat: [], bad: 0, repeats: 0 };
  if (!WALL) await publish(base, token);
  const url = base + '/whep/live/' + token;
  const vs = [];
  for (let i = 0; i < nviewers; i++) vs.push(await play(url));
  // every viewer measured at once; the first one's stats decomposed
  const got = await Promise.all(vs.map(v => collect(v.video, n)));
  r.viewers = [];
  for (let i = 0; i < vs.length; i++) {
    const v = vs[i];
    const x = { post: v.post, location: v.location,
                answer_sendonly: v.answer_sendonly,
                answer_ssrc: v.answer_ssrc, latency: got[i],
                stats: await inbound(v.pc) };
    const del = await fetch(new URL(v.location, base), { method: 'DELETE' });
    x.delete = del.status;
    v.pc.close();
    r.viewers.push(x);
  }
  if (WALL) return;
  const del = await fetch(new URL(r.whip_location, base),
                          { method: 'DELETE' });
  r.whip_delete = del.status;
  window.pub.close();
}
</script>`;

function summary(x) {
  const a = x.lat.slice().sort((p, q) => p - q);
  const at = f => a.length ? Math.round(a[Math.min(a.length - 1,
                                                   Math.floor(f * a.length))])
                           : null;
  return { frames: a.length, undecoded: x.bad, repeats: x.repeats,
           p50_ms: at(0.5), p95_ms: at(0.95), max_ms: at(1) };
}

(async () => {
  const server = await servePage(html, {});
  const chromium = await launch('sv-chromium-whep', [
    '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection',
    '--disable-features=WebRtcHideLocalIpsWithMdns']);
  let out = { ok: false };
  try {
    const page = chromium.page;
    page.setDefaultTimeout((frames / 30 + 60) * 1000 * 3);
    await page.goto(server.url);
    await page.evaluate(([b, t, n, k, d]) => run(b, t, n, k, d),
                        [base, token, frames, viewers, directFrames]);
    const r = await page.evaluate(() => window.result);
    out.whip_post = r.whip_post;
    out.whip_delete = r.whip_delete;
    out.direct = summary(r.direct);
    out.viewers = r.viewers.map(v => Object.assign(v, {
      latency: summary(v.latency) }));
    out.ok = (wall || r.whip_post === 201) &&
             out.viewers.length === viewers &&
             out.viewers.every(v => v.post === 201 && v.delete === 200 &&
                                    v.latency.frames > 0);
  } catch (e) {
    out.error = String(e);
    try { Object.assign(out, await chromium.page.evaluate(
      () => window.result)); } catch (e2) { /* the page is gone */ }
  }
  console.log(JSON.stringify(out));
  await chromium.close();
  server.close();
  process.exit(out.ok ? 0 : 1);
})().catch(e => { console.error(e); process.exit(1); });
