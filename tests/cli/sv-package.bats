#!/usr/bin/env bats
# sv-package.bats -- the packager on generated media: options, the package
# it writes (checked with ffprobe, jq and the playlists' rules), bad input.

load ../helpers
bats_require_minimum_version 1.5.0

setup() {
    out=$BATS_TEST_TMPDIR/pkg
}

# concat RENDITION: init + segments of a rendition, as one file for ffprobe
concat() {
    # the names are seg-N.m4s (no spaces), ordered by N, which a glob
    # does not do
    # shellcheck disable=SC2010,SC2046
    cat "$out/$1/init.mp4" $(ls "$out/$1"/seg-*.m4s | grep -v '\.[0-9]*\.m4s$' |
        sort -t- -k2 -n) > "$BATS_TEST_TMPDIR/$1.mp4"
    echo "$BATS_TEST_TMPDIR/$1.mp4"
}

# first FILE...: the first line of a command's output (ffprobe lists a TS
# stream twice, under its program and alone)
first() { "$@" | grep -m1 .; }

@test "needs an output" {
    run -2 --separate-stderr sv-package
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr_lines
    assert_eq "${stderr_lines[0]}" \
        "sv-package: an output is required (-o <dir> or -o -)"
}

@test "rejects parts shorter than 0.2 s" {
    run -2 --separate-stderr sv-package --live --ll-hls --part-duration 0.1 -o x
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    assert_eq "$stderr" \
        "sv-package: bad --part-duration '0.1': expected a duration of at least 200ms
Try 'sv-package --help' for more information."
}

@test "rejects --ll-hls without --live" {
    run -2 --separate-stderr sv-package --ll-hls -o x
    assert_eq "${stderr_lines[0]}" "sv-package: --ll-hls needs --live"
}

@test "rejects --ll-dash without --live or without the MPD" {
    run -2 --separate-stderr sv-package --ll-dash -o x
    assert_eq "${stderr_lines[0]}" "sv-package: --ll-dash needs --live"
    run -2 --separate-stderr sv-package --live --ll-dash --manifests hls -o x
    assert_eq "${stderr_lines[0]}" \
        "sv-package: --ll-dash needs the dash manifest"
    run -2 --separate-stderr sv-package --live --part-duration 1s -o x
    assert_eq "${stderr_lines[0]}" \
        "sv-package: --part-duration needs --ll-hls or --ll-dash"
}

@test "rejects --dvr with --window" {
    run -2 --separate-stderr sv-package --live --dvr --window 30s -o x
    assert_eq "${stderr_lines[0]}" \
        "sv-package: options --dvr and --window cannot be used together"
}

@test "rejects a live tar stream" {
    run -2 --separate-stderr sv-package --live -o -
    assert_eq "${stderr_lines[0]}" \
        "sv-package: --live cannot write a tar stream (-o -)"
}

@test "rejects a bad duration" {
    run -2 --separate-stderr sv-package -s fast -o x
    assert_eq "$stderr" \
        "sv-package: bad --segment-duration 'fast': expected a duration of at least 500ms
Try 'sv-package --help' for more information."
}

@test "packages a ladder TS from stdin: every rendition reads back" {
    run sv-package -o "$out" < "$(fixture ladder_360p.ts)"
    [ "$status" -eq 0 ] || fail "$output"
    for f in master.m3u8 manifest.mpd package.json v0.m3u8 a0.m3u8; do
        [ -s "$out/$f" ] || fail "no $f"
    done
    assert_eq "$(jq -r '[.renditions[].id] | join(" ")' "$out/package.json")" \
        "v0 v1 v2 a0"
    local r w
    for r in v0:640 v1:480 v2:320; do
        w=$(ffprobe -v error -select_streams v:0 -show_entries stream=width \
            -of csv=p=0 "$(concat "${r%:*}")")
        assert_eq "$w" "${r#*:}"
        assert_eq "$(frames "$BATS_TEST_TMPDIR/${r%:*}.mp4" v:0)" 180
    done
    assert_eq "$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 \
        "$(concat a0)")" aac
    # and through the playlists, as a player would
    run ffprobe -v error -show_entries stream=codec_name -of csv=p=0 \
        "$out/master.m3u8"
    [ "$status" -eq 0 ]
    assert_match "$output" "h264"
}

@test "segments start on the same keyframes in every rendition" {
    sv-package -q -s 2 -o "$out" "$(fixture ladder_360p.ts)"
    local r
    for r in v0 v1 v2 a0; do
        assert_eq "$(jq -r --arg r $r '.renditions[] | select(.id == $r) |
            [.segments[].number] | join(",")' "$out/package.json")" "1,2,3"
    done
    for r in v0 v1 v2; do
        assert_eq "$(keyframes "$(concat $r)" v:0 | tr '\n' ' ')" \
            "0.000 2.000 4.000 "
        assert_eq "$(jq -r --arg r $r '.renditions[] | select(.id == $r) |
            [.segments[].time] | join(",")' "$out/package.json")" \
            "0,180000,360000"
    done
}

@test "the mapped MPEG-TS reader and libavformat's give the same package" {
    sv-package -q -s 2 -o "$out/mapped" "$(fixture ladder_reset.ts)"
    SV_PACKAGE_READER=libav sv-package -q -s 2 -o "$out/libav" \
        "$(fixture ladder_reset.ts)"
    diff -r "$out/mapped" "$out/libav"
    # and from a pipe, libavformat reads
    sv-package -q -s 2 -o "$out/pipe" < "$(fixture ladder_reset.ts)"
    diff -r "$out/mapped" "$out/pipe"
}

@test "the own TS and MP4 readers and libavformat's give the same package" {
    # issue 19: streams found without libavformat (HEVC's SPS, MP4's
    # tables and edit lists, B-frames, audio before video)
    local f
    for f in hevc_aac_360p.ts hevc_aac_360p.mp4 h264_aac_360p.mp4 \
        frames_bf_afirst.mp4 frames_bf_vfirst.ts frames_bf_vfirst_frag.mp4; do
        sv-package -q -s 1 -o "$out/own-$f" "$(fixture $f)"
        SV_PACKAGE_READER=libav sv-package -q -s 1 -o "$out/av-$f" \
            "$(fixture $f)"
        diff -r "$out/own-$f" "$out/av-$f" || fail "$f: the packages differ"
    done
}

@test "reads TS and MP4 files without libavformat, loads it for the rest" {
    # issue 19: libav's libraries are not linked, only loaded from the
    # plugin when an input needs them
    run -0 ldd "$(command -v sv-package)"
    # shellcheck disable=SC2154 # run sets $output
    run ! grep -E 'libav(codec|format|util)' <<< "$output"
    SV_DEMUX_PLUGIN=/nonexistent/sv-demux.so sv-package -q -o "$out/ts" \
        "$(fixture h264_aac_360p.ts)"
    SV_DEMUX_PLUGIN=/nonexistent/sv-demux.so sv-package -q -o "$out/mp4" \
        "$(fixture h264_aac_360p.mp4)"
    [ "$(jq '.renditions | length' "$out/mp4/package.json")" -eq 2 ]
    # fragmented MP4 too (moof/traf/trun read by our reader)
    SV_DEMUX_PLUGIN=/nonexistent/sv-demux.so sv-package -q -o "$out/frag" \
        "$(fixture frames_bf_afirst_frag.mp4)"
    [ "$(jq '.renditions | length' "$out/frag/package.json")" -eq 2 ]
    run -1 --separate-stderr env SV_DEMUX_PLUGIN=/nonexistent/sv-demux.so \
        sv-package -q -o "$out/mkv" "$(fixture vfr.mkv)"
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr_lines
    assert_eq "${stderr_lines[-1]}" "sv-package: cannot read '$(fixture vfr.mkv)': can not access a needed shared library"
    [ ! -e "$out/mkv/package.json" ]
    # with the plugin, the same input packages
    sv-package -q -o "$out/mkv" "$(fixture vfr.mkv)"
    [ -s "$out/mkv/package.json" ]
}

@test "peak memory stays at GPAC's level on 1080p, TS and MP4 input" {
    # (fragmented MP4 as well)
    # issue 19: at most 20 MiB resident (MP4Box holds 17-18 MiB) however
    # long the input; under AddressSanitizer RSS measures its shadow
    if ldd "$(command -v sv-package)" | grep -q libasan; then
        skip "peak RSS is not the packager's under AddressSanitizer"
    fi
    local src f rss
    src=$(fixture h264_aac_1080p.mp4)
    # 27 s of 1080p in both forms
    ffmpeg -nostdin -v error -stream_loop 8 -i "$src" -c copy -f mpegts \
        "$out.ts"
    ffmpeg -nostdin -v error -i "$out.ts" -c copy -bsf:a aac_adtstoasc \
        -movflags +faststart -f mp4 "$out.mp4"
    # and fragmented (libavformat's plugin held about 45 MiB for it)
    ffmpeg -nostdin -v error -i "$out.mp4" -c copy \
        -movflags frag_keyframe+empty_moov -f mp4 "$out.frag.mp4"
    for f in "$out.ts" "$out.mp4" "$out.frag.mp4"; do
        rm -rf "$out/p"
        /usr/bin/time -f %M -o "$out.rss" sv-package -q -s 2 -o "$out/p" "$f"
        rss=$(tail -n 1 "$out.rss")
        [ "$(jq '.renditions[0].segments | length' "$out/p/package.json")" \
            -ge 13 ]
        [ "$rss" -le 20480 ] || fail "peak RSS ${rss} KiB from $f"
    done
}

@test "the mapped MPEG-TS reader's memory does not grow with the input" {
    # under AddressSanitizer freed memory sits in quarantine: RSS says
    # nothing about the reader there
    if ldd "$(command -v sv-package)" | grep -q libasan; then
        skip "peak RSS is not the reader's under AddressSanitizer"
    fi
    # 3 s of 1080p, and the same looped to 27 s (about 8 times the bytes,
    # more than the reader ever keeps mapped); 1 s segments keep the queue
    # the same size in both
    local src; src=$(fixture h264_aac_1080p.mp4)
    ffmpeg -nostdin -v error -i "$src" -c copy -f mpegts "$out.short.ts"
    ffmpeg -nostdin -v error -stream_loop 8 -i "$src" -c copy -f mpegts \
        "$out.long.ts"
    local short long
    /usr/bin/time -f %M -o "$out.rss" sv-package -q -s 1 -o "$out/s" \
        "$out.short.ts"
    short=$(tail -n 1 "$out.rss")
    /usr/bin/time -f %M -o "$out.rss" sv-package -q -s 1 -o "$out/l" \
        "$out.long.ts"
    long=$(tail -n 1 "$out.rss")
    [ "$(jq '.renditions[0].segments | length' "$out/l/package.json")" -ge 26 ]
    # peak RSS in KiB: at most 6 MiB more for 8 times the input
    [ "$long" -le $((short + 6144)) ] ||
        fail "peak RSS ${long} KiB on 27 s against ${short} KiB on 3 s"
}

@test "the multivariant playlist carries codecs, resolution, rates and audio" {
    sv-package -q -o "$out" "$(fixture ladder_360p.ts)"
    local m=$out/master.m3u8
    assert_eq "$(head -1 "$m")" "#EXTM3U"
    grep -qx '#EXT-X-INDEPENDENT-SEGMENTS' "$m"
    grep -q '^#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="a0",LANGUAGE="und",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="1",URI="a0.m3u8"$' "$m"
    assert_eq "$(grep -c '^#EXT-X-STREAM-INF:' "$m")" 3
    grep '^#EXT-X-STREAM-INF:' "$m" | while read -r l; do
        assert_match "$l" 'CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"'
        assert_match "$l" 'RESOLUTION=(640x360|480x270|320x180)'
        assert_match "$l" 'FRAME-RATE=30\.000'
        assert_match "$l" 'AUDIO="audio"'
        local bw avg
        bw=$(echo "$l" | sed -E 's/.*[:,]BANDWIDTH=([0-9]+).*/\1/')
        avg=$(echo "$l" | sed -E 's/.*AVERAGE-BANDWIDTH=([0-9]+).*/\1/')
        [ "$bw" -ge "$avg" ] || fail "peak $bw below average $avg"
    done
}

@test "bandwidth is computed from the segments written" {
    sv-package -q -s 2 -o "$out" "$(fixture ladder_360p.ts)"
    local r=v1 bytes peak avg
    bytes=$(cat "$out"/$r/seg-*.m4s | wc -c)
    assert_eq "$(jq --arg r $r '.renditions[] | select(.id == $r) | .bytes' \
        "$out/package.json")" "$bytes"
    # peak: the largest segment over its duration; average: all over all
    peak=$(jq --arg r $r '.renditions[] | select(.id == $r) |
        [.segments[] | .size * 8 / .duration] | max | ceil' "$out/package.json")
    avg=$(jq --arg r $r '.renditions[] | select(.id == $r) |
        ([.segments[].size] | add) * 8 / ([.segments[].duration] | add) |
        ceil' "$out/package.json")
    assert_eq "$(jq --arg r $r '.renditions[] | select(.id == $r) |
        .bandwidth.peak' "$out/package.json")" "$peak"
    assert_eq "$(jq --arg r $r '.renditions[] | select(.id == $r) |
        .bandwidth.average' "$out/package.json")" "$avg"
    # the variant's BANDWIDTH adds the audio's peak
    local apeak
    apeak=$(jq '.renditions[] | select(.id == "a0") | .bandwidth.peak' \
        "$out/package.json")
    grep -q "BANDWIDTH=$((peak + apeak)),AVERAGE" "$out/master.m3u8"
}

@test "media playlists follow RFC 8216: target duration, sequence, endlist" {
    sv-package -q -s 2 -o "$out" "$(fixture ladder_360p.ts)"
    local p=$out/v0.m3u8 t
    grep -qx '#EXT-X-VERSION:7' "$p"
    grep -qx '#EXT-X-MEDIA-SEQUENCE:1' "$p"
    grep -qx '#EXT-X-PLAYLIST-TYPE:VOD' "$p"
    grep -qx '#EXT-X-MAP:URI="v0/init.mp4"' "$p"
    assert_eq "$(tail -1 "$p")" "#EXT-X-ENDLIST"
    t=$(sed -n 's/^#EXT-X-TARGETDURATION://p' "$p")
    assert_eq "$t" 2
    # every EXTINF rounded to an integer is at most the target duration
    sed -n 's/^#EXTINF:\([0-9.]*\),$/\1/p' "$out/a0.m3u8" | while read -r d; do
        [ "$(printf '%.0f' "$d")" -le "$t" ] || fail "EXTINF $d > $t"
    done
    assert_eq "$(grep -c '^v0/seg-[0-9]*\.m4s$' "$p")" 3
}

@test "the MPD's timelines add up to the media" {
    sv-package -q -s 2 -o "$out" "$(fixture ladder_360p.ts)"
    local mpd=$out/manifest.mpd
    grep -q 'type="static"' "$mpd"
    grep -q 'mediaPresentationDuration="PT6.000S"' "$mpd"
    assert_eq "$(grep -c '<Representation ' "$mpd")" 4
    grep -q '<S t="0" d="180000" r="2"/>' "$mpd"
    grep -q 'codecs="mp4a.40.2"' "$mpd"
    run ffprobe -v error -show_entries stream=codec_name -of csv=p=0 "$mpd"
    [ "$status" -eq 0 ] || fail "$output"
    assert_match "$output" "h264"
}

@test "--segment-duration sets the cut points" {
    sv-package -q -s 4 -o "$out" "$(fixture ladder_360p.ts)"
    assert_eq "$(jq -c '[.renditions[0].segments[].duration]' \
        "$out/package.json")" "[4,2]"
    assert_eq "$(sed -n 's/^#EXT-X-TARGETDURATION://p' "$out/v0.m3u8")" 4
}

@test "--manifests hls writes no MPD" {
    sv-package -q --manifests hls -o "$out" "$(fixture ladder_360p.ts)"
    [ -s "$out/master.m3u8" ]
    [ ! -e "$out/manifest.mpd" ]
    assert_eq "$(jq -c .manifests "$out/package.json")" \
        '{"hls":"master.m3u8"}'
}

@test "several inputs become renditions of one package" {
    sv-package -q -s 1 -o "$out" "$(fixture h264_aac_360p.mp4)" \
        "$(fixture h264_aac_180p.mp4)"
    assert_eq "$(jq -c '[.renditions[] | [.id, .width]]' "$out/package.json")" \
        '[["v0",640],["a0",null],["v1",320],["a1",null]]'
    assert_eq "$(grep -c '^#EXT-X-STREAM-INF' "$out/master.m3u8")" 2
    assert_eq "$(frames "$(concat v1)" v:0)" 120
}

@test "HEVC in MP4 and in MPEG-TS packages as hvc1" {
    local f
    for f in hevc_aac_360p.mp4 hevc_aac_360p.ts; do
        rm -rf "$out"
        sv-package -q -s 1 -o "$out" "$(fixture $f)"
        assert_match "$(jq -r '.renditions[0].codecs' "$out/package.json")" \
            '^hvc1\.1\.6\.L[0-9]+\.90$'
        run ffprobe -v error -select_streams v:0 \
            -show_entries stream=codec_name,codec_tag_string -of csv=p=0 \
            "$(concat v0)"
        assert_eq "$output" "hevc,hvc1"
        assert_eq "$(frames "$BATS_TEST_TMPDIR/v0.mp4" v:0)" 90
    done
}

@test "VP9 with Opus packages as vp09 and opus" {
    sv-package -q -o "$out" "$(fixture vp9_opus_360p.webm)"
    assert_eq "$(jq -r '[.renditions[].codecs] | join(" ")' \
        "$out/package.json")" "vp09.00.21.08 opus"
    assert_eq "$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 \
        "$(concat v0)")" vp9
    assert_eq "$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 \
        "$(concat a0)")" opus
    assert_eq "$(frames "$BATS_TEST_TMPDIR/v0.mp4" v:0)" 90
}

@test "AV1 packages as av01" {
    sv-package -q -o "$out" "$(fixture av1_360p.mkv)"
    assert_match "$(jq -r '.renditions[0].codecs' "$out/package.json")" \
        '^av01\.0\.[0-9]{2}M\.08$'
    assert_eq "$(ffprobe -v error -show_entries stream=codec_name -of csv=p=0 \
        "$(concat v0)")" av1
    assert_eq "$(frames "$BATS_TEST_TMPDIR/v0.mp4" v:0)" 60
}

@test "--single-file writes one MP4 per rendition addressed by byte ranges" {
    sv-package -q -s 2 --single-file -o "$out" "$(fixture ladder_360p.ts)"
    [ ! -e "$out/v0" ]
    assert_eq "$(frames "$out/v0.mp4" v:0)" 180
    # the sidx and the byte ranges cover the file exactly
    local init idx last
    init=$(jq '.renditions[0].init_size' "$out/package.json")
    idx=$(jq '.renditions[0].index_size' "$out/package.json")
    grep -qx "#EXT-X-MAP:URI=\"v0.mp4\",BYTERANGE=\"$init@0\"" "$out/v0.m3u8"
    assert_eq "$(jq '.renditions[0].segments[0].offset' "$out/package.json")" \
        $((init + idx))
    last=$(jq '.renditions[0].segments[-1] | .offset + .size' \
        "$out/package.json")
    assert_eq "$last" "$(stat -c %s "$out/v0.mp4")"
    assert_eq "$(grep -c '^#EXT-X-BYTERANGE:' "$out/v0.m3u8")" 3
    grep -q "indexRange=\"$init-$((init + idx - 1))\"" "$out/manifest.mpd"
    assert_eq "$(head -c $((init + 8)) "$out/v0.mp4" | tail -c 4)" sidx
}

@test "--segments ts writes MPEG-TS segments for legacy HLS" {
    sv-package -q -s 2 --segments ts -o "$out" "$(fixture ladder_360p.ts)"
    [ ! -e "$out/manifest.mpd" ]
    [ ! -e "$out/v0/init.mp4" ]
    assert_eq "$(jq -r .segment_format "$out/package.json")" ts
    grep -qx '#EXT-X-VERSION:3' "$out/v0.m3u8"
    run ! grep -q '#EXT-X-MAP' "$out/v0.m3u8"
    grep -qx 'v0/seg-3.ts' "$out/v0.m3u8"
    cat "$out"/v1/seg-{1,2,3}.ts > "$BATS_TEST_TMPDIR/v1.ts"
    assert_eq "$(first frames "$BATS_TEST_TMPDIR/v1.ts" v:0)" 180
    assert_eq "$(keyframes "$BATS_TEST_TMPDIR/v1.ts" v:0 | wc -l)" 3
    cat "$out"/a0/seg-*.ts > "$BATS_TEST_TMPDIR/a0.ts"
    assert_eq "$(first ffprobe -v error -show_entries \
        stream=codec_name,sample_rate -of csv=p=0 "$BATS_TEST_TMPDIR/a0.ts")" \
        "aac,48000"
    # every segment starts with PAT and PMT, so it decodes on its own
    assert_eq "$(first frames "$out/v0/seg-2.ts" v:0)" 60
}

@test "--segments ts carries HEVC" {
    sv-package -q --segments ts -o "$out" "$(fixture hevc_aac_360p.mp4)"
    cat "$out"/v0/seg-*.ts > "$BATS_TEST_TMPDIR/v0.ts"
    assert_eq "$(first ffprobe -v error -count_frames -show_entries \
        stream=codec_name,nb_read_frames -of csv=p=0 "$BATS_TEST_TMPDIR/v0.ts")" \
        "hevc,90"
}

@test "--segments ts refuses codecs MPEG-TS segments do not carry" {
    run -1 --separate-stderr sv-package --segments ts -o "$out" \
        "$(fixture vp9_opus_360p.webm)"
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    assert_eq "$stderr" \
        "sv-package: rendition v0: vp9 cannot go in MPEG-TS segments"
}

@test "--segments ts is HLS only" {
    run -2 --separate-stderr sv-package --segments ts --manifests dash -o x
    assert_eq "${stderr_lines[0]}" \
        "sv-package: MPEG-TS segments are for HLS only (--manifests hls)"
}

@test "-o - writes the package as a tar stream, package.json last" {
    sv-package -q -o - "$(fixture ladder_360p.ts)" > "$BATS_TEST_TMPDIR/p.tar"
    assert_eq "$(tar tf "$BATS_TEST_TMPDIR/p.tar" | tail -1)" package.json
    mkdir "$out" && tar xf "$BATS_TEST_TMPDIR/p.tar" -C "$out"
    assert_eq "$(frames "$(concat v2)" v:0)" 180
    ffprobe -v error "$out/master.m3u8"
}

@test "a tar reader that goes away stops the packager quietly" {
    run --separate-stderr bash -c "sv-package -o - '$(fixture ladder_360p.ts)' |
        head -c 100 > /dev/null; echo \${PIPESTATUS[0]}"
    assert_eq "$output" 1
    assert_eq "$stderr" ""
}

@test "events: one per segment and one at the end" {
    sv-package -q -s 2 --events "$BATS_TEST_TMPDIR/ev" -o "$out" \
        "$(fixture ladder_360p.ts)"
    local ev=$BATS_TEST_TMPDIR/ev
    assert_eq "$(jq -s 'map(select(.event == "package.segment.written")) |
        length' "$ev")" 12
    assert_eq "$(jq -c 'select(.event == "package.segment.written" and
        .data.rendition == "v1" and .data.number == 2) | .data |
        [.rendition, .number, .duration]' "$ev")" '["v1",2,2]'
    assert_eq "$(jq -c 'select(.event == "package.complete") | .data |
        [.output, .renditions, .segments, .duration]' "$ev")" \
        "[\"$out\",4,12,6]"
    assert_eq "$(tail -1 "$ev" | jq -r .tool)" sv-package
}

@test "not media: a clear error and no package" {
    run -1 --separate-stderr sv-package -o "$out" "$(fixture notmedia.txt)"
    assert_eq "$stderr" "sv-package: cannot read '$(fixture notmedia.txt)': not audio or video"
    [ ! -e "$out/package.json" ] && [ ! -e "$out/master.m3u8" ]
}

@test "a truncated MP4: a clear error and no package" {
    run -1 --separate-stderr sv-package -o "$out" "$(fixture truncated.mp4)"
    assert_match "$stderr" "^sv-package: cannot read '.*truncated.mp4': "
    [ ! -e "$out/package.json" ] && [ ! -e "$out/master.m3u8" ]
}

@test "no video: a clear error and no package" {
    run -1 --separate-stderr sv-package -o "$out" "$(fixture audio_only.m4a)"
    assert_eq "$stderr" "sv-package: no video stream in '$(fixture audio_only.m4a)'"
    [ ! -e "$out/package.json" ]
}

@test "an input that does not exist: a clear error" {
    run -1 --separate-stderr sv-package -o "$out" "$BATS_TEST_TMPDIR/nope.ts"
    assert_eq "$stderr" "sv-package: cannot read '$BATS_TEST_TMPDIR/nope.ts': no such file or directory"
}

@test "renditions with misaligned keyframes: an error and no package" {
    run -1 --separate-stderr sv-package -s 2 -o "$out" --events "$BATS_TEST_TMPDIR/ev" \
        "$(fixture ladder_misaligned.ts)"
    assert_eq "$stderr" "sv-package: keyframes of rendition v1 are not aligned with rendition v0: no keyframe at 2.000s"
    [ ! -e "$out/package.json" ]
    [ ! -e "$out/master.m3u8" ]
    [ ! -e "$out/manifest.mpd" ]
    [ ! -e "$out/v0.m3u8" ]
    assert_eq "$(tail -1 "$BATS_TEST_TMPDIR/ev" | jq -c '[.event, .data.code]')" \
        '["error","EFORMAT"]'
}

@test "a timestamp reset becomes a discontinuity and a new Period" {
    sv-package -q -s 2 --events "$BATS_TEST_TMPDIR/ev" -o "$out" \
        "$(fixture ladder_reset.ts)"
    assert_eq "$(grep -c '^#EXT-X-DISCONTINUITY$' "$out/v0.m3u8")" 1
    assert_eq "$(grep -A2 '^#EXT-X-DISCONTINUITY$' "$out/v0.m3u8" | tail -1)" \
        "v0/seg-4.m4s"
    assert_eq "$(grep -c '<Period ' "$out/manifest.mpd")" 2
    # the new timeline starts half a second after the old one ended
    grep -q '<Period id="p1" start="PT6.500S">' "$out/manifest.mpd"
    assert_eq "$(jq -c .discontinuities "$out/package.json")" \
        '[{"number":4,"time":6.5}]'
    assert_eq "$(jq -c 'select(.event == "package.discontinuity" and
        .data.rendition == "v0") | .data' "$BATS_TEST_TMPDIR/ev")" \
        '{"rendition":"v0","jump":-6,"reason":"reset"}'
    # the timeline stays continuous: 12 s of media, readable end to end
    assert_eq "$(frames "$(concat v0)" v:0)" 360
}

@test "a gap in the input is reported and becomes a discontinuity" {
    sv-package -q -s 2 --events "$BATS_TEST_TMPDIR/ev" -o "$out" \
        "$(fixture ladder_gap.ts)"
    assert_eq "$(jq -c 'select(.event == "package.gap" and
        .data.rendition == "v0") | .data' "$BATS_TEST_TMPDIR/ev")" \
        '{"rendition":"v0","seconds":24}'
    assert_eq "$(grep -c '^#EXT-X-DISCONTINUITY$' "$out/v1.m3u8")" 1
    assert_eq "$(jq '.renditions[0].duration' "$out/package.json")" 12.5
}

@test "junk and a jump in a live input: renditions stay aligned" {
    run --separate-stderr sv-package --live --dvr -s 2 -o "$out" \
        --events "$BATS_TEST_TMPDIR/ev" < "$(fixture ladder_garbage.ts)"
    [ "$status" -eq 0 ] || fail "$stderr"
    local r n
    n=$(jq '.renditions[0].segments | length' "$out/package.json")
    [ "$n" -ge 2 ]
    for r in 1 2 3; do
        assert_eq "$(jq --argjson r $r '.renditions[$r].segments | length' \
            "$out/package.json")" "$n"
    done
    # one jump, the same for every video rendition
    assert_eq "$(jq -s 'map(select(.event == "package.gap")) | length' \
        "$BATS_TEST_TMPDIR/ev")" 4
    assert_eq "$(grep -c '^#EXT-X-DISCONTINUITY$' "$out/v2.m3u8")" 1
    assert_eq "$(jq -c '[.renditions[0,1,2].segments[-1].time]' \
        "$out/package.json" | jq 'unique | length')" 1
    ffprobe -v error "$out/master.m3u8"
}

@test "live: messy input never stops the packager" {
    local src n=0
    src=$(fixture ladder_360p.ts)
    # a chunk played twice, chunks out of order, a cut in mid-packet
    { head -c 1500000 "$src"; tail -c +1000001 "$src"; } > "$BATS_TEST_TMPDIR/1.ts"
    { tail -c +1500000 "$src" | head -c 1000000; head -c 1500000 "$src";
      tail -c +2500000 "$src"; } > "$BATS_TEST_TMPDIR/2.ts"
    { head -c 1234567 "$src"; tail -c +1900000 "$src"; } > "$BATS_TEST_TMPDIR/3.ts"
    for f in 1 2 3; do
        rm -rf "$out"
        run --separate-stderr sv-package --live --ll-hls -s 2 -o "$out" \
            < "$BATS_TEST_TMPDIR/$f.ts"
        [ "$status" -eq 0 ] || fail "input $f: $stderr"
        assert_eq "$(tail -1 "$out/v1.m3u8")" "#EXT-X-ENDLIST"
        assert_eq "$(jq '[.renditions[].segments | length] | unique | length' \
            "$out/package.json")" 1
        n=$((n + $(jq '.discontinuities | length' "$out/package.json")))
    done
    [ "$n" -ge 2 ] || fail "only $n discontinuities"
}

@test "live: a sliding window, program date times, old segments deleted" {
    sv-package -q --live -s 2 --window 6s -o "$out" < "$(fixture ladder_reset.ts)"
    local p=$out/v0.m3u8
    # 6 segments; the window holds 3 of them at the end, the first of
    # which follows the reset
    grep -qx '#EXT-X-MEDIA-SEQUENCE:4' "$p"
    grep -qx '#EXT-X-DISCONTINUITY-SEQUENCE:0' "$p"
    assert_eq "$(grep -A2 '^#EXT-X-DISCONTINUITY$' "$p" | tail -1)" \
        "#EXTINF:2.00000,"
    assert_eq "$(grep -c '^#EXT-X-PROGRAM-DATE-TIME:' "$p")" 3
    assert_eq "$(tail -1 "$p")" "#EXT-X-ENDLIST"
    run ! grep -q 'PLAYLIST-TYPE' "$p"
    assert_eq "$(jq -r '.type, .ended, .timing.window' "$out/package.json" |
        tr '\n' ' ')" "live true 6 "
    # ended: the MPD is static and starts at the window's first segment
    grep -q 'type="static"' "$out/manifest.mpd"
    grep -q 'startNumber="4"' "$out/manifest.mpd"
    ffprobe -v error "$out/master.m3u8"
}

@test "live: segments leave the disk a grace period after the window" {
    sv-package -q --live -s 1 --window 2s -o "$out" < "$(fixture ladder_gap.ts)"
    # 12 s of media in 2 s segments (keyframes every 2 s): the first ones
    # left the window long enough ago to be gone
    [ ! -e "$out/v0/seg-1.m4s" ]
    [ ! -e "$out/a0/seg-1.m4s" ]
    [ -e "$out/v0/seg-6.m4s" ]
    [ -e "$out/v0/init.mp4" ]
}

@test "live: a source without keyframes still gets segments" {
    run --separate-stderr sv-package --live --dvr -s 1 -o "$out" \
        < "$(fixture one_keyframe.ts)"
    [ "$status" -eq 0 ]
    assert_match "${stderr_lines[0]}" \
        '^sv-package: warning: no keyframe in rendition v0 for 4\.0s: segment 2 starts without one$'
    assert_eq "$(jq -c '[.renditions[0].segments[].duration]' \
        "$out/package.json")" "[4,4,2]"
    assert_eq "$(frames "$(concat v0)" v:0)" 300
}

@test "live --dvr keeps every segment in an EVENT playlist" {
    sv-package -q --live --dvr -s 2 -o "$out" < "$(fixture ladder_360p.ts)"
    grep -qx '#EXT-X-PLAYLIST-TYPE:EVENT' "$out/v0.m3u8"
    grep -qx '#EXT-X-MEDIA-SEQUENCE:1' "$out/v0.m3u8"
    assert_eq "$(jq '.timing.dvr' "$out/package.json")" true
}

@test "live --ll-hls publishes parts, at most the part duration each" {
    sv-package -q --live --ll-hls -s 2 --part-duration 0.5 -o "$out" \
        < "$(fixture ladder_360p.ts)"
    [ -s "$out/v0/seg-1.0.m4s" ]
    [ -s "$out/a0/seg-3.3.m4s" ]
    # the parts of a segment are the segment, byte for byte
    cmp <(cat "$out"/v1/seg-2.{0,1,2,3}.m4s) "$out/v1/seg-2.m4s"
    assert_eq "$(jq '[.renditions[].segments[].parts[]?.duration] | max' \
        "$out/package.json")" 0.5
    assert_eq "$(jq '.part_target' "$out/package.json")" 0.5
    # a part starts a segment's worth of media readable on its own
    assert_eq "$(cat "$out/v0/init.mp4" "$out/v0/seg-2.0.m4s" |
        ffprobe -v error -count_frames -select_streams v:0 \
        -show_entries stream=nb_read_frames -of csv=p=0 -)" 15
    grep -qx '#EXT-X-VERSION:9' "$out/v0.m3u8"
}

@test "live --ll-dash writes chunks that are the segment, byte for byte" {
    sv-package -q --live --ll-dash -s 2 --part-duration 0.5 -o "$out" \
        < "$(fixture ladder_360p.ts)"
    cmp <(cat "$out"/v1/seg-2.{0,1,2,3}.m4s) "$out/v1/seg-2.m4s"
    cmp <(cat "$out"/a0/seg-3.[0-9].m4s) "$out/a0/seg-3.m4s"
    assert_eq "$(jq -c '[.ll_dash, .ll_hls, .part_duration]' \
        "$out/package.json")" '[true,false,0.5]'
    # no LL-HLS without --ll-hls
    if grep -q EXT-X-PART "$out/v0.m3u8"; then fail "LL-HLS parts listed"; fi
    # both: the same parts serve LL-HLS and LL-DASH
    rm -rf "$out"
    sv-package -q --live --ll-hls --ll-dash -s 2 -o "$out" \
        < "$(fixture ladder_360p.ts)"
    assert_eq "$(jq -c '[.ll_dash, .ll_hls]' "$out/package.json")" \
        '[true,true]'
    cmp <(cat "$out"/v0/seg-2.{0,1,2,3}.m4s) "$out/v0/seg-2.m4s"
}

# live_source: a live source that never ends on its own (1 s keyframes),
# joined by the FIFO $BATS_TEST_TMPDIR/ts; sets src
live_source() {
    mkfifo "$BATS_TEST_TMPDIR/ts"
    ffmpeg -nostdin -loglevel error -re -f lavfi \
        -i testsrc2=size=320x180:rate=30 -c:v libx264 -preset ultrafast \
        -g 30 -pix_fmt yuv420p -f mpegts -y "$BATS_TEST_TMPDIR/ts" \
        2>/dev/null &
    src=$!
}

@test "live --ll-dash publishes a dynamic MPD with availabilityTimeOffset" {
    live_source
    sv-package -q --live --ll-dash -s 1 --part-duration 0.5 -o "$out" \
        < "$BATS_TEST_TMPDIR/ts" &
    pkg=$!
    wait_for grep -q 'type="dynamic"' "$out/manifest.mpd"
    cp "$out/manifest.mpd" "$BATS_TEST_TMPDIR/mpd"
    kill -TERM "$pkg"
    wait "$pkg"
    grep -q 'type="dynamic"' "$BATS_TEST_TMPDIR/mpd"
    grep -q 'availabilityTimeOffset="0.500" availabilityTimeComplete="false"' \
        "$BATS_TEST_TMPDIR/mpd"
    grep -q '<Latency target="1000" max="3000"/>' "$BATS_TEST_TMPDIR/mpd"
    # ended: a static MPD without it
    if grep -q availabilityTimeOffset "$out/manifest.mpd"; then
        fail "an ended MPD announces chunks"
    fi
}

@test "SIGTERM ends a live package cleanly" {
    live_source
    sv-package -q --live -s 1 -o "$out" < "$BATS_TEST_TMPDIR/ts" &
    pkg=$!
    wait_for test -s "$out/master.m3u8"
    kill -TERM "$pkg"
    local st=0
    wait "$pkg" || st=$?
    assert_eq "$st" 0
    assert_eq "$(tail -1 "$out/v0.m3u8")" "#EXT-X-ENDLIST"
    assert_eq "$(jq .ended "$out/package.json")" true
}

teardown() {
    [ -z "${src:-}" ] || kill "$src" 2>/dev/null || true
    [ -z "${pkg:-}" ] || kill "$pkg" 2>/dev/null || true
}

# ---- --encrypt ----------------------------------------------------------

@test "--encrypt needs keys, and key options need --encrypt" {
    run -2 --separate-stderr sv-package --encrypt cenc -o x in.mp4
    assert_eq "${stderr_lines[0]}" \
        "sv-package: --encrypt needs keys (--key <file> or --store <file>)"
    run -2 --separate-stderr sv-package --key k.json -o x in.mp4
    assert_eq "${stderr_lines[0]}" "sv-package: --key needs --encrypt"
    run -2 --separate-stderr sv-package --systems widevine -o x in.mp4
    assert_eq "${stderr_lines[0]}" "sv-package: --systems needs --encrypt"
}

@test "--encrypt rejects bad schemes, systems and combinations" {
    run -2 --separate-stderr sv-package --encrypt aes-128 --key k -o x
    assert_eq "${stderr_lines[0]}" \
        "sv-package: bad --encrypt 'aes-128': expected cenc or cbcs"
    run -2 --separate-stderr sv-package --encrypt cenc --key k \
        --systems widevine,nope -o x
    assert_eq "${stderr_lines[0]}" \
        "sv-package: bad --systems 'widevine,nope': unknown system 'nope'"
    run -2 --separate-stderr sv-package --encrypt cenc --key k --store s -o x
    assert_eq "${stderr_lines[0]}" \
        "sv-package: options --key and --store cannot be used together"
    run -2 --separate-stderr sv-package --encrypt cbcs --key k \
        --segments ts -o x
    assert_eq "${stderr_lines[0]}" \
        "sv-package: options --encrypt and --segments ts cannot be used together"
    run -2 --separate-stderr sv-package --encrypt cenc --key k \
        --single-file -o x
    assert_eq "${stderr_lines[0]}" \
        "sv-package: options --encrypt and --single-file cannot be used together"
}

@test "--encrypt with a bad or missing key file fails before writing" {
    cd "$BATS_TEST_TMPDIR"
    echo '{"v":1,"keys":[{"kid":"zz"}]}' > bad.json
    run -1 --separate-stderr sv-package "$(fixture h264_aac_360p.mp4)" \
        -o "$out" --encrypt cenc --key bad.json
    assert_match "${stderr_lines[0]}" "^sv-package: bad key file 'bad.json': "
    run -1 --separate-stderr sv-package "$(fixture h264_aac_360p.mp4)" \
        -o "$out" --encrypt cenc --key none.json
    assert_eq "${stderr_lines[0]}" \
        "sv-package: cannot open 'none.json': no such file or directory"
    sv-drm keygen --content-id a > k.json
    run -1 --separate-stderr sv-package "$(fixture h264_aac_360p.mp4)" \
        -o "$out" --encrypt cenc --key k.json --content-id b
    assert_eq "${stderr_lines[0]}" "sv-package: no key in 'k.json' matches"
    [ ! -e "$out" ]
}

@test "--encrypt --store without the master key is a usage error" {
    cd "$BATS_TEST_TMPDIR"
    run -2 --separate-stderr env -u SV_DRM_MASTER_KEY sv-package \
        "$(fixture h264_aac_360p.mp4)" -o "$out" --encrypt cenc --store ks
    assert_eq "${stderr_lines[0]}" \
        "sv-package: SV_DRM_MASTER_KEY is not set (64 hex digits)"
    [ ! -e "$out" ]
}

@test "--encrypt cbcs writes encv/enca with sinf, senc per fragment and the record" {
    cd "$BATS_TEST_TMPDIR"
    sv-drm keygen > k.json
    sv-package -q "$(fixture h264_aac_360p.mp4)" -o "$out" -s 1s \
        --encrypt cbcs --key k.json --systems widevine
    assert_eq "$(jq -c '.encryption | [.tool, .scheme, .keys[0].kid, [.pssh[].system]]' "$out/package.json")" \
        "[\"sv-package\",\"cbcs\",\"$(jq -r '.keys[0].kid' k.json)\",[\"widevine\"]]"
    grep -q encv "$out/v0/init.mp4" && grep -q enca "$out/a0/init.mp4"
    grep -q tenc "$out/v0/init.mp4" && grep -q pssh "$out/v0/init.mp4"
    grep -q senc "$out/v0/seg-2.m4s"
    # still a valid CMAF track that ffprobe reads (as encrypted H.264)
    assert_match "$(ffprobe -v error -show_entries stream=codec_name \
        -of csv=p=0 "$out/v0/init.mp4")" '^h264'

}

@test "--encrypt fails on a codec Common Encryption is not wired for" {
    cd "$BATS_TEST_TMPDIR"
    sv-drm keygen > k.json
    run -1 --separate-stderr sv-package "$(fixture vp9_opus_360p.webm)" \
        -o "$out" --encrypt cenc --key k.json
    assert_eq "${stderr_lines[0]}" \
        "sv-package: cannot encrypt the init segment of v0: cannot encrypt codec 'vp09'"
    [ ! -e "$out/package.json" ] && [ ! -e "$out/master.m3u8" ]
}

# ---- usage errors, exact messages (issue 9) ---------------------------------
# Every usage error: status 2, nothing on stdout, and on stderr exactly the
# message and the --help hint.

# package_usage MSG ARGS...: sv-package ARGS fails that way with MSG
package_usage() {
    local msg=$1
    shift
    run -2 --separate-stderr sv-package "$@"
    assert_eq "$output" ""
    assert_eq "$stderr" "sv-package: $msg
Try 'sv-package --help' for more information."
}

@test "usage: unknown options, missing values and operands" {
    package_usage "unknown option '--nope'" --nope
    package_usage "unknown option '-Z'" -Z
    package_usage "option '--gap' needs a value" --gap
    package_usage "option '-o' needs a value" -o
    package_usage "an output is required (-o <dir> or -o -)" in.mp4
    package_usage "empty argument" -o x ""
    package_usage "options --quiet and --verbose cannot be used together" \
        -q -v -o x
    package_usage "--live takes one input" --live -o x a.ts b.ts
}

@test "usage: every conflict names both options" {
    package_usage "options --dvr and --window cannot be used together" \
        --live --dvr --window 30s -o x
    package_usage "options --live and --single-file cannot be used together" \
        --live --single-file -o x
    package_usage "options --segments ts and --ll-hls cannot be used together" \
        --segments ts --live --ll-hls -o x
    package_usage "options --segments ts and --ll-dash cannot be used together" \
        --segments ts --live --ll-dash -o x
    package_usage "options --segments ts and --single-file cannot be used together" \
        --segments ts --single-file -o x
    package_usage "options --encrypt and --single-file cannot be used together" \
        --encrypt cenc --key k --single-file -o x
    package_usage "options --encrypt and --segments ts cannot be used together" \
        --encrypt cbcs --key k --segments ts -o x
    package_usage "options --key and --store cannot be used together" \
        --encrypt cenc --key k --store s -o x
}

@test "usage: options that need another" {
    local o
    package_usage "MPEG-TS segments are for HLS only (--manifests hls)" \
        --segments ts --manifests dash -o x
    package_usage "--dvr needs --live" --dvr -o x
    package_usage "--window needs --live" --window 30s -o x
    package_usage "--ll-hls needs --live" --ll-hls -o x
    package_usage "--ll-dash needs --live" --ll-dash -o x
    package_usage "--part-duration needs --ll-hls or --ll-dash" \
        --live --part-duration 1s -o x
    package_usage "--ll-hls needs the hls manifest" \
        --live --ll-hls --manifests dash -o x
    package_usage "--ll-dash needs the dash manifest" \
        --live --ll-dash --manifests hls -o x
    package_usage "--part-duration must be at most half of --segment-duration" \
        --live --ll-hls --part-duration 3s -o x
    package_usage "--live cannot write a tar stream (-o -)" --live -o -
    package_usage "--window must hold two segments at least" \
        --live --window 6s -o x
    package_usage "--encrypt needs keys (--key <file> or --store <file>)" \
        --encrypt cenc -o x
    for o in key store content-id key-uri; do
        package_usage "--$o needs --encrypt" "--$o" v -o x
    done
    package_usage "--systems needs --encrypt" --systems widevine -o x
}

@test "usage: bad durations" {
    package_usage "bad --segment-duration '0.4s': expected a duration of at least 500ms" \
        -s 0.4s -o x
    package_usage "bad --window '1m30': expected a duration of at least 1s" \
        --live -w 1m30 -o x
    package_usage "bad --part-duration '0.1': expected a duration of at least 200ms" \
        --live --ll-hls --part-duration 0.1 -o x
    package_usage "bad --gap '50ms': expected a duration of at least 100ms" \
        --gap 50ms -o x
}

@test "usage: bad sizes and choices" {
    package_usage "bad --max-buffer '512K': expected a size of at least 1M" \
        --max-buffer 512K -o x
    package_usage "bad --max-buffer '1T': expected a size of at least 1M" \
        --max-buffer 1T -o x
    package_usage "bad --manifests 'smooth': expected hls, dash, hls,dash or dash,hls" \
        --manifests smooth -o x
    package_usage "bad --segments 'mp4': expected fmp4 or ts" \
        --segments mp4 -o x
    package_usage "bad --encrypt 'aes-128': expected cenc or cbcs" \
        --encrypt aes-128 --key k -o x
    package_usage "bad --systems 'widevine,nope': unknown system 'nope'" \
        --encrypt cenc --key k --systems widevine,nope -o x
}

@test "usage: --events that cannot be opened" {
    package_usage "bad --events '$BATS_TEST_TMPDIR/no/ev': no such file or directory" \
        -o "$BATS_TEST_TMPDIR/out" --events "$BATS_TEST_TMPDIR/no/ev" in.mp4
    package_usage "bad --events 'fd:x': expected a path, fd:N or -" \
        -o "$BATS_TEST_TMPDIR/out" --events fd:x in.mp4
}

# ---- content steering (issue 18) ----

@test "usage: --pathway is <id>=<url> with a base ending in /, --steering-uri needs one" {
    run -2 --separate-stderr sv-package -o "$BATS_TEST_TMPDIR/o" --pathway a
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    assert_eq "$stderr" "sv-package: bad --pathway 'a': expected <id>=<url>
Try 'sv-package --help' for more information."
    run -2 --separate-stderr sv-package -o "$BATS_TEST_TMPDIR/o" \
        --pathway 'a=http://cdn.example/x'
    assert_eq "$stderr" "sv-package: bad --pathway: a pathway base is not a URL ending in '/'
Try 'sv-package --help' for more information."
    run -2 --separate-stderr sv-package -o "$BATS_TEST_TMPDIR/o" \
        --steering-uri /steering
    assert_eq "$stderr" "sv-package: --steering-uri needs --pathway
Try 'sv-package --help' for more information."
}

# hdr10 OUT.ts: 2 s of 320x240 HDR10 (zscale to PQ BT.2020, libx265 Main 10
# with mastering display and content light level SEI on every keyframe)
hdr10() {
    _ff -f lavfi -i "$(_v 320x240 2 25)" -vf "zscale=tin=bt709:min=bt709:pin=bt709:rin=tv:t=smpte2084:m=2020_ncl:p=2020:r=tv:npl=100,format=yuv420p10le" \
        -c:v libx265 -preset ultrafast -x265-params "log-level=error:keyint=25:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1):max-cll=1000,400:hdr10=1:repeat-headers=1" \
        "$1"
}

@test "HDR10 HEVC keeps its signalling: colr, mdcv, clli, VIDEO-RANGE=PQ, CICP properties (issue 16)" {
    local in=$BATS_TEST_TMPDIR/hdr.ts src
    hdr10 "$in"
    _ff -i "$in" -c copy -tag:v hvc1 "$BATS_TEST_TMPDIR/hdr.mp4"
    # from our TS reader (SPS VUI, Annex B SEI) and from MP4 (hvcC's SPS,
    # length-prefixed SEI)
    for src in "$in" "$BATS_TEST_TMPDIR/hdr.mp4"; do
        rm -rf "$out"
        sv-package -q -o "$out" "$src"
        run ffprobe -v error -show_entries stream=color_transfer,color_primaries,color_space:stream_side_data=side_data_type,red_x,max_luminance,max_content,max_average \
            -of compact=p=0 "$(concat v0)"
        # stream side data in MP4 comes from the init segment's boxes
        assert_eq "${lines[0]}" "color_space=bt2020nc|color_transfer=smpte2084|color_primaries=bt2020|side_data_type=Mastering display metadata|red_x=34000/50000|max_luminance=10000000/10000"
        assert_eq "${lines[1]}" "side_data_type=Content light level metadata|max_content=1000|max_average=400"
        run grep -c 'colrnclx' "$out/v0/init.mp4"
        assert_eq "$output" 1
        run grep -o 'CODECS="[^"]*",RESOLUTION=320x240,FRAME-RATE=25.000,VIDEO-RANGE=PQ$' \
            "$out/master.m3u8"
        assert_eq "$output" 'CODECS="hvc1.2.4.L60.90",RESOLUTION=320x240,FRAME-RATE=25.000,VIDEO-RANGE=PQ'
        run grep -c -e '<EssentialProperty schemeIdUri="urn:mpeg:mpegB:cicp:TransferCharacteristics" value="16"/>' \
            -e '<SupplementalProperty schemeIdUri="urn:mpeg:mpegB:cicp:ColourPrimaries" value="9"/>' \
            -e '<SupplementalProperty schemeIdUri="urn:mpeg:mpegB:cicp:MatrixCoefficients" value="9"/>' \
            "$out/manifest.mpd"
        assert_eq "$output" 3
        assert_eq "$(jq -c '.renditions[0] | [.video_range, .colour]' "$out/package.json")" \
            '["PQ",{"primaries":9,"transfer":16,"matrix":9}]'
    done
}

@test "untagged SDR video names no VIDEO-RANGE and no colour properties" {
    _ff -f lavfi -i "$(_v 320x240 1 25)" -c:v libx264 -preset ultrafast \
        "$BATS_TEST_TMPDIR/sdr.ts"
    sv-package -q -o "$out" "$BATS_TEST_TMPDIR/sdr.ts"
    run grep -c 'VIDEO-RANGE' "$out/master.m3u8"
    assert_eq "$output" 0
    run grep -c 'cicp' "$out/manifest.mpd"
    assert_eq "$output" 0
    run grep -c 'colr' "$out/v0/init.mp4"
    assert_eq "$output" 0
}

# thumbs DIR: a 4 s 320x240 ladder TS with sv-transcode's thumbnails in DIR
thumbs() {
    _ff -f lavfi -i "$(_v 320x240 4 25)" -c:v libx264 -preset ultrafast \
        -pix_fmt yuv420p "$BATS_TEST_TMPDIR/src.mp4"
    sv-transcode "$BATS_TEST_TMPDIR/src.mp4" -l 240p:300k -q \
        --thumbnails "$1" --thumbnail-interval 1s > "$BATS_TEST_TMPDIR/lad.ts"
}

@test "--thumbnails links the track: HLS image playlist, DASH image AdaptationSet, the WebVTT (issue 16)" {
    local th=$BATS_TEST_TMPDIR/th bw
    thumbs "$th"
    sv-package -q --thumbnails "$th" -o "$out" "$BATS_TEST_TMPDIR/lad.ts"
    cmp "$th/thumbnails.vtt" "$out/thumbs/thumbnails.vtt"
    cmp "$th/sprite-000.jpg" "$out/thumbs/sprite-000.jpg"
    cmp "$th/poster.jpg" "$out/thumbs/poster.jpg"
    # bandwidth: the sheet's bits over the 4 s it covers
    bw=$(( ($(stat -c %s "$th/sprite-000.jpg") * 8 + 3) / 4 ))
    assert_eq "$(tail -1 "$out/master.m3u8")" \
        "#EXT-X-IMAGE-STREAM-INF:BANDWIDTH=$bw,RESOLUTION=1600x1200,CODECS=\"jpeg\",URI=\"thumbs/images.m3u8\""
    assert_eq "$(cat "$out/thumbs/images.m3u8")" "#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:100
#EXT-X-MEDIA-SEQUENCE:1
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-IMAGES-ONLY
#EXTINF:4.00000,
#EXT-X-TILES:RESOLUTION=160x120,LAYOUT=10x1,DURATION=1.00000
sprite-000.jpg
#EXT-X-ENDLIST"
    # the sheet is what the tiles line says: 10 cells of 160x120 in a row
    assert_eq "$(ffprobe -v error -show_entries stream=codec_name,width,height \
        -of csv=p=0 "$out/thumbs/sprite-000.jpg")" "mjpeg,1600,120"
    run grep -A5 'contentType="image"' "$out/manifest.mpd"
    # shellcheck disable=SC2016 # $Number%03d$ is the MPD's, not the shell's
    assert_eq "${lines[1]}" '      <SegmentTemplate media="thumbs/sprite-$Number%03d$.jpg" timescale="1000" duration="100000" startNumber="0"/>'
    assert_eq "${lines[2]}" "      <Representation id=\"thumbnails\" bandwidth=\"$bw\" width=\"1600\" height=\"1200\">"
    assert_eq "${lines[3]}" '        <EssentialProperty schemeIdUri="http://dashif.org/thumbnail_tile" value="10x10"/>'
    assert_eq "$(jq -c '.thumbnails | [.vtt, .playlist, .poster, .cells, .columns, .rows, .width, .height, .interval]' "$out/package.json")" \
        '["thumbs/thumbnails.vtt","thumbs/images.m3u8","thumbs/poster.jpg",4,10,10,160,120,1]'
    # the media still plays from the same master, and the package checks
    # clean (the image set is not a rendition)
    run ffprobe -v error -show_entries stream=codec_name -of csv=p=0 \
        "$out/master.m3u8"
    [ "$status" -eq 0 ]
    assert_match "$output" "h264"
    run sv-stats probe "$out"
    assert_eq "$(jq -c '[.valid, .faults]' <<<"$output")" '[true,[]]'
}

@test "--thumbnails refuses a track whose cues do not match its cells, and --live" {
    local th=$BATS_TEST_TMPDIR/th
    thumbs "$th"
    sed -i 's/^00:00:02.000 --> /00:00:02.500 --> /' "$th/thumbnails.vtt"
    run -1 --separate-stderr sv-package --thumbnails "$th" -o "$out" \
        "$BATS_TEST_TMPDIR/lad.ts"
    assert_eq "$stderr" "sv-package: thumbnails '$th': thumbnails.vtt: line 9: cue 3 starts at 2500 ms, not 2000"
    [ ! -e "$out/master.m3u8" ]
    [ ! -e "$out/package.json" ]
    run -2 --separate-stderr sv-package --live --thumbnails "$th" -o "$out"
    assert_eq "${stderr_lines[0]}" \
        "sv-package: options --live and --thumbnails cannot be used together"
}
