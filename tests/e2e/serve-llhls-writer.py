#!/usr/bin/env python3
"""serve-llhls-writer.py -- publish a fragmented MP4 as a live LL-HLS stream.

Plays the part of a live packager for the sv-serve tests: every fragment
(moof+mdat) of SRC becomes a part, every PARTS parts a segment; each file is
written to a dot-prefixed temporary name and renamed into place, media
before the playlist that names it, in real time.  The playlist carries
EXT-X-PART, EXT-X-PRELOAD-HINT, EXT-X-SERVER-CONTROL (blocking reload,
delta updates) and EXT-X-PROGRAM-DATE-TIME (capture time of each segment)
so a player's latency can be measured.

With --log PATH it writes one JSON line per part once it is renamed into
place: {"part": NAME, "renamed_ms": wall clock, "end_ms": capture time of
the part's end}, for players to measure against.

usage: serve-llhls-writer.py SRC.mp4 OUTDIR [--parts N] [--part-dur S]
                             [--window N] [--preroll N] [--stop-after S]
                             [--log PATH]
"""
import argparse
import datetime
import json
import os
import struct
import time


def boxes(data):
    i = 0
    while i + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[i:i + 8])
        if size < 8:
            raise SystemExit("bad box size")
        yield kind.decode("latin-1"), data[i:i + size]
        i += size


def put(path, data):
    d, name = os.path.split(path)
    tmp = os.path.join(d, "." + name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.rename(tmp, path)


def pdt(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc) \
        .strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("out")
    ap.add_argument("--parts", type=int, default=4)
    ap.add_argument("--part-dur", type=float, default=0.25)
    ap.add_argument("--window", type=int, default=12)
    ap.add_argument("--preroll", type=int, default=2,
                    help="segments published at once, captured in the past")
    ap.add_argument("--stop-after", type=float, default=0,
                    help="end the stream after this many seconds")
    ap.add_argument("--log", help="JSON lines: when each part was renamed")
    a = ap.parse_args()
    log = open(a.log, "a", buffering=1) if a.log else None

    data = open(a.src, "rb").read()
    init, frags, cur = b"", [], b""
    for kind, box in boxes(data):
        if kind in ("ftyp", "moov"):
            init += box
        elif kind == "moof":
            cur = box
        elif kind == "mdat" and cur:
            frags.append(cur + box)
            cur = b""
    i = init.find(b"avcC")
    codec = "avc1." + init[i + 5:i + 8].hex()
    os.makedirs(a.out, exist_ok=True)
    put(os.path.join(a.out, "init.mp4"), init)
    put(os.path.join(a.out, "master.m3u8"),
        "#EXTM3U\n#EXT-X-VERSION:9\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=800000,CODECS=\"%s\"\n"
        "live.m3u8\n" % codec)

    pd, n = a.part_dur, a.parts
    segdur = pd * n
    nsegs = len(frags) // n
    # schedule on the monotonic clock; stamp capture times on the wall clock
    m0 = time.monotonic() - a.preroll * segdur
    t0 = time.time() - a.preroll * segdur
    segs = []           # (index, capture time, [part names])
    open_parts = []
    for k in range(nsegs * n):
        s, p = divmod(k, n)
        due = m0 + (k + 1) * pd
        if a.stop_after and due > m0 + a.preroll * segdur + a.stop_after:
            break
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        name = "s%d.p%d.m4s" % (s, p)
        put(os.path.join(a.out, name), frags[k])
        if log:
            log.write(json.dumps({"part": name,
                                  "renamed_ms": round(time.time() * 1000, 1),
                                  "end_ms": round((t0 + (k + 1) * pd) * 1000,
                                                  1)}) + "\n")
        open_parts.append(name)
        if p == n - 1:
            put(os.path.join(a.out, "s%d.m4s" % s),
                b"".join(frags[s * n:(s + 1) * n]))
            segs.append((s, t0 + s * segdur, open_parts))
            open_parts = []
            segs = segs[-a.window:]
        last = k + 1 >= nsegs * n
        put(os.path.join(a.out, "live.m3u8"),
            playlist(segs, open_parts, k + 1, n, pd, segdur, t0, last))
    if not segs or open_parts:
        return
    put(os.path.join(a.out, "live.m3u8"),
        playlist(segs, [], None, n, pd, segdur, t0, True))


def playlist(segs, open_parts, next_k, n, pd, segdur, t0, ended):
    out = ["#EXTM3U", "#EXT-X-VERSION:9",
           "#EXT-X-TARGETDURATION:%d" % max(1, round(segdur)),
           "#EXT-X-PART-INF:PART-TARGET=%.3f" % pd,
           "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,"
           "PART-HOLD-BACK=%.3f,CAN-SKIP-UNTIL=%.1f" % (3 * pd, 6 * segdur),
           "#EXT-X-MEDIA-SEQUENCE:%d" % (segs[0][0] if segs else 0),
           '#EXT-X-MAP:URI="init.mp4"']
    for j, (s, cap, parts) in enumerate(segs):
        out.append("#EXT-X-PROGRAM-DATE-TIME:" + pdt(cap))
        if j >= len(segs) - 3:      # parts only near the live edge
            for p, name in enumerate(parts):
                out.append('#EXT-X-PART:DURATION=%.3f,URI="%s"%s' %
                           (pd, name, ",INDEPENDENT=YES" if p == 0 else ""))
        out.append("#EXTINF:%.3f," % segdur)
        out.append("s%d.m4s" % s)
    if open_parts:
        s = int(open_parts[0][1:].split(".")[0])
        out.append("#EXT-X-PROGRAM-DATE-TIME:" + pdt(t0 + s * segdur))
        for p, name in enumerate(open_parts):
            out.append('#EXT-X-PART:DURATION=%.3f,URI="%s"%s' %
                       (pd, name, ",INDEPENDENT=YES" if p == 0 else ""))
    if ended:
        out.append("#EXT-X-ENDLIST")
    elif next_k is not None:
        s, p = divmod(next_k, n)
        out.append('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s%d.p%d.m4s"' % (s, p))
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
