#!/usr/bin/env bats
# sv-transcode.bats -- the ladder transcoder, checked with ffprobe.

load ../helpers
bats_require_minimum_version 1.5.0

T=sv-transcode

setup() {
    cd "$BATS_TEST_TMPDIR"
}

teardown() {
    if [ -n "${pid:-}" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
}

# streams FILE: "codec_type codec_name WxH" per stream, in order
streams() {
    ffprobe -v error -show_entries stream=codec_type,codec_name,width,height \
        -of json "$1" | jq -r '.streams[] |
        "\(.codec_type) \(.codec_name)\(if .width then " \(.width)x\(.height)" else "" end)"'
}

# fmt FILE: the container's format name
fmt() {
    ffprobe -v error -show_entries format=format_name -of default=nw=1:nk=1 "$1"
}

# the last event of a kind in an events file
event() {
    grep "\"event\":\"$2\"" "$1" | tail -1
}

# within_frame A B FPS: |A - B| <= 1/FPS
within_frame() {
    awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { d = a - b; if (d < 0) d = -d;
        exit !(d <= 1 / f + 0.0005) }' ||
        fail "durations $1 and $2 differ by more than a frame"
}

# same_keyframes FILE N: keyframe times of video streams 0..N-1 agree
same_keyframes() {
    local first i
    first=$(keyframes "$1" v:0)
    [ -n "$first" ] || fail "no keyframes in $1"
    for ((i = 1; i < $2; i++)); do
        assert_eq "$(keyframes "$1" v:$i)" "$first"
    done
}

# no_temp DIR: nothing half-written is left behind
no_temp() {
    run ls -A "$1"
    [[ ! $output =~ \.tmp ]] || fail "temporary files left: $output"
}

# ---- usage --------------------------------------------------------------

@test "an input is required" {
    run -2 --separate-stderr $T
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    assert_eq "$stderr" "sv-transcode: missing input (a file, a URL or '-')
Try 'sv-transcode --help' for more information."
}

@test "a second operand is a usage error" {
    run -2 --separate-stderr $T a.mp4 b.mp4
    assert_eq "${stderr%%$'\n'*}" "sv-transcode: too many arguments: 'b.mp4'"
}

@test "a ladder without a bitrate is a usage error naming the rung" {
    run -2 --separate-stderr $T in.mp4 --ladder 720p
    assert_eq "${stderr%%$'\n'*}" "sv-transcode: bad --ladder '720p': rung '720p' has no bitrate (want 720p:2800k)"
}

@test "an unknown codec, rate or hw is a usage error" {
    run -2 --separate-stderr $T in.mp4 --codec mpeg2
    assert_eq "$stderr" "sv-transcode: bad --codec 'mpeg2': expected h264, hevc, vp9 or av1
Try 'sv-transcode --help' for more information."
    run -2 $T in.mp4 --rate vbr
    run -2 $T in.mp4 --hw cuda
    run -2 $T in.mp4 --gop 0
    run -2 $T in.mp4 --crf 99
}

@test "--format goes with stdout and --container with -o" {
    run -2 --separate-stderr $T in.mp4 -o out --format nut
    assert_eq "${stderr%%$'\n'*}" "sv-transcode: --format is for stdout; with -o <dir> use --container"
    run -2 --separate-stderr $T in.mp4 --container mkv
    assert_eq "${stderr%%$'\n'*}" "sv-transcode: --container needs -o <dir>"
}

@test "vp9 and av1 cannot go into MPEG-TS" {
    run -2 --separate-stderr $T in.mp4 -c vp9 --format mpegts
    assert_eq "${stderr%%$'\n'*}" "sv-transcode: MPEG-TS cannot carry vp9; use nut, matroska, mkv or mp4"
    run -2 $T in.mp4 -c av1 -o out --container ts
}

@test "refuses to write media to a terminal" {
    local in; in=$(fixture h264_aac_360p.mp4)
    run -2 script -qec "$T '$in'" /dev/null
    assert_match "$output" "refusing to write media to a terminal; redirect stdout or use -o <dir>"
}

# ---- the ladder on stdout ---------------------------------------------------

@test "1080p source: four rungs in ladder order then one audio stream on stdout" {
    local in; in=$(fixture h264_aac_1080p.mp4)
    $T "$in" --hw none > out.ts
    assert_eq "$(streams out.ts)" "video h264 1920x1080
video h264 1280x720
video h264 854x480
video h264 640x360
audio aac"
    same_keyframes out.ts 4
    assert_eq "$(keyframes out.ts v:0 | wc -l)" 2      # 0 s and 2 s
    within_frame "$(duration out.ts)" "$(duration "$in")" 30
    assert_eq "$(frames out.ts v:3 | head -1)" 90
}

@test "inputs of 1 to 4 frames: each frame comes out (a threaded decoder drained)" {
    # x264 and its threaded decoder hold the first frames until the end
    for n in 1 4; do
        _ff -f lavfi -i "$(_v 320x240 1 10)" -frames:v "$n" -c:v libx264 \
            -pix_fmt yuv420p "in$n.mp4"
        run -0 sv-transcode "in$n.mp4" --no-audio --hw none -l 240p:300k \
            -o "out$n"
        assert_eq "$(ffprobe -v error -count_frames -show_entries \
            stream=nb_read_frames -of csv=p=0 "out$n/240p.mp4")" "$n"
    done
}

@test "a ladder never upscales: a 360p source gets only its 360p rung" {
    local in; in=$(fixture h264_aac_360p.mp4)
    $T "$in" > out.ts
    assert_eq "$(streams out.ts)" "video h264 640x360
audio aac"
    within_frame "$(duration out.ts)" "$(duration "$in")" 30
    assert_eq "$(frames out.ts v:0 | head -1)" 120
}

# psnr_to OUT STREAM WxH SRC: average PSNR of a rung against SRC scaled
# straight to the rung's size with bicubic
psnr_to() {
    ffmpeg -nostdin -hide_banner -i "$1" -i "$4" -lavfi \
        "[1:v]scale=w=${3%x*}:h=${3#*x}:flags=bicubic,format=yuv420p[r];[0:v:$2]format=yuv420p[d];[d][r]psnr" \
        -f null - 2>&1 | sed -n 's/.*PSNR.* average:\([0-9.]*\).*/\1/p'
}

@test "--scale-from larger scales each rung from the next larger one" {
    local in a b; in=$(fixture h264_aac_360p.mp4)
    run -0 --separate-stderr $T "$in" --hw none --no-audio -vv \
        --scale-from larger -l 180p:200k,360p:800k,240p:400k --format nut \
        > /dev/null
    # 360p from the source, 240p from 360p, 180p from 240p
    assert_match "$stderr" "split=1\[c1\];\[c0\]scale=w=320:h=180[^;]*\[o0\];\[c1\]scale=w=640:h=360[^;]*split=2\[o1\]\[c2\];\[c2\]scale=w=426:h=240[^;]*split=2\[o2\]\[c0\]"
    $T "$in" --hw none --no-audio --scale-from larger \
        -l 360p:800k,240p:400k,180p:200k > cascade.ts
    $T "$in" --hw none --no-audio -l 360p:800k,240p:400k,180p:200k > direct.ts
    assert_eq "$(streams cascade.ts)" "video h264 640x360
video h264 426x240
video h264 320x180"
    assert_eq "$(frames cascade.ts v:2 | head -1)" 120
    # a second low-pass costs a little, never the picture
    a=$(psnr_to cascade.ts 2 320x180 "$in") b=$(psnr_to direct.ts 2 320x180 "$in")
    awk -v a="$a" -v b="$b" 'BEGIN { exit !(a > 30 && a > b - 1.5) }' ||
        fail "180p: $a dB scaled in steps, $b dB straight"
}

@test "the default scales every rung from the source" {
    local in; in=$(fixture h264_aac_360p.mp4)
    run -0 --separate-stderr $T "$in" --hw none --no-audio -vv \
        -l 360p:800k,240p:400k --format nut > /dev/null
    assert_match "$stderr" "split=2\[c0\]\[c1\];\[c0\]scale=w=640:h=360[^;]*yuv420p\[o0\];\[c1\]scale=w=426:h=240"
}

@test "--gop 1s puts keyframes every second in every rung" {
    local in; in=$(fixture h264_aac_360p.mp4)
    $T "$in" --ladder 360p:600k,240p:300k,144p:100k --gop 1s > out.ts
    same_keyframes out.ts 3
    assert_eq "$(keyframes out.ts v:2 | wc -l)" 4
}

@test "--keyframes scene cuts GOPs at the scene changes in every rung" {
    local in; in=$(fixture h264_aac_720p_long.mp4)
    $T "$in" --ladder 360p:600k,180p:200k --keyframes scene --gop 10s \
        -o out
    assert_eq "$(keyframes out/360p.mp4 0 | tr '\n' ' ')" \
        "0.000 5.000 10.000 15.000 "
    assert_eq "$(keyframes out/180p.mp4 0 | tr '\n' ' ')" \
        "0.000 5.000 10.000 15.000 "
}

@test "--format nut and matroska carry the same streams" {
    local in; in=$(fixture h264_aac_360p.mp4)
    $T "$in" --ladder 360p:600k,240p:300k --format nut > out.nut
    assert_eq "$(fmt out.nut)" nut
    assert_eq "$(streams out.nut)" "video h264 640x360
video h264 426x240
audio aac"
    $T "$in" --ladder 360p:600k --format matroska -o - > out.mkv
    assert_eq "$(streams out.mkv)" "video h264 640x360
audio aac"
}

@test "stdin as input" {
    local in; in=$(fixture h264_aac_360p.ts)
    $T - --ladder 240p:300k < "$in" > out.ts
    assert_eq "$(streams out.ts)" "video h264 426x240
audio aac"
    within_frame "$(duration out.ts)" "$(duration "$in")" 30
}

@test "a URL as input (HTTP on 127.0.0.1)" {
    local port; port=$(free_port)
    cp "$(fixture h264_aac_360p.ts)" in.ts
    python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1 &
    pid=$!
    wait_for curl -sf "http://127.0.0.1:$port/in.ts" -o /dev/null
    $T "http://127.0.0.1:$port/in.ts" --ladder 240p:300k > out.ts
    assert_eq "$(streams out.ts)" "video h264 426x240
audio aac"
}

# ---- files ------------------------------------------------------------------

@test "-o writes one mp4 per rung, each with the audio, nothing temporary" {
    local in; in=$(fixture h264_aac_360p.mp4)
    $T "$in" --ladder 360p:600k,240p:300k -o out
    run ls out
    assert_eq "$output" "240p.mp4
360p.mp4"
    no_temp out
    assert_eq "$(streams out/360p.mp4)" "video h264 640x360
audio aac"
    assert_eq "$(streams out/240p.mp4)" "video h264 426x240
audio aac"
    assert_eq "$(keyframes out/360p.mp4 0)" "$(keyframes out/240p.mp4 0)"
}

@test "--container ts and mkv" {
    local in; in=$(fixture video_only_360p.mp4)
    $T "$in" --ladder 240p:300k -o out --container ts
    $T "$in" --ladder 240p:300k -o out --container mkv
    assert_eq "$(fmt out/240p.ts)" mpegts
    assert_eq "$(fmt out/240p.mkv)" "matroska,webm"
}

# ---- codecs -----------------------------------------------------------------

@test "hevc rungs, tagged hvc1 in mp4" {
    local in; in=$(fixture h264_aac_360p.mp4)
    $T "$in" -c hevc --ladder 360p:600k,240p:300k -o out
    assert_eq "$(streams out/240p.mp4)" "video hevc 426x240
audio aac"
    assert_eq "$(ffprobe -v error -select_streams v -show_entries stream=codec_tag_string -of csv=p=0 out/360p.mp4)" hvc1
    assert_eq "$(keyframes out/360p.mp4 0)" "$(keyframes out/240p.mp4 0)"
}

@test "vp9 rungs with opus audio in matroska on stdout" {
    local in; in=$(fixture h264_aac_360p.mp4)
    $T "$in" -c vp9 --ladder 240p:300k,144p:100k > out.mkv
    assert_eq "$(streams out.mkv)" "video vp9 426x240
video vp9 256x144
audio opus"
    same_keyframes out.mkv 2
    assert_eq "$(keyframes out.mkv v:0 | wc -l)" 2
}

@test "av1 rungs with opus audio in mp4" {
    local in; in=$(fixture h264_aac_360p.mp4)
    $T "$in" -c av1 --ladder 240p:300k,144p:100k -o out
    assert_eq "$(streams out/144p.mp4)" "video av1 256x144
audio opus"
    assert_eq "$(keyframes out/240p.mp4 0 | tr '\n' ' ')" "0.000 2.000 "
    assert_eq "$(keyframes out/144p.mp4 0 | tr '\n' ' ')" "0.000 2.000 "
}

@test "--rate cbr encodes near the rung's bitrate" {
    local in; in=$(fixture h264_aac_360p.mp4)
    $T "$in" --rate cbr --ladder 240p:400k -o out --events ev.jsonl
    local br; br=$(event ev.jsonl video.transcoding.complete | jq '.data.rungs[0].bitrate')
    [ "$br" -gt 300000 ] && [ "$br" -lt 500000 ] || fail "bitrate $br"
}

@test "--two-pass hits each rung's bitrate and leaves no statistics behind" {
    local in; in=$(fixture h264_aac_360p.mp4)
    mkdir tmp
    TMPDIR=$PWD/tmp $T "$in" --two-pass --ladder 360p:500k,240p:200k -o out \
        --events ev.jsonl
    event ev.jsonl video.transcoding.complete | jq -e '.data.rungs |
        map(.bitrate / .target_bitrate | . > 0.9 and . < 1.1) | all' \
        >/dev/null || fail "$(event ev.jsonl video.transcoding.complete)"
    grep -q '"pass":1' ev.jsonl
    assert_eq "$(ls -A tmp)" ""
    assert_eq "$(keyframes out/360p.mp4 0)" "$(keyframes out/240p.mp4 0)"
}

@test "--two-pass is for files: not with stdin, cbr or a named GPU" {
    run -2 --separate-stderr $T - --two-pass
    assert_eq "${stderr%%$'\n'*}" "sv-transcode: --two-pass reads the input twice; it cannot read stdin"
    run -2 --separate-stderr $T in.mp4 --two-pass --rate cbr
    assert_eq "${stderr%%$'\n'*}" "sv-transcode: --two-pass is for VOD; it cannot be used with --rate cbr"
    run -2 --separate-stderr $T in.mp4 --two-pass --hw vaapi
    assert_eq "${stderr%%$'\n'*}" "sv-transcode: --two-pass encodes in software; it cannot be used with --hw vaapi"
}

# ---- kinds of input -----------------------------------------------------------

@test "odd sizes become even, never larger" {
    local in; in=$(fixture odd_321x241.mp4)
    $T "$in" > out.ts
    assert_eq "$(streams out.ts)" "video h264 320x240"
}

@test "rotation metadata is applied: a turned phone video comes out upright" {
    local in; in=$(fixture rotated_90.mp4)
    $T "$in" --ladder 360p:600k,240p:300k > out.ts
    assert_eq "$(streams out.ts)" "video h264 360x640
video h264 240x426"
    run ffprobe -v error -show_entries stream_side_data=rotation -of csv=p=0 out.ts
    assert_eq "$output" ""
}

@test "variable frame rate comes out constant with the input's duration" {
    local in; in=$(fixture vfr.mkv)
    $T "$in" --ladder 240p:300k > out.ts
    assert_eq "$(ffprobe -v error -show_entries stream=r_frame_rate -of csv=p=0 out.ts | head -1)" 30/1
    within_frame "$(duration out.ts)" "$(duration "$in")" 30
}

@test "an interlaced source is deinterlaced and keeps its frame rate" {
    local in; in=$(fixture interlaced.ts)
    run --separate-stderr $T "$in" -v --hw none --ladder 360p:600k -o out
    assert_match "$stderr" "deinterlacing '.*interlaced.ts' \(bwdif\)"
    assert_eq "$(ffprobe -v error -show_entries stream=field_order,r_frame_rate -of csv=p=0 out/360p.mp4 | head -1)" "progressive,25/1"
    assert_eq "$(frames out/360p.mp4 0)" 50
    run --separate-stderr $T "$in" -v --hw none --deinterlace off --ladder 360p:600k -o off
    [[ ! $stderr =~ deinterlacing ]] || fail "deinterlaced with off"
}

@test "a 10-bit source becomes 8-bit 4:2:0" {
    local in; in=$(fixture 10bit.mkv)
    $T "$in" > out.ts
    assert_eq "$(ffprobe -v error -select_streams v -show_entries stream=pix_fmt -of csv=p=0 out.ts | head -1)" yuv420p
}

@test "video without audio gives video streams only; --no-audio drops audio" {
    $T "$(fixture video_only_360p.mp4)" > a.ts
    assert_eq "$(streams a.ts)" "video h264 640x360"
    $T "$(fixture h264_aac_360p.mp4)" --no-audio > b.ts
    assert_eq "$(streams b.ts)" "video h264 640x360"
}

@test "hevc and vp9 sources decode" {
    $T "$(fixture hevc_aac_360p.mp4)" --ladder 240p:300k > a.ts
    assert_eq "$(streams a.ts)" "video h264 426x240
audio aac"
    $T "$(fixture vp9_opus_360p.webm)" --ladder 240p:300k > b.ts
    assert_eq "$(streams b.ts)" "video h264 426x240
audio aac"
}

# ---- bad input --------------------------------------------------------------

@test "a missing file fails with status 1 naming it" {
    run -1 --separate-stderr $T nosuch.mp4 -o out
    assert_eq "$stderr" "sv-transcode: cannot open 'nosuch.mp4': no such file or directory"
    [ ! -e out ] || fail "output made for a missing input"
}

@test "a file that is not media fails" {
    run -1 --separate-stderr $T "$(fixture notmedia.txt)" -o out
    assert_match "$stderr" "^sv-transcode: cannot read '.*notmedia.txt': not a media file, or damaged$"
}

@test "a truncated file fails" {
    run -1 --separate-stderr $T "$(fixture truncated.mp4)" -o out
    assert_match "$stderr" "^sv-transcode: cannot read '.*truncated.mp4': not a media file, or damaged$"
}

@test "empty stdin fails" {
    run -1 --separate-stderr $T - -o out < /dev/null
    assert_eq "$stderr" "sv-transcode: cannot read 'stdin': the input is empty"
}

@test "an input without video fails" {
    run -1 --separate-stderr $T "$(fixture audio_only.m4a)" -o out
    assert_match "$stderr" "^sv-transcode: cannot use '.*audio_only.m4a': it has no video stream$"
}

@test "an impossible ladder fails with status 1 and writes nothing" {
    run -1 --separate-stderr $T "$(fixture h264_aac_360p.mp4)" \
        --ladder 1080p:5000k,720p:2800k -o out
    assert_match "$stderr" "cannot build the ladder for '.*': no rung fits a 640x360 source without upscaling"
    [ ! -e out ] || [ -z "$(ls -A out)" ] || fail "output left: $(ls -A out)"
}

@test "corrupt packets are skipped, counted and reported" {
    local in; in=$(fixture corrupt.ts)
    run -0 --separate-stderr $T "$in" --ladder 240p:300k -o out --events ev.jsonl
    assert_match "$stderr" "warning: '.*corrupt.ts': [0-9]+ damaged packets or frames were skipped"
    local n; n=$(event ev.jsonl video.transcoding.complete | jq .data.errors)
    [ "$n" -gt 0 ] || fail "errors: $n"
    [ -s out/240p.mp4 ]
}

@test "--strict makes damage fatal and leaves nothing under a final name" {
    local in; in=$(fixture corrupt.ts)
    run -1 --separate-stderr $T "$in" --strict --ladder 240p:300k -o out \
        --events ev.jsonl
    assert_match "$stderr" "damaged data, stopping \(--strict\)"
    run ls -A out
    assert_eq "$output" ""
    assert_eq "$(event ev.jsonl error | jq -c '.data | {code}')" '{"code":"ECORRUPT"}'
}

# ---- events, hardware, progress ----------------------------------------------

@test "events: progress, then complete with per-rung figures" {
    local in; in=$(fixture h264_aac_360p.mp4)
    $T "$in" --ladder 360p:600k,240p:300k --hw none --events ev.jsonl -o out
    event ev.jsonl video.transcoding.progress | jq -e '
        .v == 1 and .tool == "sv-transcode" and
        (.data | keys) == ["errors","fps","frames","percent","speed","time"] and
        .data.percent == 100 and .data.frames == 120' >/dev/null ||
        fail "progress: $(event ev.jsonl video.transcoding.progress)"
    local c; c=$(event ev.jsonl video.transcoding.complete)
    assert_eq "$(jq -c '.data | del(.input, .duration) | .rungs |= map(del(.bitrate, .size, .path, .file_size))' <<< "$c")" \
        '{"frames":120,"errors":0,"interrupted":false,"hw":"none","rungs":[{"name":"360p","width":640,"height":360,"codec":"libx264","target_bitrate":600000,"frames":120},{"name":"240p","width":426,"height":240,"codec":"libx264","target_bitrate":300000,"frames":120}],"audio":{"codec":"aac","bitrate":'"$(jq .data.audio.bitrate <<< "$c")"',"size":'"$(jq .data.audio.size <<< "$c")"',"frames":'"$(jq .data.audio.frames <<< "$c")"'}}'
    jq -e '.data.duration == 4 and (.data.rungs[] | .size > 0 and .bitrate > 0)' <<< "$c" >/dev/null
    assert_eq "$(jq -r '.data.rungs[1].path' <<< "$c")" out/240p.mp4
    # sizes: the file's, and the encoded stream's (within the container's
    # rewriting of start codes) as ffprobe counts them
    assert_eq "$(jq '.data.rungs[1].file_size' <<< "$c")" "$(stat -c %s out/240p.mp4)"
    local bytes; bytes=$(ffprobe -v error -select_streams v -show_entries packet=size -of csv=p=0 out/240p.mp4 | awk '{ s += $1 } END { print s }')
    jq -e --argjson b "$bytes" '.data.rungs[1].size | (. - $b) * (. - $b) < 100 * 100' <<< "$c" >/dev/null ||
        fail "size $(jq '.data.rungs[1].size' <<< "$c") vs ffprobe $bytes"
    assert_eq "$(frames out/240p.mp4 0)" 120
}

@test "--events fd:3 writes the events to an inherited descriptor" {
    local in; in=$(fixture h264_aac_360p.mp4)
    $T "$in" --ladder 144p:100k --hw none --events fd:3 3> ev.jsonl > out.ts
    assert_eq "$(jq -r .event ev.jsonl | sort -u | tr '\n' ' ')" \
        "video.transcoding.complete video.transcoding.progress "
}

@test "--list-hw prints JSON of the backends, probed by opening them" {
    run -0 --separate-stderr $T --list-hw
    jq -e '.backends | map(.name) == ["nvenc","vaapi","qsv"]' <<< "$output" >/dev/null
    jq -e '.backends[] | (.present | type) == "boolean" and
        (.encoders | type) == "array" and (.decoders | type) == "array" and
        (.encoders[] | (.usable | type) == "boolean")' <<< "$output" >/dev/null
}

@test "--hw nvenc fails clearly when NVENC is not usable" {
    if $T --list-hw | jq -e '.backends[0].encoders[] | select(.codec == "h264") | .usable' >/dev/null; then
        skip "NVENC works on this machine"
    fi
    run -1 --separate-stderr $T "$(fixture h264_aac_360p.mp4)" --hw nvenc -o out
    assert_match "$stderr" "^sv-transcode: cannot use --hw nvenc: "
    [ ! -e out ] || fail "output made"
}

@test "--hw auto falls back to software with an event saying why" {
    if $T --list-hw | jq -e '[.backends[].encoders[] | select(.codec == "h264") | .usable] | any' >/dev/null; then
        skip "a hardware encoder works on this machine"
    fi
    run -0 --separate-stderr $T "$(fixture h264_aac_360p.mp4)" --hw auto -v \
        --ladder 240p:300k --events ev.jsonl -o out
    assert_match "$stderr" "--hw auto: encoding in software: no cuda device"
    event ev.jsonl video.transcoding.fallback | jq -e '.data.hw == "auto" and
        .data.to == "software" and (.data.reason | test("cuda"))' >/dev/null
    assert_eq "$(event ev.jsonl video.transcoding.complete | jq -r .data.hw)" none
}

@test "a progress bar goes to stderr when it is a terminal" {
    local in; in=$(fixture h264_aac_360p.mp4)
    run -0 script -qec "$T '$in' --ladder 240p:300k -o out" /dev/null
    assert_match "$output" "sv-transcode: \[#+\] +100\.0%  [0-9.]+ fps  [0-9.]+x  ETA 0:00"
    run -0 --separate-stderr $T "$in" --ladder 240p:300k -o out2
    assert_eq "$stderr" ""
}

# ---- signals ------------------------------------------------------------------

@test "SIGINT stops cleanly: outputs finalized, status 1, complete says interrupted" {
    local in; in=$(fixture h264_aac_720p_long.mp4)
    $T "$in" --ladder 360p:600k,240p:300k -o out --events ev.jsonl 2> err &
    pid=$!
    wait_for grep -q '"frames":[1-9]' ev.jsonl
    kill -INT "$pid"
    local rc=0
    wait "$pid" || rc=$?
    pid=
    assert_eq "$rc" 1
    assert_eq "$(cat err)" "sv-transcode: stopped by signal; outputs finalized"
    no_temp out
    local d; d=$(duration out/360p.mp4)
    awk -v d="$d" 'BEGIN { exit !(d > 0 && d < 19) }' || fail "duration $d"
    assert_eq "$(keyframes out/360p.mp4 0)" "$(keyframes out/240p.mp4 0)"
    assert_eq "$(event ev.jsonl video.transcoding.complete | jq .data.interrupted)" true
}

@test "SIGTERM stops cleanly too; a second signal exits at once" {
    local in; in=$(fixture h264_aac_720p_long.mp4)
    $T "$in" --ladder 360p:600k -o out --events ev.jsonl 2>/dev/null &
    pid=$!
    wait_for grep -q '"frames":[1-9]' ev.jsonl
    kill -TERM "$pid"
    local rc=0
    wait "$pid" || rc=$?
    pid=
    assert_eq "$rc" 1
    [ -s out/360p.mp4 ] || fail "not finalized"
    # two signals back to back: no waiting for the encoders
    $T "$in" --ladder 360p:600k -o out2 --events ev2.jsonl 2>/dev/null &
    pid=$!
    wait_for grep -q '"frames":[1-9]' ev2.jsonl
    kill -INT "$pid"; kill -INT "$pid"
    rc=0
    wait "$pid" || rc=$?
    pid=
    # 1 whether the second signal cut the clean stop short or came after it
    assert_eq "$rc" 1
}

@test "a reader closing stdout early ends the job quietly with status 0" {
    local in; in=$(fixture h264_aac_720p_long.mp4)
    run -0 --separate-stderr bash -c "$T '$in' --ladder 240p:300k | head -c 10000 > /dev/null; exit \${PIPESTATUS[0]}"
    assert_eq "$stderr" ""
}

# ---- usage errors, exact messages (issue 9) ---------------------------------
# Every usage error: status 2, nothing on stdout, and on stderr exactly the
# message and the --help hint.

# transcode_usage MSG ARGS...: sv-transcode ARGS fails that way with MSG
transcode_usage() {
    local msg=$1
    shift
    run -2 --separate-stderr sv-transcode "$@"
    assert_eq "$output" ""
    assert_eq "$stderr" "sv-transcode: $msg
Try 'sv-transcode --help' for more information."
}

@test "usage: unknown options, missing values and operands" {
    transcode_usage "unknown option '--nope'" in.mp4 --nope
    transcode_usage "unknown option '-Z'" in.mp4 -Z
    transcode_usage "option '--crf' needs a value" in.mp4 --crf
    transcode_usage "option '-c' needs a value" in.mp4 -c
    transcode_usage "missing input (a file, a URL or '-')"
    transcode_usage "too many arguments: 'b.mp4'" a.mp4 b.mp4
    transcode_usage "empty argument" ""
    transcode_usage "--list-hw takes no input" --list-hw in.mp4
    transcode_usage "options --quiet and --verbose cannot be used together" \
        in.mp4 -q -v
}

@test "usage: combinations" {
    transcode_usage "--format is for stdout; with -o <dir> use --container" \
        in.mp4 -o out --format nut
    transcode_usage "--container needs -o <dir>" in.mp4 --container mkv
    transcode_usage "MPEG-TS cannot carry vp9; use nut, matroska, mkv or mp4" \
        in.mp4 -c vp9 --format mpegts
    transcode_usage "MPEG-TS cannot carry av1; use nut, matroska, mkv or mp4" \
        in.mp4 -c av1 -o out --container ts
    transcode_usage "--two-pass is for VOD; it cannot be used with --rate cbr" \
        in.mp4 --two-pass --rate cbr
    transcode_usage "--two-pass reads the input twice; it cannot read stdin" \
        - --two-pass
    transcode_usage "--two-pass encodes in software; it cannot be used with --hw nvenc" \
        in.mp4 --two-pass --hw nvenc
}

@test "usage: bad choices" {
    transcode_usage "bad --format 'avi': expected mpegts, nut or matroska" \
        in.mp4 --format avi
    transcode_usage "bad --container 'avi': expected mp4, ts or mkv" \
        in.mp4 -o out --container avi
    transcode_usage "bad --codec 'mpeg2': expected h264, hevc, vp9 or av1" \
        in.mp4 -c mpeg2
    transcode_usage "bad --rate 'vbr': expected crf or cbr" in.mp4 --rate vbr
    transcode_usage "bad --keyframes 'often': expected gop or scene" \
        in.mp4 --keyframes often
    transcode_usage "bad --deinterlace 'yes': expected auto, on or off" \
        in.mp4 --deinterlace yes
    transcode_usage "bad --hw 'cuda': expected none, auto, nvenc, vaapi or qsv" \
        in.mp4 --hw cuda
}

@test "usage: bad numbers, durations and bitrates" {
    transcode_usage "bad --crf '64': expected an integer from 0 to 63" \
        in.mp4 --crf 64
    transcode_usage "bad --crf 'good': expected an integer from 0 to 63" \
        in.mp4 --crf good
    transcode_usage "bad --threads '65': expected an integer from 0 to 64" \
        in.mp4 --threads 65
    transcode_usage "bad --gop '0': expected a duration from 100ms to 1m" \
        in.mp4 --gop 0
    transcode_usage "bad --gop '2m': expected a duration from 100ms to 1m" \
        in.mp4 -g 2m
    transcode_usage "bad --scene-threshold '0': expected a number in (0, 1]" \
        in.mp4 --scene-threshold 0
    transcode_usage "bad --scene-threshold '1.5': expected a number in (0, 1]" \
        in.mp4 --scene-threshold 1.5
    transcode_usage "bad --audio-bitrate '4k': expected a bitrate from 8k to 512k" \
        in.mp4 --audio-bitrate 4k
    transcode_usage "bad --audio-bitrate '1M': expected a bitrate from 8k to 512k" \
        in.mp4 --audio-bitrate 1M
    transcode_usage "bad --ladder '720p': rung '720p' has no bitrate (want 720p:2800k)" \
        in.mp4 --ladder 720p
}

@test "usage: --events that cannot be opened" {
    local in; in=$(fixture h264_aac_360p.mp4)
    transcode_usage "bad --events '$BATS_TEST_TMPDIR/no/ev': no such file or directory" \
        "$in" -o "$BATS_TEST_TMPDIR/out" --events "$BATS_TEST_TMPDIR/no/ev"
    transcode_usage "bad --events 'fd:x': expected a path, fd:N or -" \
        "$in" -o "$BATS_TEST_TMPDIR/out" --events fd:x
}
