#!/usr/bin/env bats
# serve-hlsjs.bats -- hls.js in headless Chromium plays through sv-serve: a
# VOD package made by ffmpeg's HLS muxer, and a live LL-HLS stream published
# part by part by serve-llhls-writer.py, in low-latency mode (blocking
# playlist reloads and parts), reporting the latency it measured.

load ../helpers
bats_require_minimum_version 1.5.0


E2E=$SV_TOP/tests/e2e

setup_file() {
    if [ ! -d "$E2E/node_modules/hls.js" ] || [ ! -x /usr/bin/chromium ]; then
        skip "hls.js or chromium missing"
    fi
}

setup() {
    if [ ! -d "$E2E/node_modules/hls.js" ] || [ ! -x /usr/bin/chromium ]; then
        skip "hls.js or chromium missing"
    fi
    WWW=$BATS_TEST_TMPDIR/www
    mkdir -p "$WWW"
    cp "$E2E/serve-player.html" "$E2E/node_modules/hls.js/dist/hls.min.js" \
        "$WWW/"
    PORT=$(free_port)
    URL=http://127.0.0.1:$PORT
}

teardown() {
    local p
    for p in ${WRITER_PID:-} ${SERVE_PID:-}; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
}

start_serve() {
    sv-serve "$WWW" --listen "${LISTEN:-http://127.0.0.1:$PORT}" \
        --access-log "$BATS_TEST_TMPDIR/access.jsonl" "$@" \
        2> "$BATS_TEST_TMPDIR/serve.err" &
    SERVE_PID=$!
    wait_for curl -skf "$URL/healthz"
}

# live_source: 30 s of 24 fps video in 0.25 s fragments (4 parts to a 1 s
# segment), published by the writer from now on
live_source() {
    _ff -f lavfi -i "testsrc2=size=320x180:rate=24:duration=30" \
        -c:v libx264 -preset ultrafast -g 24 -keyint_min 24 -sc_threshold 0 \
        -pix_fmt yuv420p -movflags +empty_moov+default_base_moof \
        -frag_duration 250000 -f mp4 "$BATS_TEST_TMPDIR/src.mp4"
    python3 "$E2E/serve-llhls-writer.py" "$BATS_TEST_TMPDIR/src.mp4" \
        "$WWW/live" --stop-after 27 &
    WRITER_PID=$!
    wait_for test -s "$WWW/live/live.m3u8"
}

@test "hls.js plays a VOD package through sv-serve" {
    mkdir -p "$WWW/vod"
    _ff -i "$(fixture h264_aac_360p.mp4)" -c copy -f hls -hls_time 1 \
        -hls_playlist_type vod -hls_segment_type fmp4 \
        -hls_fmp4_init_filename init.mp4 -master_pl_name master.m3u8 \
        -hls_segment_filename "$WWW/vod/seg%d.m4s" "$WWW/vod/index.m3u8"
    start_serve
    run node "$E2E/serve-play.js" "$URL/serve-player.html?src=vod/master.m3u8" 3 60
    echo "# $output" >&3
    [ "$status" -eq 0 ]
    jq -e '.played >= 3 and .fatal == null and .level.live == false' <<< "$output"
    grep -q '"path":"/vod/seg2.m4s"' "$BATS_TEST_TMPDIR/access.jsonl"
}

@test "hls.js plays a live LL-HLS stream in low-latency mode and reports the latency" {
    live_source
    start_serve --workers 2
    run node "$E2E/serve-play.js" "$URL/serve-player.html?src=live/master.m3u8&ll=1" 8 40
    echo "# $output" >&3
    [ "$status" -eq 0 ]
    jq -e '.played >= 8 and .fatal == null and .level.canBlock == true and
           .parts > 0' <<< "$output"
    # low-latency mode: blocking reloads for parts, answered after a hold
    jq -s -e 'any(.[]; .data.path == "/live/live.m3u8" and
                  (.data.query // "" | test("_HLS_msn=[0-9]+&_HLS_part=[0-9]+")) and
                  .data.status == 200)' "$BATS_TEST_TMPDIR/access.jsonl" > /dev/null
    grep -q '"path":"/live/s[0-9]*\.p[0-9]\.m4s"' "$BATS_TEST_TMPDIR/access.jsonl"
    echo "# live latency (wall clock minus EXT-X-PROGRAM-DATE-TIME of the playhead): $(jq -c .latency_ms <<< "$output") ms" >&3
}

@test "hls.js plays the live LL-HLS stream over HTTPS and HTTP/2" {
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
        -keyout "$BATS_TEST_TMPDIR/key.pem" -out "$BATS_TEST_TMPDIR/cert.pem" 2>/dev/null
    live_source
    URL=https://127.0.0.1:$PORT
    LISTEN=$URL start_serve --tls-cert "$BATS_TEST_TMPDIR/cert.pem" \
        --tls-key "$BATS_TEST_TMPDIR/key.pem"
    run node "$E2E/serve-play.js" "$URL/serve-player.html?src=live/master.m3u8&ll=1" 6 40
    echo "# $output" >&3
    [ "$status" -eq 0 ]
    jq -e '.played >= 6 and .fatal == null and .parts > 0' <<< "$output"
    # every request of the page went over HTTP/2, blocking reloads included
    jq -s -e 'any(.[]; .data.path == "/live/live.m3u8" and .data.proto == "HTTP/2" and
                  (.data.query // "" | test("_HLS_msn=")))' \
        "$BATS_TEST_TMPDIR/access.jsonl" > /dev/null
    if jq -e 'select(.data.proto != "HTTP/2")' "$BATS_TEST_TMPDIR/access.jsonl" |
            grep -q .; then
        fail "a request went over HTTP/1.1"
    fi
    echo "# live latency over h2: $(jq -c .latency_ms <<< "$output") ms" >&3
}

@test "hls.js held to the live edge (sync, maxlat) comes back from 3 s behind, as scripts/bench/edge.sh plays it" {
    live_source
    start_serve --workers 2
    # hls.js's defaults would stay there: more than a target duration past
    # its aim it neither plays faster nor jumps
    run node "$E2E/serve-play.js" \
        "$URL/serve-player.html?src=live/master.m3u8&ll=1&rate=1.5&sync=0.75&maxlat=2&stallinc=0.25&lag=3" \
        10 40
    echo "# $output" >&3
    [ "$status" -eq 0 ]
    jq -e '.fatal == null and .jumps >= 1 and .latency_ms.samples > 0 and
           .latency_ms.median < 2000' <<< "$output"
}
