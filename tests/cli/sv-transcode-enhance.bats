#!/usr/bin/env bats
# sv-transcode-enhance.bats -- the clean-up filters, tone mapping, HDR
# passthrough, thumbnails and scenes (issue 16), each checked by a
# measurement made with the ffmpeg CLI, not by our own numbers.

load ../helpers
bats_require_minimum_version 1.5.0

setup_file() {
    local d=$BATS_FILE_TMPDIR
    # a clean source and the same with strong temporal noise, both lossless
    _ff -f lavfi -i "$(_v 640x360 3)" -c:v libx264 -qp 0 -pix_fmt yuv420p \
        "$d/clean.mkv"
    _ff -i "$d/clean.mkv" -vf "noise=alls=12:allf=t" -c:v libx264 -qp 0 \
        "$d/noisy.mkv"
    # 14 s: black 0-2, a fade in 2-3 (test pattern to 6), colour bars
    # 6-10 (hard cut at 6), a Mandelbrot 10-14 (hard cut at 10) fading out
    # from 12
    _ff -f lavfi -i "color=black:size=640x360:rate=30:duration=2" \
        -f lavfi -i "$(_v 640x360 4),fade=in:st=0:d=1" \
        -f lavfi -i "smptebars=size=640x360:rate=30:duration=4" \
        -f lavfi -i "mandelbrot=size=640x360:rate=30,trim=duration=4,setpts=PTS-STARTPTS,fade=out:st=2:d=2" \
        -filter_complex "[0:v][1:v][2:v][3:v]concat=n=4:v=1:a=0,format=yuv420p[v]" \
        -map "[v]" -c:v libx264 -crf 18 "$d/scenes.mp4"
}

setup() {
    cd "$BATS_TEST_TMPDIR"
    D=$BATS_FILE_TMPDIR
}

# psnr A B: ffmpeg's average PSNR of video A against B
psnr() {
    ffmpeg -nostdin -hide_banner -i "$1" -i "$2" -lavfi psnr -f null - 2>&1 |
        sed -n 's/.*average:\([0-9.inf]*\).*/\1/p' | tail -1
}

# gt A B: A > B + MARGIN (numbers)
gt() {
    awk -v a="$1" -v b="$2" -v m="${3:-0}" 'BEGIN { exit !(a > b + m) }' ||
        fail "$1 is not above $2 by more than ${3:-0}"
}

# tag FILE ENTRY: a stream entry of the first video stream
tag() {
    ffprobe -v error -select_streams v:0 -show_entries "stream=$2" \
        -of default=nw=1:nk=1 "$1"
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

@test "denoise: hqdn3d and nlmeans bring a noised clip closer to the clean source" {
    local plain hq nl
    sv-transcode "$D/noisy.mkv" -l 360p:8000k --crf 16 -o plain -q
    sv-transcode "$D/noisy.mkv" -l 360p:8000k --crf 16 -o hq -q \
        --denoise hqdn3d:8
    sv-transcode "$D/noisy.mkv" -l 360p:8000k --crf 16 -o nl -q \
        --denoise nlmeans:4
    plain=$(psnr plain/360p.mp4 "$D/clean.mkv")
    hq=$(psnr hq/360p.mp4 "$D/clean.mkv")
    nl=$(psnr nl/360p.mp4 "$D/clean.mkv")
    echo "PSNR to the clean source: noisy $plain, hqdn3d $hq, nlmeans $nl" >&3
    gt "$hq" "$plain" 0.3
    gt "$nl" "$plain" 0.5
}

@test "denoise: the graph carries the filters at their strengths" {
    run --separate-stderr sv-transcode "$D/clean.mkv" -l 240p:400k -o o -v \
        --denoise hqdn3d:6 --sharpen=1.5
    assert_eq "$status" 0
    assert_match "$stderr" "fps=fps=30/1,hqdn3d=6:4.5:9:6.75,unsharp=5:5:1.5:5:5:0,split=1"
}

@test "stabilize: the frame-to-frame motion of a shaken clip drops" {
    local before after
    # the test pattern seen through a camera that jumps around
    _ff -f lavfi -i "$(_v 720x400 4)" \
        -vf "crop=640:360:x='40+36*sin(n*1.9)':y='20+18*cos(n*2.3)'" \
        -c:v libx264 -qp 0 shaky.mkv
    sv-transcode shaky.mkv -l 360p:8000k --crf 12 -o plain -q
    # under ASan: libvidstab's own leak is only suppressible (tests/lsan.supp)
    # when allocation stacks are taken with the slow unwinder
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0" \
        sv-transcode shaky.mkv -l 360p:8000k --crf 12 -o stab -q --stabilize
    # each frame against the next: motion lowers the PSNR between them
    before=$(ffmpeg -nostdin -hide_banner -i plain/360p.mp4 -lavfi \
        "split[a][b];[b]trim=start_frame=1,setpts=PTS-STARTPTS[c];[a][c]psnr" \
        -f null - 2>&1 | sed -n 's/.*average:\([0-9.]*\).*/\1/p')
    after=$(ffmpeg -nostdin -hide_banner -i stab/360p.mp4 -lavfi \
        "split[a][b];[b]trim=start_frame=1,setpts=PTS-STARTPTS[c];[a][c]psnr" \
        -f null - 2>&1 | sed -n 's/.*average:\([0-9.]*\).*/\1/p')
    echo "frame-to-frame PSNR: shaken $before, stabilized $after" >&3
    gt "$after" "$before" 1
    assert_eq "$(frames stab/360p.mp4 v:0)" "$(frames plain/360p.mp4 v:0)"
}

# hdr10 OUT: an HDR10 clip made here: BT.709 test pattern to PQ BT.2020,
# with mastering display (1000 nit) and content light level SEI
hdr10() {
    _ff -f lavfi -i "$(_v 640x360 2)" -vf \
        "zscale=tin=bt709:min=bt709:pin=bt709:rin=tv:t=smpte2084:m=2020_ncl:p=2020:r=tv:npl=100,format=yuv420p10le" \
        -c:v libx265 -x265-params "log-level=error:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1):max-cll=1000,400" -crf 18 \
        -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc \
        "$1"
}

@test "tonemap: an HDR10 source comes out SDR BT.709, tagged so" {
    hdr10 hdr.mkv
    assert_eq "$(tag hdr.mkv color_transfer)" "smpte2084"
    sv-transcode hdr.mkv -l 360p:2000k -o o -q --tonemap
    assert_eq "$(tag o/360p.mp4 pix_fmt)" "yuv420p"
    assert_eq "$(tag o/360p.mp4 color_transfer)" "bt709"
    assert_eq "$(tag o/360p.mp4 color_primaries)" "bt709"
    assert_eq "$(tag o/360p.mp4 color_space)" "bt709"
    # not black nor blown out: a mean luma of a normal picture
    run ffmpeg -nostdin -i o/360p.mp4 -vf signalstats,metadata=print:key=lavfi.signalstats.YAVG -f null -
    local y
    y=$(echo "$output" | sed -n 's/.*YAVG=\([0-9.]*\).*/\1/p' | head -1)
    gt "$y" 40
    gt 200 "$y"
}

@test "HDR passthrough: HEVC keeps 10-bit PQ BT.2020 without --tonemap" {
    hdr10 hdr.mkv
    sv-transcode hdr.mkv -l 360p:2000k -c hevc -o o -q
    assert_eq "$(tag o/360p.mp4 pix_fmt)" "yuv420p10le"
    assert_eq "$(tag o/360p.mp4 color_transfer)" "smpte2084"
    assert_eq "$(tag o/360p.mp4 color_primaries)" "bt2020"
    assert_eq "$(tag o/360p.mp4 color_space)" "bt2020nc"
    # and the source's HDR10 metadata as SEI (issue 16)
    run ffprobe -v error -select_streams v -read_intervals "%+#1" -show_frames \
        -show_entries frame=key_frame:frame_side_data=side_data_type,red_x,max_luminance,max_content,max_average \
        -of compact=p=0 o/360p.mp4
    assert_eq "${lines[0]}" "key_frame=1|side_data_type=Mastering display metadata|red_x=34000/50000|max_luminance=10000000/10000"
    assert_eq "${lines[1]}" "side_data_type=Content light level metadata|max_content=1000|max_average=400"
}

@test "HDR to 8-bit H.264 without --tonemap warns" {
    hdr10 hdr.mkv
    run --separate-stderr sv-transcode hdr.mkv -l 240p:400k -o o
    assert_eq "$status" 0
    assert_match "$stderr" "is HDR, and 8-bit h264 cannot keep it: use --tonemap"
}

# cell SPRITE X Y W H OUT: one sprite cell as a PNG
cell() {
    _ff -i "$1" -vf "crop=$4:$5:$2:$3" "$6"
}

# frame_at FILE T W H OUT: the frame at T seconds, scaled like a cell
frame_at() {
    _ff -ss "$2" -i "$1" -frames:v 1 -vf "scale=$3:$4:flags=area" "$5"
}

@test "thumbnails: the WebVTT cues are valid and each cell is the frame at its time" {
    local n i x y w h prev here next
    _ff -f lavfi -i "$(_v 640x360 8)" -c:v libx264 -crf 16 -pix_fmt yuv420p \
        in.mp4
    sv-transcode in.mp4 -l 360p:1500k,240p:600k -o o -q --thumbnails th \
        --thumbnail-interval 1s
    run jq -c '[.cells, .sheets, .width, .height, .vtt]' th/thumbnails.json
    assert_eq "$output" '[8,1,160,90,"thumbnails.vtt"]'
    assert_eq "$(head -1 th/thumbnails.vtt)" "WEBVTT"
    # every cue: start --> end on the interval grid, then a cell of the sheet
    n=$(grep -c -- ' --> ' th/thumbnails.vtt)
    assert_eq "$n" 8
    run awk '/ --> / { c++; if ($1 != sprintf("00:00:%02d.000", c - 1) ||
        $3 != sprintf("00:00:%02d.000", c)) bad = 1 }
        /#xywh=/ { if ($0 != sprintf("sprite-000.jpg#xywh=%d,0,160,90",
        (c - 1) * 160)) bad = 1 } END { exit bad }' th/thumbnails.vtt
    assert_eq "$status" 0
    for ((i = 1; i < 7; i++)); do
        read -r x y w h < <(grep -A1 "^00:00:0$i.000 -->" th/thumbnails.vtt |
            sed -n 's/.*#xywh=\([0-9]*\),\([0-9]*\),\([0-9]*\),\([0-9]*\)/\1 \2 \3 \4/p')
        cell th/sprite-000.jpg "$x" "$y" "$w" "$h" c$i.png
        frame_at in.mp4 $((i - 1)) "$w" "$h" p.png
        frame_at in.mp4 "$i" "$w" "$h" t.png
        frame_at in.mp4 $((i + 1)) "$w" "$h" n.png
        prev=$(psnr c$i.png p.png)
        here=$(psnr c$i.png t.png)
        next=$(psnr c$i.png n.png)
        echo "cell $i: PSNR to the frame before $prev, at $here, after $next" >&3
        gt "$here" "$prev" 3
        gt "$here" "$next" 3
    done
}

@test "scenes: the cuts of a synthetic clip are found, fades are not cuts" {
    sv-transcode "$D/scenes.mp4" -l 240p:400k -o o -q --scenes sc.json
    run jq -c '.cuts' sc.json
    assert_eq "$output" "[6,10]"
    run jq -c '[.scenes[] | [.start, .end, .title]]' sc.json
    assert_eq "$output" '[[0,6,"Scene 1"],[6,10,"Scene 2"],[10,14,"Scene 3"]]'
}

@test "poster: never the black start, the fade in or the fade out" {
    local t y
    sv-transcode "$D/scenes.mp4" -l 360p:1000k,240p:400k -o o -q \
        --thumbnails th
    t=$(jq '.poster.time' th/thumbnails.json)
    assert_eq "$(jq '.poster.fallback' th/thumbnails.json)" false
    awk -v t="$t" 'BEGIN { exit !(t >= 3 && t < 12) }' ||
        fail "poster at $t s: in the black, the fade in or the fade out"
    assert_eq "$(tag th/poster.jpg width)x$(tag th/poster.jpg height)" "640x360"
    run ffmpeg -nostdin -i th/poster.jpg -vf signalstats,metadata=print:key=lavfi.signalstats.YAVG -f null -
    y=$(echo "$output" | sed -n 's/.*YAVG=\([0-9.]*\).*/\1/p' | head -1)
    gt "$y" 40
}

@test "usage: the enhancement options and what they cannot go with" {
    usage "bad --denoise 'median': expected hqdn3d or nlmeans, then :strength" \
        in.mp4 --denoise median
    usage "bad --denoise 'nlmeans:99': strength must be a number in (0, 30]" \
        in.mp4 --denoise nlmeans:99
    usage "bad --sharpen '9': expected a number in (0, 5]" in.mp4 --sharpen=9
    usage "--thumbnail-interval needs --thumbnails <dir>" in.mp4 -o o \
        --thumbnail-interval 2s
    usage "--stabilize reads the input twice; it cannot read stdin" - -o o \
        --stabilize
    usage "--stabilize smooths the motion of the whole title; it cannot encode a chunk" \
        in.mp4 -o o --chunks 2 --chunk 0 --stabilize
    usage "--thumbnails covers the whole title; it cannot be used with a chunk" \
        in.mp4 -o o --range 0-4 --thumbnails th
}
