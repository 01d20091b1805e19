#!/usr/bin/env bats
# publish-simulcast.bats -- sv-publish --simulcast to three real receivers
# on 127.0.0.1 at once: sv-ingest over RTMP (its own server), nginx with
# its RTMP module recording FLV, and sv-ingest over SRT (libsrt).  What
# they recorded is counted with ffprobe against the input.

load ../helpers
bats_require_minimum_version 1.5.0

NGX_MOD=/usr/lib/nginx/modules/ngx_rtmp_module.so

setup() {
    command -v nginx > /dev/null && [ -f "$NGX_MOD" ] ||
        skip "nginx with libnginx-mod-rtmp is not installed (scripts/setup)"
    W=$BATS_TEST_TMPDIR
    EV=$W/events.jsonl
    PIDS=()
    mkdir -p "$W/rec" "$W/ngx/logs"
}

teardown() {
    local p
    for p in "${PIDS[@]}"; do kill -CONT "$p" 2> /dev/null || true; done
    for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
}

# live_ts SECONDS OUT [LAVFI_VIDEO]: H.264 (25 fps, GOP 1 s) and AAC in TS
live_ts() {
    ffmpeg -nostdin -hide_banner -loglevel error -y \
        -f lavfi -i "${3:-testsrc2=size=320x240:rate=25}:duration=$1" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$1" \
        -c:v libx264 -preset veryfast -profile:v main -g 25 \
        -pix_fmt yuv420p -c:a aac -b:a 64k -shortest -f mpegts "$2"
}

# counts FILE: "video audio" packet counts as ffprobe reads them
counts() {
    local v a
    v=$(ffprobe -v error -count_packets -select_streams v \
        -show_entries stream=nb_read_packets -of csv=p=0 "$1" | tail -1)
    a=$(ffprobe -v error -count_packets -select_streams a \
        -show_entries stream=nb_read_packets -of csv=p=0 "$1" | tail -1)
    echo "$v $a"
}

# start the three receivers; sets RTMP_URL NGX_URL SRT_URL, NGINX
start_receivers() {
    local p1 p2 p3
    p1=$(free_port) p2=$(free_port) p3=$(free_port)
    sv-ingest --listen "rtmp://127.0.0.1:$p1" --listen "srt://127.0.0.1:$p3" \
        --exec "cat > $W/rec/\$SV_PROTO.ts" --events "$W/ingest.jsonl" \
        2> "$W/ingest.err" &
    INGEST=$!
    PIDS+=("$INGEST")
    cat > "$W/ngx/nginx.conf" <<CONF
load_module $NGX_MOD;
user root;
worker_processes 1;
master_process off;
daemon off;
pid $W/ngx/nginx.pid;
error_log $W/ngx/logs/error.log warn;
events { worker_connections 64; }
rtmp {
    server {
        listen 127.0.0.1:$p2;
        chunk_size 4096;
        application live {
            live on;
            record all;
            record_path $W/rec;
            record_unique off;
        }
    }
}
CONF
    nginx -p "$W/ngx" -c "$W/ngx/nginx.conf" 2> "$W/ngx.err" &
    NGINX=$!
    PIDS+=("$NGINX")
    wait_for grep -q 'listening on srt' "$W/ingest.err" ||
        fail "sv-ingest did not start: $(cat "$W/ingest.err")"
    wait_for bash -c "echo > /dev/tcp/127.0.0.1/$p2" ||
        fail "nginx did not start: $(cat "$W/ngx.err")"
    RTMP_URL=rtmp://127.0.0.1:$p1/live/cam
    NGX_URL=rtmp://127.0.0.1:$p2/live/ngx
    SRT_URL="srt://127.0.0.1:$p3?streamid=#!::r=live/srt,m=publish"
}

# stop_receivers: sv-ingest flushes its pipelines on SIGTERM
stop_receivers() {
    kill -TERM "$INGEST"
    wait "$INGEST"
    kill -TERM "$NGINX" 2> /dev/null || true  # status ignored: may be gone
    wait "$NGINX" 2> /dev/null || true        # status ignored: killed
}

event() { jq -c "select(.event == \"$1\") | .data" "$EV"; }

@test "simulcast to sv-ingest (RTMP), nginx-rtmp and SRT at once: every frame everywhere" {
    live_ts 4 "$W/in.ts"
    start_receivers
    run --separate-stderr bash -c "ffmpeg -nostdin -loglevel error -re \
        -i '$W/in.ts' -c copy -f mpegts - | sv-publish --simulcast '$RTMP_URL' \
        --simulcast '$NGX_URL' --simulcast '$SRT_URL' --events '$EV' \
        --simulcast-stats 1s"
    [ "$status" -eq 0 ] || fail "status $status: $stderr"
    stop_receivers
    local want; want=$(counts "$W/in.ts")
    assert_eq "$(counts "$W/rec/rtmp.ts")" "$want"
    assert_eq "$(counts "$W/rec/ngx.flv")" "$want"
    assert_eq "$(counts "$W/rec/srt.ts")" "$want"
    # the receivers saw the stream as it is
    assert_eq "$(ffprobe -v error -select_streams v -show_entries \
        stream=codec_name,width,height,profile -of csv=p=0 "$W/rec/ngx.flv")" \
        "h264,Main,320,240"
    # the last stats of each destination: done, nothing dropped
    assert_eq "$(event live.simulcast.stats |
        jq -c 'select(.state == "done") | [.dest, .dropped, .reconnects]' |
        sort | xargs)" "[0,0,0] [1,0,0] [2,0,0]"
    # stream keys stay out of the events
    assert_eq "$(grep -c 'live/cam\|r=live' "$EV")" 0
    assert_eq "$(event live.simulcast.connected | jq -r '"\(.dest) \(.url)"' |
        sort)" "0 ${RTMP_URL%/*}/…
1 ${NGX_URL%/*}/…
2 ${SRT_URL%%\?*}?…"
}
