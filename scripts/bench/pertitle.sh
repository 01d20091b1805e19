#!/bin/sh
# pertitle.sh -- the per-title ladder (sv-transcode --per-title) against
# the fixed ladder it is capped by, at equal quality (issue 15).
#
# Three content kinds, made here with ffmpeg's lavfi sources: near-static
# (a still picture with a small moving inset, talking-head-like), flat
# animation (testsrc2) and high motion with grain (a mandelbrot zoom under
# temporal noise).  Each is encoded with the fixed ladder LADDER and with
# --per-title --ladder LADDER (the same caps).  Every rung is scaled back
# to the source size (bicubic) and measured against the source with
# ffmpeg's own psnr and ssim filters and with sv-stats quality (the two
# must agree: within 0.1 dB PSNR and 0.001 SSIM, else the script fails).
# Each ladder's (bitrate, quality) points make its front (no convex
# hull: see bdrate.py); bdrate.py gives
# the Bjontegaard delta rate of per-title against the fixed ladder (PSNR Y,
# and SSIM Y in dB), over the quality range both hulls cover.  Negative is
# fewer bits at equal quality.  Prints a table per kind, the average and
# the trial-encode cost from the ladder JSON, next to the CPU time of the
# final encode.
#   scripts/bench/pertitle.sh        (960x540, 10 s, LADDER below)
#   BENCH_QUICK=1 scripts/bench/pertitle.sh   (640x360, 4 s: a smoke run)
# Bitrates and quality do not depend on the load; times do (the machine
# may be shared).
#
# Figures (session 26, 2 shared cores; BD-rate of per-title against the
# fixed ladder, negative is fewer bits at equal quality; ffmpeg's psnr
# and ssim agreed with sv-stats on every rung):
#   BENCH_QUICK=1 (640x360, 4 s, 360p:1600k,240p:700k,144p:300k)
#     kind    per-title ladder                   BD PSNR  BD SSIM  trial cpu-s
#     static  360p:285k,360p:154k,180p:53k        -32.9%   -30.6%     8.3
#     flat    360p:901k,360p:452k,240p:169k       -22.2%   -21.7%    12.8
#     grain   360p:1600k,360p:676k,288p:300k      -23.6%   -15.4%    18.2
#     average                                     -26.2%   -22.6%   (goal met)
#   full size (960x540, 10 s, 540p:2400k,360p:1200k,240p:600k)
#     static  540p:303k,540p:184k,288p:76k        -31.6%   -28.1%    33.1
#     flat    540p:1807k,540p:1002k,432p:452k     -18.6%   -23.1%    43.4
#     grain   540p:2400k,540p:1280k,432p:600k     -28.0%   -23.2%    75.0
#     average                                     -26.1%   -24.8%   (goal met)
#   Before (rungs from a convex hull on a linear bitrate axis, one rung a
#   size, 4 CRF settings, bdrate.py on convex hulls in log rate): static
#   -20.2%, flat -8.4%, grain +25.5% (PSNR).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BUILD:-$top/build}/bin
dir=${SV_BENCH_DIR:-/tmp/sv-bench}/pertitle
if [ "${BENCH_QUICK:-0}" = 1 ]; then
    size=${SIZE:-640x360} len=${SECONDS_LONG:-4}
    ladder=${LADDER:-360p:1600k,240p:700k,144p:300k}
else
    size=${SIZE:-960x540} len=${SECONDS_LONG:-10}
    ladder=${LADDER:-540p:2400k,360p:1200k,240p:600k}
fi
kinds=${KINDS:-static flat grain}
fps=30
w=${size%x*} h=${size#*x}
mkdir -p "$dir"

ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }

# make_source KIND FILE: the kind's picture, nearly lossless
make_source() {
    case $1 in
    static)
        # a still frame, and a small inset drifting slowly over it
        ff -f lavfi -i "mandelbrot=size=$size:rate=$fps" \
            -f lavfi -i "testsrc2=size=$((w / 6 / 2 * 2))x$((w / 6 / 2 * 2)):rate=$fps" \
            -filter_complex "[0]trim=end_frame=1,loop=loop=-1:size=1,setpts=N/$fps/TB[bg];[bg][1]overlay=x='W/2-w/2+W/20*sin(t/2)':y='H/3+H/40*cos(t/3)':shortest=1,trim=duration=$len" \
            -c:v libx264 -preset veryfast -crf 8 -pix_fmt yuv420p "$2" ;;
    flat)
        ff -f lavfi -i "testsrc2=size=$size:rate=$fps:duration=$len" \
            -c:v libx264 -preset veryfast -crf 8 -pix_fmt yuv420p "$2" ;;
    grain)
        ff -f lavfi -i "mandelbrot=size=$size:rate=$fps,trim=duration=$len,noise=alls=24:allf=t+u" \
            -c:v libx264 -preset veryfast -crf 8 -pix_fmt yuv420p "$2" ;;
    esac
}

# kbps FILE: the video's average bitrate from its packet sizes
kbps() {
    ffprobe -v error -select_streams v:0 -show_entries packet=size \
        -of csv=p=0 "$1" | awk -v d="$len" '{ s += $1 } END { printf "%.1f", s * 8 / d / 1000 }'
}

# measure SRC RUNG: "psnr_y ssim_y" from ffmpeg's filters, the rung scaled
# to the source's size, then "psnr_y ssim_y" from sv-stats quality
measure() {
    ffmpeg -nostdin -hide_banner -i "$2" -i "$1" -filter_complex \
        "[0:v]scale=w=$w:h=$h:flags=bicubic,format=yuv420p,split[d0][d1];[1:v]format=yuv420p,split[r0][r1];[d0][r0]psnr[p];[d1][r1]ssim[s]" \
        -map "[p]" -f null - -map "[s]" -f null - 2>&1 |
        awk '/PSNR y:/ { for (i = 1; i <= NF; i++) if ($i ~ /^y:/) p = substr($i, 3) }
             /SSIM Y:/ { for (i = 1; i <= NF; i++) if ($i ~ /^Y:/) s = substr($i, 3) }
             END { printf "%s %s", p, s }'
    printf ' '
    "$bin/sv-stats" quality -q "$1" "$2" | jq -j '"\(.psnr.of_mean_mse.y) \(.ssim.y.mean)"'
}

# ladder_points KIND NAME: one line a rung: name kbps psnr ssim (ffmpeg's),
# and checks sv-stats agrees
ladder_points() {
    : > "$dir/$1/$2.pts"
    for f in "$dir/$1/$2"/*.mp4; do
        q=$(measure "$dir/$1/src.mp4" "$f")
        echo "$q" | awk -v f="$f" '{
            if ($1 - $3 > 0.1 || $3 - $1 > 0.1 || $2 - $4 > 0.001 || $4 - $2 > 0.001) {
                printf "%s: ffmpeg psnr %s ssim %s, sv-stats %s %s: they disagree\n", f, $1, $2, $3, $4 > "/dev/stderr"
                exit 1
            } }'
        r=${f##*/}
        echo "${r%.mp4} $(kbps "$f") $q" >> "$dir/$1/$2.pts"
    done
}

cpu() { awk '{ printf "%.1f", $1 + $2 }' "$1"; }

sum=$dir/summary
: > "$sum"
echo "per-title vs fixed ladder $ladder; sources ${size}@$fps ${len}s;" \
    "$(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
for k in $kinds; do
    mkdir -p "$dir/$k"
    # the sources are kept between runs of the same size and length
    if [ ! -s "$dir/$k/src.mp4" ] ||
        [ "$(cat "$dir/$k/src.id" 2>/dev/null)" != "$size $len" ]; then
        make_source "$k" "$dir/$k/src.mp4"
        echo "$size $len" > "$dir/$k/src.id"
    fi
    rm -rf "$dir/$k/fixed" "$dir/$k/pt"
    /usr/bin/time -f "%U %S" -o "$dir/$k/fixed.t" \
        "$bin/sv-transcode" "$dir/$k/src.mp4" -q --hw none --no-audio \
        --ladder "$ladder" -o "$dir/$k/fixed"
    /usr/bin/time -f "%U %S" -o "$dir/$k/pt.t" \
        "$bin/sv-transcode" "$dir/$k/src.mp4" -q --hw none --no-audio \
        --per-title --ladder "$ladder" --ladder-out "$dir/$k/pt.json" \
        -o "$dir/$k/pt"
    ladder_points "$k" fixed
    ladder_points "$k" pt
    # quality in dB for the SSIM fit: -10 log10(1 - ssim)
    for n in fixed pt; do
        awk '{ print $2, $3 }' "$dir/$k/$n.pts" > "$dir/$k/$n.psnr"
        awk '{ print $2, -10 * log(1 - $4) / log(10) }' "$dir/$k/$n.pts" > "$dir/$k/$n.ssim"
    done
    bp=$(python3 "$top/scripts/bench/bdrate.py" "$dir/$k/fixed.psnr" "$dir/$k/pt.psnr")
    bs=$(python3 "$top/scripts/bench/bdrate.py" "$dir/$k/fixed.ssim" "$dir/$k/pt.ssim")
    echo
    echo "== $k: fixed $(cpu "$dir/$k/fixed.t") cpu-s; per-title spec $(jq -r .spec "$dir/$k/pt.json")," \
        "$(cpu "$dir/$k/pt.t") cpu-s in all"
    echo "ladder     rung   kbps     psnr_y   ssim_y"
    for n in fixed pt; do
        sort -k2,2nr "$dir/$k/$n.pts" |
            awk -v n="$n" '{ printf "%-9s %5s %8.1f %8.2f %8.4f\n", n == "pt" ? "per-title" : n, $1, $2, $3, $4 }'
    done
    jq -r '.cost | "trial encodes: \(.trials) trials, \(.encoded_s) s of video, \(.cpu_s) cpu-s, \(.wall_s) wall-s"' \
        "$dir/$k/pt.json"
    echo "$bp" | awk '{ printf "BD-rate PSNR: %+.1f%% (over %.2f-%.2f dB)\n", $1, $2, $3 }'
    echo "$bs" | awk '{ printf "BD-rate SSIM: %+.1f%% (over %.2f-%.2f dB)\n", $1, $2, $3 }'
    echo "$k ${bp%% *} ${bs%% *} $(jq -r .cost.cpu_s "$dir/$k/pt.json") $(cpu "$dir/$k/fixed.t")" >> "$sum"
done
echo
echo "kind      bd_psnr%  bd_ssim%  trial_cpu_s  fixed_encode_cpu_s"
awk '{ printf "%-8s %9.1f %9.1f %12.1f %19.1f\n", $1, $2, $3, $4, $5 }' "$sum"
awk '{ p += $2; s += $3; n++ } END { printf "average  %9.1f %9.1f\n", p / n, s / n }' "$sum"
awk '{ if ($2 > 0 || $3 > 0 || $2 != $2) bad = bad " " $1; p += $2; s += $3; n++ }
     END { goal = (p / n <= -20 && s / n <= -20 && bad == "")
           printf "goal (>= 20%% fewer bits on average, no kind worse): %s%s\n",
               goal ? "met" : "missed", bad == "" ? "" : " (worse or no overlap:" bad ")" }' "$sum"
