#!/usr/bin/env bats
# edge-varnish.bats -- sv-serve behind Varnish (Debian's varnishd with
# examples/varnish/sv-serve.vcl) standing in for a CDN edge: a live LL-HLS
# stream (serve-llhls-writer.py, 0.25 s parts) played through the edge by
# 20 scripted LL-HLS players (edge-llhls-player.js) and 2 hls.js pages in
# headless Chromium (kept small: the CI machine has two cores); then one
# hls.js page through the edge and one straight from the origin, one after
# the other, for their latencies.
# Counted in sv-serve's access log against varnishncsa's: blocking reloads
# collapse (one request reaches the origin for each reload URL, however
# many viewers wait on it) and the cache answers the parts.  Purges
# (sv-publish purge) and stale bounds are checked on the same setup.

load ../helpers
load edge
bats_require_minimum_version 1.5.0

E2E=$SV_TOP/tests/e2e

setup() {
    command -v varnishd > /dev/null || skip "varnishd missing (scripts/setup)"
    WWW=$BATS_TEST_TMPDIR/www
    mkdir -p "$WWW"
    PORT=$(free_port)
    EPORT=$(free_port)
    EDGE=http://127.0.0.1:$EPORT
    sv-serve "$WWW" --listen "http://127.0.0.1:$PORT" --workers 2 \
        --access-log "$BATS_TEST_TMPDIR/access.jsonl" \
        2> "$BATS_TEST_TMPDIR/serve.err" &
    SERVE_PID=$!
    wait_for curl -sf "http://127.0.0.1:$PORT/healthz"
    edge_start edge "$EPORT" "$PORT"
}

teardown() {
    local p
    edge_stop
    for p in ${PLAYER_PIDS:-} ${WRITER_PID:-} ${SERVE_PID:-}; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
}

# live_source SECONDS: 24 fps video in 0.25 s parts, 4 to a segment
live_source() {
    _ff -f lavfi -i "testsrc2=size=320x180:rate=24:duration=$(($1 + 4))" \
        -c:v libx264 -preset ultrafast -g 24 -keyint_min 24 -sc_threshold 0 \
        -pix_fmt yuv420p -movflags +empty_moov+default_base_moof \
        -frag_duration 250000 -f mp4 "$BATS_TEST_TMPDIR/src.mp4"
    python3 "$E2E/serve-llhls-writer.py" "$BATS_TEST_TMPDIR/src.mp4" \
        "$WWW/live" --stop-after "$1" &
    WRITER_PID=$!
    wait_for test -s "$WWW/live/live.m3u8"
}

@test "Varnish collapses LL-HLS blocking reloads and answers >= 90% of parts for 20 scripted players and 2 hls.js pages" {
    [ -d "$E2E/node_modules/hls.js" ] && [ -x /usr/bin/chromium ] ||
        skip "hls.js or chromium missing"
    cp "$E2E/serve-player.html" "$E2E/node_modules/hls.js/dist/hls.min.js" \
        "$WWW/"
    live_source 50
    node "$E2E/serve-play.js" "$EDGE/serve-player.html?src=live/master.m3u8&ll=1" \
        8 60 > "$BATS_TEST_TMPDIR/page1.json" &
    PLAYER_PIDS=$!
    node "$E2E/serve-play.js" "$EDGE/serve-player.html?src=live/master.m3u8&ll=1" \
        8 60 > "$BATS_TEST_TMPDIR/page2.json" &
    PLAYER_PIDS="$PLAYER_PIDS $!"
    run node "$E2E/edge-llhls-player.js" "$EDGE/live/live.m3u8" 20 12 "$WWW/live"
    echo "# scripted: $output" >&3
    [ "$status" -eq 0 ]
    jq -e '.reloads >= 200 and (.errors | length) == 0' <<< "$output"
    wait $PLAYER_PIDS
    PLAYER_PIDS=
    for f in page1 page2; do
        echo "# hls.js $f: $(jq -c '{played, fatal, parts, latency_ms}' "$BATS_TEST_TMPDIR/$f.json")" >&3
        # played on without a fatal error (how far depends on the load)
        jq -e '.played >= 4 and .fatal == null' "$BATS_TEST_TMPDIR/$f.json"
    done
    # wait for varnishncsa to write its last lines
    sleep 1
    local er eu or ou ed od
    er=$(grep -c -E '^/live/live\.m3u8\?_HLS_msn=' "$BATS_TEST_TMPDIR/edge/ncsa.log")
    eu=$(grep -E '^/live/live\.m3u8\?_HLS_msn=' "$BATS_TEST_TMPDIR/edge/ncsa.log" |
         awk '{print $1}' | sort -u | wc -l)
    jq -r 'select(.data.query // "" | test("_HLS_msn=")) |
           .data.path + "?" + .data.query' "$BATS_TEST_TMPDIR/access.jsonl" \
        > "$BATS_TEST_TMPDIR/origin-reloads"
    or=$(wc -l < "$BATS_TEST_TMPDIR/origin-reloads")
    ou=$(sort -u "$BATS_TEST_TMPDIR/origin-reloads" | wc -l)
    ed=$(grep -c -E '\.m4s ' "$BATS_TEST_TMPDIR/edge/ncsa.log")
    od=$(jq -r 'select(.data.path | test("\\.m4s$")) | .data.path' \
            "$BATS_TEST_TMPDIR/access.jsonl" | wc -l)
    echo "# blocking reloads: edge $er requests for $eu URLs, origin $or requests for $ou URLs" >&3
    echo "# parts and segments: edge $ed requests, origin $od: $(( 100 - 100 * od / ed ))% answered by the cache" >&3
    # collapsed: one origin request per reload URL, many viewers on each
    [ "$or" -eq "$ou" ]
    [ "$er" -ge $(( 10 * or )) ]
    [ "$ed" -gt 0 ]
    [ $(( 100 * od / ed )) -le 10 ]
}

@test "hls.js in low-latency mode plays through the edge about as close to live as from the origin" {
    [ -d "$E2E/node_modules/hls.js" ] && [ -x /usr/bin/chromium ] ||
        skip "hls.js or chromium missing"
    cp "$E2E/serve-player.html" "$E2E/node_modules/hls.js/dist/hls.min.js" \
        "$WWW/"
    live_source 70
    local u
    for u in "$EDGE" "http://127.0.0.1:$PORT"; do
        run node "$E2E/serve-play.js" "$u/serve-player.html?src=live/master.m3u8&ll=1" 6 30
        echo "# $output" >&3
        jq -e '.played >= 4 and .fatal == null and .parts > 0' <<< "$output"
        echo "# $u: live latency $(jq -c .latency_ms <<< "$output") ms" >&3
    done
    # the edge's answers for the page came from Varnish
    grep -q -E '^/live/s[0-9]+\.p[0-9]\.m4s 200 (hit|miss)$' \
        "$BATS_TEST_TMPDIR/edge/ncsa.log"
}
