#!/usr/bin/env bats
# package-live.bats -- a live source (ffmpeg -re, a 2-rung ladder with
# audio as sv-transcode writes it) into sv-package --live --ll-hls, served
# over loopback while it is written; hls.js in low-latency mode and dash.js
# play it in headless Chromium (dash.js in low-latency mode through sv-serve
# for --ll-dash); Shaka Player, hls.js and dash.js, each in low-latency
# mode, play one --ll-hls --ll-dash package through sv-serve.  The live latency measured is reported (as
# a TAP comment), not asserted.

load ../helpers
bats_require_minimum_version 1.5.0

setup() {
    [ -x /usr/bin/chromium ] || skip "chromium is not installed"
    [ -d "$SV_TOP/tests/e2e/node_modules/hls.js" ] || skip "no node_modules"
    www=$BATS_TEST_TMPDIR/www
    mkdir -p "$www"
}

teardown() {
    local p
    for p in "${pids[@]:-}"; do
        [ -z "$p" ] || kill "$p" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}

# live SECONDS ARGS...: ffmpeg -re | sv-package --live ARGS into $www/live
live() {
    local secs=$1
    shift
    # two processes joined by a FIFO, so that each has a PID to stop
    mkfifo "$BATS_TEST_TMPDIR/ts"
    ffmpeg -nostdin -loglevel error -re \
        -f lavfi -i "testsrc2=size=640x360:rate=30" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000" -t "$secs" \
        -filter_complex '[0:v]split=2[a][b];[b]scale=320:180[b2]' \
        -map '[a]' -map '[b2]' -map 1:a -c:v libx264 -preset ultrafast \
        -tune zerolatency -force_key_frames 'expr:gte(t,n_forced*1)' \
        -sc_threshold 0 -pix_fmt yuv420p -c:a aac -b:a 96k -f mpegts \
        -y "$BATS_TEST_TMPDIR/ts" 2> "$BATS_TEST_TMPDIR/ffmpeg.err" &
    pids+=($!)
    sv-package --live -o "$www/live" --events "$BATS_TEST_TMPDIR/ev" "$@" \
        < "$BATS_TEST_TMPDIR/ts" 2> "$BATS_TEST_TMPDIR/live.err" &
    pids+=($!)
    node "$SV_TOP/tests/e2e/serve-static.js" "$www" > "$BATS_TEST_TMPDIR/port" &
    pids+=($!)
    wait_for test -s "$BATS_TEST_TMPDIR/port"
    base=http://127.0.0.1:$(jq .port "$BATS_TEST_TMPDIR/port")/live
    wait_for test -s "$www/live/master.m3u8"
}

# transcoded_live LADDER: 40 s of ffmpeg -re through sv-transcode into the
# FIFO $BATS_TEST_TMPDIR/ladder
transcoded_live() {
    mkfifo "$BATS_TEST_TMPDIR/src" "$BATS_TEST_TMPDIR/ladder"
    ffmpeg -nostdin -loglevel error -re \
        -f lavfi -i "testsrc2=size=640x360:rate=30" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 40 \
        -c:v libx264 -preset ultrafast -tune zerolatency -pix_fmt yuv420p \
        -c:a aac -f mpegts -y "$BATS_TEST_TMPDIR/src" 2>/dev/null &
    pids+=($!)
    sv-transcode - --ladder "$1" --preset ultrafast -g 1s \
        < "$BATS_TEST_TMPDIR/src" > "$BATS_TEST_TMPDIR/ladder" \
        2> "$BATS_TEST_TMPDIR/transcode.err" &
    pids+=($!)
}

# transcoded_wait FILE: waits (15 s at most) for $www/live/FILE
transcoded_wait() {
    local _
    for _ in $(seq 15); do
        [ -s "$www/live/$1" ] && break
        sleep 1
    done
    [ -s "$www/live/$1" ] ||
        fail "no $1: $(cat "$BATS_TEST_TMPDIR/transcode.err" "$BATS_TEST_TMPDIR/live.err")"
}

# served_live: 60 s of ffmpeg -re into sv-package --live --ll-hls --ll-dash
# (one package, both manifests) in $www/live, served by sv-serve at $base
served_live() {
    mkfifo "$BATS_TEST_TMPDIR/ts"
    ffmpeg -nostdin -loglevel error -re \
        -f lavfi -i "testsrc2=size=640x360:rate=30" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 60 \
        -c:v libx264 -preset ultrafast -tune zerolatency \
        -force_key_frames 'expr:gte(t,n_forced*1)' -sc_threshold 0 \
        -pix_fmt yuv420p -c:a aac -b:a 96k -f mpegts \
        -y "$BATS_TEST_TMPDIR/ts" 2> "$BATS_TEST_TMPDIR/ffmpeg.err" &
    pids+=($!)
    sv-package --live --ll-hls --ll-dash -s 2 --part-duration 0.5 \
        -o "$www/live" < "$BATS_TEST_TMPDIR/ts" \
        2> "$BATS_TEST_TMPDIR/live.err" &
    pids+=($!)
    local port
    port=$(free_port)
    sv-serve "$www" --listen "127.0.0.1:$port" --cors-origin '*' \
        --access-log "$BATS_TEST_TMPDIR/access.jsonl" \
        2> "$BATS_TEST_TMPDIR/serve.err" &
    pids+=($!)
    wait_for curl -sf "http://127.0.0.1:$port/healthz"
    base=http://127.0.0.1:$port/live
    transcoded_wait master.m3u8
}

# served_play PLAYER URL: plays 10 s of the live package, prints the
# latency, checks that it advanced and that no request for a part or a
# segment failed (a hint that named a part never written cost a 404 or a
# 503 after a stall)
served_play() {
    run node "$SV_TOP/tests/e2e/play.js" "$1" "$2" --live --seconds 10 \
        --timeout 40
    echo "# $output" >&3
    [ "$status" -eq 0 ] || fail "$1: $output $(cat "$BATS_TEST_TMPDIR/live.err")"
    local lat pdt
    lat=$(jq .latency <<< "$output")
    pdt=$(jq .pdt_latency <<< "$output")
    echo "# live latency through sv-serve: $1 $lat s, program date time $pdt s" >&3
    [ "$lat" != null ] || fail "no latency measured"
    [ "$(jq '.advanced >= 10' <<< "$output")" = true ] || fail "did not advance"
    if jq -c 'select(.event == "serve.request" and .data.status >= 400 and
        (.data.path | test("seg-")))' "$BATS_TEST_TMPDIR/access.jsonl" |
        grep .; then
        fail "a media request failed"
    fi
}

@test "Shaka Player in low-latency mode plays live LL-HLS through sv-serve, hinted parts and all" {
    served_live
    served_play shaka "$base/master.m3u8"
    assert_eq "$(jq .low_latency <<< "$output")" true
    # Shaka asked for parts (low-latency mode) and got them
    jq -e -s '[.[] | select(.event == "serve.request" and
        .data.status == 200 and
        (.data.path | test("/v0/seg-[0-9]+\\.[0-9]+\\.m4s$")))] |
        length > 0' "$BATS_TEST_TMPDIR/access.jsonl" > /dev/null ||
        fail "Shaka asked for no part"
}

@test "hls.js in low-latency mode plays live LL-HLS through sv-serve" {
    served_live
    served_play hls "$base/master.m3u8"
}

@test "dash.js in low-latency mode plays the same live package's MPD through sv-serve" {
    served_live
    served_play dash "$base/manifest.mpd"
    assert_eq "$(jq .low_latency <<< "$output")" true
}

@test "hls.js in low-latency mode plays LL-HLS while it is written" {
    live 40 --ll-hls -s 2 --part-duration 0.5
    run node "$SV_TOP/tests/e2e/play.js" hls "$base/master.m3u8" --live \
        --seconds 12 --timeout 35
    echo "# $output" >&3
    [ "$status" -eq 0 ] || fail "hls.js: $output $(cat "$BATS_TEST_TMPDIR/live.err")"
    local lat pdt
    lat=$(jq .latency <<< "$output")
    pdt=$(jq .pdt_latency <<< "$output")
    echo "# live latency: hls.js $lat s, program date time $pdt s" >&3
    [ "$lat" != null ] || fail "no latency measured"
    # the playlist hls.js read was a low-latency one
    grep -q '^#EXT-X-PART:' "$www/live/v0.m3u8"
    grep -q '^#EXT-X-PRELOAD-HINT:TYPE=PART' "$www/live/v0.m3u8"
    grep -q '^#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500' \
        "$www/live/v0.m3u8"
}

@test "dash.js plays the live MPD while it is written" {
    live 40 -s 2
    run node "$SV_TOP/tests/e2e/play.js" dash "$base/manifest.mpd" \
        --seconds 8 --timeout 35
    echo "# $output" >&3
    [ "$status" -eq 0 ] || fail "dash.js: $output"
    grep -q 'type="dynamic"' "$www/live/manifest.mpd"
}

@test "ffmpeg -re | sv-transcode | sv-package --live --ll-hls plays in hls.js" {
    command -v sv-transcode >/dev/null || skip "sv-transcode is not built"
    transcoded_live 360p:800k,180p:300k
    sv-package --live --ll-hls -s 2 -o "$www/live" \
        < "$BATS_TEST_TMPDIR/ladder" 2> "$BATS_TEST_TMPDIR/live.err" &
    pids+=($!)
    node "$SV_TOP/tests/e2e/serve-static.js" "$www" > "$BATS_TEST_TMPDIR/port" &
    pids+=($!)
    wait_for test -s "$BATS_TEST_TMPDIR/port"
    base=http://127.0.0.1:$(jq .port "$BATS_TEST_TMPDIR/port")/live
    transcoded_wait master.m3u8
    run node "$SV_TOP/tests/e2e/play.js" hls "$base/master.m3u8" --live \
        --seconds 8 --timeout 35
    echo "# $output" >&3
    [ "$status" -eq 0 ] || fail "hls.js: $output"
    echo "# live latency through sv-transcode: hls.js $(jq .latency <<< "$output") s" >&3
    assert_eq "$(jq .nlevels <<< "$output")" 2
}

@test "ffmpeg -re | sv-transcode | sv-package --ll-dash | sv-serve plays in dash.js low-latency mode" {
    command -v sv-transcode >/dev/null || skip "sv-transcode is not built"
    transcoded_live 360p:800k
    sv-package --live --ll-dash -s 2 --part-duration 0.5 -o "$www/live" \
        < "$BATS_TEST_TMPDIR/ladder" 2> "$BATS_TEST_TMPDIR/live.err" &
    pids+=($!)
    local port
    port=$(free_port)
    sv-serve "$www" --listen "127.0.0.1:$port" --cors-origin '*' \
        --access-log "$BATS_TEST_TMPDIR/access.jsonl" \
        2> "$BATS_TEST_TMPDIR/serve.err" &
    pids+=($!)
    wait_for curl -sf "http://127.0.0.1:$port/healthz"
    transcoded_wait manifest.mpd
    grep -q 'availabilityTimeComplete="false"' "$www/live/manifest.mpd"
    run node "$SV_TOP/tests/e2e/play.js" dash \
        "http://127.0.0.1:$port/live/manifest.mpd" --live --seconds 10 \
        --timeout 35
    echo "# $output" >&3
    [ "$status" -eq 0 ] || fail "dash.js: $output"
    assert_eq "$(jq .low_latency <<< "$output")" true
    echo "# live latency through sv-serve: dash.js $(jq .latency <<< "$output") s" >&3
    [ "$(jq .latency <<< "$output")" != null ] || fail "no latency measured"
    # dash.js asked for segments while they were written (a plain file
    # server answers 404 then): sv-serve streamed each one from its parts,
    # every byte of the final file (the last request may have been cut
    # when the browser closed), and none failed
    local log=$BATS_TEST_TMPDIR/access.jsonl n=0 path bytes
    jq -r 'select(.event == "serve.request" and .data.status == 200 and
        (.data.path | test("/v0/seg-[0-9]+\\.m4s$"))) |
        "\(.data.path) \(.data.bytes)"' "$log" | sed '$d' \
        > "$BATS_TEST_TMPDIR/segs"
    while read -r path bytes; do
        assert_eq "$bytes" "$(stat -c %s "$www${path}")"
        n=$((n + 1))
    done < "$BATS_TEST_TMPDIR/segs"
    [ "$n" -gt 0 ] || fail "dash.js asked for no segment"
    # dash.js set its clock from sv-serve's /time
    jq -c 'select(.data.path == "/time" and .data.status == 200)' "$log" |
        grep -q . || fail "dash.js did not ask for /time"
    if jq -c 'select(.data.status >= 400 and (.data.path | test("seg-")))' \
        "$log" | grep .; then
        fail "a segment request failed"
    fi
}
