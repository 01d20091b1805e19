#!/usr/bin/python3
"""gst_webrtc.py -- a WHIP publisher or a WHEP viewer on GStreamer's
webrtcbin (libnice, its own DTLS and SRTP): a WebRTC stack independent of
ours and of Chromium's, for the tests.

  gst_webrtc.py whip URL TOKEN SECONDS     videotestsrc (x264) + a tone
  gst_webrtc.py whep URL SECONDS OUT.h264  writes the H.264 it received
  gst_webrtc.py churn BASE PID OFFER REAL TOTAL
      TOTAL WHEP viewers of live/cam1 join and leave, then TOTAL WHIP
      publishers come and go, one after another: REAL of each with
      webrtcbin to ICE+DTLS connected, the rest by an offer (OFFER, and
      its recvonly twin for WHEP) and a DELETE; after a warm-up round,
      process PID's open files and resident memory before and after

Prints one JSON line: the HTTP statuses, the Location, and for whep the
frames and the audio buffers decoded.  Offers go without
candidates: an ICE-lite server learns the address from the checks.  Run it in a namespace holding only loopback.
"""
import json
import os
import sys
import time
import threading
import urllib.error
import urllib.request

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSdp", "1.0")
gi.require_version("GstWebRTC", "1.0")
from gi.repository import GLib, Gst, GstSdp, GstWebRTC  # noqa: E402

Gst.init(None)
OUT = {}


def http(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, dict(res.headers), res.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


class Peer:
    def __init__(self, desc, url, headers):
        if desc is None:
            self.pipe = Gst.Pipeline.new("p")
            self.wb = Gst.ElementFactory.make("webrtcbin", "wb")
            self.wb.set_property("bundle-policy", "max-bundle")
            self.pipe.add(self.wb)
        else:
            self.pipe = Gst.parse_launch(desc)
            self.wb = self.pipe.get_by_name("wb")
        self.url, self.headers = url, headers
        self.loop = GLib.MainLoop()
        self.location = None
        self.wb.connect("on-negotiation-needed", self.negotiate)
        self.wb.connect("notify::ice-gathering-state", self.gathered)
        bus = self.pipe.get_bus()
        bus.add_signal_watch()
        bus.connect("message::error", self.error)

    def error(self, bus, msg):
        OUT["error"] = str(msg.parse_error()[0])
        self.loop.quit()

    def negotiate(self, wb):
        wb.emit("create-offer", None, Gst.Promise.new_with_change_func(
            self.offered, None))

    def offered(self, promise, _):
        reply = promise.get_reply()
        offer = reply.get_value("offer") if reply is not None else None
        if offer is None:
            OUT["error"] = "no offer: %s" % (reply.to_string() if reply
                                             else None)
            GLib.idle_add(self.loop.quit)
            return
        self.wb.emit("set-local-description", offer, None)
        # an ICE-lite server learns our address from our checks: the offer
        # need not wait for candidates (webrtcbin 1.22 may not report
        # gathering complete in a namespace of loopback only)
        GLib.timeout_add(300, self.post)

    def gathered(self, wb, _):
        if wb.get_property("ice-gathering-state") != \
                GstWebRTC.WebRTCICEGatheringState.COMPLETE:
            return
        GLib.idle_add(self.post)

    def post(self):
        if self.location is not None:
            return False
        sdp = self.wb.get_property("local-description").sdp.as_text()
        status, head, body = http("POST", self.url, sdp.encode(),
                                  dict(self.headers,
                                       **{"Content-Type": "application/sdp"}))
        OUT["post"] = status
        if status != 201:
            OUT["error"] = body
            self.loop.quit()
            return False
        self.location = head.get("Location")
        OUT["location"] = self.location
        OUT["answer_sendonly"] = "a=sendonly" in body
        _, msg = GstSdp.SDPMessage.new_from_text(body)
        answer = GstWebRTC.WebRTCSessionDescription.new(
            GstWebRTC.WebRTCSDPType.ANSWER, msg)
        self.wb.emit("set-remote-description", answer, None)
        return False

    def run(self, seconds):
        self.pipe.set_state(Gst.State.PLAYING)
        GLib.timeout_add(int(seconds * 1000) + 8000, self.loop.quit)
        self.stop_at = seconds
        self.loop.run()
        if self.location is not None:
            base = self.url.split("/wh")[0]
            OUT["delete"] = http("DELETE", base + self.location)[0]
        self.pipe.set_state(Gst.State.NULL)


def whip(url, token, seconds):
    desc = ("webrtcbin name=wb bundle-policy=max-bundle "
            "videotestsrc is-live=true pattern=ball ! "
            "video/x-raw,width=640,height=360,framerate=30/1 ! "
            "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 "
            "bframes=0 ! video/x-h264,profile=constrained-baseline ! "
            "rtph264pay config-interval=-1 aggregate-mode=zero-latency ! "
            "application/x-rtp,media=video,encoding-name=H264,payload=96 ! "
            "wb. "
            "audiotestsrc is-live=true wave=sine ! audioconvert ! "
            "audioresample ! opusenc ! rtpopuspay ! "
            "application/x-rtp,media=audio,encoding-name=OPUS,payload=111 ! "
            "wb.")
    p = Peer(desc, url, {"Authorization": "Bearer " + token})
    GLib.timeout_add(int(seconds * 1000), p.loop.quit)
    p.run(seconds)


def whep(url, seconds, out):
    p = Peer(None, url, {})
    counts = {"frames": 0, "audio": 0}
    caps_v = Gst.Caps.from_string(
        "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,"
        "payload=102,packetization-mode=(string)1,"
        "profile-level-id=(string)42e01f")
    caps_a = Gst.Caps.from_string(
        "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,"
        "payload=111")
    for caps in (caps_v, caps_a):
        p.wb.emit("add-transceiver",
                  GstWebRTC.WebRTCRTPTransceiverDirection.RECVONLY, caps)

    def on_pad(wb, pad):
        if pad.get_direction() != Gst.PadDirection.SRC:
            return
        media = pad.get_current_caps().get_structure(0).get_string("media")
        if media == "video":
            desc = ("rtph264depay ! h264parse ! "
                    "video/x-h264,stream-format=byte-stream ! tee name=t "
                    "t. ! queue ! filesink location=" + out + " "
                    "t. ! queue ! avdec_h264 ! fakesink name=vsink "
                    "signal-handoffs=true")
            key = "frames"
        else:
            desc = ("rtpopusdepay ! opusdec ! "
                    "fakesink name=asink signal-handoffs=true")
            key = "audio"
        bin_ = Gst.parse_bin_from_description(desc, True)
        p.pipe.add(bin_)
        sink = bin_.get_by_name("vsink" if key == "frames" else "asink")

        def handoff(*_):
            counts[key] += 1
        sink.connect("handoff", handoff)
        bin_.sync_state_with_parent()
        pad.link(bin_.get_static_pad("sink"))

    p.wb.connect("pad-added", on_pad)
    lock = threading.Lock()

    def done():
        with lock:
            OUT.update(counts)
        p.loop.quit()
        return False
    GLib.timeout_add(int(seconds * 1000), done)
    p.run(seconds)
    OUT.update(counts)


WHIP_DESC = ("webrtcbin name=wb bundle-policy=max-bundle "
             "videotestsrc is-live=true ! "
             "video/x-raw,width=160,height=120,framerate=30/1 ! "
             "x264enc tune=zerolatency speed-preset=ultrafast bframes=0 ! "
             "rtph264pay config-interval=-1 ! "
             "application/x-rtp,media=video,encoding-name=H264,payload=96 ! "
             "wb.")


def gst_cycles(kind, url, n):
    """n webrtcbin sessions in turn: each until ICE and DTLS are
    connected, then DELETE.  Returns how many got that far and ended."""
    ok = 0
    for i in range(n):
        OUT.clear()
        if kind == "whip":
            p = Peer(WHIP_DESC, url, {"Authorization": "Bearer pub%d" % i})
        else:
            p = Peer(None, url, {})
            caps = Gst.Caps.from_string(
                "application/x-rtp,media=video,encoding-name=H264,"
                "clock-rate=90000,payload=102,"
                "packetization-mode=(string)1")
            p.wb.emit("add-transceiver",
                      GstWebRTC.WebRTCRTPTransceiverDirection.RECVONLY, caps)

            def on_pad(wb, pad, pipe=p.pipe):
                if pad.get_direction() != Gst.PadDirection.SRC:
                    return
                sink = Gst.ElementFactory.make("fakesink")
                pipe.add(sink)
                sink.sync_state_with_parent()
                pad.link(sink.get_static_pad("sink"))
            p.wb.connect("pad-added", on_pad)
        state = {"up": False}

        def on_state(wb, _, p=p, state=state):
            if wb.get_property("connection-state") == \
                    GstWebRTC.WebRTCPeerConnectionState.CONNECTED and \
                    not state["up"]:
                state["up"] = True
                GLib.timeout_add(100, p.loop.quit)
        p.wb.connect("notify::connection-state", on_state)
        p.run(2)
        if state["up"] and OUT.get("delete") == 200:
            ok += 1
        elif "error" in OUT:
            sys.stderr.write("%s session %d: %s\n" % (kind, i, OUT["error"]))
    return ok


def http_cycles(kind, url, sdp, n):
    """n offers, each ended by DELETE: how many got 201 and then 200"""
    ok = 0
    base = url.split("/wh")[0]
    for i in range(n):
        head = {"Content-Type": "application/sdp"}
        if kind == "whip":
            head["Authorization"] = "Bearer pub%d" % i
        status, h, _ = http("POST", url, sdp, head)
        if status == 201 and http("DELETE", base + h["Location"])[0] == 200:
            ok += 1
    return ok


def snap(pid):
    with open("/proc/%d/status" % pid) as f:
        rss = [int(x.split()[1]) for x in f if x.startswith("VmRSS:")][0]
    return len(os.listdir("/proc/%d/fd" % pid)), rss


def churn(base, pid, offer_file, real, total):
    with open(offer_file, "rb") as f:
        offer = f.read()
    voffer = b"\n".join(
        line.replace(b"a=sendonly", b"a=recvonly")
        for line in offer.split(b"\n") if not line.startswith(b"a=ssrc:"))
    whep_url, whip_url = base + "/whep/live/cam1", base + "/whip/live"
    # the warm-up: what is made once is not counted
    gst_cycles("whep", whep_url, 1)
    gst_cycles("whip", whip_url, 1)
    http_cycles("whep", whep_url, voffer, 3)
    http_cycles("whip", whip_url, offer, 3)
    time.sleep(0.2)     # dead sessions go on the next 20 ms tick
    fds0, rss0 = snap(pid)
    res = {"whep_gst": gst_cycles("whep", whep_url, real),
           "whep_http": http_cycles("whep", whep_url, voffer, total - real),
           "whip_gst": gst_cycles("whip", whip_url, real),
           "whip_http": http_cycles("whip", whip_url, offer, total - real)}
    time.sleep(0.2)
    fds1, rss1 = snap(pid)
    OUT.clear()
    OUT.update(res, fds0=fds0, fds1=fds1, rss0_kb=rss0, rss1_kb=rss1)
    OUT["post"] = 201 if res["whep_gst"] + res["whep_http"] == total and \
        res["whip_gst"] + res["whip_http"] == total else 0


def main():
    if sys.argv[1] == "churn":
        churn(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]),
              int(sys.argv[6]))
    elif sys.argv[1] == "whip":
        whip(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    else:
        whep(sys.argv[2], float(sys.argv[3]), sys.argv[4])
    print(json.dumps(OUT), flush=True)
    return 0 if OUT.get("post") == 201 and "error" not in OUT else 1


if __name__ == "__main__":
    sys.exit(main())
