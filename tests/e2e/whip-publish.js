// whip-publish.js -- publish a canvas stream (and a tone) from headless
// Chromium to a WHIP endpoint, then end the session with DELETE; prints one
// JSON line: the HTTP statuses, the connection state reached, and the
// sender's getStats() (frames encoded and sent, NACKs and PLIs received).
//   node whip-publish.js WHIP_URL TOKEN SECONDS [WIDTHxHEIGHT]
// Run it inside `unshare -n` (loopback only): Chromium gets the flags that
// make it gather 127.0.0.1 and nothing else.
const { launch, servePage } = require('./browser');

const [url, token] = [process.argv[2], process.argv[3]];
const secs = parseFloat(process.argv[4] || '5');
const [w, h] = (process.argv[5] || '640x360').split('x').map(Number);

const html = `<!doctype html><canvas id="c" width="${w}" height="${h}">
</canvas><script>
const r = window.result = { states: [] };
async function publish(url, token) {
  const c = document.getElementById('c'), g = c.getContext('2d');
  let n = 0;
  setInterval(() => {           // a moving picture, so frames differ
    g.fillStyle = 'hsl(' + (n * 7 % 360) + ',80%,50%)';
    g.fillRect(0, 0, c.width, c.height);
    g.fillStyle = '#fff';
    g.fillRect((n * 9) % c.width, c.height / 3, 60, 60);
    g.font = '40px sans-serif';
    g.fillText(String(Date.now()), 20, c.height - 30);
    n++;
  }, 1000 / 30);
  const stream = c.captureStream(30);
  const ac = new AudioContext(), osc = ac.createOscillator();
  const dst = ac.createMediaStreamDestination();
  osc.connect(dst); osc.start();
  const pc = window.pc = new RTCPeerConnection({ iceServers: [] });
  pc.onconnectionstatechange = () => r.states.push(pc.connectionState);
  const vt = pc.addTransceiver(stream.getVideoTracks()[0],
                               { direction: 'sendonly' });
  pc.addTransceiver(dst.stream.getAudioTracks()[0], { direction: 'sendonly' });
  const h264 = RTCRtpSender.getCapabilities('video').codecs
    .filter(k => k.mimeType === 'video/H264');
  vt.setCodecPreferences(h264);
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise(ok => {     // all candidates in the offer
    if (pc.iceGatheringState === 'complete') return ok();
    pc.onicegatheringstatechange = () =>
      pc.iceGatheringState === 'complete' && ok();
    setTimeout(ok, 3000);
  });
  const res = await fetch(url, { method: 'POST', body: pc.localDescription.sdp,
    headers: { 'Content-Type': 'application/sdp',
               'Authorization': 'Bearer ' + token } });
  r.post = res.status;
  r.location = res.headers.get('Location');
  r.etag = res.headers.get('ETag');
  const answer = await res.text();
  if (res.status !== 201) { r.error = answer; return; }
  r.answer_lite = /a=ice-lite/.test(answer);
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  // a trickle PATCH, as clients that trickle send one
  const patch = await fetch(new URL(r.location, url), { method: 'PATCH',
    headers: { 'Content-Type': 'application/trickle-ice-sdpfrag',
               'If-Match': r.etag || '*' },
    body: 'a=ice-ufrag:x\\r\\na=end-of-candidates\\r\\n' });
  r.patch = patch.status;
}
async function stats() {
  const s = {};
  (await pc.getStats()).forEach(x => {
    if (x.type === 'outbound-rtp' && x.kind === 'video')
      Object.assign(s, { framesEncoded: x.framesEncoded,
        framesSent: x.framesSent, nackCount: x.nackCount,
        pliCount: x.pliCount, encoder: x.encoderImplementation,
        width: x.frameWidth, height: x.frameHeight });
    if (x.type === 'outbound-rtp' && x.kind === 'audio')
      s.audioPackets = x.packetsSent;
    if (x.type === 'codec' && /H264/.test(x.mimeType)) s.fmtp = x.sdpFmtpLine;
  });
  return s;
}
async function unpublish(url) {
  const res = await fetch(new URL(r.location, url), { method: 'DELETE' });
  r.delete = res.status;
  pc.close();
}
</script>`;

(async () => {
  const server = await servePage(html, {});
  const chromium = await launch('sv-chromium-whip', [
    '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection',
    '--disable-features=WebRtcHideLocalIpsWithMdns']);
  let out = { ok: false };
  try {
    const page = chromium.page;
    await page.goto(server.url);
    await page.evaluate(([u, t]) => publish(u, t), [url, token]);
    let r = await page.evaluate(() => window.result);
    if (r.post === 201) {
      await page.waitForFunction(() => window.pc.connectionState ===
                                 'connected' || window.pc.connectionState ===
                                 'failed', null, { timeout: 15000 });
      await page.waitForTimeout(secs * 1000);
      out.stats = await page.evaluate(() => stats());
      await page.evaluate(u => unpublish(u), url);
      r = await page.evaluate(() => window.result);
    }
    Object.assign(out, r);
    out.ok = r.post === 201 && r.states.includes('connected') &&
             r.delete === 200;
  } catch (e) {
    out.error = String(e);
  }
  console.log(JSON.stringify(out));
  await chromium.close();
  server.close();
  process.exit(out.ok ? 0 : 1);
})().catch(e => { console.error(e); process.exit(1); });
