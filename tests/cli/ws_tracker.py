"""ws_tracker.py -- a WebSocket client (stdlib only: the handshake and the
framing of RFC 6455 on a raw socket) speaking the WebTorrent tracker
protocol, and the scenarios tests/cli/sv-serve-tracker.bats runs.

    python3 ws_tracker.py PORT SCENARIO [ARGS...]

Each scenario checks what it can itself and prints one JSON line of what
it saw; the bats file asserts on that line.  Exit 1 on a failed check.
"""
import base64
import hashlib
import json
import os
import socket
import struct
import sys

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Closed(Exception):
    def __init__(self, code, reason):
        super().__init__("closed %s %r" % (code, reason))
        self.code = code
        self.reason = reason


class Refused(Exception):
    def __init__(self, status):
        super().__init__("handshake refused: %s" % status)
        self.status = status


class WS:
    def __init__(self, port, path="/announce", origin=None, timeout=5):
        self.s = socket.create_connection(("127.0.0.1", port),
                                          timeout=timeout)
        key = base64.b64encode(os.urandom(16))
        req = (b"GET " + path.encode() + b" HTTP/1.1\r\n"
               b"Host: 127.0.0.1:" + str(port).encode() + b"\r\n"
               b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
               b"Sec-WebSocket-Key: " + key + b"\r\n"
               b"Sec-WebSocket-Version: 13\r\n")
        if origin is not None:
            req += b"Origin: " + origin.encode() + b"\r\n"
        self.s.sendall(req + b"\r\n")
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            d = self.s.recv(4096)
            if not d:
                raise Refused("eof")
            self.buf += d
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        if status != 101:
            raise Refused(status)
        hdrs = {k.lower(): v.strip() for k, v in
                (ln.split(":", 1) for ln in lines[1:])}
        want = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
        if hdrs.get("sec-websocket-accept") != want:
            raise AssertionError("bad Sec-WebSocket-Accept")

    def send_frame(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        h = bytes([0x80 | opcode])
        if n < 126:
            h += bytes([0x80 | n])
        elif n < 65536:
            h += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            h += bytes([0x80 | 127]) + struct.pack(">Q", n)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.s.sendall(h + mask + body)

    def send(self, obj):
        self.send_frame(1, json.dumps(obj).encode())

    def _need(self, n):
        while len(self.buf) < n:
            d = self.s.recv(65536)
            if not d:
                raise Closed(None, "eof")
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_frame(self):
        b0, b1 = self._need(2)
        if b1 & 0x80:
            raise AssertionError("the server masked a frame")
        n = b1 & 0x7f
        if n == 126:
            n = struct.unpack(">H", self._need(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self._need(8))[0]
        return b0 & 0x0f, self._need(n)

    def recv(self, timeout=5):
        """The next text message as JSON; Closed on a close frame."""
        self.s.settimeout(timeout)
        while True:
            op, p = self.recv_frame()
            if op == 8:
                code = struct.unpack(">H", p[:2])[0] if len(p) >= 2 else None
                raise Closed(code, p[2:].decode(errors="replace"))
            if op == 1:
                return json.loads(p.decode())

    def silent(self, timeout=0.5):
        """Nothing arrives within timeout (for negative checks)."""
        try:
            m = self.recv(timeout)
        except socket.timeout:
            return True
        raise AssertionError("unexpected message: %r" % (m,))

    def close_code(self, timeout=5):
        try:
            while True:
                self.recv(timeout)
        except Closed as e:
            return e.code

    def close(self):
        self.s.close()


def bin20(seed):
    """A 20-code-point 'binary' string with code points above 0x7f."""
    h = hashlib.sha1(seed.encode()).digest()
    return "".join(chr(b) for b in h)


def peer_id(n):
    return ("-PM0201-%012d" % n)[:20]


INFO = "swarm-abc0123456789/"[:20]


def offer(i, tag):
    return {"offer_id": bin20("%s-offer-%d" % (tag, i)),
            "offer": {"type": "offer", "sdp": "v=0 offer %s %d" % (tag, i)}}


def announce(ws, pid, info=INFO, offers=(), numwant=None, event=None,
             **more):
    m = {"action": "announce", "info_hash": info, "peer_id": pid,
         "uploaded": 0, "downloaded": 0, "offers": list(offers)}
    if numwant is not None:
        m["numwant"] = numwant
    if event is not None:
        m["event"] = event
    m.update(more)
    ws.send(m)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def sc_relay(port):
    a, b = WS(port), WS(port)
    announce(a, peer_id(1), numwant=0, event="started")
    ra = a.recv()
    check(ra.get("complete") == 0 and ra.get("incomplete") == 1, ra)
    offs = [offer(i, "b") for i in range(3)]
    announce(b, peer_id(2), offers=offs, numwant=3, event="started")
    rb = b.recv()
    got = a.recv()      # one offer: A is the only other peer
    check(got["peer_id"] == peer_id(2), got)
    check(got["info_hash"] == INFO, got)
    ids = [o["offer_id"] for o in offs]
    check(got["offer_id"] in ids, "offer_id not relayed as sent")
    i = ids.index(got["offer_id"])
    check(got["offer"] == offs[i]["offer"], got)
    a.silent()          # no second offer to the same peer
    a.send({"action": "announce", "info_hash": INFO, "peer_id": peer_id(1),
            "to_peer_id": peer_id(2), "offer_id": got["offer_id"],
            "answer": {"type": "answer", "sdp": "v=0 answer from a"}})
    ans = b.recv()
    check(ans["peer_id"] == peer_id(1) and ans["offer_id"] == ids[i], ans)
    check(ans["answer"]["sdp"] == "v=0 answer from a", ans)
    a.silent()          # an answer gets no reply
    print(json.dumps({"a_reply": ra, "b_reply": rb,
                      "offer_to_a": got["offer"]["sdp"],
                      "answer_to_b": ans["answer"]["sdp"],
                      "interval": rb.get("interval")}))


def sc_stopped(port):
    a, b, c = WS(port), WS(port), WS(port)
    for ws, n in ((a, 1), (b, 2)):
        announce(ws, peer_id(n), numwant=0, event="started")
        ws.recv()
    announce(b, peer_id(2), event="stopped")
    rs = b.recv()
    announce(c, peer_id(3), offers=[offer(i, "c") for i in range(5)],
             numwant=5, event="started")
    rc = c.recv()
    got = a.recv()
    check(got["peer_id"] == peer_id(3), got)
    b.silent()          # stopped: no offers any more
    a.silent()
    print(json.dumps({"after_stop": rs, "c_reply": rc}))


def sc_counts(port):
    socks = [WS(port) for _ in range(4)]
    replies = []
    for n, ws in enumerate(socks):
        ev = "completed" if n == 0 else "started"
        announce(ws, peer_id(n), numwant=0, event=ev,
                 left=0 if n == 0 else 1000)
        replies.append(ws.recv())
    # another swarm is counted apart
    announce(socks[0], peer_id(0), info="other-swarm-12345678", numwant=0)
    other = socks[0].recv()
    print(json.dumps({"last": replies[-1], "other": other}))


def sc_max_offers(port, npeers):
    npeers = int(npeers)
    socks = [WS(port) for _ in range(npeers)]
    for n, ws in enumerate(socks[1:], 1):
        announce(ws, peer_id(n), numwant=0, event="started")
        ws.recv()
    announce(socks[0], peer_id(0), offers=[offer(i, "x") for i in range(8)],
             numwant=8, event="started")
    socks[0].recv()
    got = 0
    for ws in socks[1:]:
        try:
            m = ws.recv(0.5)
            check(m["peer_id"] == peer_id(0), m)
            got += 1
        except socket.timeout:
            pass
    print(json.dumps({"offers_received": got}))


def sc_bad(port, kind, size="0"):
    ws = WS(port)
    if kind == "json":
        ws.send_frame(1, b"{not json")
    elif kind == "big":
        announce(ws, peer_id(1), numwant=0, pad="x" * int(size))
    elif kind == "binary":
        ws.send_frame(2, b"\x00\x01")
    elif kind == "ok":
        announce(ws, peer_id(1), numwant=0, pad="x" * int(size))
        print(json.dumps({"reply": ws.recv()}))
        return
    print(json.dumps({"close": ws.close_code()}))


def sc_failure(port):
    """Bad fields get a failure reason; the socket stays usable."""
    ws = WS(port)
    announce(ws, peer_id(1), info="short")
    f1 = ws.recv()
    announce(ws, "x" * 21)
    f2 = ws.recv()
    ws.send({"action": "scrapeme"})
    f3 = ws.recv()
    announce(ws, peer_id(1), numwant=0)
    ok = ws.recv()
    print(json.dumps({"f1": f1.get("failure reason"),
                      "f2": f2.get("failure reason"),
                      "f3": f3.get("failure reason"),
                      "then": ok}))


def sc_origin(port, origin):
    try:
        ws = WS(port, origin=None if origin == "-" else origin)
    except Refused as e:
        print(json.dumps({"status": e.status}))
        return
    announce(ws, peer_id(1), numwant=0)
    ws.recv()
    print(json.dumps({"status": 101}))


def sc_conns(port, n):
    """Opens n sockets, keeps them; reports how many were refused."""
    held, refused = [], []
    for _ in range(int(n)):
        try:
            held.append(WS(port))
        except Refused as e:
            refused.append(e.status)
    print(json.dumps({"open": len(held), "refused": refused}))


def sc_idle(port):
    ws = WS(port)
    announce(ws, peer_id(1), numwant=0, event="started")
    ws.recv()
    print(json.dumps({"close": ws.close_code(timeout=20)}))


SCENARIOS = {
    "relay": sc_relay, "stopped": sc_stopped, "counts": sc_counts,
    "max-offers": sc_max_offers, "bad": sc_bad, "failure": sc_failure,
    "origin": sc_origin, "conns": sc_conns, "idle": sc_idle,
}

if __name__ == "__main__":
    try:
        SCENARIOS[sys.argv[2]](int(sys.argv[1]), *sys.argv[3:])
    except (AssertionError, Closed, Refused, socket.timeout) as e:
        print("FAILED: %s: %r" % (type(e).__name__, e), file=sys.stderr)
        sys.exit(1)
