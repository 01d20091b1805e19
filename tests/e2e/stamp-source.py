#!/usr/bin/python3
"""stamp-source.py -- raw grey video for ffmpeg's stdin, each frame carrying
the wall-clock time it was made (milliseconds since the epoch, low 32 bits)
in whep-play.js's black and white cells: 32 bits and an 8-bit sum in two
rows of 20 cells inside a grey guard border, at the top left.  A white
square moves below it so that the encoder has motion to code.  Frames go
out in real time at FPS, for SECONDS (0: until stdout closes).

  stamp-source.py WIDTH HEIGHT FPS [SECONDS] | ffmpeg -f rawvideo \\
      -pix_fmt gray -s WxH -r FPS -i - ...

whep-play.js reads the stamp back from each decoded frame and subtracts
it from Date-based time: one machine, one clock.
"""
import sys
import time

COLS, ROWS = 20, 2


def main():
    w, h, fps = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    secs = float(sys.argv[4]) if len(sys.argv) > 4 else 0
    cell = min(32, (w // (COLS + 2)) & ~1)
    out = sys.stdout.buffer
    base = bytearray([40]) * (w * h)
    start = time.time()
    n = 0
    while secs == 0 or n < secs * fps:
        # pace: each frame at its own time, none early
        due = start + n / fps
        now = time.time()
        if due > now:
            time.sleep(due - now)
        f = bytearray(base)
        x0 = (n * 6) % max(1, w - 64)
        y0 = (ROWS + 3) * cell
        for y in range(y0, min(h, y0 + 64)):
            f[y * w + x0:y * w + x0 + 64] = b"\xff" * 64
        v = int(time.time() * 1000) & 0xffffffff
        s = ((v >> 24) + (v >> 16 & 255) + (v >> 8 & 255) + (v & 255)) & 255
        bits = [(v >> (31 - i)) & 1 for i in range(32)] + \
               [(s >> (7 - i)) & 1 for i in range(8)]
        gw = (COLS + 2) * cell
        for y in range((ROWS + 2) * cell):
            f[y * w:y * w + gw] = b"\x80" * gw
        for i, b in enumerate(bits):
            cx = cell + (i % COLS) * cell
            cy = cell + (i // COLS) * cell
            row = (b"\xff" if b else b"\x00") * cell
            for y in range(cy, cy + cell):
                f[y * w + cx:y * w + cx + cell] = row
        try:
            out.write(f)
            out.flush()
        except BrokenPipeError:
            return 0
        n += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
