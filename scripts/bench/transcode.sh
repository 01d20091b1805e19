#!/bin/sh
# transcode.sh -- sv-transcode against the best single ffmpeg command doing
# the same job: a 4-rung 1080p30 ladder (decode once, split, scale, libx264
# veryfast capped CRF, 2 s aligned closed GOPs, AAC), side by side.
#
# Prints, for each tool, the median wall time and CPU use over RUNS runs
# (alternating, so load from elsewhere hits both alike), the ratio of wall
# times, and per rung the bitrate and PSNR against the source scaled to the
# rung's size with the same scaler.
#   scripts/bench/transcode.sh            (RUNS=3 SECONDS_LONG=10)
# On a shared machine, SV_BENCH_NICE=-15 (root) runs both tools ahead of
# the other load, closer to what an idle machine would show.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BUILD:-$top/build}/bin/sv-transcode
dir=${SV_BENCH_DIR:-/tmp/sv-bench}
runs=${RUNS:-3}
len=${SECONDS_LONG:-10}
mkdir -p "$dir"
src=$dir/src1080p30_${len}s.mp4

ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }

if [ ! -s "$src" ]; then
    echo "generating a ${len}s 1080p30 source: $src" >&2
    # a moving pattern with light grain, so the encoders have real work
    ff -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=$len,noise=alls=4:allf=t" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$len" \
        -c:v libx264 -preset veryfast -crf 20 -g 60 -pix_fmt yuv420p \
        -c:a aac -b:a 128k -shortest "$src.tmp.mp4"
    mv "$src.tmp.mp4" "$src"
fi

sizes="1920x1080 1280x720 854x480 640x360"
rates="5000 2800 1400 800"

# the ffmpeg command: one decode, split=4, the same scaler and x264 settings
# as sv-transcode's defaults (veryfast, crf 23 capped at the rung's bitrate
# with a 2 s buffer, no scene cuts, forced IDR every 2 s, keyint 61)
fc="[0:v]fps=30,split=4[s0][s1][s2][s3]" maps="" rc="" i=0
for s in $sizes; do
    fc="$fc;[s$i]scale=w=${s%x*}:h=${s#*x}:flags=bicubic,setsar=1,format=yuv420p[o$i]"
    maps="$maps -map [o$i]"
    i=$((i + 1))
done
i=0
for r in $rates; do
    rc="$rc -maxrate:v:$i ${r}k -bufsize:v:$i $((r * 2))k"
    i=$((i + 1))
done
cat > "$dir/ffmpeg.sh" <<CMD
exec ffmpeg -nostdin -hide_banner -loglevel error -y -i '$src' \
    -filter_complex '$fc' $maps -map 0:a -c:v libx264 -preset veryfast \
    -crf 23 -x264-params scenecut=0 -forced-idr 1 -g 61 \
    -force_key_frames 'expr:gte(t,n_forced*2)' $rc -c:a aac -b:a 128k \
    -f mpegts '$dir/ffmpeg.ts'
CMD
cat > "$dir/sv.sh" <<CMD
exec '$bin' '$src' --hw none \
    --ladder 1080p:5000k,720p:2800k,480p:1400k,360p:800k > '$dir/sv.ts'
CMD

# timed NAME: runs NAME.sh under time(1), appends "wall cores" to NAME.times
timed() {
    /usr/bin/time -f "%e %U %S" -o "$dir/$1.t" \
        nice -n "${SV_BENCH_NICE:-0}" sh "$dir/$1.sh" ||
        { echo "$1 failed" >&2; exit 1; }
    awk '{ printf "%s %.2f\n", $1, ($2 + $3) / $1 }' "$dir/$1.t" \
        >> "$dir/$1.times"
}

rm -f "$dir/ffmpeg.times" "$dir/sv.times"
i=0
while [ $i -lt "$runs" ]; do
    timed ffmpeg
    timed sv
    i=$((i + 1))
done

median() { sort -n -k1,1 "$1" | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }'; }
ffm=$(median "$dir/ffmpeg.times")
svm=$(median "$dir/sv.times")

# psnr OUT STREAM WxH: average PSNR of a rung against the scaled source
psnr() {
    ffmpeg -nostdin -hide_banner -i "$1" -i "$src" -lavfi \
        "[1:v]scale=w=${3%x*}:h=${3#*x}:flags=bicubic,format=yuv420p[r];[0:v:$2]format=yuv420p[d];[d][r]psnr" \
        -f null - 2>&1 | sed -n 's/.*PSNR.* average:\([0-9.inf]*\).*/\1/p'
}

# kbps OUT STREAM: average bitrate of a rung from its packet sizes
kbps() {
    ffprobe -v error -select_streams "v:$2" -show_entries packet=size \
        -of csv=p=0 "$1" | awk -v d="$len" '{ s += $1 } END { printf "%.0f", s * 8 / d / 1000 }'
}

echo "source: $src (${len}s 1080p30), $runs runs each, $(nproc) cores," \
    "load $(cut -d' ' -f1 /proc/loadavg), nice ${SV_BENCH_NICE:-0}"
echo "tool          wall_s  cpu_cores"
echo "ffmpeg        $ffm" | awk '{ printf "%-12s %7.2f  %9.2f\n", $1, $2, $3 }'
echo "sv-transcode  $svm" | awk '{ printf "%-12s %7.2f  %9.2f\n", $1, $2, $3 }'
echo "$ffm $svm" | awk '{ printf "ratio of wall times (sv/ffmpeg): %.2f\n", $3 / $1 }'
echo "rung        ffmpeg_kbps  sv_kbps  ffmpeg_psnr  sv_psnr  delta_db"
i=0
for s in $sizes; do
    a=$(psnr "$dir/ffmpeg.ts" $i "$s") b=$(psnr "$dir/sv.ts" $i "$s")
    ka=$(kbps "$dir/ffmpeg.ts" $i) kb=$(kbps "$dir/sv.ts" $i)
    echo "$s $ka $kb $a $b" | awk '{ printf "%-11s %11s %8s %12.2f %8.2f %+9.2f\n", $1, $2, $3, $4, $5, $5 - $4 }'
    i=$((i + 1))
done
