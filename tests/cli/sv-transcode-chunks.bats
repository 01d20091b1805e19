#!/usr/bin/env bats
# sv-transcode-chunks.bats -- chunked encoding: a title cut into parts on
# the keyframe grid and joined equals one run, checked with ffprobe and
# ffmpeg's psnr filter (issue 15).

load ../helpers
bats_require_minimum_version 1.5.0

T=sv-transcode
# one thread per encoder: x264 with frame threads and a VBV cap is not
# deterministic (0.05 dB from run to run), which would blur the comparison
L=(--ladder "360p:800k,240p:300k" --gop 1s --threads 1)

# a 14 s title: cuts at 5 s and 10 s (on the 1 s grid), a tone throughout
setup_file() {
    local f=$BATS_FILE_TMPDIR/title.mp4
    _ff -f lavfi -i "mandelbrot=size=640x360:rate=30,trim=duration=5,setpts=PTS-STARTPTS" \
        -f lavfi -i "$(_v 640x360 5)" \
        -f lavfi -i "smptebars=size=640x360:rate=30:duration=4" \
        -f lavfi -i "$(_a 14)" \
        -filter_complex '[0:v][1:v][2:v]concat=n=3:v=1:a=0[v]' \
        -map '[v]' -map 3:a -c:v libx264 -preset ultrafast -g 60 \
        -pix_fmt yuv420p -c:a aac -b:a 96k "$f"
    # the single run every chunked result is held against
    sv-transcode "$f" "${L[@]}" -o "$BATS_FILE_TMPDIR/whole"
}

setup() {
    cd "$BATS_TEST_TMPDIR"
    IN=$BATS_FILE_TMPDIR/title.mp4
    WHOLE=$BATS_FILE_TMPDIR/whole
}

# packets FILE: pts, dts, duration and key flag of every video packet
packets() {
    ffprobe -v error -select_streams v:0 -show_entries \
        packet=pts,dts,duration,flags -of csv=p=0 "$1"
}

# psnr FILE RUNG_W RUNG_H: average PSNR of a rung against the source
psnr() {
    ffmpeg -nostdin -hide_banner -i "$IN" -i "$1" -lavfi \
        "[0:v]scale=$2:$3:flags=bicubic[r];[1:v][r]psnr" -f null - 2>&1 |
        sed -n 's/.*average:\([0-9.]*\).*/\1/p'
}

# same_as_whole DIR: DIR's rungs are the single run's, frame for frame
same_as_whole() {
    local r a b
    for r in 360p 240p; do
        [ -f "$1/$r.mp4" ] || fail "no $1/$r.mp4"
        assert_eq "$(frames "$1/$r.mp4")" "$(frames "$WHOLE/$r.mp4")"
        assert_eq "$(keyframes "$1/$r.mp4" v:0)" "$(keyframes "$WHOLE/$r.mp4" v:0)"
        # the same pts, dts and durations: continuous, nothing doubled
        [ "$(packets "$1/$r.mp4")" = "$(packets "$WHOLE/$r.mp4")" ] ||
            fail "$r: packet times differ from the single run"
        # the audio, encoded once, is the single run's
        assert_eq "$(ffprobe -v error -select_streams a:0 -count_packets \
            -show_entries stream=nb_read_packets,duration -of csv=p=0 "$1/$r.mp4")" \
            "$(ffprobe -v error -select_streams a:0 -count_packets \
            -show_entries stream=nb_read_packets,duration -of csv=p=0 "$WHOLE/$r.mp4")"
    done
    a=$(psnr "$WHOLE/360p.mp4" 640 360)
    b=$(psnr "$1/360p.mp4" 640 360)
    echo "psnr 360p: single $a, joined $b" >&3
    awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; if (d < 0) d = -d;
        exit !(a > 30 && d <= 0.1) }' ||
        fail "PSNR $b is not within 0.1 dB of the single run's $a"
}

# chunks N DIR: encode all N chunks into DIR
chunks() {
    local i
    for ((i = 0; i < $1; i++)); do
        $T "$IN" "${L[@]}" --chunks "$1" --chunk "$i" -o "$2" ||
            fail "chunk $i of $1 failed"
    done
}

# ---- usage --------------------------------------------------------------

@test "rejects a --chunk index outside --chunks" {
    run -2 --separate-stderr $T "$IN" --chunks 7 --chunk 7 -o parts
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr_lines
    assert_eq "${stderr_lines[0]}" "sv-transcode: bad --chunk 7: --chunks 7 has chunks 0 to 6"
    run -2 --separate-stderr $T "$IN" --chunks 0 --chunk 0 -o parts
    assert_match "${stderr_lines[0]}" "^sv-transcode: bad --chunks '0'"
}

@test "rejects --chunk without --chunks, and --chunks without --chunk" {
    run -2 --separate-stderr $T "$IN" --chunk 1 -o parts
    assert_eq "${stderr_lines[0]}" "sv-transcode: --chunk needs --chunks <n>"
    run -2 --separate-stderr $T "$IN" --chunks 3 -o parts
    assert_eq "${stderr_lines[0]}" "sv-transcode: --chunks needs --chunk <i> (or --split-plan)"
}

@test "rejects a --range whose end is not after its start" {
    run -2 --separate-stderr $T "$IN" --range 6-4 -o parts
    assert_eq "${stderr_lines[0]}" "sv-transcode: bad --range '6-4': the end is not after the start"
    run -2 --separate-stderr $T "$IN" --range 4 -o parts
    assert_eq "${stderr_lines[0]}" "sv-transcode: bad --range '4': expected START-END in seconds (END may be left out: to the end)"
}

@test "rejects chunk options that do not go together" {
    run -2 --separate-stderr $T "$IN" --range 0-4 --chunks 3 --chunk 0 -o parts
    assert_eq "${stderr_lines[0]}" "sv-transcode: options --range and --chunks cannot be used together"
    run -2 --separate-stderr $T parts --join --chunks 3
    assert_eq "${stderr_lines[0]}" "sv-transcode: options --join and --chunks cannot be used together"
    run -2 --separate-stderr $T "$IN" --split-plan --range 0-4
    assert_eq "${stderr_lines[0]}" "sv-transcode: options --split-plan and --range cannot be used together"
}

@test "a chunk needs -o, a seekable input and the fixed keyframe grid" {
    run -2 --separate-stderr $T "$IN" --chunks 3 --chunk 0
    assert_eq "${stderr_lines[0]}" "sv-transcode: a chunk is written as files: use -o <dir>"
    run -2 --separate-stderr $T - --chunks 3 --chunk 0 -o parts < "$IN"
    assert_eq "${stderr_lines[0]}" "sv-transcode: a chunk is read from its place in the input; it cannot read stdin"
    run -2 --separate-stderr $T "$IN" --chunks 3 --chunk 0 --keyframes scene -o parts
    assert_eq "${stderr_lines[0]}" "sv-transcode: chunks need --keyframes gop (scene keyframes depend on all the frames before)"
}

@test "fails on more chunks than the title has GOPs" {
    run -1 --separate-stderr $T "$IN" --chunks 8 --chunk 0 -o parts
    assert_eq "${stderr_lines[0]}" "sv-transcode: cannot cut '$IN' into 8 chunks: it has 7 keyframe intervals (--gop 2s)"
    [ ! -e parts ] || [ -z "$(ls -A parts)" ] || fail "files left: $(ls -A parts)"
}

@test "fails on a --range off the keyframe grid or past the end" {
    run -1 --separate-stderr $T "$IN" "${L[@]}" --range 2.5-4 -o parts
    assert_eq "${stderr_lines[0]}" "sv-transcode: --range start 2.5s is not on the keyframe grid (--gop 1s): the nearest points are 2s and 3s"
    run -1 --separate-stderr $T "$IN" "${L[@]}" --range 20- -o parts
    assert_eq "${stderr_lines[0]}" "sv-transcode: --range starts at 20s, after the end of '$IN' (14s)"
}

# ---- the split plan -----------------------------------------------------

@test "--split-plan prints keyframe-aligned chunks that move onto scene cuts" {
    run -0 --separate-stderr $T "$IN" "${L[@]}" --split-plan --chunks 3
    jq -e . >/dev/null <<<"$output" || fail "not JSON: $output"
    assert_eq "$(jq -c '[.frames, .frame_rate, .gop_frames, .chunks_n]' <<<"$output")" \
        '[420,"30/1",30,3]'
    # the even split is 140 and 280; the cuts at 150 and 300 are on the
    # grid and near, so the parts start there
    assert_eq "$(jq -c '[.chunks[] | [.start_frame, .end_frame, .scene_cut, .range]]' <<<"$output")" \
        '[[0,150,false,"0-5"],[150,300,true,"5-10"],[300,420,true,"10-"]]'
    # with no cut near (4 parts: 105, 210, 315), the grid point nearest
    run -0 --separate-stderr $T "$IN" "${L[@]}" --split-plan --chunks 4
    assert_eq "$(jq -c '[.chunks[] | .start_frame]' <<<"$output")" '[0,120,210,300]'
}

@test "fails a --split-plan of more chunks than GOPs" {
    run -1 --separate-stderr $T "$IN" --split-plan --chunks 8
    assert_eq "${stderr_lines[0]}" "sv-transcode: cannot cut '$IN' into 8 chunks: it has 7 keyframe intervals (--gop 2s)"
}

# ---- chunks joined equal the single run ---------------------------------

@test "one chunk, joined, is the single run" {
    chunks 1 parts
    run -0 ls parts
    assert_eq "$output" "240p.chunk-000000-end.mp4
360p.chunk-000000-end.mp4"
    run -0 --separate-stderr $T --join parts -o joined
    same_as_whole joined
}

@test "seven chunks, joined, are the single run: frames, keyframes, durations, PSNR" {
    chunks 7 parts
    # audio only in the first chunk: encoded once for the title
    run -0 ffprobe -v error -show_entries stream=codec_type -of csv=p=0 \
        parts/360p.chunk-000000-000060.mp4
    assert_eq "$output" "video
audio"
    run -0 ffprobe -v error -show_entries stream=codec_type -of csv=p=0 \
        parts/360p.chunk-000060-000120.mp4
    assert_eq "$output" "video"
    run -0 --separate-stderr $T --join parts -o joined
    same_as_whole joined
    run -0 ls -A joined
    assert_eq "$output" "240p.mp4
360p.mp4"
}

@test "scene-aware ranges from the plan, joined, are the single run" {
    local r
    $T "$IN" "${L[@]}" --split-plan --chunks 3 | jq -r '.chunks[].range' > ranges
    while read -r r; do
        $T "$IN" "${L[@]}" --range "$r" -o parts || fail "range $r failed"
    done < ranges
    run -0 ls parts
    assert_eq "$output" "240p.chunk-000000-000150.mp4
240p.chunk-000150-000300.mp4
240p.chunk-000300-end.mp4
360p.chunk-000000-000150.mp4
360p.chunk-000150-000300.mp4
360p.chunk-000300-end.mp4"
    run -0 --separate-stderr $T --join parts -o joined
    same_as_whole joined
}

@test "--join to stdout is one ladder stream that sv-package packages" {
    chunks 3 parts
    $T --join parts > ladder.ts
    run -0 ffprobe -v error -show_entries stream=codec_type,width -of json ladder.ts
    assert_eq "$(jq -r '.streams[] | "\(.codec_type),\(.width // "")"' <<<"$output")" "video,640
video,426
audio,"
    assert_eq "$(ffprobe -v error -select_streams v -count_packets -show_entries \
        stream=nb_read_packets -of json ladder.ts | jq -c '[.streams[].nb_read_packets]')" \
        '["420","420"]'
    run -0 --separate-stderr sv-package -o www ladder.ts
    assert_eq "$(jq -c '[.renditions[] | .width]' www/package.json)" '[640,426,null]'
    assert_eq "$(jq '[.renditions[0].segments[].duration] | add | round' www/package.json)" 14
}

# ---- join errors --------------------------------------------------------

# parts_of N DIR: a copy of the N-chunk encode, made once per file
parts_of() {
    local d=$BATS_FILE_TMPDIR/parts$1
    [ -d "$d" ] || chunks "$1" "$d"
    cp -a "$d" "$2"
}

@test "join fails on a missing chunk, naming the gap, and writes nothing" {
    parts_of 7 parts
    rm parts/360p.chunk-000120-000180.mp4
    run -1 --separate-stderr $T --join parts -o joined
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    assert_eq "$stderr" "sv-transcode: cannot join rung 360p: missing chunk: frames 120-179 (4s-6s) are in no file of 'parts'"
    [ ! -e joined ] || [ -z "$(ls -A joined)" ] || fail "left: $(ls -A joined)"
}

@test "join fails on a missing first or last chunk" {
    parts_of 7 parts
    rm parts/240p.chunk-000360-end.mp4
    run -1 --separate-stderr $T --join parts -o joined
    assert_eq "$stderr" "sv-transcode: cannot join rung 240p: missing the last chunk: no file of 'parts' holds frames from 360 (12s) on"
    rm parts/360p.chunk-000000-000060.mp4
    run -1 --separate-stderr $T --join parts
    assert_eq "$stderr" "sv-transcode: cannot join rung 360p: missing chunk: frames 0-59 (0s-2s) are in no file of 'parts'"
}

@test "join fails on overlapping chunks" {
    parts_of 7 parts
    $T "$IN" "${L[@]}" --range 3-6 -o parts
    run -1 --separate-stderr $T --join parts -o joined
    assert_eq "$stderr" "sv-transcode: cannot join rung 360p: chunks overlap: 'parts/360p.chunk-000060-000120.mp4' and 'parts/360p.chunk-000090-000180.mp4' both hold frames 90-119"
}

@test "join fails on a chunk that holds other frames than its name says" {
    parts_of 7 parts
    cp parts/360p.chunk-000180-000240.mp4 parts/360p.chunk-000120-000180.mp4
    run -1 --separate-stderr $T --join parts -o joined
    assert_eq "$stderr" "sv-transcode: cannot join rung 360p: chunk 'parts/360p.chunk-000120-000180.mp4' holds 60 frames from frame 180, its name says 60 from 120"
    run -0 ls -A joined
    [[ ! $output =~ 360p ]] || fail "360p written: $output"
}

@test "join fails on a directory without chunks" {
    mkdir empty
    run -1 --separate-stderr $T --join empty
    assert_eq "$stderr" "sv-transcode: cannot join 'empty': it holds no chunk files (<rung>.chunk-<start>-<end>.<ext>)"
}
