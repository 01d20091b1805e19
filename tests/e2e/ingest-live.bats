#!/usr/bin/env bats
# ingest-live.bats -- the live chain end to end: ffmpeg publishes over RTMP
# in real time -> sv-ingest --exec 'sv-transcode | sv-package --live
# --ll-hls' -> sv-serve -> hls.js in headless Chromium.  Reports the
# latency it measured (stderr of the test, and the TAP log).

load ../helpers

setup() {
    local t
    for t in sv-transcode sv-package sv-serve; do
        command -v "$t" > /dev/null || skip "$t not built"
    done
    [ -x /usr/bin/chromium ] || skip "chromium is not installed"
    [ -d "$SV_TOP/tests/e2e/node_modules/hls.js" ] || skip "no node_modules"
    PIDS=()
}

teardown() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
}

@test "an RTMP publisher plays in hls.js through ingest, transcode, package and serve" {
    local www=$BATS_TEST_TMPDIR/www rport hport
    rport=$(free_port) hport=$(free_port)
    mkdir -p "$www/live"
    sv-ingest --listen "rtmp://127.0.0.1:$rport" \
        --exec "sv-transcode - --ladder 360p:800k | sv-package --live --ll-hls -o $www/live/\$SV_STREAM" \
        > "$BATS_TEST_TMPDIR/ingest.jsonl" 2> "$BATS_TEST_TMPDIR/ingest.err" &
    PIDS+=($!)
    sv-serve "$www" --listen "127.0.0.1:$hport" --cors-origin '*' \
        > /dev/null 2> "$BATS_TEST_TMPDIR/serve.err" &
    PIDS+=($!)
    wait_for grep -q 'listening on' "$BATS_TEST_TMPDIR/ingest.err"
    # a live source: 40 s of test pattern, encoded and sent in real time
    ffmpeg -nostdin -v error -re -f lavfi -i testsrc2=size=640x360:rate=30 \
        -f lavfi -i sine=frequency=440:sample_rate=48000 -t 40 \
        -c:v libx264 -preset veryfast -tune zerolatency -g 30 \
        -pix_fmt yuv420p -c:a aac -f flv "rtmp://127.0.0.1:$rport/live/e2e" &
    PIDS+=($!)
    wait_for test -s "$www/live/e2e/master.m3u8" ||
        wait_for test -s "$www/live/e2e/master.m3u8" ||
        fail "no playlist: $(tail -5 "$BATS_TEST_TMPDIR/ingest.err")"
    run node "$SV_TOP/tests/e2e/ingest-play.js" \
        "http://127.0.0.1:$hport/live/e2e/master.m3u8" 10
    # latency_*: behind the live edge, as hls.js measures it;
    # pdt_latency: wall clock minus the playing EXT-X-PROGRAM-DATE-TIME
    echo "# latency: $output" >&3
    [ "$status" -eq 0 ] || fail "playback: $output"
    jq -e '.ok and .played > 5' <<< "$output"
    jq -r 'select(.event == "live.stream.started") | .data.stream' \
        "$BATS_TEST_TMPDIR/ingest.jsonl" | grep -qx e2e
}
