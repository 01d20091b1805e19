"""tracker_load.py -- N WebSocket peers against a WebTorrent tracker
(stdlib asyncio; RFC 6455 framing by hand, as tests/cli/ws_tracker.py).

    python3 tracker_load.py PORT PATH PEERS SWARMS SECONDS OFFERS SERVER_PID

1. opens PEERS sockets, each announces "started" in one of SWARMS swarms
   and waits for its reply; the server's resident memory is read from
   /proc before and after: bytes per peer;
2. for SECONDS, every peer announces again as soon as its reply came, with
   OFFERS offers (relayed by the tracker to other peers): announces/s.
Prints one JSON line.
"""
import asyncio
import base64
import hashlib
import json
import os
import struct
import sys
import time


def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith("VmRSS:"):
                return int(ln.split()[1]) * 1024
    return 0


def frame(payload):
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        h = bytes([0x81, 0x80 | n])
    else:
        h = bytes([0x81, 0x80 | 126]) + struct.pack(">H", n)
    return h + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class Peer:
    def __init__(self, n, swarms):
        self.n = n
        self.pid = ("-PM0201-%012d" % n)[:20]
        self.ih = ("swarm-%014d" % (n % swarms))[:20]
        self.replies = 0
        self.offers_in = 0
        self.got_reply = asyncio.Event()

    async def open(self, port, path):
        self.r, self.w = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode()
        self.w.write(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13"
                      "\r\n\r\n" % (path, key)).encode())
        head = await self.r.readuntil(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError(head.split(b"\r\n")[0])
        self.task = asyncio.ensure_future(self.reader())

    async def reader(self):
        try:
            while True:
                b0, b1 = await self.r.readexactly(2)
                n = b1 & 0x7f
                if n == 126:
                    n = struct.unpack(">H", await self.r.readexactly(2))[0]
                elif n == 127:
                    n = struct.unpack(">Q", await self.r.readexactly(8))[0]
                p = await self.r.readexactly(n)
                if b0 & 0x0f != 1:
                    return
                m = json.loads(p)
                if "interval" in m:
                    self.replies += 1
                    self.got_reply.set()
                elif "offer" in m:
                    self.offers_in += 1
        except (asyncio.IncompleteReadError, ConnectionError):
            return

    async def announce(self, event=None, offers=0):
        m = {"action": "announce", "info_hash": self.ih, "peer_id": self.pid,
             "numwant": offers, "uploaded": 0, "downloaded": 0,
             "left": 1000,
             "offers": [{"offer_id": ("%020d" % (self.n * 100 + i)),
                         "offer": {"type": "offer",
                                   "sdp": "v=0\r\no=- %d 2 IN IP4 127.0.0.1"
                                          "\r\ns=-\r\nt=0 0\r\n" % i}}
                        for i in range(offers)]}
        if event:
            m["event"] = event
        self.got_reply.clear()
        self.w.write(frame(json.dumps(m).encode()))
        await self.got_reply.wait()


async def main(port, path, npeers, swarms, seconds, offers, spid):
    base = rss(spid)
    peers = [Peer(i, swarms) for i in range(npeers)]
    t0 = time.monotonic()
    sem = asyncio.Semaphore(256)

    async def start(p):
        async with sem:
            await p.open(port, path)
            await p.announce("started")
    await asyncio.gather(*(start(p) for p in peers))
    t_open = time.monotonic() - t0
    await asyncio.sleep(1)
    full = rss(spid)
    stop = time.monotonic() + seconds

    async def loop(p):
        while time.monotonic() < stop:
            await p.announce(None, offers)
    r0 = sum(p.replies for p in peers)
    t1 = time.monotonic()
    await asyncio.gather(*(loop(p) for p in peers))
    dt = time.monotonic() - t1
    r1 = sum(p.replies for p in peers)
    print(json.dumps({
        "peers": npeers, "swarms": swarms, "offers_per_announce": offers,
        "open_and_announce_s": round(t_open, 2),
        "rss_base_kb": base // 1024, "rss_peers_kb": full // 1024,
        "bytes_per_peer": (full - base) // npeers,
        "announces_per_s": round((r1 - r0) / dt),
        "offers_delivered": sum(p.offers_in for p in peers)}))
    for p in peers:
        p.w.close()


if __name__ == "__main__":
    a = sys.argv[1:]
    asyncio.run(main(int(a[0]), a[1], int(a[2]), int(a[3]), float(a[4]),
                     int(a[5]), int(a[6])))
