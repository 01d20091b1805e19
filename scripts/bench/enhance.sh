#!/bin/sh
# enhance.sh -- the cost of each clean-up filter in sv-transcode against the
# ffmpeg CLI running the same filter and encode: frames per second of each
# and their ratio (sv / ffmpeg; 1.0 is parity), one 720p30 rung, libx264
# veryfast crf 23, no audio.
#   scripts/bench/enhance.sh            (SECONDS_LONG=10)
#   SR_ONLY=1 scripts/bench/enhance.sh  (the super resolution part alone)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BUILD:-$top/build}/bin/sv-transcode
dir=${SV_BENCH_DIR:-/tmp/sv-bench}
len=${SECONDS_LONG:-10}
mkdir -p "$dir"
src=$dir/src720p30_${len}s_grain.mkv

ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }

if [ ! -s "$src" ]; then
    ff -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=$len,noise=alls=10:allf=t" \
        -c:v libx264 -preset veryfast -crf 16 -pix_fmt yuv420p "$src.tmp.mkv"
    mv "$src.tmp.mkv" "$src"
fi
frames=$((len * 30))

# secs CMD...: wall seconds of one run
secs() {
    t0=$(date +%s.%N)
    "$@" > /dev/null 2>&1
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{ printf "%.3f", $2 - $1 }'
}

if [ -z "${SR_ONLY:-}" ]; then
printf '%-10s %10s %10s %8s\n' filter sv_fps ffmpeg_fps ratio
# name | sv-transcode options | the ffmpeg filter chain doing the same
while IFS='|' read -r name opts chain; do
    # shellcheck disable=SC2086 # the options are words
    s=$(secs "$bin" "$src" --hw none --no-audio -l 720p:20000k -o "$dir/e" $opts)
    f=$(secs ffmpeg -nostdin -y -i "$src" -an -vf "fps=30,${chain}scale=1280:720:flags=bicubic,format=yuv420p" \
        -c:v libx264 -preset veryfast -crf 23 -x264-params scenecut=0 \
        "$dir/e.mp4")
    echo "$name $s $f $frames" | awk '{ a = $4 / $2; b = $4 / $3;
        printf "%-10s %10.1f %10.1f %8.2f\n", $1, a, b, a / b }'
done <<'LIST'
none| |
hqdn3d|--denoise hqdn3d|hqdn3d=4:3:6:4.5,
nlmeans|--denoise nlmeans|nlmeans=s=1,
sharpen|--sharpen|unsharp=5:5:1:5:5:0,
LIST
fi

# super resolution (--upscale): sv's x2 network (luma; chroma by lanczos)
# against ffmpeg's lanczos scale of the same raw frames, the upscale alone
# (no decode, no encode); sv_fps counts the whole frame.
cc -O2 -I"$top/lib" -o "$dir/sr_fps" "$top/scripts/bench/sr_fps.c" \
    "${BUILD:-$top/build}/libsv.a" -lswscale -lavutil -lm -lpthread
srn=${SR_FRAMES:-30}
echo
printf '%-18s %10s %10s %8s\n' upscale sv_sr_fps ff_lanczos ratio
for wh in 960x540 1280x720; do
    w=${wh%x*} h=${wh#*x}
    raw=$dir/sr_$wh.yuv
    [ -s "$raw" ] || ff -f lavfi -i "testsrc2=size=$wh:rate=30,noise=alls=6:allf=t" \
        -frames:v "$srn" -pix_fmt yuv420p -f rawvideo "$raw"
    s=$("$dir/sr_fps" "$w" "$h" "$raw")
    f=$(secs ffmpeg -nostdin -y -f rawvideo -pix_fmt yuv420p -s "$wh" \
        -i "$raw" -vf "scale=$((2 * w)):$((2 * h)):flags=lanczos" -f null -)
    echo "${wh}->$((2 * w))x$((2 * h)) $s $f $srn" | awk '{ b = $4 / $3;
        printf "%-18s %10.1f %10.1f %8.2f\n", $1, $2, b, $2 / b }'
done
