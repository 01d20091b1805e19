#!/usr/bin/env bats
# sv-transcode-upscale.bats -- --upscale (issue 16): rungs larger than the
# source, upscaled by the trained network or lanczos, measured against the
# clean original with ffmpeg's psnr filter.

load ../helpers
bats_require_minimum_version 1.5.0

setup_file() {
    local d=$BATS_FILE_TMPDIR
    # a clean 320x240 original, and the source made from it the way video
    # is: half size (bicubic), then H.264
    _ff -f lavfi -i "$(_v 320x240 1 10)" -c:v libx264 -qp 0 \
        -pix_fmt yuv420p "$d/clean.mkv"
    _ff -i "$d/clean.mkv" -vf scale=160:120:flags=bicubic -c:v libx264 \
        -crf 18 "$d/half.mkv"
}

setup() {
    cd "$BATS_TEST_TMPDIR"
    D=$BATS_FILE_TMPDIR
}

# psnr_y A B: ffmpeg's mean luma PSNR of video A against B
psnr_y() {
    ffmpeg -nostdin -hide_banner -i "$1" -i "$2" -lavfi psnr -f null - 2>&1 |
        sed -n 's/.*PSNR y:\([0-9.inf]*\).*/\1/p' | tail -1
}

size() {
    ffprobe -v error -select_streams v:0 -show_entries stream=width,height \
        -of csv=p=0 "$1"
}

usage() {
    local msg=$1
    shift
    run -2 --separate-stderr sv-transcode "$@"
    assert_eq "$output" ""
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    assert_eq "$stderr" "sv-transcode: $msg
Try 'sv-transcode --help' for more information."
}

@test "upscale: sr comes closer to the original than lanczos" {
    # --crf 0 keeps the encoder out of the comparison
    run -0 sv-transcode "$D/half.mkv" --no-audio --hw none --crf 0 \
        -l 240p:50000k --upscale 2x:sr -o sr
    run -0 sv-transcode "$D/half.mkv" --no-audio --hw none --crf 0 \
        -l 240p:50000k --upscale 2x:lanczos -o lz
    assert_eq "$(size sr/240p.mp4)" "320,240"
    assert_eq "$(size lz/240p.mp4)" "320,240"
    s=$(psnr_y sr/240p.mp4 "$D/clean.mkv")
    l=$(psnr_y lz/240p.mp4 "$D/clean.mkv")
    echo "# sr $s dB, lanczos $l dB" >&3
    awk -v s="$s" -v l="$l" 'BEGIN { exit !(s > l + 0.5) }' ||
        fail "sr $s dB is not above lanczos $l dB by 0.5"
}

@test "upscale: a box sizes the rungs; rungs within the source are as before" {
    # 160x120 into 400x400 keeps 4:3: 400x300 (the network, then lanczos)
    run -0 sv-transcode "$D/half.mkv" --no-audio --hw none \
        -l 300p:2000k,120p:300k --upscale 400x400 -o box
    assert_eq "$(size box/300p.mp4)" "400,300"
    assert_eq "$(size box/120p.mp4)" "160,120"
    # without --upscale a rung past the source is dropped
    run -0 sv-transcode "$D/half.mkv" --no-audio --hw none \
        -l 240p:2000k,120p:300k -o plain
    [ ! -e plain/240p.mp4 ] || fail "a rung past the source was made"
    assert_eq "$(size plain/120p.mp4)" "160,120"
}

@test "usage: bad --upscale values" {
    usage "bad --upscale '3x': expected 2x or WxH, then :sr or :lanczos" \
        in.mp4 --upscale 3x
    usage "bad --upscale '2x:bicubic': the scaler is sr or lanczos" \
        in.mp4 --upscale 2x:bicubic
    usage "bad --upscale '8x8': a size from 16x16 to 8192x8192" \
        in.mp4 --upscale 8x8
    usage "options --per-title and --upscale cannot be used together" \
        in.mp4 --per-title --upscale 2x
}
