#!/usr/bin/env python3
"""bdrate.py -- Bjontegaard delta rate of a test ladder against an anchor.

    bdrate.py ANCHOR TEST

Each file holds one "kbps quality" pair a line (a ladder's rungs, any
order).  Each set is reduced to its rate-quality front (points that do not
add quality for their bits dropped; no convex hull, see hull());
log10(rate) is then interpolated as a function of quality
with a monotone piecewise cubic (Fritsch-Carlson, as the piecewise cubic
variant of BD-rate does), both integrated over the quality range the two
hulls share.  Prints the BD-rate in percent (negative: the test needs
fewer bits at equal quality), the shared range, and the hull sizes; "nan"
when the ranges do not overlap.  Standard library only.
"""
import math
import sys


def read(path):
    pts = []
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) >= 2:
                pts.append((math.log10(float(w[0])), float(w[1])))
    return pts


def hull(pts):
    """The rate-quality front in (log rate, quality), climbing: the points
    that beat every cheaper one.  Not their convex hull: between two rungs
    a ladder cannot reach the chord in log rate (a player switching
    between them moves on a chord in linear rate), and where a ladder's
    points bend up in log rate (as a small size's do against the top
    size's) the chord would credit either ladder with quality no rung
    has, and drop the middle rungs that are really there."""
    pts = sorted(set(pts))
    mono = []
    for p in pts:
        if not mono or p[1] > mono[-1][1]:
            mono.append(p)
    return mono


def pchip(xs, ys):
    """Slopes of the Fritsch-Carlson monotone cubic through (xs, ys)."""
    n = len(xs)
    if n == 1:
        return [0.0]
    d = [(ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]) for i in range(n - 1)]
    if n == 2:
        return [d[0], d[0]]
    m = [0.0] * n
    for i in range(1, n - 1):
        if d[i - 1] * d[i] <= 0:
            m[i] = 0.0
        else:
            h0, h1 = xs[i] - xs[i - 1], xs[i + 1] - xs[i]
            w1, w2 = 2 * h1 + h0, h1 + 2 * h0
            m[i] = (w1 + w2) / (w1 / d[i - 1] + w2 / d[i])
    for i, j in ((0, 0), (n - 1, n - 2)):
        h0 = xs[1] - xs[0] if i == 0 else xs[-1] - xs[-2]
        h1 = xs[2] - xs[1] if i == 0 else xs[-2] - xs[-3]
        dj, dk = (d[0], d[1]) if i == 0 else (d[-1], d[-2])
        s = ((2 * h0 + h1) * dj - h0 * dk) / (h0 + h1)
        if s * dj <= 0:
            s = 0.0
        elif dj * dk < 0 and abs(s) > abs(3 * dj):
            s = 3 * dj
        m[i] = s
    return m


def integral(xs, ys, a, b):
    """Integral over [a, b] of the cubic Hermite spline through (xs, ys)."""
    m = pchip(xs, ys)
    total = 0.0
    for i in range(len(xs) - 1):
        lo, hi = max(a, xs[i]), min(b, xs[i + 1])
        if hi <= lo:
            continue
        h = xs[i + 1] - xs[i]
        # Simpson on a fine grid is exact enough for a cubic piece
        steps = 64
        acc = 0.0
        for k in range(steps + 1):
            x = lo + (hi - lo) * k / steps
            t = (x - xs[i]) / h
            v = ((2 * t ** 3 - 3 * t ** 2 + 1) * ys[i] +
                 (t ** 3 - 2 * t ** 2 + t) * h * m[i] +
                 (-2 * t ** 3 + 3 * t ** 2) * ys[i + 1] +
                 (t ** 3 - t ** 2) * h * m[i + 1])
            wk = 1 if k in (0, steps) else (4 if k % 2 else 2)
            acc += wk * v
        total += acc * (hi - lo) / steps / 3
    return total


def bdrate(anchor, test):
    ha, ht = hull(anchor), hull(test)
    lo = max(ha[0][1], ht[0][1])
    hi = min(ha[-1][1], ht[-1][1])
    if len(ha) < 2 or len(ht) < 2 or hi - lo < 1e-6:
        return float("nan"), lo, hi, len(ha), len(ht)
    # log rate as a function of quality
    qa, ra = [p[1] for p in ha], [p[0] for p in ha]
    qt, rt = [p[1] for p in ht], [p[0] for p in ht]
    da = integral(qa, ra, lo, hi) / (hi - lo)
    dt = integral(qt, rt, lo, hi) / (hi - lo)
    return (10 ** (dt - da) - 1) * 100, lo, hi, len(ha), len(ht)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: bdrate.py ANCHOR TEST")
    bd, lo, hi, na, nt = bdrate(read(sys.argv[1]), read(sys.argv[2]))
    print("%.2f %.4f %.4f %d %d" % (bd, lo, hi, na, nt))


if __name__ == "__main__":
    main()
