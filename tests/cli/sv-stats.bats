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
