#!/usr/bin/env bats
# watermark-hlsjs.bats -- the A/B watermark proven with a real player (issue
# 17): two viewers with different tokens play the same marked package
# through sv-serve in headless Chromium with hls.js; what each player
# fetched is its capture, re-muxed by ffmpeg and re-encoded at CRF 30 and at
# 480p, and `sv-drm watermark detect` names the right viewer for every one
# of them, and no viewer for a copy of the package as it was (a token with
# no subject, which sv-serve answers with the unmarked segments).

load ../helpers
bats_require_minimum_version 1.5.0

E2E=$SV_TOP/tests/e2e

have_player() {
    [ -x /usr/bin/chromium ] && [ -d "$E2E/node_modules/hls.js" ] &&
        [ -d "$E2E/node_modules/playwright-core" ]
}

# One package for the file: 24 one-second segments at 320x180, marked once,
# served once; the three playbacks run side by side (each takes as long as
# the video does) and leave their captures in $BATS_FILE_TMPDIR/cap-WHO.
setup_file() {
    have_player || return 0
    local d=$BATS_FILE_TMPDIR who t port
    _ff -f lavfi -i testsrc2=size=320x180:rate=25:duration=24 \
        -c:v libx264 -preset veryfast -crf 23 -g 25 -keyint_min 25 \
        -sc_threshold 0 -pix_fmt yuv420p "$d/src.mp4"
    sv-package "$d/src.mp4" -o "$d/www/p" -s 1s -q
    cp -r "$d/www/p" "$d/clean"
    printf 'watermark-key-for-the-e2e-tests-0123456789\n' > "$d/wm.key"
    printf 'url-token-key-for-the-e2e-0123456789\n' > "$d/url.key"
    printf 'alice\nbob\ncarol\ndave\n' > "$d/viewers"
    sv-drm watermark embed "$d/www/p" --watermark-key "$d/wm.key" \
        > "$d/embed.json"
    cp "$E2E/serve-player.html" "$E2E/node_modules/hls.js/dist/hls.min.js" \
        "$d/www/"
    port=$(free_port)
    sv-serve "$d/www" --listen "127.0.0.1:$port" --token-key "$d/url.key" \
        --watermark-key "$d/wm.key" --access-log "$d/access.jsonl" \
        2> "$d/serve.err" &
    echo $! > "$d/serve.pid"
    wait_for curl -sf "http://127.0.0.1:$port/healthz"
    # the page's own request carries the token; sv-serve answers it with
    # the sv_token cookie, which every later request of the player sends
    for who in alice bob anon; do
        if [ "$who" = anon ]; then
            t=$(sv-drm token sign --path / --ttl 10m --token-key "$d/url.key")
        else
            t=$(sv-drm token sign --path / --ttl 10m --sub "$who" \
                --token-key "$d/url.key")
        fi
        mkdir -p "$d/cap-$who"
        node "$E2E/watermark-capture.js" \
            "http://127.0.0.1:$port/serve-player.html?src=p/master.m3u8&token=$t" \
            "$d/cap-$who" 90 > "$d/play-$who.json" 2> "$d/play-$who.err" &
        echo $! > "$d/play-$who.pid"
    done
    for who in alice bob anon; do
        # status ignored: the tests read each player's report (played)
        wait "$(cat "$d/play-$who.pid")" || true
    done
}

teardown_file() {
    if [ -f "$BATS_FILE_TMPDIR/serve.pid" ]; then
        kill "$(cat "$BATS_FILE_TMPDIR/serve.pid")" 2>/dev/null || true
    fi
}

setup() {
    have_player || skip "chromium, hls.js or playwright-core missing"
    D=$BATS_FILE_TMPDIR
    mkdir -p "$BATS_TEST_TMPDIR/w" && cd "$BATS_TEST_TMPDIR/w"
}

# played WHO: the player's report, checked: it played to the end
played() {
    local f=$D/play-$1.json
    [ -s "$f" ] || fail "no report from $1's player: $(cat "$D/play-$1.err")"
    jq -e '.ended == true and .fatal == null' "$f" > /dev/null ||
        fail "$1's player did not play to the end: $(jq -c 'del(.fetched)' "$f")"
    cat "$f"
}

# letters WHO: the variant the player was given for segments 1..24, in
# segment order, from the paths it fetched ('-' for the unmarked one)
letters() {
    jq -r '[range(1; 25) as $i | [.fetched[] | select(.status == 200 and
             (.path | endswith("/seg-\($i).m4s")))] | last | .path // "?" |
            if test("^/p/v0/[ab]/") then .[6:7]
            elif test("^/p/v0/seg-") then "-" else "?" end] | join("")' \
        "$D/play-$1.json"
}

# capture WHO OUT: the player's init segment and segments, in order, re-muxed
capture() {
    local c=$D/cap-$1 i f
    f=$(ls "$c"/p_v0_*init.mp4)
    cat "$f" > cat.mp4
    for i in $(seq 1 24); do
        f=$(ls "$c"/p_v0_*seg-"$i".m4s) || fail "$1's player did not get segment $i"
        cat "$f" >> cat.mp4
    done
    _ff -i cat.mp4 -c copy "$2"
}

# reencodes IN: IN-crf30.mp4 (same size, CRF 30) and IN-480.mp4 (480p)
reencodes() {
    _ff -i "$1" -c:v libx264 -crf 30 -preset veryfast "${1%.mp4}-crf30.mp4"
    _ff -i "$1" -vf scale=-2:480 -c:v libx264 -crf 23 -preset veryfast \
        "${1%.mp4}-480.mp4"
    assert_eq "$(ffprobe -v error -show_entries stream=height -of csv=p=0 \
        "${1%.mp4}-480.mp4")" 480
}

detect() {
    sv-drm watermark detect "$1" --package "$D/www/p" \
        --watermark-key "$D/wm.key" --viewers "$D/viewers"
}

@test "hls.js plays the marked package to the end for each viewer, each variant via sv-serve's redirect" {
    local who r i
    for who in alice bob; do
        r=$(played "$who")
        echo "# $who: $(jq -c '{frames, dropped, errors}' <<< "$r")" >&3
        assert_eq "$(jq .frames <<< "$r")" 600
        # every segment was asked for by its unmarked name and redirected
        # to the viewer's variant
        jq -e '[range(1; 25) as $i | any(.fetched[]; .status == 200 and
                 .redirected_from == "/p/v0/seg-\($i).m4s" and
                 (.path | test("^/p/v0/[ab]/seg-\($i)\\.m4s$")))] | all' \
            <<< "$r" > /dev/null || fail "$who: a segment not fetched as a variant"
        # what the player got is the package's variant, byte for byte
        for i in 1 13 24; do
            cmp "$(ls "$D/cap-$who"/p_v0_?_seg-"$i".m4s)" \
                "$D/www/p/v0/$(letters "$who" | cut -c"$i")/seg-$i.m4s"
        done
    done
    assert_match "$(letters alice)" '^[ab]{24}$'
    assert_match "$(letters bob)" '^[ab]{24}$'
    [ "$(letters alice)" != "$(letters bob)" ]
    # the access log names each viewer's requests by the token's subject
    for who in alice bob; do
        jq -s -e --arg w "$who" 'any(.[]; .data.path == "/p/v0/seg-3.m4s" and
              .data.status == 302 and .data.subject == $w)' \
            "$D/access.jsonl" > /dev/null || fail "no 302 for $who in the log"
    done
}

@test "a token with no subject plays the package as it was" {
    local r i
    r=$(played anon)
    assert_eq "$(letters anon)" "$(printf -- '-%.0s' $(seq 1 24))"
    jq -e '[.fetched[] | select(.status == 302)] | length == 0' <<< "$r"
    for i in 1 24; do
        cmp "$D/cap-anon/p_v0_seg-$i.m4s" "$D/clean/v0/seg-$i.m4s"
    done
}

@test "detect names each viewer from their capture, re-muxed, at CRF 30 and at 480p" {
    local who f
    for who in alice bob; do
        played "$who" > /dev/null
        capture "$who" "$who.mp4"
        assert_eq "$(frames "$who.mp4" 0)" 600
        reencodes "$who.mp4"
        for f in "$who.mp4" "$who-crf30.mp4" "$who-480.mp4"; do
            detect "$f" > out.json
            echo "# $f: $(jq -c '{viewer, known, agree, false_accusation}' out.json)" >&3
            assert_eq "$(jq -r .viewer out.json)" "$who"
            # the sequence read from the pictures is the one the player fetched
            assert_eq "$(jq -r .sequence out.json)" "$(letters "$who")"
            # 4 candidates, at least 22 known bits all agreeing: 4 * 2^-22
            jq -e '.known >= 22 and .agree == .known and
                   .false_accusation <= 1e-6 and .confidence >= 0.999999' \
                out.json > /dev/null
        done
    done
}

@test "detect names no viewer in the unmarked playback, re-muxed or re-encoded" {
    local f
    played anon > /dev/null
    capture anon clean.mp4
    reencodes clean.mp4
    for f in clean.mp4 clean-crf30.mp4 clean-480.mp4; do
        detect "$f" > out.json
        echo "# $f: $(jq -c '{viewer, known, best_candidate}' out.json)" >&3
        assert_eq "$(jq -r .viewer out.json)" null
        assert_eq "$(jq -r .false_accusation out.json)" 1
    done
}
