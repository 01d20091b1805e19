#!/usr/bin/env bats
# publish-play.bats -- what sv-publish puts in a bucket plays in a browser:
# a VOD package and a live LL-HLS package pushed with --live to a real
# radosgw on 127.0.0.1 (tests/s3/start-rgw.sh), read anonymously by hls.js
# in headless Chromium from another origin (public-read objects and the
# bucket CORS rule that --acl and --cors set).

load ../helpers
bats_require_minimum_version 1.5.0

setup_file() {
    command -v radosgw >/dev/null && command -v ceph-mon >/dev/null &&
        command -v ceph-osd >/dev/null || return 0
    [ -x /usr/bin/chromium ] && [ -d "$SV_TOP/tests/e2e/node_modules/hls.js" ] ||
        return 0
    export RGWDIR=$BATS_FILE_TMPDIR/rgw
    local port
    port=$(sh "$SV_TOP/tests/s3/start-rgw.sh" "$RGWDIR" | sed -n 's/^RGW_PORT=//p')
    export RGW=http://127.0.0.1:$port
    export AWS_ACCESS_KEY_ID=accessKey1 AWS_SECRET_ACCESS_KEY=verySecretKey1
    curl -sS --fail-with-body --aws-sigv4 "aws:amz:us-east-1:s3" \
        --user accessKey1:verySecretKey1 \
        -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -X PUT "$RGW/svplay" \
        -o /dev/null
}

teardown_file() {
    [ -z "${RGWDIR:-}" ] || sh "$SV_TOP/tests/s3/stop-rgw.sh" "$RGWDIR"
}

setup() {
    [ -x /usr/bin/chromium ] || skip "chromium is not installed"
    [ -d "$SV_TOP/tests/e2e/node_modules/hls.js" ] || skip "no node_modules"
    [ -n "${RGW:-}" ] || skip "radosgw, ceph-mon or ceph-osd is not installed"
    export HOME=$BATS_TEST_TMPDIR
}

# play PLAYER URL [ARGS...]: runs the player, keeps its JSON in $res
play() {
    run node "$SV_TOP/tests/e2e/play.js" "$@" --timeout 60
    res=$output
    echo "# $res" >&3
    [ "$status" -eq 0 ] || fail "player failed: $res"
}

# cors_header URL ORIGIN: the Access-Control-Allow-Origin of an anonymous GET
cors_header() {
    curl -sS -o /dev/null -D - -H "Origin: $2" "$1" | tr -d '\r' |
        sed -n 's/^access-control-allow-origin: //Ip'
}

# shellcheck disable=SC2154 # run --separate-stderr sets $stderr
@test "a VOD package published with --acl public-read --cors plays in hls.js from the bucket" {
    local pkg=$BATS_TEST_TMPDIR/pkg
    sv-package -q -s 2 -o "$pkg" "$(fixture ladder_360p.ts)"
    # before: the bucket is private and has no CORS rule
    run curl -sS -o /dev/null -w '%{http_code}' "$RGW/svplay/vod/master.m3u8"
    assert_eq "$output" 403
    run --separate-stderr sv-publish --endpoint "$RGW" --acl public-read \
        --cors '*' s3://svplay/vod "$pkg"
    [ "$status" -eq 0 ] || fail "$stderr"
    run curl -sS -o /dev/null -w '%{http_code}' "$RGW/svplay/vod/master.m3u8"
    assert_eq "$output" 200
    assert_eq "$(cors_header "$RGW/svplay/vod/master.m3u8" http://127.0.0.1:9)" "*"
    play hls "$RGW/svplay/vod/master.m3u8" --switch --seconds 4
    assert_eq "$(jq .nlevels <<< "$res")" 3
    assert_eq "$(jq .fatal <<< "$res")" null
}

@test "--cors with one origin: that origin is allowed, another is not" {
    local pkg=$BATS_TEST_TMPDIR/pkg
    mkdir -p "$pkg"
    echo '#EXTM3U' > "$pkg/one.m3u8"
    run --separate-stderr sv-publish --endpoint "$RGW" --acl public-read \
        --cors http://player.example:8080 s3://svplay/one "$pkg"
    [ "$status" -eq 0 ] || fail "$stderr"
    assert_eq "$(cors_header "$RGW/svplay/one/one.m3u8" http://player.example:8080)" \
        "http://player.example:8080"
    assert_eq "$(cors_header "$RGW/svplay/one/one.m3u8" http://other.example)" ""
}

@test "a live LL-HLS package pushed with --live plays in hls.js from the bucket" {
    local d=$BATS_TEST_TMPDIR/live
    mkdir -p "$d"
    ffmpeg -nostdin -loglevel error -re -f lavfi \
        -i "testsrc2=size=320x240:rate=30:duration=30" \
        -f lavfi -i "sine=frequency=440:duration=30" -c:v libx264 \
        -preset ultrafast -g 30 -pix_fmt yuv420p -c:a aac -shortest \
        -f mpegts - | sv-package -q --live --ll-hls -s 1 -o "$d" &
    local src=$!
    sv-publish --live --endpoint "$RGW" --acl public-read --cors '*' \
        --poll 100ms s3://svplay/live "$d" > "$BATS_TEST_TMPDIR/ev" \
        2> "$BATS_TEST_TMPDIR/err" &
    local pub=$!
    wait_for curl -sf -o /dev/null "$RGW/svplay/live/master.m3u8"
    play hls "$RGW/svplay/live/master.m3u8" --live --seconds 6
    assert_eq "$(jq .fatal <<< "$res")" null
    [ "$(jq '.advanced >= 5' <<< "$res")" = true ] || fail "did not advance: $res"
    wait "$src"
    wait "$pub" || fail "sv-publish --live: $(cat "$BATS_TEST_TMPDIR/err")"
    assert_eq "$(grep '"publish.complete"' "$BATS_TEST_TMPDIR/ev" | jq .data.failed)" 0
}
