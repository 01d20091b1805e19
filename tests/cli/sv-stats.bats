#!/usr/bin/env bats
# sv-stats.bats -- the command line of sv-stats

load ../helpers
bats_require_minimum_version 1.5.0

@test "--version names the tool" {
    run sv-stats --version
    [ "$status" -eq 0 ]
    assert_match "$output" "^sv-stats "
}

# ---- probe ----

# _mfx NAME: a media fixture of this file's own, made once per run
_mfx() {
    local out=$BATS_FILE_TMPDIR/$1
    [ -s "$out" ] && { echo "$out"; return 0; }
    case $1 in
    loud.m4a)       # 10 s: quiet then loud, so the range is not 0
        _ff -f lavfi -i "sine=frequency=1000:sample_rate=48000:duration=10" \
            -af "volume='if(lt(t,5),0.05,0.5)':eval=frame" -ac 2 \
            -c:a aac -b:a 128k "$out" ;;
    hdr10.mp4)      # HEVC Main 10, PQ, mastering display and CLL in SEI
        _ff -f lavfi -i "$(_v 320x180 1)" -c:v libx265 -preset ultrafast \
            -pix_fmt yuv420p10le -tag:v hvc1 -x265-params "log-level=none:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc:master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1):max-cll=1000,400:hdr10=1" \
            "$out" ;;
    pkg2)           # sv-package: two renditions, 2 s segments
        sv-package -q -s 2s -o "$out" "$(fixture h264_aac_360p.mp4)" \
            "$(fixture h264_aac_180p.mp4)" ;;
    pkg_180p_3s)    # the 180p rung alone, cut every 3 s
        sv-package -q -s 3s -o "$out" "$(fixture h264_aac_180p.mp4)" ;;
    pkg4)           # both rungs, one 4 s segment each
        sv-package -q -s 4s -o "$out" "$(fixture h264_aac_360p.mp4)" \
            "$(fixture h264_aac_180p.mp4)" ;;
    ladder_pkg)     # three video rungs and audio out of one TS
        sv-package -q -s 2s -o "$out" "$(fixture ladder_360p.ts)" ;;
    esac
    [ -e "$out" ] || return 1
    echo "$out"
}

# _copy_pkg NAME: a private copy of a package fixture, to break
_copy_pkg() {
    local dst=$BATS_TEST_TMPDIR/$1
    cp -r "$(_mfx "$1")" "$dst"
    echo "$dst"
}

# _packets FILE STREAM: packets ffprobe reads (frames, for audio too)
_packets() {
    ffprobe -v error -select_streams "$2" -count_packets \
        -show_entries stream=nb_read_packets -of csv=p=0 "$1"
}

# _avc1 FILE: the RFC 6381 string from the avcC box's own bytes
_avc1() {
    python3 -c 'import sys
d = open(sys.argv[1], "rb").read()
i = d.find(b"avcC")
print("avc1." + d[i + 5:i + 8].hex())' "$1"
}

@test "probe: codec strings, durations and frame counts agree with ffprobe" {
    local f
    f=$(fixture h264_aac_360p.mp4)
    run --separate-stderr sv-stats probe --fast "$f"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -r '.streams[0].codecs' <<<"$output")" "$(_avc1 "$f")"
    assert_eq "$(probe "$f" | jq -r '.streams[1].profile')" "LC"
    assert_eq "$(jq -r '.streams[1].codecs' <<<"$output")" "mp4a.40.2"
    assert_eq "$(jq -r ".streams[0].frames" <<<"$output")" "$(frames "$f" 0)"
    for i in 0 1; do
        assert_eq "$(jq -r ".streams[$i].frames" <<<"$output")" \
            "$(_packets "$f" "$i")"
        want=$(probe "$f" | jq -r ".streams[$i].duration")
        got=$(jq -r ".streams[$i].duration" <<<"$output")
        awk -v a="$got" -v b="$want" 'BEGIN { exit !(a - b < 0.001 && b - a < 0.001) }' ||
            fail "stream $i: duration $got, ffprobe $want"
    done
    want=$(duration "$f")
    got=$(jq -r '.duration' <<<"$output")
    awk -v a="$got" -v b="$want" 'BEGIN { exit !(a - b < 0.001 && b - a < 0.001) }' ||
        fail "duration $got, ffprobe $want"
}

@test "probe: HEVC, VP9 and Opus streams as ffprobe sees them" {
    local f
    f=$(fixture hevc_aac_360p.mp4)
    run --separate-stderr sv-stats probe --fast "$f"
    [ "$status" -eq 0 ]
    # Main profile (1), no tier flag, level from ffprobe (90 = 3.0)
    assert_eq "$(probe "$f" | jq -r '.streams[0].profile')" "Main"
    assert_match "$(jq -r '.streams[0].codecs' <<<"$output")" \
        "^hvc1\.1\.6\.L$(probe "$f" | jq -r '.streams[0].level')\.90$"
    assert_eq "$(jq -r '.streams[0].frames' <<<"$output")" "$(frames "$f" 0)"
    f=$(fixture vp9_opus_360p.webm)
    run --separate-stderr sv-stats probe --fast "$f"
    [ "$status" -eq 0 ]
    assert_eq "$(probe "$f" | jq -r '.streams[0].profile')" "Profile 0"
    assert_match "$(jq -r '.streams[0].codecs' <<<"$output")" '^vp09\.00\.[0-9]{2}\.08$'
    assert_eq "$(jq -r '.streams[1].codecs' <<<"$output")" "opus"
    assert_eq "$(jq -r '.streams[0].frames' <<<"$output")" "$(frames "$f" 0)"
    assert_eq "$(jq -r '.streams[1].frames' <<<"$output")" "$(_packets "$f" 1)"
}

@test "probe: keyframe intervals are ffprobe's keyframe times apart" {
    local f s want got
    for f in "$(fixture h264_aac_360p.mp4)" "$(fixture ladder_360p.ts)"; do
        run --separate-stderr sv-stats probe --fast "$f"
        [ "$status" -eq 0 ]
        for s in $(jq -r '.streams[] | select(.type == "video") | .index' <<<"$output"); do
            want=$(keyframes "$f" "$s" | awk 'NR > 1 { d = $1 - p;
                if (n == 0 || d < lo) lo = d; if (n == 0 || d > hi) hi = d;
                sum += d; n++ } { p = $1 }
                END { printf "%d %.3f %.3f %.3f\n", NR, lo, hi, sum / n }')
            got=$(jq -r --argjson s "$s" '.streams[$s].gop |
                "\(.keyframes) \(.interval.min) \(.interval.max) \(.interval.mean)"' <<<"$output" |
                awk '{ printf "%d %.3f %.3f %.3f\n", $1, $2, $3, $4 }')
            assert_eq "$got" "$want"
            assert_eq "$(jq -r --argjson s "$s" '.streams[$s].gop.closed' <<<"$output")" true
        done
    done
}

@test "probe: bitrate per second adds up ffprobe's packet sizes" {
    local f want got
    f=$(fixture h264_aac_360p.mp4)
    run --separate-stderr sv-stats probe --fast "$f"
    [ "$status" -eq 0 ]
    want=$(ffprobe -v error -select_streams v:0 -show_entries \
        packet=pts_time,size -of csv=p=0 "$f" |
        awk -F, '{ b[int($1)] += $2 * 8; if (int($1) > m) m = int($1) }
            END { for (i = 0; i <= m; i++) printf "%d ", b[i] }')
    got=$(jq -r '.streams[0].bitrate.per_second | map(tostring) | join(" ")' <<<"$output")
    assert_eq "$got " "$want"
    assert_eq "$(jq '.streams[0].bitrate.peak == (.streams[0].bitrate.per_second | max)' <<<"$output")" true
    # the file's line sums its streams
    assert_eq "$(jq '.bitrate.per_second[0] == ([.streams[].bitrate.per_second[0]] | add)' <<<"$output")" true
}

@test "probe: loudness is ffmpeg's ebur128 summary" {
    local f sum want_i want_lra
    f=$(_mfx loud.m4a)
    sum=$(ffmpeg -nostdin -hide_banner -i "$f" -af ebur128 -f null - 2>&1 |
        sed -n '/Summary:/,$p')
    want_i=$(awk '$1 == "I:" { print $2 }' <<<"$sum")
    want_lra=$(awk '$1 == "LRA:" { print $2 }' <<<"$sum")
    run --separate-stderr sv-stats probe "$f"
    [ "$status" -eq 0 ]
    got=$(jq -r '.streams[0].loudness | "\(.integrated) \(.range)"' <<<"$output")
    assert_eq "$(awk '{ printf "%.1f %.1f", $1, $2 }' <<<"$got")" \
        "$(printf '%.1f %.1f' "$want_i" "$want_lra")"
    # not a constant tone: the range says so
    awk -v r="$want_lra" 'BEGIN { exit !(r > 5) }'
}

@test "probe: HDR10 signalling and side data as ffprobe reads the frame" {
    local f sd
    f=$(_mfx hdr10.mp4)
    sd=$(ffprobe -v error -select_streams v -read_intervals '%+#1' \
        -show_frames -show_entries frame_side_data_list -of json "$f" |
        jq -c '.frames[0].side_data_list')
    run --separate-stderr sv-stats probe "$f"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c '.streams[0].color | [.primaries, .transfer, .matrix, .hdr]' <<<"$output")" \
        "$(probe "$f" | jq -c '.streams[0] | [.color_primaries, .color_transfer, .color_space, "pq"]')"
    assert_eq "$(jq -c '.streams[0].color.content_light_level | [.max_cll, .max_fall]' <<<"$output")" \
        "$(jq -c '.[] | select(.side_data_type == "Content light level metadata") | [.max_content, .max_average]' <<<"$sd")"
    # ffprobe's fractions, as numbers
    assert_eq "$(jq -c '.streams[0].color.mastering_display | [.red[0], .green[1], .white[0], .min_luminance, .max_luminance]' <<<"$output")" \
        "$(jq -c '.[] | select(.side_data_type == "Mastering display metadata") |
            [.red_x, .green_y, .white_point_x, .min_luminance, .max_luminance] |
            map(split("/") | (.[0] | tonumber) / (.[1] | tonumber))' <<<"$sd")"
    assert_eq "$(jq -r '.streams[0].bit_depth' <<<"$output")" 10
}

@test "probe: SDR video has no HDR, --fast skips loudness" {
    run --separate-stderr sv-stats probe --fast "$(fixture h264_aac_360p.mp4)"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c '.streams[0].color.hdr' <<<"$output")" null
    assert_eq "$(jq -c '.streams[1] | has("loudness")' <<<"$output")" false
}

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
@test "probe: a package from sv-package is valid" {
    local p
    p=$(_mfx ladder_pkg)
    run --separate-stderr sv-stats probe "$p"
    [ "$status" -eq 0 ]
    assert_eq "$stderr" ""
    assert_eq "$(jq -c '[.kind, .valid, .faults, .alignment.aligned]' <<<"$output")" \
        '["package",true,[],true]'
    assert_eq "$(jq -c '[.renditions[].id]' <<<"$output")" \
        "$(jq -c '[.renditions[].id]' "$p/package.json")"
    assert_eq "$(jq -c '[.renditions[].segment_list[].media_duration]' <<<"$output")" \
        "$(jq -c '[.renditions[].segments[].duration * 1000 | round / 1000]' "$p/package.json")"
    assert_eq "$(jq -c '[.renditions[] | select(.type == "video") | .segment_list[].keyframe] | unique' <<<"$output")" \
        '[true]'
    # its playlists too, read by the HLS rules
    assert_eq "$(jq -c '[.hls.renditions[].id] | sort' <<<"$output")" \
        '["a0.m3u8","v0.m3u8","v1.m3u8","v2.m3u8"]'
    # and the playlist alone, as a player starts
    run --separate-stderr sv-stats probe "$p/master.m3u8"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c '[.kind, .valid, .alignment.checked]' <<<"$output")" \
        '["hls",true,["v1.m3u8","v2.m3u8"]]'
}

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
@test "probe: a removed segment is a fault, exit 1" {
    local p
    p=$(_copy_pkg pkg2)
    rm "$p/v1/seg-2.m4s"
    run --separate-stderr sv-stats probe "$p"
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-stats: missing segment 'v1/seg-2.m4s'"
    assert_eq "$(jq -c '[.valid, (.faults[] | [.rule, .rendition, .segment])]' <<<"$output")" \
        '[false,["missing_file","v1",2]]'
}

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
@test "probe: a rendition cut elsewhere is misaligned, exit 1" {
    local p
    p=$(_copy_pkg pkg2)
    # the 180p rung segmented on its own at 3 s, dropped in
    cp "$(_mfx pkg_180p_3s)"/v0/seg-*.m4s "$p/v1/"
    run --separate-stderr sv-stats probe "$p"
    [ "$status" -eq 1 ]
    assert_eq "$(grep -c 'renditions not aligned' <<<"$stderr")" 1
    grep -qxF "sv-stats: renditions not aligned: segment 2 of v1 starts at 3.000s, of v0 at 2.000s" <<<"$stderr"
    assert_eq "$(jq -c '[.alignment.aligned, ([.faults[].rule] | unique)]' <<<"$output")" \
        '[false,["misaligned","model_mismatch","target_duration"]]'
}

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
@test "probe: a segment over the target duration is a fault, exit 1" {
    local p
    p=$(_copy_pkg pkg2)
    cp "$(_mfx pkg4)/v0/seg-1.m4s" "$p/v0/seg-1.m4s"
    run --separate-stderr sv-stats probe "$p"
    [ "$status" -eq 1 ]
    grep -qxF "sv-stats: segment 'v0/seg-1.m4s' lasts 4.000s, over the target duration of 2s" <<<"$stderr"
    assert_eq "$(jq -c '[.faults[] | select(.rule == "target_duration") | [.rendition, .segment]]' <<<"$output")" \
        '[["v0",1]]'
    # the next segment now overlaps it
    assert_eq "$(jq -c '[.faults[] | select(.rule == "gap") | .segment]' <<<"$output")" '[2]'
}

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
@test "probe: a variant without CODECS is a fault, exit 1" {
    local p
    p=$(_copy_pkg pkg2)
    sed -i '0,/CODECS="[^"]*",\?/s///' "$p/master.m3u8"
    run --separate-stderr sv-stats probe "$p/master.m3u8"
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-stats: no CODECS in the EXT-X-STREAM-INF of 'v0.m3u8'"
}

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
@test "probe: an HLS playlist over HTTP, and its missing segment" {
    local p port pid
    p=$(_copy_pkg pkg2)
    port=$(free_port)
    (cd "$p" && exec python3 -m http.server "$port" --bind 127.0.0.1) \
        >/dev/null 2>&1 &
    pid=$!
    wait_for curl -sf "http://127.0.0.1:$port/master.m3u8" ||
        { kill "$pid"; fail "the HTTP server did not start"; }
    run --separate-stderr sv-stats probe "http://127.0.0.1:$port/master.m3u8"
    local st=$status out=$output
    rm -f "$p/v0/seg-2.m4s"
    run --separate-stderr sv-stats probe "http://127.0.0.1:$port/master.m3u8"
    kill "$pid"
    wait "$pid" || true  # status ignored: killed on purpose
    [ "$st" -eq 0 ]
    assert_eq "$(jq -c '[.valid, [.renditions[].segments]]' <<<"$out")" \
        '[true,[2,2,2,2]]'
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-stats: missing segment 'http://127.0.0.1:$port/v0/seg-2.m4s'"
}

@test "probe: --format csv writes one row per stream" {
    run --separate-stderr sv-stats probe --fast --format csv "$(fixture h264_aac_360p.mp4)"
    [ "$status" -eq 0 ]
    assert_eq "$(head -1 <<<"$output")" \
        "index,type,codec,codecs,duration,frames,width,height,gop.interval.max,bitrate.mean,bitrate.peak,loudness.integrated,loudness.range"
    assert_match "$(sed -n 2p <<<"$output")" '^0,video,h264,avc1\.64001e,4\.000,120,640,360,1\.000,[0-9]+,[0-9]+,,$'
    assert_eq "$(wc -l <<<"$output")" 3
}

@test "probe: writes -o atomically" {
    run --separate-stderr sv-stats probe --fast -o "$BATS_TEST_TMPDIR/p.json" "$(fixture h264_aac_360p.mp4)"
    [ "$status" -eq 0 ]
    assert_eq "$output" ""
    assert_eq "$(jq -r '.streams | length' "$BATS_TEST_TMPDIR/p.json")" 2
}

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
@test "probe: usage errors and inputs that are not media" {
    run --separate-stderr sv-stats probe
    [ "$status" -eq 2 ]
    assert_eq "$(head -1 <<<"$stderr")" "sv-stats: probe needs a file, URL, package or playlist"
    run --separate-stderr sv-stats probe a b
    [ "$status" -eq 2 ]
    assert_eq "$(head -1 <<<"$stderr")" "sv-stats: unexpected argument 'b'"
    run --separate-stderr sv-stats probe --format prometheus a
    [ "$status" -eq 2 ]
    assert_eq "$(head -1 <<<"$stderr")" "sv-stats: probe writes json or csv, not prometheus"
    run --separate-stderr sv-stats probe --per-frame a
    [ "$status" -eq 2 ]
    assert_eq "$(head -1 <<<"$stderr")" "sv-stats: option '--per-frame' does not apply to 'probe'"
    run --separate-stderr sv-stats probe "$(fixture notmedia.txt)"
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-stats: cannot read '$(fixture notmedia.txt)': not a media file, or damaged"
    assert_eq "$output" ""
    run --separate-stderr sv-stats probe "$BATS_TEST_TMPDIR/none.mp4"
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-stats: cannot open '$BATS_TEST_TMPDIR/none.mp4': no such file or directory"
    run --separate-stderr sv-stats probe "$BATS_TEST_TMPDIR"
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-stats: cannot probe '$BATS_TEST_TMPDIR': no package.json or master.m3u8 in it"
}

# ---- quality ----

# _dist NAME: distorted versions of h264_aac_360p.mp4, made once per run
_dist() {
    local out=$BATS_FILE_TMPDIR/$1 ref
    ref=$(fixture h264_aac_360p.mp4)
    [ -s "$out" ] && { echo "$out"; return 0; }
    case $1 in
    d180.mp4)   # a low rung: a quarter of the pixels, starved
        _ff -i "$ref" -vf scale=320:180 -c:v libx264 -preset veryfast \
            -crf 36 -an "$out" ;;
    d360.mp4)   # same size, starved
        _ff -i "$ref" -c:v libx264 -preset veryfast -crf 42 -an "$out" ;;
    short.mp4)  # the first 2 s only
        _ff -i "$ref" -t 2 -c:v libx264 -preset veryfast -crf 30 -an \
            "$out" ;;
    esac
    echo "$out"
}

# _ffmeta REF DIST FILTER KEY: FFmpeg's own per-frame KEY, DIST scaled to
# REF's size by bicubic first, one value a line
_ffmeta() {
    local size
    size=$(ffprobe -v error -select_streams v:0 -show_entries \
        stream=width,height -of csv=s=x:p=0 "$1")
    ffmpeg -nostdin -hide_banner -loglevel error -i "$1" -i "$2" -lavfi \
        "[1:v]scale=${size/x/:}:flags=bicubic[d];[0:v][d]$3,metadata=print:file=$BATS_TEST_TMPDIR/meta.txt" \
        -f null - &&
        sed -n "s/^$4=//p" "$BATS_TEST_TMPDIR/meta.txt"
}

# _maxdiff A B: the largest difference of two columns of numbers
_maxdiff() {
    paste <(printf '%s\n' "$1") <(printf '%s\n' "$2") |
        awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > m) m = d; n++ }
            END { if (n == 0) exit 1; printf "%.6f\n", m }'
}

@test "quality: PSNR and SSIM per frame agree with ffmpeg's filters" {
    local ref dist out want got
    ref=$(fixture h264_aac_360p.mp4)
    for dist in "$(_dist d180.mp4)" "$(_dist d360.mp4)"; do
        run --separate-stderr sv-stats quality --per-frame "$ref" "$dist"
        [ "$status" -eq 0 ]
        out=$output
        assert_eq "$(jq -r '.frames' <<<"$out")" "$(frames "$ref" 0)"
        for k in y u v; do
            want=$(_ffmeta "$ref" "$dist" psnr "lavfi.psnr.psnr.$k")
            got=$(jq -r ".per_frame[].psnr.$k" <<<"$out")
            awk -v d="$(_maxdiff "$got" "$want")" 'BEGIN { exit !(d < 0.01) }' ||
                fail "psnr.$k differs by $(_maxdiff "$got" "$want") dB"
        done
        want=$(_ffmeta "$ref" "$dist" psnr lavfi.psnr.psnr_avg)
        got=$(jq -r '.per_frame[].psnr.avg' <<<"$out")
        awk -v d="$(_maxdiff "$got" "$want")" 'BEGIN { exit !(d < 0.01) }'
        for k in Y U V All; do
            want=$(_ffmeta "$ref" "$dist" ssim "lavfi.ssim.$k")
            got=$(jq -r ".per_frame[].ssim.${k,,}" <<<"$out")
            awk -v d="$(_maxdiff "$got" "$want")" 'BEGIN { exit !(d < 0.001) }' ||
                fail "ssim.$k differs by $(_maxdiff "$got" "$want")"
        done
    done
}

@test "quality: pooled figures agree with ffmpeg's summaries" {
    local ref dist sum
    ref=$(fixture h264_aac_360p.mp4)
    dist=$(_dist d180.mp4)
    sum=$(for f in psnr ssim; do
        ffmpeg -nostdin -hide_banner -i "$ref" -i "$dist" -lavfi \
            "[1:v]scale=640:360:flags=bicubic[d];[0:v][d]$f" -f null - 2>&1
    done | grep -E 'PSNR|SSIM')
    run --separate-stderr sv-stats quality "$ref" "$dist"
    [ "$status" -eq 0 ]
    # FFmpeg's "PSNR y:" is the PSNR of the mean MSE
    got=$(jq -r '.psnr.of_mean_mse | "\(.y) \(.avg)"' <<<"$output")
    want=$(sed -n 's/.*PSNR y:\([0-9.]*\) .* average:\([0-9.]*\) .*/\1 \2/p' <<<"$sum")
    awk -v g="$got" -v w="$want" 'BEGIN { split(g, a, " "); split(w, b, " ");
        for (i = 1; i <= 2; i++) { d = a[i] - b[i]; if (d < 0) d = -d;
        if (d >= 0.01) exit 1 } }' || fail "psnr $got, ffmpeg $want"
    got=$(jq -r '"\(.ssim.y.mean) \(.ssim.all.mean)"' <<<"$output")
    want=$(sed -n 's/.*SSIM Y:\([0-9.]*\) .* All:\([0-9.]*\) .*/\1 \2/p' <<<"$sum")
    awk -v g="$got" -v w="$want" 'BEGIN { split(g, a, " "); split(w, b, " ");
        for (i = 1; i <= 2; i++) { d = a[i] - b[i]; if (d < 0) d = -d;
        if (d >= 0.001) exit 1 } }' || fail "ssim $got, ffmpeg $want"
    # pooling: the harmonic mean and 1st percentile sit under the mean
    assert_eq "$(jq '[.psnr.y, .ssim.all, .ms_ssim] | map(.p1 <= .harmonic_mean and .harmonic_mean <= .mean and .min <= .p1) | all' <<<"$output")" true
    assert_eq "$(jq -c '[.scaled.from, .scaled.to, .scaled.filter, .ms_ssim.scales]' <<<"$output")" \
        '[[320,180],[640,360],"bicubic",5]'
    assert_eq "$(jq 'has("per_frame")' <<<"$output")" false
}

@test "quality: a file against itself is perfect" {
    local ref
    ref=$(fixture h264_aac_360p.mp4)
    run --separate-stderr sv-stats quality "$ref" "$ref"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c '[.psnr.y.mean, .ssim.all.min, .ms_ssim.min, .scaled]' <<<"$output")" \
        '[100,1,1,null]'
}

@test "quality: MS-SSIM orders the rungs the way PSNR does" {
    local ref a b
    ref=$(fixture h264_aac_360p.mp4)
    a=$(sv-stats quality "$ref" "$(_dist d180.mp4)" 2>/dev/null)
    b=$(sv-stats quality "$ref" "$(_dist d360.mp4)" 2>/dev/null)
    assert_eq "$(jq -n --argjson a "$a" --argjson b "$b" \
        '($a.psnr.y.mean < $b.psnr.y.mean) == ($a.ms_ssim.mean < $b.ms_ssim.mean)')" true
    assert_eq "$(jq -n --argjson a "$a" '$a.ms_ssim.mean > 0 and $a.ms_ssim.mean < 1')" true
}

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
@test "quality: says plainly when VMAF cannot be measured" {
    local ref
    if ffmpeg -hide_banner -filters 2>/dev/null | grep -q ' libvmaf '; then
        skip "this FFmpeg has libvmaf"
    fi
    ref=$(fixture h264_aac_360p.mp4)
    run --separate-stderr sv-stats quality "$ref" "$(_dist d360.mp4)"
    [ "$status" -eq 0 ]
    assert_eq "$stderr" "sv-stats: warning: no VMAF: the linked FFmpeg has no libvmaf filter"
    assert_eq "$(jq -c '.vmaf' <<<"$output")" \
        '{"available":false,"reason":"the linked FFmpeg has no libvmaf filter"}'
}

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
@test "quality: pairs frames in order and says what was left over" {
    local ref dist
    ref=$(fixture h264_aac_360p.mp4)
    dist=$(_dist short.mp4)
    run --separate-stderr sv-stats quality "$ref" "$dist"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c '[.frames, .unpaired_frames]' <<<"$output")" \
        "[$(frames "$dist" 0),$(( $(frames "$ref" 0) - $(frames "$dist" 0) ))]"
    grep -qxF "sv-stats: warning: '$ref' has 60 frames more than '$dist': compared the first 60" <<<"$stderr"
}

@test "quality: --format csv writes a row per frame with --per-frame" {
    local ref
    ref=$(fixture h264_aac_360p.mp4)
    run --separate-stderr sv-stats quality --per-frame --format csv "$ref" "$(_dist d360.mp4)"
    [ "$status" -eq 0 ]
    assert_eq "$(head -1 <<<"$output")" \
        "n,psnr_y,psnr_u,psnr_v,psnr_avg,ssim_y,ssim_u,ssim_v,ssim_all,ms_ssim"
    assert_eq "$(wc -l <<<"$output")" 121
    assert_match "$(sed -n 2p <<<"$output")" '^0(,[0-9]+\.[0-9]{6}){9}$'
}

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
@test "quality: usage errors and inputs without video" {
    run --separate-stderr sv-stats quality a
    [ "$status" -eq 2 ]
    assert_eq "$(head -1 <<<"$stderr")" "sv-stats: quality needs a reference and a distorted input"
    run --separate-stderr sv-stats quality a b c
    [ "$status" -eq 2 ]
    assert_eq "$(head -1 <<<"$stderr")" "sv-stats: unexpected argument 'c'"
    run --separate-stderr sv-stats quality - -
    [ "$status" -eq 2 ]
    assert_eq "$(head -1 <<<"$stderr")" "sv-stats: only one input can be stdin"
    run --separate-stderr sv-stats quality --fast a b
    [ "$status" -eq 2 ]
    assert_eq "$(head -1 <<<"$stderr")" "sv-stats: option '--fast' does not apply to 'quality'"
    run --separate-stderr sv-stats quality "$(fixture audio_only.m4a)" "$(fixture h264_aac_360p.mp4)"
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-stats: cannot use '$(fixture audio_only.m4a)': it has no video stream"
    run --separate-stderr sv-stats quality "$(fixture h264_aac_360p.mp4)" "$(fixture notmedia.txt)"
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-stats: cannot read '$(fixture notmedia.txt)': not a media file, or damaged"
    assert_eq "$output" ""
}
