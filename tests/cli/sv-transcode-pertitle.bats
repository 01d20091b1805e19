#!/usr/bin/env bats
# sv-transcode-pertitle.bats -- per-title ladders: trial encodes of samples,
# rungs from the rate-quality hull, the ladder JSON and its reuse with
# --ladder @file (issue 15).

load ../helpers
bats_require_minimum_version 1.5.0

# caps wide enough that the content, not the preset, decides
CAPS=(--ladder "360p:3000k,240p:100k" --threads 1)

# three kinds, 4 s each at 640x360: near-static (a still picture with a
# small moving inset), flat animation (testsrc2), and noise over motion
setup_file() {
    local d=$BATS_FILE_TMPDIR
    _ff -f lavfi -i "mandelbrot=size=640x360:rate=24" \
        -f lavfi -i "testsrc2=size=96x96:rate=24" -filter_complex \
        "[0]trim=end_frame=1,loop=loop=-1:size=1,setpts=N/24/TB[bg];[bg][1]overlay=x='272+10*sin(t*2)':y=132:shortest=1,trim=duration=4" \
        -c:v libx264 -preset veryfast -crf 10 -pix_fmt yuv420p "$d/static.mp4"
    _ff -f lavfi -i "$(_v 640x360 4 24)" -c:v libx264 -preset veryfast \
        -crf 10 -pix_fmt yuv420p "$d/flat.mp4"
    _ff -f lavfi -i "mandelbrot=size=640x360:rate=24,trim=duration=4,noise=alls=30:allf=t+u" \
        -c:v libx264 -preset veryfast -crf 10 -pix_fmt yuv420p "$d/noisy.mp4"
    sv-transcode "$d/flat.mp4" --per-title "${CAPS[@]}" --ladder-out - \
        > "$d/flat.json"
}

setup() {
    cd "$BATS_TEST_TMPDIR"
    D=$BATS_FILE_TMPDIR
}

# hull_ok FILE: the ladder and the hull of a ladder JSON hang together
hull_ok() {
    jq -e '
      (.ladder | length) >= 1 and
      # rungs top down: no bigger pictures, fewer bits, lower quality;
      # a size may hold two rungs, named apart
      ([.ladder[].bitrate] | . == (sort | reverse) and length == (unique | length)) and
      ([.ladder[].psnr] | . == (sort | reverse)) and
      ([.ladder[].res] | . == (sort | reverse)) and
      ([.ladder[].name] | length == (unique | length)) and
      # neighbours at least 1.5x apart
      ([.ladder[].bitrate] as $b | [range(1; $b | length) | $b[. - 1] / $b[.] >= 1.499] | all) and
      # within the caps: the floor is their lowest bitrate, lowered in
      # proportion when the top is under their highest
      (.caps.max_bitrate as $hi | .caps.min_bitrate as $min |
        .caps.floor_bitrate as $lo | .ladder[0].bitrate as $top |
        ($lo <= $min) and
        (if $top < $hi then ($lo - $top * $min / $hi | fabs) < 1000 else $lo == $min end) and
        ([.ladder[] | .bitrate <= $hi and .bitrate >= $lo - 500] | all)) and
      # the hull climbs: more bits, more quality
      ([.hull[].kbps] | . == sort) and ([.hull[].psnr] | . == sort) and
      # every hull point is a marked point of some curve
      ([.hull[] | [.res, .crf]] - [.curves[].points[] | select(.hull) | [.res, .crf]] | length) == 0 and
      # no measured point as cheap as a rung is better than it by more
      # than the 1 dB a smaller size may give up
      ([.curves[].points[]] as $p | [.ladder[] | . as $r |
        [$p[] | select(.kbps <= $r.kbps) | .psnr <= $r.psnr + 1.0001] | all] | all)
    ' "$1" > /dev/null || { jq -c '{spec, ladder, hull}' "$1" >&2; return 1; }
}

@test "--per-title --ladder-out - prints the ladder, its curves and the cost" {
    local j=$D/flat.json
    jq -e . "$j" > /dev/null
    assert_eq "$(jq -r .codec "$j")" h264
    assert_eq "$(jq -r '.source | "\(.width)x\(.height) \(.frames)"' "$j")" "640x360 96"
    # the sizes tried: the source's and the grid under it
    assert_eq "$(jq -c '[.curves[].res]' "$j")" "[360,288,240,180,144]"
    # six settings each, every point measured
    assert_eq "$(jq '[.curves[].points[]] | length' "$j")" 30
    jq -e '[.curves[].points[] | (.kbps > 0) and (.psnr > 20) and (.ssim > 0.5) and (.ssim <= 1)] | all' "$j"
    # samples spread over the title
    assert_eq "$(jq -c '[.samples[].start]' "$j")" "[0,1,2,3]"
    jq -e '.cost | (.trials == 120) and (.cpu_s > 0) and (.wall_s > 0) and (.encoded_s == 120)' "$j"
    # the spec says what the ladder array says
    assert_eq "$(jq -r '[.ladder[] | "\(.res)p:\(.kbps)k"] | join(",")' "$j")" "$(jq -r .spec "$j")"
    hull_ok "$j"
}

@test "the top rung is where the hull passes 45 dB, at the biggest size" {
    local j=$D/flat.json
    assert_eq "$(jq -r '.ladder[0].res' "$j")" 360
    # testsrc2 reaches 45 dB well under the cap, so the cap is not the top
    jq -e '.ladder[0].bitrate < .caps.max_bitrate' "$j"
    jq -e '(.ladder[0].bitrate / 1000 - 1) as $k | [.hull[] | select(.kbps < $k) | .psnr] | max < 45' "$j"
    jq -e '(.ladder[0].bitrate / 1000 + 1) as $k | [.hull[] | select(.kbps > $k) | .psnr] | max >= 45' "$j"
    jq -e '.ladder[0].psnr | . > 44.9 and . < 45.1' "$j"
}

@test "a near-static clip gets a lower top bitrate than a noisy one" {
    sv-transcode "$D/static.mp4" --per-title "${CAPS[@]}" --ladder-out - > static.json
    sv-transcode "$D/noisy.mp4" --per-title "${CAPS[@]}" --ladder-out - > noisy.json
    hull_ok static.json
    hull_ok noisy.json
    local s n
    s=$(jq .ladder[0].bitrate static.json)
    n=$(jq .ladder[0].bitrate noisy.json)
    [ "$s" -lt "$n" ] || fail "static top $s is not below noisy top $n"
    # the noise never looks transparent: its top is the cap
    assert_eq "$n" 3000000
    [ "$((s * 4))" -lt "$n" ] || fail "static top $s is not far below $n"
}

@test "--per-title encodes the chosen ladder and --ladder @file reproduces it" {
    run sv-transcode "$D/flat.mp4" --per-title "${CAPS[@]}" \
        --ladder-out l.json -o a
    [ "$status" -eq 0 ] || fail "$output"
    assert_match "$output" "per-title ladder: $(jq -r .spec l.json)"
    hull_ok l.json
    # the same trials give the same ladder (one thread: deterministic)
    assert_eq "$(jq -r .spec l.json)" "$(jq -r .spec "$D/flat.json")"
    sv-transcode "$D/flat.mp4" --ladder @l.json --threads 1 -o b
    assert_eq "$(ls b)" "$(ls a)"
    local r
    for r in $(jq -r '.ladder[].name' l.json); do
        [ -f "a/$r.mp4" ] || fail "no a/$r.mp4"
        assert_eq "$(ffprobe -v error -select_streams v:0 -show_entries \
            stream=width,height -of csv=p=0 "b/$r.mp4")" \
            "$(jq -r --arg r "$r" '.ladder[] | select(.name == $r) | "\(.width),\(.height)"' l.json)"
        assert_eq "$(frames "b/$r.mp4" v:0)" "$(frames "a/$r.mp4" v:0)"
        # the same rungs at the same caps encode to the same bits
        cmp "a/$r.mp4" "b/$r.mp4"
        # each rung at the CRF of its hull point (x264 names it in its SEI)
        assert_eq "$(grep -ao 'crf=[0-9]*' "a/$r.mp4" | head -1)" \
            "crf=$(jq -r --arg r "$r" '.ladder[] | select(.name == $r) | .crf' l.json)"
    done
}

@test "--per-title reports progress and completion as events" {
    sv-transcode "$D/flat.mp4" --per-title "${CAPS[@]}" --ladder-out - \
        --events ev.jsonl > /dev/null
    assert_eq "$(jq -r 'select(.event == "video.pertitle.progress") | .data.trial' ev.jsonl | tail -1)" 120
    assert_eq "$(jq -r 'select(.event == "video.pertitle.complete") | .data.ladder' ev.jsonl)" \
        "$(jq -r .spec "$D/flat.json")"
}

@test "--per-title works with hevc, vp9 and av1 (their own encoders in the trials)" {
    _ff -f lavfi -i "$(_v 320x180 2 24)" -c:v libx264 -preset veryfast -crf 10 \
        -pix_fmt yuv420p small.mp4
    local c
    for c in hevc vp9 av1; do
        run --separate-stderr sv-transcode small.mp4 --per-title --codec "$c" \
            --ladder "180p:2000k,144p:50k" --ladder-out -
        # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
        [ "$status" -eq 0 ] || fail "$c: $stderr"
        echo "$output" > "$c.json"
        assert_eq "$(jq -r .codec "$c.json")" "$c"
        hull_ok "$c.json"
    done
}

@test "bad input to --per-title is a clear error" {
    echo "not a video" > junk.mp4
    run --separate-stderr sv-transcode junk.mp4 --per-title --ladder-out -
    [ "$status" -eq 1 ]
    assert_match "$stderr" "junk.mp4"
    [ -z "$output" ]
    run --separate-stderr sv-transcode - --per-title --ladder-out - < "$D/flat.mp4"
    [ "$status" -eq 2 ]
    assert_eq "$(head -1 <<< "$stderr")" "sv-transcode: --per-title reads the input more than once; it cannot read stdin"
    run --separate-stderr sv-transcode "$D/flat.mp4" --ladder-out x.json -o o
    [ "$status" -eq 2 ]
    assert_eq "$(head -1 <<< "$stderr")" "sv-transcode: --ladder-out needs --per-title"
    run --separate-stderr sv-transcode "$D/flat.mp4" --per-title --ladder @"$D/flat.json" --ladder-out -
    [ "$status" -eq 2 ]
    assert_match "$stderr" "--per-title chooses the ladder"
    run --separate-stderr sv-transcode "$D/flat.mp4" --per-title --join --ladder-out -
    [ "$status" -eq 2 ]
    # a short title is refused by name
    _ff -f lavfi -i "$(_v 320x180 0.04 24)" -c:v libx264 one.mp4
    run --separate-stderr sv-transcode one.mp4 --per-title --ladder-out -
    [ "$status" -eq 1 ]
    assert_match "$stderr" "'one.mp4' is too short"
    [ ! -e x.json ]
}

@test "--ladder @file refuses a file that is not a ladder JSON" {
    run --separate-stderr sv-transcode "$D/flat.mp4" --ladder @missing.json -o o
    [ "$status" -eq 2 ]
    assert_match "$stderr" "cannot read 'missing.json'"
    echo '{"ladder": [{"res": 360}]}' > nobitrate.json
    run --separate-stderr sv-transcode "$D/flat.mp4" --ladder @nobitrate.json -o o
    [ "$status" -eq 2 ]
    assert_match "$stderr" "rung 0: want \"res\""
    echo '{"ladder": [' > broken.json
    run --separate-stderr sv-transcode "$D/flat.mp4" --ladder @broken.json -o o
    [ "$status" -eq 2 ]
    assert_match "$stderr" "not JSON"
    echo '{"ladder": [{"res": 360, "bitrate": 400000}, {"res": 360, "bitrate": 400000}]}' > twice.json
    run --separate-stderr sv-transcode "$D/flat.mp4" --ladder @twice.json -o o
    [ "$status" -eq 2 ]
    assert_match "$stderr" "two rungs of the same size and bitrate"
    [ ! -e o ]
}

@test "two rungs of one size make two outputs that sv-package keeps apart" {
    echo '{"ladder": [{"res": 360, "bitrate": 800000, "crf": 23}, {"res": 360, "bitrate": 300000, "crf": 33}, {"res": 180, "bitrate": 150000}]}' > twice.json
    sv-transcode "$D/flat.mp4" --ladder @twice.json --threads 1 --no-audio -q -o o
    local f names=()
    for f in o/*; do names+=("${f#o/}"); done
    assert_eq "${names[*]}" "180p.mp4 360p-300k.mp4 360p.mp4"
    assert_eq "$(ffprobe -v error -select_streams v:0 -show_entries \
        stream=width,height -of csv=p=0 o/360p-300k.mp4)" "640,360"
    # the cheaper rung of the size is the cheaper encode
    [ "$(stat -c %s o/360p-300k.mp4)" -lt "$(stat -c %s o/360p.mp4)" ]
    sv-package -q -s 2 -o pkg o/360p.mp4 o/360p-300k.mp4 o/180p.mp4
    assert_eq "$(jq '.renditions | length' pkg/package.json)" 3
    assert_eq "$(jq -c '[.renditions[] | "\(.width)x\(.height)"]' pkg/package.json)" '["640x360","640x360","320x180"]'
    assert_eq "$(grep -o '<Representation id="[^"]*"' pkg/manifest.mpd | sort -u | wc -l)" 3
    # two renditions of one size in the master playlist, apart by bandwidth
    assert_eq "$(grep -c 'RESOLUTION=640x360' pkg/master.m3u8)" 2
    assert_eq "$(grep -o 'INF:BANDWIDTH=[0-9]*' pkg/master.m3u8 | sort -u | wc -l)" 3
}
