#!/usr/bin/env bats
# package-players.bats -- real players in headless Chromium play what
# sv-package writes: hls.js (switching through every rendition), dash.js
# and Shaka Player, served over loopback with CORS from another port.

load ../helpers
bats_require_minimum_version 1.5.0

setup_file() {
    [ -x /usr/bin/chromium ] && [ -d "$SV_TOP/tests/e2e/node_modules/hls.js" ] ||
        return 0
    export PKG=$BATS_FILE_TMPDIR/www
    mkdir -p "$PKG"
    sv-package -q -s 2 -o "$PKG/ladder" "$(fixture ladder_360p.ts)"
    sv-package -q -s 2 --single-file -o "$PKG/single" "$(fixture ladder_360p.ts)"
    sv-package -q -s 2 -o "$PKG/reset" "$(fixture ladder_reset.ts)"
    sv-package -q -s 1 -o "$PKG/vp9" "$(fixture vp9_opus_360p.webm)"
    sv-package -q -s 2 --segments ts -o "$PKG/ts" "$(fixture ladder_360p.ts)"
    node "$SV_TOP/tests/e2e/serve-static.js" "$PKG" > "$BATS_FILE_TMPDIR/port" &
    echo $! > "$BATS_FILE_TMPDIR/pid"
    wait_for test -s "$BATS_FILE_TMPDIR/port"
    BASE=http://127.0.0.1:$(jq .port "$BATS_FILE_TMPDIR/port")
    export BASE
}

teardown_file() {
    [ ! -f "$BATS_FILE_TMPDIR/pid" ] || kill "$(cat "$BATS_FILE_TMPDIR/pid")" || true
}

setup() {
    [ -x /usr/bin/chromium ] || skip "chromium is not installed"
    [ -d "$SV_TOP/tests/e2e/node_modules/hls.js" ] || skip "no node_modules"
}

# play PLAYER URL [ARGS...]: runs the player, keeps its JSON in $res
play() {
    run node "$SV_TOP/tests/e2e/play.js" "$@" --timeout 60
    res=$output
    echo "# $res" >&3
    [ "$status" -eq 0 ] || fail "player failed: $res"
}

@test "hls.js plays the VOD package and switches through every rendition" {
    play hls "$BASE/ladder/master.m3u8" --switch --seconds 4
    assert_eq "$(jq .nlevels <<< "$res")" 3
    assert_eq "$(jq '.buffered | sort | join(",")' -r <<< "$res")" "0,1,2"
    assert_eq "$(jq .fatal <<< "$res")" null
}

@test "dash.js plays the DASH package" {
    play dash "$BASE/ladder/manifest.mpd" --seconds 4
    assert_eq "$(jq .nlevels <<< "$res")" 3
}

@test "Shaka Player plays the DASH package" {
    play shaka "$BASE/ladder/manifest.mpd" --seconds 4
    assert_eq "$(jq .nlevels <<< "$res")" 3
}

@test "Shaka Player plays the HLS package" {
    play shaka "$BASE/ladder/master.m3u8" --seconds 4
}

@test "hls.js and dash.js play single files through byte ranges" {
    play hls "$BASE/single/master.m3u8" --switch --seconds 4
    assert_eq "$(jq '.buffered | length' <<< "$res")" 3
    play dash "$BASE/single/manifest.mpd" --seconds 4
}

@test "hls.js and dash.js play across a discontinuity" {
    play hls "$BASE/reset/master.m3u8" --seconds 8
    play dash "$BASE/reset/manifest.mpd" --seconds 8
}

@test "dash.js plays VP9 with Opus" {
    play dash "$BASE/vp9/manifest.mpd" --seconds 2
}

@test "hls.js plays MPEG-TS segments and switches through every rendition" {
    play hls "$BASE/ts/master.m3u8" --switch --seconds 4
    assert_eq "$(jq '.buffered | length' <<< "$res")" 3
}
