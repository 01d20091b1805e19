#!/usr/bin/python3
"""udp_lossy.py -- a UDP relay that loses RTP: packets to LISTEN go on to
TARGET from one socket per sender, and the answers come back; of each RTP
stream (an SSRC, each way) one packet in round(1/LOSS) is dropped, from
the 25th on, so that every stream loses some however short the run (a
random choice may drop nothing from 100 packets); STUN, DTLS and RTCP pass.
Stands in for `tc netem loss` where a test may not change qdiscs.  On
SIGTERM or SIGINT prints one JSON line: RTP packets relayed and dropped
each way, and the dropped ones' sequence numbers by SSRC.

  udp_lossy.py LISTEN-ADDR:PORT TARGET-ADDR:PORT LOSS
"""
import asyncio
import json
import signal
import sys


def is_rtp(data):
    # RFC 7983: 128..191 is RTP or RTCP; RTCP's packet types are 192..223
    return len(data) >= 12 and 128 <= data[0] <= 191 and \
        not 192 <= data[1] <= 223


class Relay:
    def __init__(self, target, loss):
        self.target, self.every = target, max(2, round(1 / loss))
        self.count = {"up": [0, 0], "down": [0, 0]}
        self.seen, self.dropped = {}, {}
        self.peers = {}
        self.front = None

    def lose(self, way, data):
        if not is_rtp(data):
            return False
        c = self.count[way]
        c[0] += 1
        ssrc = int.from_bytes(data[8:12], "big")
        n = self.seen[ssrc] = self.seen.get(ssrc, 0) + 1
        if n % self.every != 25 % self.every:
            return False
        c[1] += 1
        self.dropped.setdefault(str(ssrc), []).append(
            int.from_bytes(data[2:4], "big"))
        return True

    def report(self):
        out = {w: {"rtp": c[0], "dropped": c[1]}
               for w, c in self.count.items()}
        out["seqs"] = self.dropped
        return out


class Back(asyncio.DatagramProtocol):
    def __init__(self, relay, client):
        self.relay, self.client = relay, client

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, _):
        if not self.relay.lose("down", data):
            self.relay.front.sendto(data, self.client)


class Front(asyncio.DatagramProtocol):
    def __init__(self, relay):
        self.relay = relay

    def connection_made(self, transport):
        self.relay.front = transport

    def datagram_received(self, data, addr):
        r = self.relay
        back = r.peers.get(addr)
        if back is None:
            back = r.peers[addr] = asyncio.ensure_future(
                asyncio.get_event_loop().create_datagram_endpoint(
                    lambda: Back(r, addr), remote_addr=r.target))
        if r.lose("up", data):
            return

        def send(fut):
            fut.result()[0].sendto(data)
        if back.done():
            send(back)
        else:
            back.add_done_callback(send)


def addr(s):
    host, port = s.rsplit(":", 1)
    return host, int(port)


async def main():
    relay = Relay(addr(sys.argv[2]), float(sys.argv[3]))
    loop = asyncio.get_event_loop()
    await loop.create_datagram_endpoint(lambda: Front(relay),
                                        local_addr=addr(sys.argv[1]))
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    print(json.dumps(relay.report()), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
