#!/usr/bin/python3
"""train.py -- trains sv's x2 luma super-resolution network (ESPCN family)
and writes lib/media/sr_weights.h plus the reference the C unit test pins.

The data: photographs Debian ships (gnome-backgrounds, mate-backgrounds),
held out one in five (by sorted name) for scripts/sr/eval.sh.  Each training
picture is brought to the Y plane of yuv420p by the ffmpeg CLI (at most
1280 wide, as video frames are), then degraded the way video is: bicubic
downscale x2, H.264 (libx264) at CRF 18, 23 and 28, decoded back.  The
network learns the original Y from the degraded half-size Y.

With --extra N it learns from much more, none of it held out or in eval.sh:
the pictures of plasma-workspace-wallpapers, ukui-wallpapers and
lomiri-wallpapers (each video-sized and as a 1280x720 middle at 2560 wide),
and two frames of each of ~40 made clips (ffmpeg lavfi: cellular automata
and life as pixel art, grain, text in four fonts, fractal tilings, bars and
grids turning, pans, zooms and turns over training pictures), each clip
degraded as eval.sh's video is (half size, the clip H.264-encoded).

The network (FSRCNN family): the input padded by 5 (edge replicate), then
valid convolutions 5x5x24 (features), ReLU, 1x1x12 (shrink), ReLU, 3x3x12,
ReLU, 3x3x12, ReLU, 3x3x4, which is a residual added to a fixed lanczos-3
x2 upscale of the input (channel 2i+j is the sub-pixel phase (i, j), the
separable 6-tap lanczos weights at offsets -1/4 and +1/4), then the
sub-pixel shuffle: out[2y+i][2x+j] = ch[2i+j][y][x].  The last layer starts
near zero, so training starts from lanczos and only adds what helps.
Padding once makes any tiling of the C inference give the same numbers.
Trained with L1 loss, Adam and a cosine schedule, batches of 64 small
patches (24x24 low-res).

Developer step (needs python3-torch, ffmpeg; CPU only, fixed seed):
    nice -n 10 /usr/bin/python3 scripts/sr/train.py --steps 2500 --cache
    (the committed weights came from exactly the command written at the top
    of lib/media/sr_weights.h)
    /usr/bin/python3 scripts/sr/train.py --list-holdout   prints held-out pictures
"""
import argparse
import glob
import hashlib
import os
import random
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
# the pictures the held-out split is drawn from (eval.sh's), by package:
# gnome-backgrounds and mate-backgrounds (other packages put theirs in
# /usr/share/backgrounds too; they must not move the split)
PICS = ["/usr/share/backgrounds/gnome", "/usr/share/backgrounds/mate",
        "/usr/share/mate/backgrounds"]
# more pictures, for training only (--extra): plasma-workspace-wallpapers,
# ukui-wallpapers and lomiri-wallpapers, the files these packages own
EXTRA_DEBS = ("plasma-workspace-wallpapers", "ukui-wallpapers",
              "lomiri-wallpapers-16.04", "lomiri-wallpapers-20.04")
EXTS = (".jpg", ".jpeg", ".png", ".webp")
CRFS = (18, 23, 28)
PAD = 5          # receptive radius of the layers: 2 + 0 + 1 + 1 + 1
LAYERS = ((1, 24, 5), (24, 12, 1), (12, 12, 3), (12, 12, 3),
          (12, 4, 3))   # in, out, kernel
LZ = 3           # lanczos radius (taps -3..3 around the pixel)


def lanczos_taps():
    """The x2 lanczos-3 weights of the sub-pixel phases: phase 0 sits at
    offset -1/4 of the low-res pixel, phase 1 at +1/4; 7 taps (-3..3) each,
    one of them zero, normalized to sum 1.  lib/media/sr.c has the same."""
    out = []
    for off in (-0.25, 0.25):
        w = []
        for k in range(-LZ, LZ + 1):
            d = abs(k - off)
            w.append(0.0 if d >= LZ else np.sinc(d) * np.sinc(d / LZ))
        w = np.array(w, np.float64)
        out.append(w / w.sum())
    return out


def pictures():
    """All pictures, sorted by path; (train, held out)."""
    found = []
    for d in PICS:
        for p in glob.glob(os.path.join(d, "**", "*"), recursive=True):
            if p.lower().endswith(EXTS) and os.path.isfile(p) and \
                    not os.path.islink(p):
                found.append(os.path.realpath(p))
    found = sorted(set(found))
    # one picture in several sizes (Elephants_3840x2160) is one group, so
    # no held-out picture is seen in training at another size
    groups = sorted(set(group(p) for p in found))
    held_g = set(g for i, g in enumerate(groups) if i % 5 == 2)
    train = [p for p in found if group(p) not in held_g]
    held = [p for p in found if group(p) in held_g]
    return train, held


def group(p):
    return os.path.join(os.path.dirname(p),
                        os.path.basename(p).split("_")[0].split(".")[0])


def ff(*args):
    subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel",
                    "error", "-y"] + list(args), check=True)


def probe_size(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0",
                          "-show_entries", "stream=width,height", "-of",
                          "csv=p=0", path], check=True, capture_output=True,
                         text=True).stdout.strip().split(",")
    return int(out[0]), int(out[1])


def read_y(path, w, h):
    """The Y plane of the first yuv420p frame of path."""
    raw = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i",
                          path, "-frames:v", "1", "-f", "rawvideo",
                          "-pix_fmt", "yuv420p", "-"], check=True,
                         capture_output=True).stdout
    return np.frombuffer(raw[:w * h], np.uint8).reshape(h, w)


# a video-sized frame, sizes a multiple of 4 so the half is even
VIDEO_SIZED = ("scale='min(1280,iw)':-2:flags=lanczos,"
               "crop=trunc(iw/4)*4:trunc(ih/4)*4,format=yuv420p")
# a 1280x720 middle of the picture at 2560 wide: finer detail a pixel
DETAIL = ("scale=2560:-2:flags=lanczos,crop='min(1280,iw)':'min(720,ih)',"
          "crop=trunc(iw/4)*4:trunc(ih/4)*4,format=yuv420p")


def prepare(pic, tmp, crfs=CRFS, vf=VIDEO_SIZED):
    """HR Y and the degraded LR Y at each CRF for one picture."""
    hr = os.path.join(tmp, "hr.mkv")
    ff("-i", pic, "-frames:v", "1", "-vf", vf, "-c:v", "ffv1", hr)
    w, h = probe_size(hr)
    y = read_y(hr, w, h)
    lows = []
    for crf in crfs:
        lr = os.path.join(tmp, "lr%d.mkv" % crf)
        ff("-i", hr, "-vf", "scale=%d:%d:flags=bicubic" % (w // 2, h // 2),
           "-c:v", "libx264", "-preset", "medium", "-crf", str(crf), lr)
        lows.append(read_y(lr, w // 2, h // 2))
    return y, lows


def read_ys(path, w, h, picks):
    """The Y planes of frames picks (indices) of a yuv420p clip."""
    raw = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i",
                          path, "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"],
                         check=True, capture_output=True).stdout
    n = w * h * 3 // 2
    return [np.frombuffer(raw[i * n:i * n + w * h], np.uint8).reshape(h, w)
            for i in picks if (i + 1) * n <= len(raw)]


def prepare_clip(src, tmp, picks=(0, 14), crfs=CRFS):
    """(HR Y, [LR Y at each CRF]) for frames picks of a clip: src is the
    ffmpeg input arguments of a clip of at least 15 frames (sizes a multiple of 4);
    the clip is degraded as eval.sh's video is (bicubic half, then H.264 of
    the whole clip, so most frames are predicted ones)."""
    hr = os.path.join(tmp, "hr.mkv")
    ff(*(list(src) + ["-frames:v", str(max(picks) + 1), "-pix_fmt",
                      "yuv420p", "-c:v", "ffv1", hr]))
    w, h = probe_size(hr)
    ys = read_ys(hr, w, h, picks)
    lows = []
    for crf in crfs:
        lr = os.path.join(tmp, "lr%d.mkv" % crf)
        ff("-i", hr, "-vf", "scale=%d:%d:flags=bicubic" % (w // 2, h // 2),
           "-c:v", "libx264", "-preset", "medium", "-crf", str(crf), lr)
        lows.append(read_ys(lr, w // 2, h // 2, picks))
    return [(y, [l[i] for l in lows]) for i, y in enumerate(ys)]


def extra_pictures():
    """The pictures of EXTRA_DEBS (none of them held out: eval.sh never
    sees them), the largest of each plasma wallpaper's sizes, no
    screenshots."""
    best = {}
    for deb in EXTRA_DEBS:
        r = subprocess.run(["dpkg", "-L", deb], capture_output=True,
                           text=True)
        if r.returncode != 0:
            # training-only data, kept out of scripts/setup (CI needs none)
            sys.exit("train.py: --extra needs the Debian packages %s "
                     "(apt-get install them first)" % " ".join(EXTRA_DEBS))
        for p in r.stdout.split("\n"):
            if not p.lower().endswith(EXTS) or "screenshot" in p or \
                    not os.path.isfile(p):
                continue
            # a plasma wallpaper: .../Name/contents/images/WxH.ext
            key = p.split("/contents/")[0] if "/contents/" in p else p
            if key not in best or os.path.getsize(p) > \
                    os.path.getsize(best[key]):
                best[key] = p
    return sorted(best.values())


FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
         "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
         "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
         "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
TEXT = "/usr/share/common-licenses/GPL-3"


def synthetic(photos, rng):
    """ffmpeg inputs of made clips, 1280x720 at 30 fps: cellular automata
    and life as pixel art, gradients, grain, text, fractal tilings, bars
    and grids at angles, and camera moves (pans, zooms, turns) over the
    training photographs.  Not testsrc2, mandelbrot or a held-out
    picture: eval.sh's clips come from those."""
    S = "s=1280x720:r=30"
    lv = lambda g: ["-f", "lavfi", "-i", g]
    out = []
    for i, rule in enumerate((30, 110, 18)):
        k = (4, 2, 8)[i % 3]
        out.append(lv("cellauto=s=%dx%d:rule=%d:r=30:random_seed=%d,"
                      "scale=1280:720:flags=%s" %
                      (1280 // k, 720 // k, rule, i,
                       ("neighbor", "bilinear")[i % 2])))
    for i in range(4):
        k = (4, 2, 3, 6)[i]
        out.append(lv("life=s=%dx%d:mold=10:ratio=0.%d:r=30:seed=%d:"
                      "life_color=#%06x:death_color=#%06x:mold_color=#%06x,"
                      "scale=1280:720:flags=neighbor,format=yuv420p" %
                      (1280 // k, 720 // k, 2 + i, i,
                       rng.randrange(1 << 24), rng.randrange(1 << 24),
                       rng.randrange(1 << 24))))
    out.append(lv("gradients=%s:n=3:speed=0.03:seed=0,noise=alls=10:"
                  "allf=t+u,gblur=sigma=0.5" % S))
    for i in range(4):
        out.append(lv("color=c=gray:%s,noise=alls=%d:allf=t,gblur=sigma=%.1f,"
                      "eq=contrast=%.1f" %
                      (S, 60 + 10 * i, 0.7 + 0.6 * i, 2 + i)))
    for i, (size, fg, bg) in enumerate(((16, "white", "#102030"),
                                        (24, "black", "#f0f0e8"),
                                        (40, "#ffd040", "#303030"),
                                        (64, "white", "#2050a0"),
                                        (20, "#202020", "#c0d0c0"),
                                        (32, "black", "white"))):
        out.append(lv("color=c=%s:%s,drawtext=fontfile=%s:textfile=%s:"
                      "fontsize=%d:fontcolor=%s:x=%d-t*%d:y=10-t*%d:"
                      "line_spacing=%d" %
                      (bg, S, FONTS[i % len(FONTS)], TEXT, size, fg, 10 + i,
                       6 * i, 30, size // 4)))
    for t in ("carpet", "triangle"):
        out.append(lv("sierpinski=%s:type=%s:seed=3:jump=2" % (S, t)))
    out.append(lv("smptehdbars=%s,rotate=0.2+0.1*t:fillcolor=gray" % S))
    out.append(lv("color=c=white:%s,drawgrid=w=37:h=23:t=2:c=black,"
                  "rotate=0.05+0.2*t" % S))
    out.append(lv("colorspectrum=%s:type=all,drawgrid=w=64:h=64:t=1:"
                  "c=white,rotate=0.3" % S))
    for i, p in enumerate(photos):
        pic = ["-loop", "1", "-i", p, "-vf"]
        m = i % 3
        if m == 0:      # a pan, as eval.sh's
            out.append(pic + ["scale=2560:-2,crop=1280:720:'t*%d':'t*%d',"
                              "fps=30,format=yuv420p" %
                              (200 + 50 * (i % 5), 30 * (i % 4))])
        elif m == 1:    # a slow zoom in
            out.append(pic + ["scale=2560:-2,fps=30,zoompan=z='1.25+0.01*on'"
                              ":x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2':d=1:"
                              "s=1280x720:fps=30,format=yuv420p"])
        else:           # a turn
            out.append(pic + ["scale=1920:-2,fps=30,rotate=0.05+0.1*t:"
                              "ow=1280:oh=720,format=yuv420p"])
    return out


def extra_data(train, rng, cache, limit):
    """--extra: the first limit of these: the EXTRA_DEBS pictures (one in
    two video-sized, one in four in detail) and two frames of each
    synthetic() clip, interleaved; with --cache
    each item is kept in $TMPDIR/sv-sr-extra, so a run cut short resumes."""
    pics = extra_pictures()
    jobs = [("pic", p, VIDEO_SIZED) for p in pics[::2]] + \
        [("pic", p, DETAIL) for p in pics[1::4]]
    # the camera moves are over training pictures only, one in six
    clips = [("clip", c, None) for c in
             synthetic(sorted(train + pics)[::6], rng)]
    # interleaved, so the first n (--extra n) are of every kind
    mixed = []
    for i in range(max(len(jobs), len(clips))):
        mixed += jobs[i:i + 1] + clips[i:i + 1]
    jobs = mixed[:limit]
    cdir = os.path.join(tempfile.gettempdir(), "sv-sr-extra")
    os.makedirs(cdir, exist_ok=True)
    out = []
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        for kind, src, vf in jobs:
            key = hashlib.sha1(repr((kind, src, vf, CRFS)).encode()).hexdigest()
            path = os.path.join(cdir, key[:16] + ".npz")
            if cache and os.path.exists(path):
                z = np.load(path)
                out += [(z["hr%d" % i], [z["lr%d_%d" % (i, c)] for c in
                                         range(len(CRFS))])
                        for i in range(int(z["n"]))]
                continue
            try:
                if kind == "pic":
                    got = [prepare(src, tmp, vf=vf)]
                else:
                    got = prepare_clip(src, tmp)
            except (subprocess.CalledProcessError, ValueError) as e:
                print("train.py: skipped %s: %s" % (src, e), file=sys.stderr)
                continue
            out += got
            if cache:
                arrs = {"n": np.array(len(got))}
                for i, (hr, lows) in enumerate(got):
                    arrs["hr%d" % i] = hr
                    for c, lr in enumerate(lows):
                        arrs["lr%d_%d" % (i, c)] = lr
                np.savez(path, **arrs)
    print("train.py: the extra data: %d jobs, %.0f s" %
          (len(jobs), time.monotonic() - t0), file=sys.stderr)
    return out


def build(init="torch"):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.c = nn.ModuleList(nn.Conv2d(i, o, k) for i, o, k in LAYERS)

            # what the features see is the input less center (export
            # folds it into C0's bias)
            self.center = 0.5 if init == "he" else 0.0
            with torch.no_grad():
                if init == "he":
                    # He init for the ReLU layers (torch's default shrinks
                    # the signal a layer at a time) and a residual that
                    # starts near zero
                    for c in self.c[:-1]:
                        nn.init.kaiming_normal_(c.weight,
                                                nonlinearity="relu")
                        c.bias.zero_()
                    nn.init.normal_(self.c[-1].weight, std=1e-3)
                else:                           # start from lanczos
                    self.c[-1].weight.mul_(0.1)
                self.c[-1].bias.zero_()
            t = lanczos_taps()
            k = np.zeros((4, 1, 2 * LZ + 1, 2 * LZ + 1), np.float32)
            for i in range(2):
                for j in range(2):
                    k[2 * i + j, 0] = np.outer(t[i], t[j])
            self.register_buffer("lz", torch.from_numpy(k))

        def forward(self, x, padded=False, with_base=False):
            # x: N x 1 x H x W in [0, 1]
            if not padded:
                x = F.pad(x, (PAD,) * 4, mode="replicate")
            e = PAD - LZ
            base = F.conv2d(x[:, :, e:-e, e:-e], self.lz)
            t = x - self.center
            for c in self.c[:-1]:
                t = F.relu(c(t))
            out = F.pixel_shuffle(self.c[-1](t) + base, 2)
            if with_base:
                return out, F.pixel_shuffle(base, 2)
            return out
    return Net()


def load(net, path):
    """--from: starts from the weights of a sr_weights.h (export's layout;
    the centring is already in C0's bias, so the net's is set to 0)."""
    import re
    import torch
    text = open(path).read()
    net.center = 0.0
    with torch.no_grad():
        for n, (conv, (ci, co, k)) in enumerate(zip(net.c, LAYERS)):
            for name, t in (("w", conv.weight), ("b", conv.bias)):
                m = re.search(r"sv__sr_%s%d\[(\d+)\] = \{([^}]*)\}" %
                              (name, n), text)
                v = np.array([float(x) for x in m.group(2).replace(
                    ",", " ").split()], np.float32)
                if name == "w":
                    v = np.transpose(v.reshape(k, k, ci, co), (3, 2, 0, 1))
                t.copy_(torch.from_numpy(np.ascontiguousarray(v)))


def export(net, path, command):
    """Writes the weights as C arrays, laid out for the C inference:
    w[ky][kx][ic][oc] (output channels contiguous) and b[oc]."""
    lines = ["/* sr_weights.h -- the x2 luma super-resolution network's "
             "weights; GENERATED,",
             " * DO NOT EDIT.  Made by: %s */" % command,
             "#ifndef SV_SR_WEIGHTS_H", "#define SV_SR_WEIGHTS_H", ""]
    for n, (conv, (ci, co, k)) in enumerate(zip(net.c, LAYERS)):
        w = conv.weight.detach().numpy()            # oc ic ky kx
        b = conv.bias.detach().numpy().astype(np.float64)
        if n == 0:          # the input's centring, folded into the bias
            b = b - net.center * w.astype(np.float64).sum(axis=(1, 2, 3))
        w = np.transpose(w, (2, 3, 1, 0)).reshape(-1)
        for name, arr in (("w", w), ("b", b)):
            lines.append("static const float sv__sr_%s%d[%d] = {" %
                         (name, n, arr.size))
            vals = ["%.9g," % v for v in arr]
            for i in range(0, len(vals), 6):
                lines.append("    " + " ".join(vals[i:i + 6]))
            lines.append("};")
    lines += ["", "#endif", ""]
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(lines))
    os.replace(path + ".tmp", path)


def reference(net, path):
    """A fixed 37x23 input (odd sizes: the edges are exercised) and what
    the network makes of it, rounded to bytes, as a C header for
    tests/unit/media/sr_test.c."""
    import torch
    w, h = 37, 23
    yy, xx = np.mgrid[0:h, 0:w]
    # deterministic: a ramp, an edge, a sine, and a checker
    img = (xx * 5 + yy * 3) % 256
    img = np.where(xx > 20, 230 - yy * 4, img)
    img = img + 40 * np.sin(xx * 0.9 + yy * 0.4)
    img = np.where((xx // 3 + yy // 3) % 2 == 0, img, img * 0.6)
    img = np.clip(np.round(img), 0, 255).astype(np.uint8)
    with torch.no_grad():
        out = net(torch.from_numpy(img.astype(np.float32) / 255)[None, None])
    o = np.clip(np.round(out[0, 0].numpy() * 255), 0, 255).astype(np.uint8)
    write_ref(path, w, h, img, o)


def write_ref(path, w, h, img, o):
    lines = ["/* sr_ref.h -- a fixed input and the x2 network's output for it,",
             " * from scripts/sr/train.py with the committed weights; "
             "GENERATED, DO NOT EDIT */",
             "#define SR_REF_W %d" % w, "#define SR_REF_H %d" % h]
    for name, arr in (("in", img), ("out", o)):
        lines.append("static const unsigned char sr_ref_%s[%d] = {" %
                     (name, arr.size))
        vals = ["%d," % v for v in arr.reshape(-1)]
        for i in range(0, len(vals), 16):
            lines.append("    " + " ".join(vals[i:i + 16]))
        lines.append("};")
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(path + ".tmp", path)


def refit(net, sample, n):
    """The last layer is linear in the maps before it: after the gradient
    steps, solve it exactly (least squares on the residual over lanczos,
    a touch of ridge) from n batches of sample() -- patches taken as they
    come, flat ones too, as a whole picture is scored."""
    import torch
    import torch.nn.functional as F
    c = net.c[-1]
    m = c.in_channels * 9 + 1
    ata = np.zeros((m, m))
    atb = np.zeros((m, 4))
    with torch.no_grad():
        for _ in range(n):
            x, y = sample()
            t = x - net.center
            for conv in net.c[:-1]:
                t = F.relu(conv(t))
            e = PAD - LZ
            base = F.conv2d(x[:, :, e:-e, e:-e], net.lz)
            r = F.pixel_unshuffle(y, 2) - base
            # columns ordered as the weight (ic, ky, kx), then a one
            a = F.unfold(t, 3).permute(0, 2, 1).reshape(-1, m - 1)
            a = torch.cat([a, torch.ones(a.shape[0], 1)], 1).double()
            b = r.permute(0, 2, 3, 1).reshape(-1, 4).double()
            ata += (a.T @ a).numpy()
            atb += (a.T @ b).numpy()
    lam = 1e-6 * np.trace(ata) / m
    sol = np.linalg.solve(ata + lam * np.eye(m), atb)
    with torch.no_grad():
        c.weight.copy_(torch.from_numpy(
            sol[:-1].T.reshape(c.weight.shape).astype(np.float32)))
        c.bias.copy_(torch.from_numpy(sol[-1].astype(np.float32)))


def validation(held, cache):
    """The held-out pictures, degraded at CRF 23 (eval.sh's way), as
    (hr, lr) pairs; kept in $TMPDIR with --cache."""
    path = os.path.join(tempfile.gettempdir(), "sv-sr-val.npz")
    if cache and os.path.exists(path):
        z = np.load(path)
        return [(z["hr%d" % i], z["lr%d" % i]) for i in range(int(z["n"]))]
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for p in held:
            y, lows = prepare(p, tmp, (23,))
            out.append((y, lows[0]))
    if cache:
        arrs = {"n": np.array(len(out))}
        for i, (hr, lr) in enumerate(out):
            arrs["hr%d" % i], arrs["lr%d" % i] = hr, lr
        np.savez(path, **arrs)
    return out


def validate(net, val):
    """Mean PSNR of the network and of lanczos over val (bytes, as the C
    writes them) and the mean gain."""
    import torch
    ps, pl = [], []
    with torch.no_grad():
        for hr, lr in val:
            x = torch.from_numpy(lr.astype(np.float32) / 255)[None, None]
            out, base = net(x, with_base=True)
            t = hr.astype(np.float64)
            mse = [np.mean((np.clip(np.round(o[0, 0].numpy() * 255), 0,
                                    255) - t) ** 2) for o in (out, base)]
            if min(mse) == 0:       # a flat picture says nothing
                continue
            ps.append(10 * np.log10(255 ** 2 / mse[0]))
            pl.append(10 * np.log10(255 ** 2 / mse[1]))
    return "sr %.3f lanczos %.3f gain %+.3f dB" % (
        np.mean(ps), np.mean(pl), np.mean(ps) - np.mean(pl))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=2500)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--out", default=os.path.join(TOP, "lib", "media",
                                                  "sr_weights.h"))
    ap.add_argument("--ref", default=os.path.join(TOP, "tests", "unit",
                                                  "media", "sr_ref.h"))
    ap.add_argument("--lr", type=float, default=2e-3,
                    help="Adam's peak learning rate")
    ap.add_argument("--patch", type=int, default=24,
                    help="low-res patch side (of the output)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--init", choices=("torch", "he"), default="torch",
                    help="torch's default init (the committed weights') or "
                    "He's, with the input centred")
    ap.add_argument("--loss", choices=("l1", "l2"), default="l1",
                    help="the training loss (l2 is what PSNR scores)")
    ap.add_argument("--refit", type=int, default=0, metavar="N",
                    help="then solve the last layer by least squares on N "
                    "batches")
    ap.add_argument("--log", type=int, default=200, metavar="N",
                    help="the loss every N steps")
    ap.add_argument("--val", type=int, default=0, metavar="N",
                    help="every N steps, PSNR over lanczos on the held-out "
                    "pictures at CRF 23")
    ap.add_argument("--extra", type=int, default=0, metavar="N",
                    help="train on N items more: pictures of %s and frames "
                    "of made clips" % ", ".join(EXTRA_DEBS))
    ap.add_argument("--from", dest="start", metavar="WEIGHTS.h",
                    help="start from these weights (a sr_weights.h)")
    ap.add_argument("--list-holdout", action="store_true")
    ap.add_argument("--cache", action="store_true",
                    help="keep the degraded pictures in $TMPDIR between runs")
    a = ap.parse_args()
    train, held = pictures()
    if a.list_holdout:
        print("\n".join(held))
        return 0
    if not train:
        sys.exit("train.py: no pictures under %s" % " ".join(PICS))

    import torch
    torch.manual_seed(a.seed)
    torch.set_num_threads(2)
    rng = random.Random(a.seed)

    data = []
    cache = os.path.join(tempfile.gettempdir(), "sv-sr-train.npz")
    if a.cache and os.path.exists(cache):
        z = np.load(cache)
        data = [(z["hr%d" % i], [z["lr%d_%d" % (i, c)] for c in
                                 range(len(CRFS))])
                for i in range(int(z["n"]))]
    else:
        with tempfile.TemporaryDirectory() as tmp:
            for p in train:
                try:
                    data.append(prepare(p, tmp))
                except (subprocess.CalledProcessError, ValueError) as e:
                    print("train.py: skipped %s: %s" % (p, e),
                          file=sys.stderr)
        if a.cache:
            arrs = {"n": np.array(len(data))}
            for i, (hr, lows) in enumerate(data):
                arrs["hr%d" % i] = hr
                for c, lr in enumerate(lows):
                    arrs["lr%d_%d" % (i, c)] = lr
            np.savez(cache, **arrs)
    print("train.py: %d training pictures, %d held out" %
          (len(data), len(held)), file=sys.stderr)
    if a.extra:
        more = extra_data(train, rng, a.cache, a.extra)
        print("train.py: %d more training frames (--extra)" % len(more),
              file=sys.stderr)
        data += more

    val = validation(held, a.cache) if a.val else []
    net = build(a.init)
    if a.start:
        load(net, a.start)
    LR0 = a.lr
    opt = torch.optim.Adam(net.parameters(), lr=LR0)
    P, B = a.patch, a.batch             # LR patch (output side), batch
    step, loss_avg, gain_avg = 0, None, None

    def batch(tries=4):
        xs, ys = [], []
        for _ in range(B):
            hr, lows = data[rng.randrange(len(data))]
            lr = lows[rng.randrange(len(lows))]
            lh, lw = lr.shape
            # favour textured patches: flat sky teaches nothing
            for _ in range(tries):
                y0 = rng.randrange(0, lh - P - 2 * PAD)
                x0 = rng.randrange(0, lw - P - 2 * PAD)
                x = lr[y0:y0 + P + 2 * PAD, x0:x0 + P + 2 * PAD]
                if x.std() > 6:
                    break
            t = hr[2 * (y0 + PAD):2 * (y0 + PAD + P),
                   2 * (x0 + PAD):2 * (x0 + PAD + P)]
            if rng.random() < 0.5:
                x, t = x[:, ::-1], t[:, ::-1]
            if rng.random() < 0.5:
                x, t = x[::-1], t[::-1]
            xs.append(x.copy())
            ys.append(t.copy())
        x = torch.from_numpy(np.stack(xs).astype(np.float32) / 255)
        y = torch.from_numpy(np.stack(ys).astype(np.float32) / 255)
        return x[:, None], y[:, None]

    if val and a.start:
        print("train.py: from %s, held out: %s" % (a.start,
                                                   validate(net, val)),
              file=sys.stderr)
    start = time.monotonic()
    # a step count, not a time: the same seed gives the same weights
    while step < a.steps:
        frac = step / a.steps
        for g in opt.param_groups:     # warm-up, then cosine to ~0
            g["lr"] = LR0 * min(1.0, (step + 1) / 200) * \
                (0.02 + 0.98 * 0.5 * (1 + np.cos(np.pi * frac)))
        x, y = batch()
        out, base = net(x, padded=True, with_base=True)
        if a.loss == "l2":
            loss = torch.mean((out - y) ** 2)
        else:
            loss = torch.mean(torch.abs(out - y))
        with torch.no_grad():
            mse = torch.mean((out - y) ** 2).item()
            # the batch's own lanczos error: random batches differ far
            # more from each other than the network gains on one, so the
            # loss alone looks flat; the ratio shows the gain
            gain = 10 * np.log10(torch.mean((base - y) ** 2).item() / mse)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        loss_avg = mse if loss_avg is None else \
            0.98 * loss_avg + 0.02 * mse
        gain_avg = gain if gain_avg is None else \
            0.98 * gain_avg + 0.02 * gain
        if step % a.log == 0:
            print("train.py: step %d loss %.6f (%.2f dB, %+.3f dB over "
                  "lanczos) %.0f s" %
                  (step, loss_avg, -10 * np.log10(loss_avg), gain_avg,
                   time.monotonic() - start), file=sys.stderr)
        if val and (step % a.val == 0 or step == a.steps):
            print("train.py: step %d held out: %s" %
                  (step, validate(net, val)), file=sys.stderr)
    if a.refit:
        if val:
            print("train.py: before the refit: %s" % validate(net, val),
                  file=sys.stderr)
        refit(net, lambda: batch(1), a.refit)
        if val:
            print("train.py: refit on %d batches: %s" %
                  (a.refit, validate(net, val)), file=sys.stderr)
    cmd = "nice -n 10 /usr/bin/python3 scripts/sr/train.py --steps %d" % a.steps
    for name, default in (("seed", 16), ("lr", 2e-3), ("patch", 24),
                          ("batch", 64), ("refit", 0), ("init", "torch"),
                          ("loss", "l1")):
        if getattr(a, name) != default:
            cmd += " --%s %s" % (name, getattr(a, name))
    if a.extra:
        cmd += " --extra %d" % a.extra
    if a.start:
        cmd += " --from %s" % a.start
    export(net, a.out, cmd)
    reference(net, a.ref)
    print("train.py: %d steps; wrote %s and %s" % (step, a.out, a.ref),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
