#!/usr/bin/env bats
# stats-report.bats -- sv-stats report's HTML page and plot's SVG in
# headless Chromium: they render (a screenshot that is not blank) and the
# browser requests nothing but the file itself.

load ../helpers
bats_require_minimum_version 1.5.0

E2E=$SV_TOP/tests/e2e

setup() {
    if [ ! -d "$E2E/node_modules/playwright-core" ] ||
        [ ! -x /usr/bin/chromium ]; then
        skip "playwright-core or chromium missing"
    fi
    cd "$BATS_TEST_TMPDIR"
    "$SV_TOP/tests/cli/stats_series.py" json 7 > s.json
    "$SV_TOP/tests/cli/stats_series.py" jsonl 3 > s.jsonl
}

# shot FILE OUT [WAIT_MS]: the page's JSON line in $output
shot() {
    run timeout 120 node "$E2E/stats-shot.js" "$@"
    [ "$status" -eq 0 ] || fail "stats-shot: $output"
}

# distinct colours of a PNG, counted over its RGB pixels
colours() {
    ffmpeg -nostdin -v error -i "$1" -f rawvideo -pix_fmt rgb24 - |
        python3 -c 'import sys
d = sys.stdin.buffer.read()
print(len({d[i:i + 3] for i in range(0, len(d), 3)}))'
}

@test "the HTML report renders in Chromium and fetches nothing" {
    sv-stats report --html -o report.html s.json
    shot report.html shot.png
    local j=$output
    assert_eq "$(jq -r '.requests | join(" ")' <<< "$j")" \
        "file://$BATS_TEST_TMPDIR/report.html"
    assert_eq "$(jq -c '[.failed, .errors]' <<< "$j")" '[[],[]]'
    assert_eq "$(jq -r '[.title, .svgs, .tables] | @csv' <<< "$j")" \
        '"StreamVerse audience",6,5'
    # the full page, as tall as the document
    assert_eq "$(ffprobe -v error -show_entries stream=width,height \
        -of csv=s=x:p=0 shot.png)" "1100x$(jq .height <<< "$j")"
    [ "$(jq .height <<< "$j")" -gt 2000 ]
    # charts in five colours, anti-aliased text: far from a blank page
    local n
    n=$(colours shot.png)
    [ "$n" -gt 200 ] || fail "only $n colours"
}

@test "the --follow page reloads itself and still fetches only itself" {
    sv-stats report --html --follow --refresh 1s -o live.html < s.jsonl
    grep -q '72 intervals' live.html
    shot live.html - 3500
    local j=$output
    # loaded, then reloaded by its meta refresh: the file and nothing else
    jq -e --arg u "file://$BATS_TEST_TMPDIR/live.html" \
        '(.requests | length) >= 2 and (.requests | all(. == $u))' <<< "$j"
    assert_eq "$(jq -r '.svgs' <<< "$j")" 6
}

@test "a plot's SVG renders in Chromium" {
    sv-stats plot --metric bandwidth -o bw.svg s.json
    shot bw.svg bw.png
    assert_eq "$(jq -r '.requests | join(" ")' <<< "$output")" \
        "file://$BATS_TEST_TMPDIR/bw.svg"
    [ "$(colours bw.png)" -gt 50 ]
}
