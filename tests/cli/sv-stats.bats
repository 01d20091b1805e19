#!/usr/bin/env bats
# sv-stats.bats -- the command line of sv-stats

load ../helpers
bats_require_minimum_version 1.5.0

@test "--version names the tool" {
    run sv-stats --version
    [ "$status" -eq 0 ]
    assert_match "$output" "^sv-stats "
}

# ---- plot/report/forecast ----

series() {
    "$SV_TOP/tests/cli/stats_series.py" "$@"
}

# width and height of an image, as ffprobe reads them: "960x400"
dims() {
    ffprobe -v error -select_streams v:0 -show_entries stream=width,height \
        -of csv=s=x:p=0 "$1"
}

@test "plot: a PNG of each metric, as file and ffprobe read it" {
    cd "$BATS_TEST_TMPDIR"
    series json 3 > s.json
    local m
    for m in viewers bandwidth qoe bitrate share; do
        run --separate-stderr sv-stats plot --metric "$m" -o "$m.png" s.json
        # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
        [ "$status" -eq 0 ] || fail "$m: $stderr"
        assert_eq "$stderr" ""
        assert_match "$(file -b "$m.png")" "^PNG image data, 960 x 400, "
        assert_eq "$(dims "$m.png")" "960x400"
    done
    # not one colour: the chart has ink on it
    run ffprobe -v error -f lavfi -i "movie=viewers.png,signalstats" \
        -show_entries frame_tags=lavfi.signalstats.YMIN,lavfi.signalstats.YMAX \
        -of csv=p=0
    [ "$status" -eq 0 ]
    local ymin=${output%%,*} ymax=${output##*,}
    [ "$((ymax - ymin))" -gt 100 ] || fail "flat image: $output"
}

@test "plot: an SVG that xmllint accepts, sized by --width and --height" {
    cd "$BATS_TEST_TMPDIR"
    series json 2 > s.json
    run sv-stats plot --metric viewers --width 640 --height 300 \
        -o v.svg s.json
    [ "$status" -eq 0 ]
    xmllint --noout v.svg
    assert_eq "$(xmllint --xpath 'string(/*[local-name()="svg"]/@viewBox)' v.svg)" \
        "0 0 640 300"
    # the line and the glyphs of the labels are paths
    [ "$(grep -c '<path' v.svg)" -gt 20 ]
    run sv-stats plot --width 640 --height 300 -o v.png s.json
    [ "$status" -eq 0 ]
    assert_eq "$(dims v.png)" "640x300"
}

@test "plot: reads stdin, JSON lines windows and a t,value CSV" {
    cd "$BATS_TEST_TMPDIR"
    series jsonl 3 > s.jsonl
    series csv 3 > s.csv
    run sv-stats plot --metric share -o share.png - < s.jsonl
    [ "$status" -eq 0 ]
    assert_eq "$(dims share.png)" "960x400"
    run sv-stats plot --metric viewers -o v.png < s.csv
    [ "$status" -eq 0 ]
    # the same series twice gives the same picture
    series csv 3 | sv-stats plot -o w.png
    cmp v.png w.png
    # a CSV of viewers has no rendition shares
    run --separate-stderr sv-stats plot --metric share -o x.png s.csv
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-stats: no rendition shares in s.csv"
    [ ! -e x.png ]
}

@test "plot: usage errors exit 2 naming the problem" {
    cd "$BATS_TEST_TMPDIR"
    series csv 1 > s.csv
    run --separate-stderr sv-stats plot s.csv
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-stats: plot needs -o <file.png|file.svg>
Try 'sv-stats --help' for more information."
    run --separate-stderr sv-stats plot -o x.jpg s.csv
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-stats: cannot tell the format of 'x.jpg': name it .png or .svg
Try 'sv-stats --help' for more information."
    run --separate-stderr sv-stats plot --metric users -o x.png s.csv
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-stats: bad --metric 'users': expected viewers, bandwidth, qoe, bitrate or share
Try 'sv-stats --help' for more information."
    run --separate-stderr sv-stats plot -o x.png s.csv s.csv
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-stats: unexpected argument 's.csv'
Try 'sv-stats --help' for more information."
    run --separate-stderr sv-stats plot --width 100 -o x.png s.csv
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-stats: bad --width '100': expected an integer from 200 to 8000
Try 'sv-stats --help' for more information."
    run --separate-stderr sv-stats plot --horizon 1h -o x.png s.csv
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-stats: option '--horizon' does not apply to 'plot'
Try 'sv-stats --help' for more information."
}

@test "plot: bad input exits 1 saying where" {
    cd "$BATS_TEST_TMPDIR"
    run --separate-stderr sv-stats plot -o x.png missing.json
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-stats: missing.json: no such file or directory"
    printf '2026-11-01T00:00:00Z,1\nyesterday,2\n' > bad.csv
    run --separate-stderr sv-stats plot -o x.png bad.csv
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-stats: bad.csv: line 2: bad time 'yesterday'"
    printf 't,viewers,users\n' > hdr.csv
    run --separate-stderr sv-stats plot -o x.png hdr.csv
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-stats: hdr.csv: line 1: unknown column 'users'"
    printf '{"t":"2026-11-01T00:00:00Z","viewers":1}\n{"t":3,"viewers":"x"}\n' \
        > bad.jsonl
    run --separate-stderr sv-stats plot -o x.png bad.jsonl
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-stats: bad.jsonl: line 2: \"viewers\" is not a number"
    printf '{"series":[{"t":"2026-13-01T00:00:00Z"}]}' > month.json
    run --separate-stderr sv-stats plot -o x.png month.json
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-stats: month.json: bad \"t\" '2026-13-01T00:00:00Z': expected ISO 8601 or seconds since the epoch"
    printf '{"series":[{"t":"2026-11-01T00:00:00Z","bytes":5}]}' > nov.json
    run --separate-stderr sv-stats plot -o x.png nov.json
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-stats: no viewers in nov.json"
    [ ! -e x.png ]
}

@test "report: one HTML page with the charts inline and nothing to fetch" {
    cd "$BATS_TEST_TMPDIR"
    series json 3 > s.json
    run --separate-stderr sv-stats report --html -o r.html --title 'a <b> & c' s.json
    [ "$status" -eq 0 ]
    assert_eq "$stderr" ""
    xmllint --html --noout r.html
    # six charts (the metrics and the forecast), each an inline SVG; no
    # script, no link, no image
    assert_eq "$(grep -c '^<svg ' r.html)" 6
    grep -qF '<figure id="forecast">' r.html
    grep -qE 'additive Holt-Winters, a daily season: alpha [0-9.]+, beta' r.html
    run grep -Eic '<(script|link|img|iframe|object)|@import|url\(["'"'"']?[a-z]+:' r.html
    assert_eq "$output" 0
    # the only URLs are the SVG namespaces
    assert_eq "$(grep -oE '(https?|ftp)://[^" ]*' r.html | sort -u | paste -sd ' ')" \
        "http://www.w3.org/1999/xlink http://www.w3.org/2000/svg"
    grep -qF "content=\"default-src 'none'; style-src 'unsafe-inline'\"" r.html
    grep -qF '<title>a &lt;b&gt; &amp; c</title>' r.html
    grep -qF '72 intervals of 3600s from 2026-11-01T00:00:00Z to 2026-11-03T23:00:00Z' r.html
    # ids of one chart's glyphs do not collide with another's
    [ -z "$(grep -o ' id="[^"]*"' r.html | sort | uniq -d)" ]
    # no refresh unless --follow
    run grep -c 'http-equiv="refresh"' r.html
    assert_eq "$output" 0
}

@test "report: --follow rewrites the page as windows arrive" {
    cd "$BATS_TEST_TMPDIR"
    series jsonl 3 > s.jsonl
    mkfifo in
    # (bats keeps fd 3 for itself: the writer end is fd 5)
    sv-stats report --html --follow --refresh 7s -o live.html < in 3>&- &
    local pid=$! _
    exec 5> in
    sed -n 1p s.jsonl >&5
    for _ in $(seq 100); do
        grep -qs '24 intervals' live.html && break
        sleep 0.1
    done
    grep -q '24 intervals' live.html
    grep -qF '<meta http-equiv="refresh" content="7">' live.html
    sed -n '2,3p' s.jsonl >&5
    for _ in $(seq 100); do
        grep -qs '72 intervals' live.html && break
        sleep 0.1
    done
    grep -q '72 intervals' live.html
    # stacked shares from the windows' renditions
    grep -qF 'aria-label="Share by rendition"' live.html
    exec 5>&-
    wait "$pid"
    # never a half-written page: the temporary files are gone too
    [ -z "$(find . -name '.live.html.tmp*')" ]
}

@test "report: --follow skips a bad line, says so, exits 3" {
    cd "$BATS_TEST_TMPDIR"
    series jsonl 2 > s.jsonl
    run --separate-stderr sv-stats report --html --follow -o f.html \
        < <(sed -n 1p s.jsonl; echo '{"series":7}'; sed -n 2p s.jsonl)
    [ "$status" -eq 3 ]
    assert_eq "$stderr" "sv-stats: warning: stdin line 2: \"series\" is not an array; skipped"
    grep -q '48 intervals' f.html
}

@test "report: usage errors exit 2 naming the problem" {
    cd "$BATS_TEST_TMPDIR"
    series csv 1 > s.csv
    run --separate-stderr sv-stats report -o r.html s.csv
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-stats: report needs --html (its one format)
Try 'sv-stats --help' for more information."
    run --separate-stderr sv-stats report --html s.csv
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-stats: report needs -o <file.html>
Try 'sv-stats --help' for more information."
    run --separate-stderr sv-stats report --html --follow -o r.html s.csv
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-stats: --follow reads windows from stdin, not 's.csv'
Try 'sv-stats --help' for more information."
    run --separate-stderr sv-stats report --html --refresh 0s -o r.html
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-stats: bad --refresh '0s': expected a duration from 1s to 1h
Try 'sv-stats --help' for more information."
    [ ! -e r.html ]
}

@test "forecast: intervals around the forecast, the injected spike found" {
    cd "$BATS_TEST_TMPDIR"
    series csv 14 100 250 > s.csv
    run --separate-stderr sv-stats forecast --horizon 12h s.csv
    [ "$status" -eq 0 ]
    assert_eq "$stderr" ""
    printf '%s\n' "$output" > f.json
    assert_eq "$(jq -r '.model.type' f.json)" "holt-winters additive"
    assert_eq "$(jq -r '[.model.season, .model.step_s, .model.points] | @csv' f.json)" \
        "24,3600,336"
    jq -e '[.model.alpha, .model.beta, .model.gamma] | all(. >= 0 and . <= 1)' f.json
    assert_eq "$(jq '.forecast | length' f.json)" 12
    assert_eq "$(jq -r '.forecast[0].t, .forecast[11].t' f.json | paste -sd ' ')" \
        "2026-11-15T00:00:00Z 2026-11-15T11:00:00Z"
    jq -e '.forecast | all(.lower < .value and .value < .upper)' f.json
    # never narrower further out (alpha near 0 widens them very little)
    jq -e '(.forecast[11].upper - .forecast[11].lower) >= (.forecast[0].upper - .forecast[0].lower)' f.json
    # the truth is 1000 + 2t + 300 sin(2 pi t / 24): within 5% at each hour
    jq -e '.forecast | to_entries | all(
        (1000 + 2 * (336 + .key) + 300 * ((2 * 3.141592653589793 * (336 + .key) / 24) | sin)) as $y
        | ((.value.value - $y) | fabs) / $y < 0.05)' f.json
    # both spikes flagged, with what was expected there
    assert_eq "$(jq -r '[.anomalies[] | select(.z > 8) | .t] | join(" ")' f.json)" \
        "2026-11-05T04:00:00Z 2026-11-11T10:00:00Z"
    jq -e '[.anomalies[] | select(.z > 8)] | all(.value - .expected > 300)' f.json
    # few other flags: at most 2% of 336 (noise alone: 0.27% at z 3)
    jq -e '(.anomalies | length) <= 2 + 6' f.json
}

@test "forecast: bandwidth from the logs JSON, CSV out, and -o" {
    cd "$BATS_TEST_TMPDIR"
    series json 7 > s.json
    run sv-stats forecast --metric bandwidth --horizon 3h --format csv s.json
    [ "$status" -eq 0 ]
    assert_eq "${lines[0]}" "t,value,lower,upper"
    assert_eq "${#lines[@]}" 4
    assert_match "${lines[1]}" "^2026-11-08T00:00:00Z,[0-9.e+]+,[0-9.e+]+,[0-9.e+]+$"
    run sv-stats forecast --metric bandwidth --z 2.5 --level 80 -o f.json s.json
    [ "$status" -eq 0 ]
    assert_eq "$output" ""
    assert_eq "$(jq -r '[.unit, .coverage, .z] | @csv' f.json)" '"bit/s",0.8,2.5'
    # bit/s: bytes of an hour times 8 over 3600, near 1.2 Gbit/s
    jq -e '.forecast[0].value > 1e9 and .forecast[0].value < 3e9' f.json
}

@test "forecast: too little data, a season off the grid, usage errors" {
    cd "$BATS_TEST_TMPDIR"
    series csv 1 > day.csv
    run --separate-stderr sv-stats forecast day.csv
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-stats: forecast needs two seasons of data: 24 intervals (24 known), a season is 24"
    series csv 3 > s.csv
    run --separate-stderr sv-stats forecast --season 90m s.csv
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-stats: --season is not a whole number (2 or more) of the series' 3600s intervals"
    run --separate-stderr sv-stats forecast --metric qoe s.csv
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-stats: forecast --metric is viewers or bandwidth, not 'qoe'
Try 'sv-stats --help' for more information."
    run --separate-stderr sv-stats forecast --format prometheus s.csv
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-stats: forecast writes json or csv, not 'prometheus'
Try 'sv-stats --help' for more information."
    run --separate-stderr sv-stats forecast --z 0 s.csv
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-stats: bad --z '0': expected a number in (0, 100]
Try 'sv-stats --help' for more information."
    run --separate-stderr sv-stats forecast --level 100 s.csv
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-stats: bad --level '100': expected an integer from 50 to 99
Try 'sv-stats --help' for more information."
    run --separate-stderr sv-stats forecast --width 500 s.csv
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-stats: option '--width' does not apply to 'forecast'
Try 'sv-stats --help' for more information."
}

@test "plot, report, forecast: --help lists them, --events reports the work" {
    run sv-stats --help
    [ "$status" -eq 0 ]
    assert_match "$output" "plot +chart viewers, bandwidth"
    assert_match "$output" "report +one self-contained HTML page"
    assert_match "$output" "forecast +Holt-Winters forecast"
    run sv-stats plot --help
    [ "$status" -eq 0 ]
    assert_eq "${lines[0]}" "usage: sv-stats plot [options] -o <file.png|file.svg> [series]"
    run sv-stats forecast --help
    [ "$status" -eq 0 ]
    assert_match "$output" "--horizon <duration> +how far to forecast"
    cd "$BATS_TEST_TMPDIR"
    series csv 3 > s.csv
    run sv-stats plot -o p.svg --events - s.csv
    [ "$status" -eq 0 ]
    assert_eq "$(jq -r '[.event, .data.path, .data.points] | @csv' <<< "$output")" \
        '"plot","p.svg",72'
}

@test "report: --follow writes the page a last time on SIGTERM, exit 0" {
    cd "$BATS_TEST_TMPDIR"
    series jsonl 2 > s.jsonl
    mkfifo in
    sv-stats report --html --follow -o t.html < in 3>&- &
    local pid=$! _
    exec 5> in
    sed -n 1p s.jsonl >&5
    for _ in $(seq 100); do
        grep -qs '24 intervals' t.html && break
        sleep 0.1
    done
    grep -q '24 intervals' t.html
    kill -TERM "$pid"
    local rc=0
    wait "$pid" || rc=$?
    exec 5>&-
    [ "$rc" -eq 0 ]
    grep -q '24 intervals' t.html
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

@test "probe: DASH MPDs from sv-package and from ffmpeg: representations and segments as written" {
    local p=$BATS_TEST_TMPDIR/ff n
    # sv-package's MPD, alone and as part of its package
    run --separate-stderr sv-stats probe "$(_mfx ladder_pkg)/manifest.mpd"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c '[.kind, .type, .valid, .alignment.checked]' <<<"$output")" \
        '["dash","static",true,["v1","v2"]]'
    assert_eq "$(jq -c '[.renditions[] | [.id, .codecs, .segments]]' <<<"$output")" \
        "$(jq -c '[.renditions[] | [.id, .codecs, (.segments | length)]]' "$(_mfx ladder_pkg)/package.json")"
    run --separate-stderr sv-stats probe "$(_mfx ladder_pkg)"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c '[.dash.renditions[].id]' <<<"$output")" '["v0","v1","v2","a0"]'
    # ffmpeg's: $Number%05d$ templates, a timeline with implicit @t
    mkdir -p "$p"
    _ff -i "$(fixture h264_aac_360p.mp4)" -c copy -f dash -seg_duration 2 "$p/m.mpd"
    run --separate-stderr sv-stats probe "$p/m.mpd"
    [ "$status" -eq 0 ] || fail "$stderr"
    assert_eq "$(jq -c '[.valid, .faults]' <<<"$output")" '[true,[]]'
    for n in 0 1; do
        assert_eq "$(jq --arg id "$n" '.renditions[] | select(.id == $id) | .segments' <<<"$output")" \
            "$(find "$p" -name "chunk-stream$n-*.m4s" | wc -l)"
    done
    assert_eq "$(jq -r '.renditions[] | select(.type == "video") | .codecs' <<<"$output")" \
        "$(_avc1 "$p/init-stream0.m4s")"
}

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
@test "probe: a DASH segment removed, a timeline with a gap, no @codecs: faults, exit 1" {
    local p
    p=$(_copy_pkg pkg2)
    rm "$p/v1/seg-2.m4s"
    run --separate-stderr sv-stats probe "$p/manifest.mpd"
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-stats: missing segment '$p/v1/seg-2.m4s'"
    rm -r "$p"
    p=$(_copy_pkg pkg2)
    # v0: the second S entry moved half a segment later; v1: no codecs
    python3 - "$p/manifest.mpd" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
reps = t.split('<Representation ')
reps[1] = reps[1].replace(' r="', ' rr="', 1)
m = re.search(r'<S t="(\d+)" d="(\d+)" rr="(\d+)"/>', reps[1])
t0, d, r = int(m.group(1)), int(m.group(2)), int(m.group(3))
reps[1] = reps[1].replace(m.group(0), '<S t="%d" d="%d"/><S t="%d" d="%d"/>'
                          % (t0, d, t0 + d + d // 2, d))
reps[2] = re.sub(r' codecs="[^"]*"', '', reps[2], count=1)
open(sys.argv[1], 'w').write('<Representation '.join(reps))
PY
    run --separate-stderr sv-stats probe "$p/manifest.mpd"
    [ "$status" -eq 1 ]
    assert_eq "$(jq -c '[.faults[] | [.rule, .rendition, .segment]] | sort' <<<"$output")" \
        '[["gap","v0",2],["missing_codecs","v1",null]]'
    grep -qxF "sv-stats: gap in the SegmentTimeline of v0: segment 2 starts at 3.067s, the one before ends at 2.067s" <<<"$stderr"
    # not an MPD at all
    echo '<html/>' > "$p/bad.mpd"
    run --separate-stderr sv-stats probe "$p/bad.mpd"
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-stats: cannot probe '$p/bad.mpd': not a DASH MPD"
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
    assert_eq "$stderr" "sv-stats: cannot probe '$BATS_TEST_TMPDIR': no package.json, master.m3u8 or manifest.mpd in it"
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


# ---- logs ----

# clf N [T0] [VIEWERS]: N combined-log lines, one a second from T0 (epoch
# seconds), VIEWERS addresses; path, size and CMCD vary with the line
clf() {
    python3 - "$1" "${2:-1796212800}" "${3:-5}" <<'PY'
import sys, time
n, t0, v = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    t = time.strftime('%d/%b/%Y:%H:%M:%S +0000', time.gmtime(t0 + i))
    r = ('720p', 3000) if i % 3 else ('360p', 800)
    print('10.1.%d.%d - - [%s] "GET /vod/t%d/%s/seg-%d.m4s?CMCD=br%%3D%d '
          'HTTP/1.1" %d %d "-" "agent/%d" "%s"'
          % (i % v // 256, i % v % 256, t, i % 2, r[0], i, r[1],
             404 if i % 50 == 49 else 200, 1000 + i, i % v,
             'HIT' if i % 4 else 'MISS'))
PY
}

logs_usage() {     # logs_usage MESSAGE ARGS...: exit 2 and that message
    local msg=$1
    shift
    run -2 --separate-stderr sv-stats logs "$@"
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr_lines
    assert_eq "${stderr_lines[0]}" "sv-stats: $msg"
    assert_eq "$output" ""
}

@test "logs: usage errors say what is wrong" {
    logs_usage "logs needs at least one log file"
    logs_usage "--prometheus needs --follow (without it, use --format prometheus)" \
        --prometheus 127.0.0.1:9 x.log
    logs_usage "bad --since 'yesterday': expected an ISO 8601 time with a zone, or seconds since the epoch" \
        --since yesterday x.log
    logs_usage "bad --group-by 'country,title': expected title, rendition, country or hour" \
        --group-by country,title x.log
    logs_usage "--follow writes JSON lines: --format csv does not apply" \
        --follow --format csv x.log
    logs_usage "--follow needs a file, not stdin" --follow -
    logs_usage "bad --clickhouse 'ftp://h/': expected an http:// or https:// URL" \
        --clickhouse ftp://h/ x.log
    logs_usage "bad --clickhouse-table 'a;b': expected letters, digits, '_' and '.'" \
        --clickhouse http://h/ --clickhouse-table 'a;b' x.log
    logs_usage "bad --interval '0s': expected a duration from 1s to 24h" \
        --interval 0s x.log
}

@test "logs: a file that cannot be read fails, one among others is partial (3)" {
    clf 10 > "$BATS_TEST_TMPDIR/a.log"
    run -1 --separate-stderr sv-stats logs "$BATS_TEST_TMPDIR/none.log"
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    assert_eq "$stderr" "sv-stats: cannot read $BATS_TEST_TMPDIR/none.log: no such file or directory"
    run -3 --separate-stderr sv-stats logs "$BATS_TEST_TMPDIR/none.log" \
        "$BATS_TEST_TMPDIR/a.log"
    assert_eq "$(jq .requests <<< "$output")" 10
    head -c 100 "$BATS_TEST_TMPDIR/a.log" | gzip > "$BATS_TEST_TMPDIR/b.gz"
    head -c 30 "$BATS_TEST_TMPDIR/b.gz" > "$BATS_TEST_TMPDIR/cut.gz"
    run -1 --separate-stderr sv-stats logs "$BATS_TEST_TMPDIR/cut.gz"
    assert_match "$stderr" "^sv-stats: cannot read $BATS_TEST_TMPDIR/cut.gz: "
}

@test "logs: combined lines give requests, bytes, status classes, cache ratio, shares" {
    clf 100 > "$BATS_TEST_TMPDIR/a.log"
    printf 'not a log line\n' >> "$BATS_TEST_TMPDIR/a.log"
    run --separate-stderr sv-stats logs "$BATS_TEST_TMPDIR/a.log"
    [ "$status" -eq 0 ]
    # 1000 + i bytes for i in 0..99; every 50th line is a 404
    run jq -c '[.lines, .skipped, .requests, .bytes, .status["2xx"],
                .status["4xx"], .cache, .sessions.count, .viewers.unique]' \
        <<< "$output"
    assert_eq "$output" '[101,1,100,104950,98,2,{"hits":75,"misses":25,"ratio":0.75},5,5]'
    run sv-stats logs "$BATS_TEST_TMPDIR/a.log"
    run jq -c '[.renditions[] | [.name, .requests, .share]],
               [.titles[] | [.name, .requests]], (.top | length),
               .qoe.bitrate_kbps' <<< "$output"
    assert_eq "$output" '[["720p",66,0.66],["360p",34,0.34]]
[["/vod/t0",50],["/vod/t1",50]]
10
2252'
}

@test "logs: rotations read oldest first, compressed or not, give the report of the whole log" {
    local d=$BATS_TEST_TMPDIR
    clf 400 1796212800 7 > "$d/whole.log"
    sed -n 1,100p "$d/whole.log" | gzip > "$d/access.log.3.gz"
    sed -n 101,200p "$d/whole.log" | xz > "$d/access.log.2.xz"
    sed -n 201,300p "$d/whole.log" | zstd -q > "$d/access.log.1.zst"
    sed -n 301,400p "$d/whole.log" > "$d/access.log"
    # a session timeout shorter than the log: sessions depend on the order
    run --separate-stderr sv-stats logs --session-timeout 1s --sessions \
        "$d/whole.log"
    local whole=$output
    run --separate-stderr sv-stats logs -v --session-timeout 1s --sessions \
        "$d/access.log" "$d/access.log.1.zst" "$d/access.log.3.gz" \
        "$d/access.log.2.xz"
    [ "$status" -eq 0 ]
    assert_eq "$output" "$whole"
    assert_eq "$stderr" "sv-stats: reading $d/access.log.3.gz
sv-stats: reading $d/access.log.2.xz
sv-stats: reading $d/access.log.1.zst
sv-stats: reading $d/access.log"
    # and the same from standard input, compressed
    run --separate-stderr sv-stats logs --session-timeout 1s --sessions - \
        < <(gzip -c "$d/whole.log")
    assert_eq "$output" "$whole"
}

@test "logs: unique viewers are within the stated error of the true count" {
    clf 200000 1796212800 60000 > "$BATS_TEST_TMPDIR/a.log"
    run --separate-stderr sv-stats logs "$BATS_TEST_TMPDIR/a.log"
    [ "$status" -eq 0 ]
    local est err
    est=$(jq .viewers.unique <<< "$output")
    err=$(jq .viewers.error <<< "$output")
    assert_eq "$err" 0.008125
    # three standard errors: a wrong estimator fails, a right one passes
    # 99.7% of the time, and this input is fixed
    awk -v e="$est" -v s="$err" 'BEGIN { d = e - 60000; if (d < 0) d = -d;
        exit !(d <= 3 * s * 60000) }' || fail "estimate $est of 60000"
    # small sets: linear counting, off by a collision or two at most
    clf 300 1796212800 123 > "$BATS_TEST_TMPDIR/b.log"
    run sv-stats logs "$BATS_TEST_TMPDIR/b.log"
    est=$(jq .viewers.unique <<< "$output")
    [ "$est" -ge 121 ] || fail "estimate $est of 123"
    [ "$est" -le 125 ] || fail "estimate $est of 123"
}

@test "logs: --since, --until and --group-by hour; CSV of groups and series" {
    # 3 hours of lines from 12:00 UTC, one every 10 s
    python3 - > "$BATS_TEST_TMPDIR/a.log" <<'PY'
import time
for i in range(1080):
    t = time.strftime('%d/%b/%Y:%H:%M:%S +0000', time.gmtime(1796212800 + 10 * i))
    print('10.0.0.1 - - [%s] "GET /vod/t/720p/seg-%d.m4s HTTP/1.1" 200 10 "-" "a"' % (t, i))
PY
    run sv-stats logs --group-by hour --format csv "$BATS_TEST_TMPDIR/a.log"
    assert_eq "$output" "key,requests,bytes,viewers
12,360,3600,1
13,360,3600,1
14,360,3600,1"
    run sv-stats logs --since 2026-12-02T12:30:00Z --until 1796218200 \
        "$BATS_TEST_TMPDIR/a.log"
    assert_eq "$(jq -c '[.requests, .from, .to]' <<< "$output")" \
        '[360,"2026-12-02T12:30:00Z","2026-12-02T13:29:50Z"]'
    run sv-stats logs --interval 1h --format csv "$BATS_TEST_TMPDIR/a.log"
    assert_eq "$output" "t,requests,bytes,viewers,bitrate,rebuffer
2026-12-02T12:00:00Z,360,3600,1,,0
2026-12-02T13:00:00Z,360,3600,1,,0
2026-12-02T14:00:00Z,360,3600,1,,0"
}

@test "logs: --geo gives lines without a country one from their address" {
    printf 'FR 192.0.2.0/24\nDE 198.51.100.0/24\nUS 2001:db8::/32\n' \
        > "$BATS_TEST_TMPDIR/geo.txt"
    local a
    for a in 192.0.2.7 192.0.2.8 198.51.100.1 2001:db8::5 203.0.113.9; do
        echo "$a - - [02/Dec/2026:12:00:00 +0000] \"GET /vod/t/720p/seg-1.m4s HTTP/1.1\" 200 10 \"-\" \"a\""
    done > "$BATS_TEST_TMPDIR/a.log"
    run sv-stats logs --geo "$BATS_TEST_TMPDIR/geo.txt" --group-by country \
        --format csv "$BATS_TEST_TMPDIR/a.log"
    [ "$status" -eq 0 ]
    assert_eq "$(sort <<< "$output")" "-,1,10,1
DE,1,10,1
FR,2,20,2
US,1,10,1
key,requests,bytes,viewers"
    # a table that cannot be read, or a bad line in it: status 1, said
    run -1 --separate-stderr sv-stats logs --geo "$BATS_TEST_TMPDIR/nope" \
        "$BATS_TEST_TMPDIR/a.log"
    assert_eq "$stderr" "sv-stats: cannot open '$BATS_TEST_TMPDIR/nope': no such file or directory"
    echo 'XX bad' > "$BATS_TEST_TMPDIR/geo.txt"
    run -1 --separate-stderr sv-stats logs --geo "$BATS_TEST_TMPDIR/geo.txt" \
        "$BATS_TEST_TMPDIR/a.log"
    assert_eq "$stderr" "sv-stats: $BATS_TEST_TMPDIR/geo.txt:1: bad range 'bad'"
}

@test "logs: --format prometheus writes the text exposition format" {
    clf 10 > "$BATS_TEST_TMPDIR/a.log"
    run sv-stats logs --format prometheus "$BATS_TEST_TMPDIR/a.log"
    [ "$status" -eq 0 ]
    assert_eq "$(grep -c '^# TYPE ' <<< "$output")" 12
    local l
    for l in 'sv_stats_requests_total{status="2xx"} 10' \
        'sv_stats_bytes_total 10045' 'sv_stats_cache_hit_ratio 0.7' \
        'sv_stats_rendition_requests_total{rendition="720p"} 6'; do
        grep -qFx "$l" <<< "$output" || fail "no line '$l'"
    done
}
