#!/usr/bin/env bash
# package.sh -- remux-only packaging throughput and memory: sv-package
# against ffmpeg's hls (fMP4) and dash muxers with -c copy and, when
# MP4BOX=path names a GPAC MP4Box, MP4Box's dasher (HLS and DASH at once,
# ":dual"), on the same input, in MPEG-TS and MP4 form, side by side.
# Prints MiB/s, MiB per CPU second, peak RSS and the ratios: the median of
# RUNS (default 3) runs in which the tools take turns.
#   scripts/bench/package.sh [SECONDS...]     (default: 20 600)
#   MP4BOX=/work/peers/gpac/bin/gcc/MP4Box scripts/bench/package.sh 600
# SEG (default 2) is the segment duration every tool is given; FORMS
# (default "ts mp4") the input forms.  Inputs (1080p30 H.264 ultrafast +
# AAC, a keyframe every 2 s) are generated once and cached under
# build/bench/.  Packages are written to BENCH_OUT (default: a directory in
# /dev/shm, so the figures measure the packagers rather than the disk; set
# BENCH_OUT=build/bench/out to include the disk).  Not part of `make check`.
#
# MP4Box is not in Debian; it builds from GPAC's public source, outside the
# repository (MP4Box needs no library of its own this way):
#   git clone https://github.com/gpac/gpac /work/peers/gpac
#   cd /work/peers/gpac && ./configure --static-bin && make -j2
#   (MP4Box is then bin/gcc/MP4Box.  Do not add --disable-player: release
#   26.07 then fails to link MP4Box, on gf_mixer_*, gf_utf8_reorder_bidi
#   and scenejs_unload, which that switch compiles out but the rest still
#   calls)
#
# Baseline (issue 19; 600 s input, 2 s segments, output in /dev/shm):
#   sv-package HLS+DASH  921-1002 MiB/s TS, 1310 MiB/s MP4, 75 MiB (44 MP4)
#   MP4Box :dual          481-502 MiB/s TS, 1052-1124 MiB/s MP4, 17-18 MiB
#   ffmpeg hls fmp4       296-331 MiB/s TS, 431-527 MiB/s MP4, 67 MiB
# After issue 19's memory work (own TS and MP4 readers, libav loaded from a
# plugin only when needed, no libarchive; MP4Box 26.07 built here; a busy
# shared machine, so the CPU column is the steadier; median of 3 turns):
#   600 s TS:  sv-package 124 MiB/s, 813 MiB/CPU-s, 12 MiB; MP4Box 81,
#              525, 16 MiB (1.54x wall, 1.55x CPU, 0.75x RSS)
#   600 s MP4: sv-package 599, 1251, 12 MiB; MP4Box 293, 946, 15 MiB
#              (2.05x wall, 1.32x CPU, 0.79x RSS)
#   20 s TS:   sv-package 962 MiB/CPU-s, 11 MiB; MP4Box 385, 12 MiB
#   20 s MP4:  sv-package 1253 MiB/CPU-s, 11 MiB; MP4Box 752, 11 MiB
#   ffmpeg hls/dash: 63-170 MiB/s, 62-68 MiB throughout
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
bin=$PWD/$BUILD/bin/sv-package
cache=$PWD/$BUILD/bench
runs=${RUNS:-3}
seg=${SEG:-2}
forms=${FORMS:-ts mp4}
mp4box=${MP4BOX:-}
out=${BENCH_OUT:-}
if [ -z "$out" ]; then
    if [ -d /dev/shm ] && [ -w /dev/shm ]; then
        out=/dev/shm/sv-package-bench.$$
    else
        out=$cache/out
    fi
fi
mkdir -p "$cache" "$out"
trap 'rm -rf "$out" "$cache/time" "$cache"/*.runs' EXIT
[ -x "$bin" ] || { echo "package.sh: build first (make)" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "package.sh: needs GNU time" >&2; exit 1; }
if [ -n "$mp4box" ]; then
    [ -x "$mp4box" ] || { echo "package.sh: MP4BOX=$mp4box is not a program" >&2; exit 1; }
fi

# input SECONDS FORM: the cached input (the MP4 form is the TS remuxed)
input() {
    local s=$1 f=$cache/in_1080p_$1s.ts
    if [ ! -s "$f" ]; then
        echo "generating $s s of 1080p input (cached in $f)..." >&2
        ffmpeg -nostdin -hide_banner -loglevel error -y \
            -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=$s" \
            -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$s" \
            -c:v libx264 -preset ultrafast -pix_fmt yuv420p \
            -force_key_frames 'expr:gte(t,n_forced*2)' -sc_threshold 0 \
            -c:a aac -b:a 128k -f mpegts "$f.tmp" && mv "$f.tmp" "$f"
    fi
    if [ "$2" = mp4 ]; then
        local m=${f%.ts}.mp4
        if [ ! -s "$m" ]; then
            ffmpeg -nostdin -hide_banner -loglevel error -y -i "$f" -map 0 \
                -c copy -bsf:a aac_adtstoasc -movflags +faststart \
                -f mp4 "$m.tmp" && mv "$m.tmp" "$m"
        fi
        f=$m
    fi
    echo "$f"
}

# once NAME CMD...: one run, its wall time, CPU time (user + sys) and
# peak RSS (KiB) appended to $cache/NAME.runs
once() {
    local name=$1 t u s r
    shift
    rm -rf "$out" && mkdir -p "$out"
    /usr/bin/time -f '%e %U %S %M' -o "$cache/time" "$@" >/dev/null 2>&1 ||
        { echo "package.sh: $name failed" >&2; exit 1; }
    read -r t u s r < "$cache/time"
    echo "$t $(awk -v u="$u" -v s="$s" 'BEGIN{print u + s}') $r" \
        >> "$cache/$name.runs"
}

# median NAME: the median wall time, the median CPU time and the highest
# peak RSS of NAME's runs.  On a shared machine the CPU time is the
# steadier measure of a packager's work.
median() {
    local f=$cache/$1.runs
    echo "$(cut -d' ' -f1 "$f" | sort -g | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}')" \
        "$(cut -d' ' -f2 "$f" | sort -g | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}')" \
        "$(cut -d' ' -f3 "$f" | sort -g | tail -n 1)"
}

rate() { awk -v m="$mb" -v t="$1" 'BEGIN{printf "%.0f", (t > 0) ? m / t : 0}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", (b > 0) ? a / b : 0}'; }
row() {
    printf '  %-12s %8s %12s %14s\n' "$1" "$(rate "$2")" "$(rate "$3")" \
        "$(($4 / 1024))"
}

[ $# -gt 0 ] || set -- 20 600
for s in "$@"; do
    for form in $forms; do
        in=$(input "$s" "$form")
        mb=$(awk -v b="$(stat -L -c %s "$in")" 'BEGIN{printf "%.1f", b/1048576}')
        aac=()
        [ "$form" = ts ] && aac=(-bsf:a aac_adtstoasc)
        rm -f "$cache"/*.runs
        # the tools take turns, run after run, so that a busy moment of a
        # shared machine falls on all of them alike
        for _ in $(seq "$runs"); do
            once sv-package "$bin" -q -s "$seg" -o "$out" "$in"
            if [ -n "$mp4box" ]; then
                once MP4Box "$mp4box" -quiet -dash "$((seg * 1000))" -rap \
                    -profile live -out "$out/manifest.mpd:dual" "$in"
            fi
            once ffmpeg-hls ffmpeg -nostdin -loglevel error -i "$in" -map 0 \
                -c copy "${aac[@]}" -f hls -hls_segment_type fmp4 \
                -hls_time "$seg" -hls_playlist_type vod \
                -hls_segment_filename "$out/s%d.m4s" "$out/index.m3u8"
            once ffmpeg-dash ffmpeg -nostdin -loglevel error -i "$in" -map 0 \
                -c copy -tag:v avc1 -tag:a mp4a "${aac[@]}" -f dash \
                -seg_duration "$seg" "$out/manifest.mpd"
        done
        read -r t_sv c_sv r_sv < <(median sv-package)
        [ -z "$mp4box" ] || read -r t_box c_box r_box < <(median MP4Box)
        read -r t_hls c_hls r_hls < <(median ffmpeg-hls)
        read -r t_dash c_dash r_dash < <(median ffmpeg-dash)
        printf '\n%s s of 1080p %s input, %s MiB, %s s segments (median of %d alternating runs, output in %s)\n' \
            "$s" "$form" "$mb" "$seg" "$runs" "$out"
        printf '  %-12s %8s %12s %14s\n' "" "MiB/s" "MiB/CPU-s" "peak RSS MiB"
        row sv-package "$t_sv" "$c_sv" "$r_sv"
        [ -z "$mp4box" ] || row MP4Box "$t_box" "$c_box" "$r_box"
        row ffmpeg-hls "$t_hls" "$c_hls" "$r_hls"
        row ffmpeg-dash "$t_dash" "$c_dash" "$r_dash"
        if [ -n "$mp4box" ]; then
            printf '  sv-package vs MP4Box:      %sx wall, %sx CPU, %sx RSS\n' \
                "$(ratio "$t_box" "$t_sv")" "$(ratio "$c_box" "$c_sv")" \
                "$(ratio "$r_sv" "$r_box")"
        fi
        printf '  sv-package vs ffmpeg hls:  %sx wall, %sx CPU\n' \
            "$(ratio "$t_hls" "$t_sv")" "$(ratio "$c_hls" "$c_sv")"
        printf '  sv-package vs ffmpeg dash: %sx wall, %sx CPU\n' \
            "$(ratio "$t_dash" "$t_sv")" "$(ratio "$c_dash" "$c_sv")"
    done
done
