#!/usr/bin/env bats
# steering.bats -- multi-CDN content steering: one live package written by
# sv-package with two pathways, each a Varnish (Debian's, with
# examples/varnish/sv-serve.vcl) in front of one sv-serve origin that
# answers /steering from a policy file.  hls.js (HLS Content Steering) and
# dash.js (DASH ContentSteering) in headless Chromium play from pathway a;
# the policy then marks a down (the player must move to b), and after a is
# allowed back as the second choice, b's cache is killed (its health check
# fails: the player must move back to a).  steering-play.js reports the
# time from each change to the first media request to the other pathway.

load ../helpers
load edge
bats_require_minimum_version 1.5.0

E2E=$SV_TOP/tests/e2e

setup() {
    command -v varnishd > /dev/null || skip "varnishd missing (scripts/setup)"
    if [ ! -d "$E2E/node_modules/hls.js" ] || [ ! -x /usr/bin/chromium ]; then
        skip "hls.js or chromium missing"
    fi
    WWW=$BATS_TEST_TMPDIR/www
    T=$BATS_TEST_TMPDIR
    mkdir -p "$WWW"
    PORT=$(free_port)
    EA=$(free_port)
    EB=$(free_port)
    pids=()
}

teardown() {
    local p
    edge_stop
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
}

# policy FILE A_JSON B_JSON: a two-pathway policy, TTL 1 s, b probed
policy() {
    printf '{"ttl":1,"health_interval":1,"pathways":[%s,%s]}\n' "$2" "$3" > "$1"
}

# steered_live: 80 s of ffmpeg -re into sv-package --live with pathways a
# and b (the two caches), the origin, the caches
steered_live() {
    policy "$T/policy.json" '{"id":"a","weight":1}' '{"id":"b","weight":0}'
    policy "$T/step1.json" '{"id":"a","down":true}' '{"id":"b","weight":1}'
    policy "$T/step2.json" '{"id":"a","weight":0}' \
        "{\"id\":\"b\",\"weight\":1,\"health\":\"http://127.0.0.1:$EB/healthz\"}"
    sv-serve "$WWW" --listen "http://127.0.0.1:$PORT" --cors-origin '*' \
        --steering-policy "$T/policy.json" --access-log "$T/access.jsonl" \
        2> "$T/serve.err" &
    pids+=($!)
    wait_for curl -sf "http://127.0.0.1:$PORT/healthz"
    edge_start a "$EA" "$PORT"
    edge_start b "$EB" "$PORT"
    mkfifo "$T/ts"
    ffmpeg -nostdin -loglevel error -re \
        -f lavfi -i "testsrc2=size=320x180:rate=24" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 80 \
        -c:v libx264 -preset ultrafast -tune zerolatency \
        -force_key_frames 'expr:gte(t,n_forced*1)' -sc_threshold 0 \
        -pix_fmt yuv420p -c:a aac -b:a 64k -f mpegts \
        -y "$T/ts" 2> "$T/ffmpeg.err" &
    pids+=($!)
    sv-package --live -s 1 -w 20s -o "$WWW/live" \
        --pathway "a=http://127.0.0.1:$EA/live/" \
        --pathway "b=http://127.0.0.1:$EB/live/" \
        --steering-uri "http://127.0.0.1:$PORT/steering" \
        < "$T/ts" 2> "$T/live.err" &
    pids+=($!)
    wait_for test -s "$WWW/live/master.m3u8" ||
        fail "no master playlist: $(cat "$T/live.err")"
    sleep 3
}

# steer PLAYER MANIFEST: the switch-over run; prints its JSON line
steer() {
    # varnishd's PID for b: the first of b's two in EDGE_PIDS
    local bpid
    bpid=$(awk '{print $3}' <<< "$EDGE_PIDS")
    run node "$E2E/steering-play.js" "$1" "http://127.0.0.1:$PORT/live/$2" \
        "$T/policy.json" "$EA" "$EB" "$T/step1.json" "$T/step2.json" "$bpid"
    echo "# $1: $output" >&3
    [ "$status" -eq 0 ] || fail "$output $(cat "$T/serve.err")"
    grep -q "pathway 'b' is down" "$T/serve.err"
}

@test "sv-serve's /steering orders the pathways by the policy, reread when it changes" {
    steered_live
    run curl -sf "http://127.0.0.1:$PORT/steering?_HLS_pathway=a&_HLS_throughput=1000"
    [ "$output" = '{"VERSION":1,"TTL":1,"PATHWAY-PRIORITY":["a","b"],"SERVICE-LOCATION-PRIORITY":["a","b"]}' ]
    cp "$T/step1.json" "$T/.p" && mv "$T/.p" "$T/policy.json"
    sleep 1.2
    run curl -sf "http://127.0.0.1:$PORT/steering"
    [ "$output" = '{"VERSION":1,"TTL":1,"PATHWAY-PRIORITY":["b"],"SERVICE-LOCATION-PRIORITY":["b"]}' ]
    grep -q '^#EXT-X-CONTENT-STEERING:SERVER-URI="http://127.0.0.1:'"$PORT"'/steering",PATHWAY-ID="a"$' \
        "$WWW/live/master.m3u8"
    grep -q "<BaseURL serviceLocation=\"b\">http://127.0.0.1:$EB/live/</BaseURL>" \
        "$WWW/live/manifest.mpd"
}

@test "hls.js switches pathways when the policy changes and when a cache is killed" {
    steered_live
    steer hls master.m3u8
}

@test "dash.js switches pathways when the policy changes and when a cache is killed" {
    [ -d "$E2E/node_modules/dashjs" ] || skip "dash.js missing"
    steered_live
    steer dash manifest.mpd
}
