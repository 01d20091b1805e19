// whep-play.js -- glass-to-glass latency through sv-ingest: headless
// Chromium publishes a canvas stream over WHIP and, in the same page (one
// clock), plays it back over WHEP; the canvas carries the time it was drawn
// as a pattern of black and white cells.  Every decoded frame is read
// exactly once (MediaStreamTrackProcessor: the VideoFrame itself, keyed by
// its RTP timestamp) and its stamp decoded from its own pixels; the video
// element's requestVideoFrameCallback says, for the same RTP timestamp,
// when that frame was presented and when its last packet arrived.
// For comparison, the same canvas first goes straight from one
// RTCPeerConnection to another in the page (no server: the floor), and
// with JANUS set, through Janus's VideoRoom too (the peer, side by side).
// Prints one JSON line: HTTP statuses, each path's latencies (shown: p50,
// p95, max; received, read and presented too; pictures read, frames whose
// pattern did not decode, repeated stamps, frames read but not presented
// and the reverse) and getStats() over the measured window (receiver:
// jitter buffer delay, target and minimum, assembly, decode, processing;
// publisher: encode time, send delay, bitrate).
//   node whep-play.js WHIP_BASE TOKEN FRAMES [WIDTHxHEIGHT] [VIEWERS]
//                     [DIRECT_FRAMES] [wall]
// WHIP_BASE is http://host:port: publishing goes to /whip/live, playback
// to /whep/live/TOKEN.  FRAMES: pictures measured per viewer (>= 300 for a
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
// JANUS: Janus's HTTP API (http://host:port/janus), measured side by side;
// ORDER: which goes first, "sv,janus" or "janus,sv"; VIEWER_AUDIO=0: the
// viewers take video only (no audio to keep in sync with).
const janus = process.env.JANUS || '';
const order = (process.env.ORDER || 'sv,janus').split(',');
const viewerAudio = process.env.VIEWER_AUDIO !== '0';
// WARMUP: seconds at most to wait, before measuring a path, for the
// publisher's encoder to reach the canvas's size (default 0)
const warmup = parseFloat(process.env.WARMUP || '0');

const html = `<!doctype html><body><canvas id="c" width="${w}" height="${h}">
</canvas><script>
const W = ${w}, H = ${h}, COLS = 20, ROWS = 2, WALL = ${wall};
const VIEWER_AUDIO = ${viewerAudio}, WARMUP = ${warmup};
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
// latency of a frame whose stamp is v, seen at t (performance.now());
// null for a misread that the 8-bit sum let through (1 in 256 of the
// damaged ones): a stamp from the future or over a minute old
function age(t, v) {
  // wall: the stamp is the epoch's milliseconds, low 32 bits
  const d = WALL ? ((performance.timeOrigin + t) % WRAP - v + WRAP) % WRAP
                 : t - v;
  return d < 0 || d > 60000 ? null : d;
}
// n frames of track, each read exactly once.  MediaStreamTrackProcessor
// hands over every decoded VideoFrame with its RTP timestamp; the stamp is
// read from that frame's own pixels (drawing the video element could read
// a newer one).  requestVideoFrameCallback on video says, per RTP
// timestamp, when the element presented that frame and when its last
// packet came in.  Joined by RTP timestamp, each picture counts once: at
// the first frame that carries its stamp (captureStream samples the canvas
// on its own timer, so a stamp can be sent twice).  Per picture: received
// (last packet in), read (the page's reader got the decoded frame: an
// upper bound on decoding, as the page's one thread may be busy; it can
// come after the presentation), presented (the
// element handed it to the compositor) and shown (the element's expected
// display time: glass), each minus the stamp.
function collect(track, video, n) {
  const SW = (COLS + 2) * CELL, SH = (ROWS + 2) * CELL;
  const g = new OffscreenCanvas(SW, SH)
    .getContext('2d', { willReadFrequently: true });
  const read = new Map(), seen = new Map(), firstOf = new Set();
  const out = { lat: [], received: [], read: [], presented: [],
                bad: 0, repeats: 0, small: 0,
                dupes: 0, unshown: 0, unread: 0, skipped: 0, shownDupes: 0 };
  const tap = track.clone();
  const reader = new MediaStreamTrackProcessor({ track: tap }).readable
    .getReader();
  let lastStamp = null, lastPresented = -1, joined = 0, over = false;
  return new Promise(done => {
    const finish = () => {
      if (over) return;
      over = true;
      clearTimeout(stop);
      reader.cancel().catch(() => {});
      tap.stop();
      for (const [rtp, f] of read) {
        if (!firstOf.has(rtp)) continue;
        const s = seen.get(rtp);
        if (!s) { out.unshown++; continue; }
        out.lat.push(age(s.shown, f.v));
        out.read.push(age(f.at, f.v));
        out.presented.push(age(s.presented, f.v));
        if (s.received) out.received.push(age(s.received, f.v));
      }
      for (const rtp of seen.keys()) if (!read.has(rtp)) out.unread++;
      done(out);
    };
    // a loaded machine decodes and presents fewer frames than 30 a second
    const stop = setTimeout(finish, (n / 15 + 20) * 1000);
    const count = rtp => {
      if (firstOf.has(rtp) && read.has(rtp) && seen.has(rtp) &&
          ++joined >= n)
        finish();
    };
    (async () => {
      for (;;) {
        const { value: f, done: end } = await reader.read();
        if (end || over) { if (f) f.close(); return; }
        const at = performance.now(), rtp = f.metadata().rtpTimestamp;
        if (read.has(rtp)) { out.dupes++; f.close(); continue; }
        // the encoder may send fewer pixels than the canvas has while its
        // bitrate ramps up: scaled back, as the video element would
        const fw = f.displayWidth, sx = fw / W, sy = f.displayHeight / H;
        g.drawImage(f, 0, 0, SW * sx, SH * sy, 0, 0, SW, SH);
        f.close();
        const v = readStamp(g.getImageData(0, 0, SW, SH));
        if (v === null || age(at, v) === null) { out.bad++; continue; }
        read.set(rtp, { v, at });
        if (fw !== W) out.small++;
        if (v === lastStamp) out.repeats++;
        else { firstOf.add(rtp); lastStamp = v; count(rtp); }
      }
    })().catch(() => finish());
    const cb = (now, m) => {
      if (over) return;
      if (lastPresented >= 0 && m.presentedFrames > lastPresented + 1)
        out.skipped += m.presentedFrames - lastPresented - 1;
      lastPresented = m.presentedFrames;
      if (seen.has(m.rtpTimestamp)) out.shownDupes++;
      else {
        seen.set(m.rtpTimestamp, { shown: m.expectedDisplayTime,
                                   presented: m.presentationTime,
                                   received: m.receiveTime });
        count(m.rtpTimestamp);
      }
      video.requestVideoFrameCallback(cb);
    };
    video.requestVideoFrameCallback(cb);
  });
}
// getStats() of pc now: the video inbound-rtp and outbound-rtp entries,
// the audio packets received, the nominated pair's RTT
async function snap(pc) {
  const s = { t: performance.now(), audioPackets: 0 };
  (await pc.getStats()).forEach(x => {
    if (x.type === 'inbound-rtp' && x.kind === 'video') s.in = x;
    if (x.type === 'outbound-rtp' && x.kind === 'video') s.out = x;
    if (x.type === 'inbound-rtp' && x.kind === 'audio')
      s.audioPackets = x.packetsReceived;
    if (x.type === 'candidate-pair' && x.nominated &&
        x.currentRoundTripTime !== undefined)
      s.rttMs = 1000 * x.currentRoundTripTime;
    if (x.type === 'candidate-pair' && x.nominated &&
        x.availableOutgoingBitrate !== undefined)
      s.bweKbps = Math.round(x.availableOutgoingBitrate / 1000);
  });
  return s;
}
const per = (d, n, k = 1000) => n > 0 ? Math.round(k * d / n * 10) / 10
                                      : null;
// a receiver's decomposition over the measured window (a: the snapshot
// before it, b: after), totals for the counters
function receiverStats(a, b) {
  const x = b.in || {}, o = a.in || {}, d = k => (x[k] || 0) - (o[k] || 0);
  const secs = (b.t - a.t) / 1000, em = d('jitterBufferEmittedCount');
  return { framesDecoded: x.framesDecoded, framesDropped: x.framesDropped,
    freezeCount: x.freezeCount, nackCount: x.nackCount,
    pliCount: x.pliCount, firCount: x.firCount,
    packetsLost: x.packetsLost, packetsReceived: x.packetsReceived,
    width: x.frameWidth, height: x.frameHeight,
    decoder: x.decoderImplementation, audioPackets: b.audioPackets,
    rttMs: b.rttMs,
    fps: per(d('framesDecoded'), secs, 1),
    kbps: per(8 * d('bytesReceived'), secs, 0.001),
    // first packet in to last packet in, of frames in several packets
    assemblyMs: per(d('totalAssemblyTime'),
                    d('framesAssembledFromMultiplePackets')),
    jitterBufferMs: per(d('jitterBufferDelay'), em),
    jitterTargetMs: per(d('jitterBufferTargetDelay'), em),
    jitterMinimumMs: per(d('jitterBufferMinimumDelay'), em),
    decodeMs: per(d('totalDecodeTime'), d('framesDecoded')),
    // first packet in to decoded
    processingMs: per(d('totalProcessingDelay'), d('framesDecoded')) };
}
// the publisher's encoder over the same window, and its pacing
function senderStats(a, b) {
  const x = b.out || {}, o = a.out || {}, d = k => (x[k] || 0) - (o[k] || 0);
  const secs = (b.t - a.t) / 1000;
  return { encoder: x.encoderImplementation, width: x.frameWidth,
    height: x.frameHeight, fps: per(d('framesEncoded'), secs, 1),
    kbps: per(8 * d('bytesSent'), secs, 0.001),
    encodeMs: per(d('totalEncodeTime'), d('framesEncoded')),
    sendDelayMs: per(d('totalPacketSendDelay'), d('packetsSent')),
    limitation: x.qualityLimitationReason, nackCount: x.nackCount,
    // the sender's bandwidth estimate at the end (its pacer sends a
    // frame's packets at a small multiple of it) and its encoder's target
    bweKbps: b.bweKbps, targetKbps: x.targetBitrate !== undefined ?
      Math.round(x.targetBitrate / 1000) : null,
    pliCount: x.pliCount, retransmitted: x.retransmittedPacketsSent };
}
// measures n frames of each viewer at once; each result gets the
// decomposition of its receiver and of the publisher's sender
// (after a warm-up of WARMUP seconds at most: until the publisher's
// encoder sends the canvas's own size, as it does once its bandwidth
// estimate has ramped up)
async function measure(pub, vs, n) {
  const w0 = performance.now();
  while (pub && performance.now() - w0 < WARMUP * 1000) {
    const s = await snap(pub);
    if (s.out && s.out.frameWidth === W) break;
    await new Promise(ok => setTimeout(ok, 250));
  }
  const warmup = Math.round((performance.now() - w0) / 100) / 10;
  const p0 = pub ? await snap(pub) : null;
  const s0 = await Promise.all(vs.map(v => snap(v.pc)));
  const got = await Promise.all(vs.map(v => collect(v.track, v.video, n)));
  const s1 = await Promise.all(vs.map(v => snap(v.pc)));
  const sender = pub ? senderStats(p0, await snap(pub)) : null;
  return got.map((x, i) => Object.assign(x, {
    stats: receiverStats(s0[i], s1[i]), sender, warmup }));
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
  const track = await got;
  const [res] = await measure(a, [{ pc: b, track, video: videoOf(track) }],
                              n);
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
  if (VIEWER_AUDIO) pc.addTransceiver('audio', { direction: 'recvonly' });
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
  v.track = vt.receiver.track;
  v.video = videoOf(v.track);
  return v;
}
// Janus's HTTP API: a session whose events come by long polling, each
// request answered by the event carrying its transaction
async function janusSession(base) {
  let seq = 0;
  const waiting = new Map();
  const post = async (url, body) => {
    body.transaction = 't' + (++seq);
    const res = await fetch(url, { method: 'POST',
                                   body: JSON.stringify(body) });
    const j = await res.json();
    if (j.janus === 'error') throw new Error('Janus: ' + JSON.stringify(j));
    return j;
  };
  const s = await post(base, { janus: 'create' });
  const url = base + '/' + s.data.id;
  const j = { url, open: true };
  (async () => {
    while (j.open) {
      const res = await fetch(url + '?maxev=5');
      let evs = await res.json();
      if (!Array.isArray(evs)) evs = [evs];
      for (const e of evs) {
        const w = waiting.get(e.transaction);
        if (w && e.janus === 'event') { waiting.delete(e.transaction); w(e); }
      }
    }
  })().catch(() => {});
  j.attach = async () => (await post(url, { janus: 'attach',
    plugin: 'janus.plugin.videoroom' })).data.id;
  // a plugin request; resolves to the event that answers it
  j.ask = async (h, body, jsep) => {
    const m = { janus: 'message', body };
    if (jsep) m.jsep = jsep;
    m.transaction = 't' + (++seq);
    const got = new Promise(ok => waiting.set(m.transaction, ok));
    const res = await fetch(url + '/' + h, { method: 'POST',
                                             body: JSON.stringify(m) });
    const a = await res.json();
    if (a.janus === 'error') throw new Error('Janus: ' + JSON.stringify(a));
    const e = a.janus === 'success' ? a : await got;
    const data = e.plugindata && e.plugindata.data;
    if (data && data.error) throw new Error('Janus: ' + data.error);
    return e;
  };
  j.done = h => post(url + '/' + h, { janus: 'trickle',
                                       candidate: { completed: true } });
  j.close = () => { j.open = false;
                    return post(url, { janus: 'destroy' }).catch(() => {}); };
  return j;
}
// the peer side by side: the same canvas published into Janus's VideoRoom
// (room 1) and played back from it, Janus offering to the subscriber
async function viaJanus(base, n) {
  const j = await janusSession(base);
  const ph = await j.attach();
  const joined = await j.ask(ph, { request: 'join', ptype: 'publisher',
                                   room: 1, display: 'canvas' });
  const feed = joined.plugindata.data.id;
  const pub = new RTCPeerConnection({ iceServers: [] });
  const tr = pub.addTransceiver(stream.getVideoTracks()[0],
                                { direction: 'sendonly' });
  pub.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendonly' });
  h264First(tr, RTCRtpSender.getCapabilities('video'));
  await pub.setLocalDescription(await pub.createOffer());
  await gathered(pub);
  const pa = await j.ask(ph, { request: 'publish', audio: true,
    video: true }, { type: 'offer', sdp: pub.localDescription.sdp });
  await pub.setRemoteDescription(pa.jsep);
  await j.done(ph);
  await connected(pub);
  const sh = await j.attach();
  // the feed is there once Janus has set up the publisher's media, a
  // moment after the connection is up
  let so;
  for (let i = 0; ; i++) {
    try {
      so = await j.ask(sh, { request: 'join', ptype: 'subscriber', room: 1,
        streams: VIEWER_AUDIO ? [{ feed }] : [{ feed, mid: '0' }] });
      break;
    } catch (e) {
      if (i === 50 || !/No such feed/.test(String(e))) throw e;
      await new Promise(ok => setTimeout(ok, 100));
    }
  }
  const pc = new RTCPeerConnection({ iceServers: [] });
  const got = new Promise(ok => { pc.ontrack = e =>
    e.track.kind === 'video' && ok(e.track); });
  await pc.setRemoteDescription(so.jsep);
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  await j.ask(sh, { request: 'start' },
              { type: 'answer', sdp: pc.localDescription.sdp });
  await j.done(sh);
  await connected(pc);
  const track = await got;
  const [res] = await measure(pub, [{ pc, track, video: videoOf(track) }],
                              n);
  pc.close(); pub.close();
  await j.close();
  return res;
}
// through sv-ingest: WHIP in, nviewers WHEP viewers measured at once
async function viaIngest(base, token, n, nviewers) {
  if (!WALL) await publish(base, token);
  const url = base + '/whep/live/' + token;
  const vs = [];
  for (let i = 0; i < nviewers; i++) vs.push(await play(url));
  const got = await measure(WALL ? null : window.pub, vs, n);
  r.viewers = [];
  for (let i = 0; i < vs.length; i++) {
    const v = vs[i];
    const x = { post: v.post, location: v.location,
                answer_sendonly: v.answer_sendonly,
                answer_ssrc: v.answer_ssrc, latency: got[i],
                stats: got[i].stats, sender: got[i].sender };
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
async function run(base, token, n, nviewers, nd, janus, order) {
  if (!WALL) startCanvas();
  r.direct = nd > 0 && !WALL ? await direct(nd) : { lat: [], bad: 0 };
  for (const what of order) {
    if (what === 'sv') await viaIngest(base, token, n, nviewers);
    if (what === 'janus' && janus && !WALL) r.janus = await viaJanus(janus, n);
  }
}
</script>`;

// percentiles of a list of latencies
function pct(list) {
  const a = list.slice().sort((p, q) => p - q);
  const at = f => a.length ? Math.round(a[Math.min(a.length - 1,
                                                   Math.floor(f * a.length))])
                           : null;
  return { p50_ms: at(0.5), p95_ms: at(0.95), max_ms: at(1) };
}
// one path's figures: shown (the headline), and received, read and
// presented for the same pictures; the counts of what did not join
function summary(x) {
  const s = pct(x.lat);
  return Object.assign({ frames: x.lat.length, undecoded: x.bad,
    repeats: x.repeats || 0, dupes: x.dupes || 0, unshown: x.unshown || 0,
    unread: x.unread || 0, skipped: x.skipped || 0,
    shown_dupes: x.shownDupes || 0, smaller: x.small || 0,
    warmup_s: x.warmup }, s,
    { received: x.received ? pct(x.received) : null,
      read: x.read ? pct(x.read) : null,
      presented: x.presented ? pct(x.presented) : null },
    x.stats ? { stats: x.stats, sender: x.sender } : {});
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
    await page.evaluate(([b, t, n, k, d, j, o]) => run(b, t, n, k, d, j, o),
                        [base, token, frames, viewers, directFrames, janus,
                         order]);
    const r = await page.evaluate(() => window.result);
    out.whip_post = r.whip_post;
    out.whip_delete = r.whip_delete;
    out.direct = summary(r.direct);
    out.viewers = r.viewers.map(v => Object.assign(v, {
      latency: summary(Object.assign({}, v.latency, { stats: null })) }));
    if (janus) out.janus = r.janus ? summary(r.janus) : null;
    out.ok = (wall || r.whip_post === 201) &&
             out.viewers.length === viewers &&
             out.viewers.every(v => v.post === 201 && v.delete === 200 &&
                                    v.latency.frames > 0) &&
             (!janus || (out.janus && out.janus.frames > 0));
  } catch (e) {
    out.error = String(e);
    try { Object.assign(out, await chromium.page.evaluate(() => ({
      whip_post: window.result.whip_post,
      whip_delete: window.result.whip_delete })));
    } catch (e2) { /* the page is gone */ }
  }
  console.log(JSON.stringify(out));
  await chromium.close();
  server.close();
  process.exit(out.ok ? 0 : 1);
})().catch(e => { console.error(e); process.exit(1); });
