#!/usr/bin/env bats
# publish-simulcast.bats -- sv-publish --simulcast to three real receivers
# on 127.0.0.1 at once: sv-ingest over RTMP (its own server), nginx with
# its RTMP module recording FLV, and sv-ingest over SRT (libsrt); and over
# RTMPS to sv-ingest with a certificate made by the test.  What they
# recorded is counted with ffprobe against the input.

load ../helpers
bats_require_minimum_version 1.5.0

NGX_MOD=/usr/lib/nginx/modules/ngx_rtmp_module.so

setup() {
    if ! command -v nginx > /dev/null || [ ! -f "$NGX_MOD" ]; then
        skip "nginx with libnginx-mod-rtmp is not installed (scripts/setup)"
    fi
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
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
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

@test "a destination stalled, then killed, costs the others nothing: exit 3" {
    live_ts 8 "$W/in.ts"
    start_receivers
    ffmpeg -nostdin -loglevel error -re -i "$W/in.ts" -c copy -f mpegts - |
        sv-publish --simulcast "$RTMP_URL" --simulcast "$NGX_URL" \
            --simulcast "$SRT_URL" --events "$EV" --simulcast-timeout 1s \
            --simulcast-stats 1s 2> "$W/publish.err" &
    local pub=$!
    PIDS+=("$pub")
    # nginx stops reading once it has begun to record, then dies
    wait_for test -s "$W/rec/ngx.flv" || fail "nginx recorded nothing"
    kill -STOP "$NGINX"
    sleep 2
    kill -KILL "$NGINX"
    local st=0
    wait "$pub" || st=$?
    [ "$st" -eq 3 ] || fail "status $st: $(cat "$W/publish.err")"
    stop_receivers
    local want; want=$(counts "$W/in.ts")
    assert_eq "$(counts "$W/rec/rtmp.ts")" "$want"
    assert_eq "$(counts "$W/rec/srt.ts")" "$want"
    assert_eq "$(tail -1 "$W/publish.err")" \
        "sv-publish: 1 of 3 destinations failed"
    assert_eq "$(event live.simulcast.failed | jq -r .dest)" 1
    assert_eq "$(event live.simulcast.stats |
        jq -c 'select(.state == "done") | [.dest, .dropped, .reconnects]' |
        sort | xargs)" "[0,0,0] [2,0,0]"
}

# cut IN FROM TO OUT: seconds FROM..TO of IN, as a live encoder sends them
cut_part() {
    ffmpeg -nostdin -loglevel error -re -ss "$2" -to "$3" -i "$1" -c copy \
        -f mpegts -
}

@test "the input stops for 5 s: the slate reaches every receiver, then the picture returns" {
    live_ts 6 "$W/in.ts"
    # a red slate, easy to tell from the test pattern
    ffmpeg -nostdin -loglevel error -y -f lavfi -i color=red:size=64x48 \
        -frames:v 1 "$W/red.png"
    start_receivers
    { cut_part "$W/in.ts" 0 3; sleep 5; cut_part "$W/in.ts" 3 6; } |
        sv-publish --simulcast "$RTMP_URL" --simulcast "$NGX_URL" \
            --simulcast "$SRT_URL" --events "$EV" --slate-after 1s \
            --slate "$W/red.png" 2> "$W/publish.err" ||
        fail "sv-publish failed: $(cat "$W/publish.err")"
    stop_receivers
    assert_eq "$(event live.simulcast.slate.started | wc -l)" 1
    assert_eq "$(event live.simulcast.slate.ended | wc -l)" 1
    local f rgb d v
    for f in rtmp.ts ngx.flv srt.ts; do
        f=$W/rec/$f
        # the gap is covered: about 3 + 5 + 3 seconds of timeline
        d=$(ffprobe -v error -select_streams v -show_entries \
            stream=duration -of csv=p=0 "$f" | tail -1)
        [ "$d" = N/A ] && d=$(duration "$f")
        awk -v d="$d" 'BEGIN { exit !(d > 9.5 && d < 12.5) }' ||
            fail "$f: duration $d"
        # more frames than the input had: the slate's
        v=$(frames "$f" 0 | tail -1)
        awk -v v="$v" 'BEGIN { exit !(v > 150 + 75) }' || fail "$f: $v frames"
        # in the gap, the picture is the red slate
        rgb=$(ffmpeg -nostdin -loglevel fatal -ss 5.5 -i "$f" -frames:v 1 \
            -vf scale=1:1 -f rawvideo -pix_fmt rgb24 - | od -An -tu1 | xargs)
        awk -v c="$rgb" 'BEGIN { split(c, x, " ");
            exit !(x[1] > 180 && x[2] < 80 && x[3] < 80) }' ||
            fail "$f: colour at 5.5 s is $rgb, not the slate's red"
        # after it, the test pattern again (not red)
        rgb=$(ffmpeg -nostdin -loglevel fatal -ss 10 -i "$f" -frames:v 1 \
            -vf scale=1:1 -f rawvideo -pix_fmt rgb24 - | od -An -tu1 | xargs)
        awk -v c="$rgb" 'BEGIN { split(c, x, " ");
            exit (x[1] > 180 && x[2] < 80 && x[3] < 80) }' ||
            fail "$f: still the slate at 10 s"
        # video timestamps only rise
        ffprobe -v error -select_streams v -show_entries packet=dts \
            -of csv=p=0 "$f" | grep . | awk -F, 'NR > 1 && $1 + 0 <= p { bad++ }
            { p = $1 + 0 } END { exit bad > 0 }' || fail "$f: video dts goes back"
        # and every frame decodes: the switches are clean
        assert_eq "$(ffmpeg -nostdin -v error -i "$f" -f null - 2>&1)" ""
    done
}

# start_rtmps: sv-ingest on rtmps:// with a certificate for 127.0.0.1 made
# here; sets RTMPS_URL and CA
start_rtmps() {
    local p
    p=$(free_port)
    CA=$W/cert.pem
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
        -keyout "$W/key.pem" -out "$CA" 2> /dev/null
    sv-ingest --listen "rtmps://127.0.0.1:$p" --tls-cert "$CA" \
        --tls-key "$W/key.pem" --exec "cat > $W/rec/\$SV_PROTO.ts" \
        2> "$W/ingest.err" &
    INGEST=$!
    PIDS+=("$INGEST")
    wait_for grep -q 'listening on rtmps' "$W/ingest.err" ||
        fail "sv-ingest did not start: $(cat "$W/ingest.err")"
    RTMPS_URL=rtmps://127.0.0.1:$p/live/tls
}

@test "simulcast over RTMPS: verified against --rtmps-ca, every frame; an unknown certificate is refused" {
    live_ts 3 "$W/in.ts"
    start_rtmps
    # the system's roots do not know the certificate: a clear error
    run --separate-stderr sv-publish --simulcast "$RTMPS_URL" \
        --simulcast-timeout 5s --simulcast-retry-max 1s < "$W/in.ts"
    [ "$status" -eq 1 ]
    [[ "$stderr" == *certificate* ]] || fail "no certificate error: $stderr"
    run --separate-stderr bash -c "ffmpeg -nostdin -loglevel error -re \
        -i '$W/in.ts' -c copy -f mpegts - | sv-publish --simulcast '$RTMPS_URL' \
        --rtmps-ca '$CA' --events '$EV'"
    [ "$status" -eq 0 ] || fail "status $status: $stderr"
    kill -TERM "$INGEST"
    wait "$INGEST"
    local rec
    rec=$(ls "$W"/rec/*.ts)
    assert_eq "$(counts "$rec")" "$(counts "$W/in.ts")"
    assert_eq "$(event live.simulcast.connected | jq -r .url)" "${RTMPS_URL%/*}/…"
}
