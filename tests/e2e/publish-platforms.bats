#!/usr/bin/env bats
# publish-platforms.bats -- sv-publish --simulcast youtube: the broadcast
# and stream made through the local YouTube fake (tests/platforms), the
# media pushed to the RTMP ingest it names, a real sv-ingest that takes only
# that stream key.  What it recorded is counted with ffprobe.

load ../helpers
bats_require_minimum_version 1.5.0

setup() {
    W=$BATS_TEST_TMPDIR
    PIDS=()
    mkdir -p "$W/rec"
}

teardown() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
}

counts() {
    local v a
    v=$(ffprobe -v error -count_packets -select_streams v \
        -show_entries stream=nb_read_packets -of csv=p=0 "$1" | tail -1)
    a=$(ffprobe -v error -count_packets -select_streams a \
        -show_entries stream=nb_read_packets -of csv=p=0 "$1" | tail -1)
    echo "$v $a"
}

@test "--simulcast youtube: liveBroadcasts, liveStreams, bind, then every frame at the ingest under its key" {
    local p
    p=$(free_port)
    ffmpeg -nostdin -hide_banner -loglevel error -y \
        -f lavfi -i "testsrc2=size=320x240:rate=25:duration=3" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=3" \
        -c:v libx264 -preset veryfast -g 25 -pix_fmt yuv420p -c:a aac \
        -b:a 64k -shortest -f mpegts "$W/in.ts"
    echo "live2/yt-key-7" > "$W/keys"
    sv-ingest --listen "rtmp://127.0.0.1:$p" --keys "$W/keys" \
        --exec "cat > $W/rec/\$SV_STREAM.ts" --events "$W/ingest.jsonl" \
        2> "$W/ingest.err" &
    PIDS+=("$!")
    python3 "$SV_TOP/tests/platforms/youtube.py" "$W/yt.port" "$W/yt.log" \
        --access=a0 --key=yt-key-7 --ingest="rtmp://127.0.0.1:$p/live2" &
    PIDS+=("$!")
    wait_for test -s "$W/yt.port"
    wait_for grep -q 'listening on rtmp' "$W/ingest.err" ||
        fail "sv-ingest did not start: $(cat "$W/ingest.err")"
    (umask 077 && echo '{"youtube":{"access_token":"a0"}}' > "$W/creds.json")
    run --separate-stderr bash -c "ffmpeg -nostdin -loglevel error -re \
        -i '$W/in.ts' -c copy -f mpegts - | sv-publish --simulcast youtube \
        --credentials '$W/creds.json' --api youtube=http://127.0.0.1:$(cat "$W/yt.port") \
        --title 'Live test' --events '$W/ev.jsonl'"
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    [ "$status" -eq 0 ] || fail "status $status: $stderr"
    assert_eq "$(jq -r 'select(.m == "POST") | .p | sub("\\?.*"; "")' "$W/yt.log" | paste -sd' ')" \
        "/youtube/v3/liveBroadcasts /youtube/v3/liveStreams /youtube/v3/liveBroadcasts/bind"
    kill -TERM "${PIDS[0]}"
    wait "${PIDS[0]}"
    assert_eq "$(counts "$W/rec/yt-key-7.ts")" "$(counts "$W/in.ts")"
    # the key never shows whole in what sv-publish says
    run ! grep -q 'yt-key-7' <<< "$stderr"
}

@test "--simulcast youtube,twitch,kick at once: each key read through its fake API, every receiver gets every frame" {
    local p port k said
    p=$(free_port)
    ffmpeg -nostdin -hide_banner -loglevel error -y \
        -f lavfi -i "testsrc2=size=320x240:rate=25:duration=3" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=3" \
        -c:v libx264 -preset veryfast -g 25 -pix_fmt yuv420p -c:a aac \
        -b:a 64k -shortest -f mpegts "$W/in.ts"
    printf '%s\n' live2/yt-key-7 app/live_4711_tw app/sk_kick_9 > "$W/keys"
    sv-ingest --listen "rtmp://127.0.0.1:$p" --keys "$W/keys" \
        --exec "cat > $W/rec/\$SV_STREAM.ts" --events "$W/ingest.jsonl" \
        2> "$W/ingest.err" &
    PIDS+=("$!")
    python3 "$SV_TOP/tests/platforms/youtube.py" "$W/yt.port" "$W/yt.log" \
        --access=a0 --key=yt-key-7 --ingest="rtmp://127.0.0.1:$p/live2" &
    PIDS+=("$!")
    python3 "$SV_TOP/tests/platforms/twitch.py" "$W/tw.port" "$W/tw.log" \
        --access=a0 --key=live_4711_tw --ingest="rtmp://127.0.0.1:$p/app" &
    PIDS+=("$!")
    python3 "$SV_TOP/tests/platforms/kick.py" "$W/kk.port" "$W/kk.log" \
        --access=a0 --key=sk_kick_9 --url="rtmp://127.0.0.1:$p/app/" &
    PIDS+=("$!")
    for port in yt tw kk; do wait_for test -s "$W/$port.port"; done
    wait_for grep -q 'listening on rtmp' "$W/ingest.err" ||
        fail "sv-ingest did not start: $(cat "$W/ingest.err")"
    (umask 077 && echo '{"youtube":{"access_token":"a0"},"twitch":{"access_token":"a0","client_id":"cid"},"kick":{"access_token":"a0"}}' > "$W/creds.json")
    run --separate-stderr bash -c "ffmpeg -nostdin -loglevel error -re \
        -i '$W/in.ts' -c copy -f mpegts - | sv-publish --simulcast youtube,twitch,kick \
        --credentials '$W/creds.json' \
        --api youtube=http://127.0.0.1:$(cat "$W/yt.port") \
        --api twitch=http://127.0.0.1:$(cat "$W/tw.port") \
        --api kick=http://127.0.0.1:$(cat "$W/kk.port") --events '$W/ev.jsonl'"
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    [ "$status" -eq 0 ] || fail "status $status: $stderr"
    said=$stderr
    assert_eq "$(jq -r 'select(.st == 200) | .p | sub("\\?.*"; "")' "$W/tw.log" | paste -sd' ')" \
        "/oauth2/validate /helix/streams/key /ingests"
    assert_eq "$(jq -r 'select(.st == 200) | .p' "$W/kk.log")" /public/v1/channels
    kill -TERM "${PIDS[0]}"
    wait "${PIDS[0]}"
    for k in yt-key-7 live_4711_tw sk_kick_9; do
        assert_eq "$(counts "$W/rec/$k.ts")" "$(counts "$W/in.ts")"
        run ! grep -q "$k" <<< "$said"
    done
}
