"""rtmp_client.py -- a small scripted RTMP client for the tests: the plain
handshake, chunked messages, AMF0 commands; enough to send what encoders
send, in orders and sizes they do not.

    import rtmp_client
    c = rtmp_client.Client(port)
    c.connect("live")
    c.publish("cam")          # createStream + publish
    c.wait_status()           # -> "NetStream.Publish.Start" or a refusal
"""
import socket
import struct


def amf0(v):
    if v is None:
        return b"\x05"
    if isinstance(v, bool):
        return b"\x01" + bytes([v])
    if isinstance(v, (int, float)):
        return b"\x00" + struct.pack(">d", float(v))
    if isinstance(v, (bytes, str)):
        b = v.encode() if isinstance(v, str) else v
        if len(b) > 0xffff:
            return b"\x0c" + struct.pack(">I", len(b)) + b
        return b"\x02" + struct.pack(">H", len(b)) + b
    if isinstance(v, dict):
        out = b"\x03"
        for k, x in v.items():
            out += struct.pack(">H", len(k)) + k.encode() + amf0(x)
        return out + b"\x00\x00\x09"
    raise TypeError(v)


def _dec(p, i):
    t = p[i]
    i += 1
    if t == 0:
        return struct.unpack(">d", p[i:i + 8])[0], i + 8
    if t == 1:
        return bool(p[i]), i + 1
    if t == 2:
        n = struct.unpack(">H", p[i:i + 2])[0]
        return p[i + 2:i + 2 + n].decode(), i + 2 + n
    if t in (3, 8):
        if t == 8:
            i += 4
        o = {}
        while True:
            n = struct.unpack(">H", p[i:i + 2])[0]
            i += 2
            if n == 0 and p[i] == 9:
                return o, i + 1
            k = p[i:i + n].decode()
            o[k], i = _dec(p, i + n)
    if t in (5, 6):
        return None, i
    raise ValueError("amf0 type %d" % t)


def amf0_decode(p):
    out, i = [], 0
    while i < len(p):
        v, i = _dec(p, i)
        out.append(v)
    return out


class Client:
    def __init__(self, port, host="127.0.0.1", timeout=30):
        self.s = socket.create_connection((host, port), timeout=timeout)
        self.chunk = 128            # ours
        self.peer_chunk = 128
        self.inbuf = b""
        self.partial = {}           # csid -> [type, len, data]
        self.hdr = {}               # csid -> (type, len)
        self.tid = 1
        self.s.sendall(b"\x03" + bytes(1536))
        got = b""
        while len(got) < 1 + 2 * 1536:
            d = self.s.recv(65536)
            if not d:
                raise EOFError("closed during the handshake")
            got += d
        self.inbuf = got[1 + 2 * 1536:]
        self.s.sendall(got[1:1 + 1536])     # C2 echoes S1

    def send_msg(self, csid, mtype, payload, msid=0, ts=0, chunk=None):
        """one message as chunks: a type 0 header, type 3 continuations"""
        self.s.sendall(self.encode_msg(csid, mtype, payload, msid, ts, chunk))

    def encode_msg(self, csid, mtype, payload, msid=0, ts=0, chunk=None):
        """the bytes send_msg sends"""
        chunk = chunk or self.chunk
        hdr = bytes([csid]) + struct.pack(">I", ts)[1:] + \
            struct.pack(">I", len(payload))[1:] + bytes([mtype]) + \
            struct.pack("<I", msid)
        out = [hdr, payload[:chunk]]
        for off in range(chunk, len(payload), chunk):
            out.append(bytes([0xc0 | csid]))
            out.append(payload[off:off + chunk])
        return b"".join(out)

    def set_chunk_size(self, n):
        self.send_msg(2, 1, struct.pack(">I", n))
        self.chunk = n

    def command(self, name, *args, msid=0):
        self.tid += 1
        p = amf0(name) + amf0(self.tid) + b"".join(amf0(a) for a in args)
        self.send_msg(5 if msid else 3, 20, p, msid=msid)

    def connect(self, app, extra=None):
        obj = {"app": app, "tcUrl": "rtmp://127.0.0.1/" + app}
        obj.update(extra or {})
        self.command("connect", obj)

    def publish(self, name, create=True):
        if create:
            self.command("createStream", None)
        self.command("publish", None, name, "live", msid=1)

    def delete_stream(self):
        self.command("deleteStream", None, 1.0)

    def media(self, mtype, payload, ts=0):
        self.send_msg(4 if mtype == 8 else 6, mtype, payload, msid=1, ts=ts)

    def _read_more(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError("closed")
        self.inbuf += d

    def read_msg(self):
        """the next whole message from the server: (type, payload)"""
        while True:
            p = self.inbuf
            if len(p) >= 1:
                fmt, csid = p[0] >> 6, p[0] & 0x3f
                hl = (11, 7, 3, 0)[fmt]
                if csid < 2:
                    raise ValueError("long csid from the server")
                if len(p) >= 1 + hl:
                    if fmt <= 1:
                        mlen = int.from_bytes(p[4:7], "big")
                        self.hdr[csid] = (p[7], mlen)
                    mtype, mlen = self.hdr[csid]
                    part = self.partial.get(csid, b"")
                    take = min(self.peer_chunk, mlen - len(part))
                    if len(p) >= 1 + hl + take:
                        part += p[1 + hl:1 + hl + take]
                        self.inbuf = p[1 + hl + take:]
                        if len(part) < mlen:
                            self.partial[csid] = part
                            continue
                        self.partial.pop(csid, None)
                        if mtype == 1:
                            self.peer_chunk = struct.unpack(">I", part)[0]
                        return mtype, part
            self._read_more()

    def wait_status(self):
        """the code of the next onStatus, or None at EOF"""
        try:
            while True:
                t, p = self.read_msg()
                if t == 20:
                    v = amf0_decode(p)
                    if v and v[0] == "onStatus":
                        return v[3].get("code")
        except (EOFError, ConnectionError, socket.timeout):
            return None

    def wait_eof(self):
        """True once the server closed the connection"""
        try:
            while self.s.recv(65536):
                pass
        except ConnectionError:
            pass
        return True

    def close(self):
        self.s.close()
