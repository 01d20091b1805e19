#!/usr/bin/env bats
# examples.bats -- every file in examples/ run as a user runs it: vod.sh,
# live.sh with two publishers at once, protect.sh, and the systemd unit
# (systemd-analyze verify, and sv-serve started with its ExecStart line).
# Ports are free ones on 127.0.0.1, given through the scripts' environment
# knobs; what a test starts it stops by PID.

load ../helpers
bats_require_minimum_version 1.5.0

EX=$SV_TOP/examples

setup() {
    local t
    for t in sv-transcode sv-package sv-serve sv-ingest sv-drm; do
        command -v "$t" > /dev/null || skip "$t not built"
    done
    mkdir -p "$BATS_TEST_TMPDIR/w" && cd "$BATS_TEST_TMPDIR/w"
    PIDS=()
}

teardown() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
}

# wait_long CMD...: retry for up to 90 s, for pipelines that must encode
wait_long() {
    local _
    for _ in $(seq 450); do
        "$@" > /dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}

# playable URL: ffprobe finds a video stream behind the playlist URL
playable() {
    ffprobe -v error -select_streams v:0 -show_entries stream=codec_name \
        -of csv=p=0 "$1" | grep . | sort -u
}

@test "vod.sh packages a file and serves it for HLS and DASH" {
    local port
    port=$(free_port)
    cp "$(fixture h264_aac_360p.mp4)" movie.mp4
    SV_VOD_HTTP=127.0.0.1:$port SV_VOD_LADDER=360p:800k,180p:300k \
        "$EX/vod.sh" movie.mp4 www > vod.out 2> vod.err &
    PIDS+=($!)
    wait_long curl -sf "http://127.0.0.1:$port/movie/master.m3u8" ||
        fail "not served: $(tail -5 vod.err)"
    grep -qx 'package: www/movie (master.m3u8, manifest.mpd, package.json)' vod.err
    assert_eq "$(playable "http://127.0.0.1:$port/movie/master.m3u8")" h264
    assert_eq "$(playable "http://127.0.0.1:$port/movie/manifest.mpd")" h264
    assert_eq "$(grep -c '^#EXT-X-STREAM-INF' www/movie/master.m3u8)" 2
    # the transcoder's events went beside the package
    test -s www.movie.transcode.jsonl
}

@test "live.sh gives each of two publishers its own package, served" {
    local hport rport s
    hport=$(free_port) rport=$(free_port)
    SV_LIVE_HTTP=127.0.0.1:$hport SV_LIVE_RTMP=rtmp://127.0.0.1:$rport \
        SV_LIVE_SRT='' SV_LIVE_LADDER=240p:300k \
        "$EX/live.sh" www > live.out 2> live.err &
    LIVE=$!
    PIDS+=("$LIVE")
    wait_for grep -q 'listening on' live.err ||
        fail "sv-ingest did not start: $(cat live.err)"
    # two live sources at once, encoded and sent in real time
    for s in one two; do
        ffmpeg -nostdin -v error -re -f lavfi \
            -i testsrc2=size=426x240:rate=25 \
            -f lavfi -i sine=frequency=440:sample_rate=48000 -t 30 \
            -c:v libx264 -preset ultrafast -tune zerolatency -g 25 \
            -pix_fmt yuv420p -c:a aac -f flv \
            "rtmp://127.0.0.1:$rport/live/$s" 2> "ffmpeg.$s.err" &
        PIDS+=("$!")
    done
    for s in one two; do
        wait_long test -s "www/live/$s/master.m3u8" ||
            fail "no package for $s: $(ls www/live) $(tail -5 live.err)"
    done
    # each stream its own directory; none named after the variable
    assert_eq "$(find www/live -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | tr '\n' ' ')" "one two "
    for s in one two; do
        curl -sf "http://127.0.0.1:$hport/live/$s/master.m3u8" |
            grep -q '^#EXT-X-STREAM-INF'
        assert_eq "$(playable "http://127.0.0.1:$hport/live/$s/master.m3u8")" h264
    done
    # SIGTERM to the script stops the origin and the ingest server
    kill -TERM "$LIVE"
    # status ignored: the script ends by the signal; what counts is that
    # both servers are gone
    wait "$LIVE" || true
    run ! curl -sf "http://127.0.0.1:$hport/live/one/master.m3u8"
    run ! pgrep -f "sv-ingest --listen rtmp://127.0.0.1:$rport"
}

@test "protect.sh encrypts a package with cbcs under a new keystore, then reuses it" {
    export SV_DRM_MASTER_KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
    sv-package "$(fixture h264_aac_360p.mp4)" -o www/movie -s 1s -q
    cp -r www/movie www/trailer
    run -0 --separate-stderr "$EX/protect.sh" www/movie
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    assert_eq "$stderr" "encrypted www/movie; see sv-drm(1) for 'sv-drm serve' and tokens"
    assert_eq "$(jq -r 'select(.action == "encrypted") | .scheme' <<<"$output")" cbcs
    [ "$(stat -c %a keys.store)" = 600 ]
    assert_eq "$(jq -c '[.encryption.scheme, [.encryption.pssh[].system]]' www/movie/package.json)" \
        '["cbcs",["widevine","playready","clearkey"]]'
    # FairPlay has no pssh: HLS names it
    grep -q 'KEYFORMAT="com.apple.streamingkeydelivery"' www/movie/v0.m3u8
    # a second package under the same keystore and keys, in another place
    SV_PROTECT_STORE=keys.store run -0 --separate-stderr "$EX/protect.sh" www/trailer
    assert_eq "$(jq -c '[.encryption.keys[].kid] | sort' www/trailer/package.json)" \
        "$(jq -c '[.encryption.keys[].kid] | sort' www/movie/package.json)"
    # the keys in the store take it back to the clear package
    run -0 --separate-stderr sv-drm decrypt --store keys.store --content-id movie www/movie
    assert_eq "$(playable www/movie/master.m3u8)" h264
    # without a master key it says what is missing
    run -2 --separate-stderr env -u SV_DRM_MASTER_KEY "$EX/protect.sh" www/movie
    [[ $stderr == *"set SV_DRM_MASTER_KEY (64 hex digits)"* ]]
}

# the unit's ExecStart words, continuation lines joined
exec_start() {
    sed -n '/^ExecStart=/,/[^\\]$/p' "$EX/sv-serve.service" |
        sed 's/\\$//; s/^ExecStart=//' | tr '\n' ' ' | tr -s ' '
}

@test "sv-serve.service passes systemd-analyze verify" {
    command -v systemd-analyze > /dev/null || skip "no systemd-analyze"
    # the unit as installed: the binary where ExecStart says, here
    sed "s|/usr/local/bin/sv-serve|$(command -v sv-serve)|" \
        "$EX/sv-serve.service" > sv-serve.service
    # the man page it names is in the tree (verify would look in man's path)
    grep -q '^Documentation=man:sv-serve(1)$' sv-serve.service
    [ -f "$SV_TOP/man/sv-serve.1" ]
    run --separate-stderr systemd-analyze verify --man=no ./sv-serve.service
    echo "$stderr"
    [ "$status" -eq 0 ]
    [[ $stderr != *"sv-serve.service:"* ]]
}

@test "sv-serve.service's ExecStart runs: serves, reopens logs on HUP, stops on TERM" {
    local p1 p2 words
    p1=$(free_port) p2=$(free_port)
    mkdir -p www/movie logs
    echo '#EXTM3U' > www/movie/master.m3u8
    # the same options, on this host's paths and free ports on 127.0.0.1
    words=$(exec_start | sed "s|/usr/local/bin/sv-serve|sv-serve|
        s|/srv/sv/www|$PWD/www|; s|/var/log/sv|$PWD/logs|g
        s|http://0.0.0.0:8080|http://127.0.0.1:$p1|
        s|http://\[::\]:8080|http://127.0.0.1:$p2|")
    [[ $words == "sv-serve $PWD/www --listen http://127.0.0.1:$p1 "* ]]
    eval "set -- $words"
    "$@" 2> serve.err &
    SERVE=$!
    PIDS+=("$SERVE")
    wait_for curl -sf "http://127.0.0.1:$p2/movie/master.m3u8" ||
        fail "not serving: $(cat serve.err)"
    assert_eq "$(curl -sf "http://127.0.0.1:$p1/movie/master.m3u8")" '#EXTM3U'
    grep -q '"event":"serve.request"' logs/access.jsonl
    # ExecReload: kill -HUP $MAINPID, after logrotate moved the log away
    mv logs/access.jsonl logs/access.jsonl.1
    kill -HUP "$SERVE"
    wait_for test -e logs/access.jsonl
    curl -sf "http://127.0.0.1:$p1/movie/master.m3u8" > /dev/null
    wait_for grep -q '"event":"serve.request"' logs/access.jsonl
    # KillSignal=SIGTERM: it stops by itself, status 0
    kill -TERM "$SERVE"
    local st=0
    wait "$SERVE" || st=$?
    assert_eq "$st" 0
}
