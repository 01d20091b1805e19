#!/usr/bin/python3
"""aiortc_peer.py -- a WHIP publisher or a WHEP viewer on aiortc (Debian's
python3-aiortc: aioice, its own DTLS over pyOpenSSL, pylibsrtp, PyAV's
libx264 and libopus): a WebRTC stack independent of ours, Chromium's and
GStreamer's, for the tests.

  aiortc_peer.py whip URL TOKEN SECONDS [CODEC]
      a moving 320x240 30 fps picture and a 440 Hz tone, for SECONDS or
      until SIGTERM; CODEC (H264, the default, or VP8) is the only video
      codec offered (with rtx), any: aiortc's default offer, VP8 first
  aiortc_peer.py whep URL SECONDS
      decodes what it receives and counts video and audio frames
  aiortc_peer.py offer CODEC
      prints an aiortc sendonly offer of CODEC and Opus, and exits

Prints one JSON line: the HTTP statuses, the Location, the answer's
setup role, and for whep the frames decoded, their size and the inbound
RTP statistics (packets, lost, NACKs sent, PLIs sent).  aioice leaves
loopback out of its host candidates: run it in the namespace that
whep_aiortc.bash makes (a veth with 192.0.2.1).
"""
import asyncio
import fractions
import json
import math
import signal
import sys
import urllib.error
import urllib.request

import av
from aiortc import (MediaStreamTrack, RTCPeerConnection,
                    RTCSessionDescription)
from aiortc.codecs.h264 import H264Encoder
from aiortc.mediastreams import VIDEO_TIME_BASE, AudioStreamTrack
from aiortc.rtcrtpreceiver import RTCRtpReceiver
from aiortc.rtcrtpsender import RTCRtpSender

OUT = {}


def http(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, dict(res.headers), res.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


class Picture(MediaStreamTrack):
    """320x240 at 30 fps: a bar that moves, so that frames differ"""
    kind = "video"

    def __init__(self):
        super().__init__()
        self.n = 0
        self.start = None

    async def recv(self):
        loop = asyncio.get_event_loop()
        if self.start is None:
            self.start = loop.time()
        wait = self.start + self.n / 30 - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        f = av.VideoFrame(320, 240, "yuv420p")
        x = (self.n * 4) % 320
        row = bytes(64 if abs(i - x) > 16 else 235 for i in range(320))
        f.planes[0].update(row * 240)
        f.planes[1].update(bytes([128]) * (160 * 120))
        f.planes[2].update(bytes([(self.n * 3) % 256]) * (160 * 120))
        f.pts = self.n * 3000
        f.time_base = VIDEO_TIME_BASE
        self.n += 1
        return f


class Tone(AudioStreamTrack):
    """a 440 Hz tone, 20 ms frames of 48 kHz mono"""

    def __init__(self):
        super().__init__()
        self.n = 0
        self.start = None

    async def recv(self):
        loop = asyncio.get_event_loop()
        if self.start is None:
            self.start = loop.time()
        wait = self.start + self.n * 0.02 - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        samples = bytearray()
        for i in range(960):
            v = int(8000 * math.sin(2 * math.pi * 440 *
                                    (self.n * 960 + i) / 48000))
            samples += v.to_bytes(2, "little", signed=True)
        f = av.AudioFrame(format="s16", layout="mono", samples=960)
        f.planes[0].update(bytes(samples))
        f.sample_rate = 48000
        f.pts = self.n * 960
        f.time_base = fractions.Fraction(1, 48000)
        self.n += 1
        return f


def count_plis():
    """counts the PLIs the sender is asked for and the packets NACKs ask
    it for again, and makes the H.264 encoder honour PLIs: aiortc 1.4's
    H264Encoder drops its force_keyframe argument (its VP8 one honours
    it), so a keyframe comes only with x264's own interval (250 frames) or
    a bitrate change; a new encoder context starts with an IDR, as a
    bitrate change does"""
    OUT["plis_received"] = OUT["nacks_received"] = 0
    send_keyframe = RTCRtpSender._send_keyframe
    encode = H264Encoder.encode
    retransmit = RTCRtpSender._retransmit

    async def counted_rtx(self, seq):
        OUT["nacks_received"] += 1
        await retransmit(self, seq)

    def counted(self):
        OUT["plis_received"] += 1
        send_keyframe(self)

    def keyed(self, frame, force_keyframe=False):
        if force_keyframe:
            self.codec = None
        return encode(self, frame, force_keyframe)
    RTCRtpSender._send_keyframe = counted
    RTCRtpSender._retransmit = counted_rtx
    H264Encoder.encode = keyed


def prefer(pc, kind, mime):
    """offer only codec mime and rtx for kind; none of aiortc's: its
    default order (VP8 first)"""
    if mime.lower() == kind + "/any":
        return
    caps = RTCRtpSender.getCapabilities(kind).codecs
    for t in pc.getTransceivers():
        if t.kind == kind:
            t.setCodecPreferences([c for c in caps
                                   if c.mimeType.lower() in
                                   (mime.lower(), kind + "/rtx")])


async def make_offer(pc):
    await pc.setLocalDescription(await pc.createOffer())
    return pc.localDescription.sdp


async def exchange(pc, url, headers):
    sdp = await make_offer(pc)
    status, head, body = http("POST", url, sdp.encode(),
                              dict(headers, **{"Content-Type":
                                               "application/sdp"}))
    OUT["post"] = status
    if status != 201:
        OUT["error"] = body.strip()
        return None
    OUT["location"] = head.get("Location")
    OUT["answer_setup"] = [ln[8:] for ln in body.splitlines()
                           if ln.startswith("a=setup:")][:1]
    await pc.setRemoteDescription(RTCSessionDescription(body, "answer"))
    return url.split("/wh")[0] + OUT["location"]


async def watch_state(pc, up):
    @pc.on("connectionstatechange")
    def _():
        OUT["state"] = pc.connectionState
        if pc.connectionState == "connected":
            up.set()


async def whip(url, token, seconds, codec):
    count_plis()
    pc = RTCPeerConnection()
    up = asyncio.Event()
    await watch_state(pc, up)
    pc.addTransceiver(Picture(), direction="sendonly")
    pc.addTransceiver(Tone(), direction="sendonly")
    prefer(pc, "video", "video/" + codec)
    loc = await exchange(pc, url, {"Authorization": "Bearer " + token})
    if loc is not None:
        # SIGTERM ends it early, as cleanly (a viewer is done with it)
        stop = asyncio.Event()
        asyncio.get_event_loop().add_signal_handler(signal.SIGTERM, stop.set)
        try:
            await asyncio.wait_for(up.wait(), 10)
        except asyncio.TimeoutError:
            OUT["error"] = "not connected in 10 s"
        if "error" not in OUT:
            try:
                await asyncio.wait_for(stop.wait(), seconds)
            except asyncio.TimeoutError:
                pass
        OUT["delete"] = http("DELETE", loc)[0]
    await pc.close()


async def whep(url, seconds):
    pc = RTCPeerConnection()
    up = asyncio.Event()
    await watch_state(pc, up)
    counts = {"frames": 0, "audio": 0}
    tasks = []
    nacks, plis = [0], [0]
    # aiortc keeps no NACK or PLI count of its own: count what it sends
    send_nack, send_pli = RTCRtpReceiver._send_rtcp_nack, \
        RTCRtpReceiver._send_rtcp_pli

    async def counted_nack(self, media_ssrc, lost):
        nacks[0] += len(lost)
        await send_nack(self, media_ssrc, lost)

    async def counted_pli(self, media_ssrc):
        plis[0] += 1
        await send_pli(self, media_ssrc)
    RTCRtpReceiver._send_rtcp_nack = counted_nack
    RTCRtpReceiver._send_rtcp_pli = counted_pli

    # freezes as webrtc-stats counts them: a frame later than the larger
    # of three mean frame gaps and the mean plus 150 ms; and frames missing
    # by their RTP timestamps (3000 ticks a frame at 30 fps)
    vs = {"last": None, "pts": None, "gaps": 0.0, "n": 0}
    counts.update(freezes=0, freeze_ms=0, frames_missing=0)

    def video_frame(pts, now):
        if vs["last"] is not None:
            gap = now - vs["last"]
            if vs["n"] >= 10:
                mean = vs["gaps"] / vs["n"]
                if gap > max(3 * mean, mean + 0.150):
                    counts["freezes"] += 1
                    counts["freeze_ms"] += int(gap * 1000)
            vs["gaps"] += gap
            vs["n"] += 1
            step = (pts - vs["pts"]) & 0xffffffff
            if 4500 <= step < 90000 * 10:
                counts["frames_missing"] += round(step / 3000) - 1
        vs["last"], vs["pts"] = now, pts

    @pc.on("track")
    def on_track(track):
        async def drain():
            while True:
                try:
                    f = await track.recv()
                except Exception:
                    return
                if track.kind == "video":
                    counts["frames"] += 1
                    OUT["width"], OUT["height"] = f.width, f.height
                    video_frame(f.pts, asyncio.get_event_loop().time())
                else:
                    counts["audio"] += 1
                    OUT["sample_rate"] = f.sample_rate
        tasks.append(asyncio.ensure_future(drain()))

    pc.addTransceiver("video", direction="recvonly")
    pc.addTransceiver("audio", direction="recvonly")
    loc = await exchange(pc, url, {})
    if loc is not None:
        try:
            await asyncio.wait_for(up.wait(), 10)
            await asyncio.sleep(seconds)
        except asyncio.TimeoutError:
            OUT["error"] = "not connected in 10 s"
        OUT.update(counts)
        for r in pc.getReceivers():
            for s in (await r.getStats()).values():
                if s.type == "inbound-rtp":
                    OUT[s.kind + "_rtp"] = {"ssrc": s.ssrc,
                                            "packets": s.packetsReceived,
                                            "lost": s.packetsLost}
        OUT["nacks_sent"], OUT["plis_sent"] = nacks[0], plis[0]
        OUT["delete"] = http("DELETE", loc)[0]
    for t in tasks:
        t.cancel()
    await pc.close()


async def offer(codec):
    pc = RTCPeerConnection()
    pc.addTransceiver(Picture(), direction="sendonly")
    pc.addTransceiver(Tone(), direction="sendonly")
    prefer(pc, "video", "video/" + codec)
    sys.stdout.write(await make_offer(pc))
    await pc.close()


def main():
    verb = sys.argv[1]
    if verb == "offer":
        asyncio.run(offer(sys.argv[2]))
        return 0
    if verb == "whip":
        asyncio.run(whip(sys.argv[2], sys.argv[3], float(sys.argv[4]),
                         sys.argv[5] if len(sys.argv) > 5 else "H264"))
    else:
        asyncio.run(whep(sys.argv[2], float(sys.argv[3])))
    print(json.dumps(OUT), flush=True)
    return 0 if OUT.get("post") == 201 and "error" not in OUT else 1


if __name__ == "__main__":
    sys.exit(main())
