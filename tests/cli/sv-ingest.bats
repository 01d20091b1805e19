#!/usr/bin/env bats
# sv-ingest.bats -- the ingest server with real peers: ffmpeg publishes over
# RTMP and calls over SRT; what comes out is checked with ffprobe.

load ../helpers
bats_require_minimum_version 1.5.0

setup() {
    SRC=$(fixture h264_aac_360p.mp4)
    TS=$(fixture h264_aac_360p.ts)
    EV=$BATS_TEST_TMPDIR/events.jsonl
    ERR=$BATS_TEST_TMPDIR/stderr.txt
    PIDS=()
}

teardown() {
    local p
    for p in "${PIDS[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    for p in "${PIDS[@]}"; do
        wait "$p" 2>/dev/null || true
    done
}

# start_ingest ARGS...: sv-ingest in the background (events to $EV unless
# the arguments say otherwise); waits until every listener is up
start_ingest() {
    sv-ingest "$@" > "${INGEST_OUT:-$EV}" 2> "$ERR" &
    INGEST=$!
    PIDS+=("$INGEST")
    local want
    want=$(printf '%s\n' "$@" |
        awk '/^(rtmps?|srt):\/\// { n++ } END { print n + 0 }')
    wait_for listening "$want" ||
        fail "sv-ingest did not start: $(cat "$ERR")"
}

listening() { [ "$(grep -c '^sv-ingest: listening on' "$ERR")" -ge "$1" ]; }
no_children() { ! pgrep -P "$1" > /dev/null; }

# stop_ingest: SIGTERM and wait for a clean exit (pipelines flushed)
stop_ingest() {
    kill -TERM "$INGEST"
    wait "$INGEST"
}

# publish URL [ffmpeg output options...]: ffmpeg -re as an RTMP publisher
publish() {
    local url=$1; shift
    timeout 60 ffmpeg -nostdin -hide_banner -loglevel error -re -i "$SRC" \
        -c copy "$@" -f flv "$url"
}

# srt_publish URL: ffmpeg as an SRT caller sending MPEG-TS; linger lets the
# last packets leave before the socket closes
srt_publish() {
    timeout 60 ffmpeg -nostdin -hide_banner -loglevel error -re -i "$SRC" \
        -c copy -f mpegts "$1&linger=3"
}

# packets FILE: "video audio" packet counts
packets() {
    ffprobe -v error -count_packets -show_entries stream=codec_type,nb_read_packets \
        -of csv=p=0 "$1" | sort | awk -F, '{ c[$1] = $2 }
        END { print c["video"] + 0, c["audio"] + 0 }'
}

# streams FILE: "codec WxH" per stream, in order
streams() {
    ffprobe -v error -show_entries stream=codec_name,width,height \
        -of csv=p=0 "$1" | sed 's/,$//'
}

# event NAME: the data of every event NAME, one compact JSON per line
event() {
    jq -c --arg e "$1" 'select(.event == $e) | .data' "$EV"
}

# monotonic FILE: 1 when video dts only rise
monotonic() {
    ffprobe -v error -select_streams v -show_entries packet=dts_time \
        -of csv=p=0 "$1" | tr -d , | grep -v '^$' |
        awk 'NR > 1 && $1 + 0 <= prev + 0 { bad++ } { prev = $1 }
             END { print bad ? 0 : 1 }'
}

src_packets() { packets "$SRC"; }

@test "without a source it is a usage error" {
    run --separate-stderr sv-ingest --exec cat
    [ "$status" -eq 2 ]
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    assert_eq "$stderr" "sv-ingest: nothing to ingest: give --listen or --pull
Try 'sv-ingest --help' for more information."
}

@test "--exec and --record together are a usage error" {
    run --separate-stderr sv-ingest --listen rtmp://127.0.0.1:1935 \
        --exec cat --record /tmp
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-ingest: options --exec and --record cannot be used together
Try 'sv-ingest --help' for more information."
}

@test "a listen URL of another scheme is a usage error" {
    run --separate-stderr sv-ingest --listen http://127.0.0.1:80 --exec cat
    [ "$status" -eq 2 ]
    assert_eq "${stderr%%$'\n'*}" "sv-ingest: bad --listen 'http://127.0.0.1:80': expected rtmp://, rtmps://, srt:// or whip://addr:port"
}

@test "a bad --on-duplicate is a usage error" {
    run --separate-stderr sv-ingest --listen rtmp://127.0.0.1:1 --exec cat \
        --on-duplicate maybe
    [ "$status" -eq 2 ]
    assert_eq "${stderr%%$'\n'*}" "sv-ingest: bad --on-duplicate 'maybe': expected refuse or takeover"
}

@test "a port already taken fails with status 1" {
    local port; port=$(free_port)
    python3 -c 'import socket,sys,time
s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen()
time.sleep(30)' "$port" &
    PIDS+=($!)
    wait_for python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])))' "$port"
    run --separate-stderr sv-ingest --listen "rtmp://127.0.0.1:$port" --exec cat
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-ingest: cannot listen on 'rtmp://127.0.0.1:$port': address already in use"
}

@test "--sign-key needs the secret in the environment" {
    run --separate-stderr env -u SV_INGEST_HMAC_SECRET sv-ingest --sign-key live/cam
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-ingest: --sign-key needs SV_INGEST_HMAC_SECRET in the environment"
    SV_INGEST_HMAC_SECRET=x run --separate-stderr sv-ingest --sign-key live/cam
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-ingest: SV_INGEST_HMAC_SECRET must have at least 32 bytes (it has 1)"
    SV_INGEST_HMAC_SECRET=0123456789abcdef0123456789abcde run --separate-stderr \
        sv-ingest --listen rtmp://127.0.0.1:1 --discard --auth-hmac
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-ingest: SV_INGEST_HMAC_SECRET must have at least 32 bytes (it has 31)"
    SV_INGEST_HMAC_SECRET=s3cret-s3cret-s3cret-s3cret-s3cret run sv-ingest --sign-key live/cam --expires 1h
    [ "$status" -eq 0 ]
    assert_match "$output" '^cam\?exp=[0-9]+&sig=[0-9a-f]{64}$'
}

@test "an RTMP publish comes out on stdout whole: codecs, sizes, every frame" {
    local port; port=$(free_port)
    INGEST_OUT=$BATS_TEST_TMPDIR/out.ts start_ingest \
        --listen "rtmp://127.0.0.1:$port" --events "$EV"
    publish "rtmp://127.0.0.1:$port/live/key1"
    # with stdout carrying the one stream, sv-ingest ends with it
    wait "$INGEST"
    assert_eq "$(streams "$BATS_TEST_TMPDIR/out.ts")" "$(streams "$TS")"
    assert_eq "$(packets "$BATS_TEST_TMPDIR/out.ts")" "$(src_packets)"
    assert_eq "$(frames "$BATS_TEST_TMPDIR/out.ts" 0 | grep -m1 .)" \
        "$(frames "$SRC" 0 | grep -m1 .)"
    local d; d=$(duration "$BATS_TEST_TMPDIR/out.ts")
    awk -v d="$d" 'BEGIN { exit !(d > 3.9 && d < 4.2) }' || fail "duration $d"
    assert_eq "$(event live.stream.started | jq -c 'del(.remote)')" \
        '{"stream":"key1","app":"live","proto":"rtmp","id":1,"tracks":[{"type":"video","codec":"h264","width":640,"height":360},{"type":"audio","codec":"aac","sample_rate":48000,"channels":1}]}'
    assert_eq "$(event live.stream.ended | jq -c '{why,packets,drops,discontinuities}')" \
        '{"why":"unpublished","packets":309,"drops":0,"discontinuities":0}'
}

@test "an RTMP publish sent as fast as it can go comes out whole (reads a buffer a loop iteration)" {
    local port; port=$(free_port)
    INGEST_OUT=$BATS_TEST_TMPDIR/out.ts start_ingest \
        --listen "rtmp://127.0.0.1:$port" --events "$EV"
    # no -re: the whole file at once, many full reads, each one pausing
    # the connection until the loop's check phase
    timeout 60 ffmpeg -nostdin -hide_banner -loglevel error -i "$SRC" \
        -c copy -f flv "rtmp://127.0.0.1:$port/live/key1"
    wait "$INGEST"
    assert_eq "$(packets "$BATS_TEST_TMPDIR/out.ts")" "$(src_packets)"
    assert_eq "$(event live.stream.ended | jq -c '{why,packets,drops}')" \
        '{"why":"unpublished","packets":309,"drops":0}'
}

@test "each publisher gets its own --exec pipeline with SV_* in its environment" {
    local port; port=$(free_port) out=$BATS_TEST_TMPDIR
    start_ingest --listen "rtmp://127.0.0.1:$port" \
        --exec "cat > $out/\$SV_STREAM.ts; env | grep '^SV_' | sort > $out/\$SV_STREAM.env"
    publish "rtmp://127.0.0.1:$port/live/one" &
    local a=$!
    publish "rtmp://127.0.0.1:$port/show/two"
    wait "$a"
    stop_ingest
    assert_eq "$(packets "$out/one.ts")" "$(src_packets)"
    assert_eq "$(packets "$out/two.ts")" "$(src_packets)"
    grep -qx 'SV_APP=live' "$out/one.env"
    grep -qx 'SV_STREAM=one' "$out/one.env"
    grep -qx 'SV_PROTO=rtmp' "$out/one.env"
    grep -qx 'SV_APP=show' "$out/two.env"
    grep -q '^SV_REMOTE_ADDR=127\.0\.0\.1:[0-9]*$' "$out/two.env"
    assert_eq "$(event live.stream.ended | jq -r .why | sort | uniq -c | xargs)" "2 unpublished"
}

@test "--keys allows listed RTMP keys and refuses the rest" {
    local port; port=$(free_port) out=$BATS_TEST_TMPDIR
    printf '# allowed\nlive/good\n' > "$out/keys"
    start_ingest --listen "rtmp://127.0.0.1:$port" --keys "$out/keys" \
        --exec "cat > $out/\$SV_STREAM.ts"
    run publish "rtmp://127.0.0.1:$port/live/bad"
    [ "$status" -ne 0 ]
    publish "rtmp://127.0.0.1:$port/live/good"
    stop_ingest
    [ ! -e "$out/bad.ts" ]
    assert_eq "$(packets "$out/good.ts")" "$(src_packets)"
    assert_eq "$(jq -cS 'select(.event == "error") | .data | del(.remote)' "$EV")" \
        '{"app":"live","code":"EAUTH","msg":"stream key '"'"'live/bad'"'"' is not allowed","proto":"rtmp","stream":"bad"}'
    grep -q "refused rtmp publisher 127.0.0.1:[0-9]*: stream key 'live/bad' is not allowed" "$ERR"
}

@test "--auth-url asks an HTTP server; 2xx allows, anything else refuses" {
    local port hport; port=$(free_port) hport=$(free_port)
    local out=$BATS_TEST_TMPDIR
    python3 - "$hport" "$out/posts" <<'PY' &
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with open(sys.argv[2], "a") as f:
            f.write(json.dumps(body, sort_keys=True) + "\n")
        self.send_response(204 if body["stream"] == "yes" else 403)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
    PIDS+=($!)
    wait_for curl -s "http://127.0.0.1:$hport/"
    start_ingest --listen "rtmp://127.0.0.1:$port" \
        --auth-url "http://127.0.0.1:$hport/on_publish" \
        --exec "cat > $out/\$SV_STREAM.ts"
    run publish "rtmp://127.0.0.1:$port/live/no"
    [ "$status" -ne 0 ]
    publish "rtmp://127.0.0.1:$port/live/yes?token=abc"
    stop_ingest
    [ ! -e "$out/no.ts" ]
    assert_eq "$(packets "$out/yes.ts")" "$(src_packets)"
    assert_eq "$(jq -c 'del(.remote)' "$out/posts" | tail -1)" \
        '{"action":"publish","app":"live","proto":"rtmp","query":"token=abc","stream":"yes"}'
    assert_eq "$(jq -r 'select(.event == "error") | .data.msg' "$EV")" \
        "auth server refused 'live/no' with status 403"
}

@test "--auth-hmac takes signed keys and refuses forged or expired ones" {
    local port; port=$(free_port) out=$BATS_TEST_TMPDIR
    export SV_INGEST_HMAC_SECRET=topsecret-topsecret-topsecret-32
    local good expired
    good=$(sv-ingest --sign-key live/cam --expires 1h)
    expired=$(sv-ingest --sign-key live/cam --expires 0s)
    sleep 1
    start_ingest --listen "rtmp://127.0.0.1:$port" --auth-hmac \
        --exec "env > $out/\$SV_STREAM.env; cat > $out/\$SV_STREAM.ts"
    run publish "rtmp://127.0.0.1:$port/live/cam"
    [ "$status" -ne 0 ]
    # a forged key: its last signature character changed (never to itself)
    local forged=0
    [ "${good: -1}" != 0 ] || forged=1
    run publish "rtmp://127.0.0.1:$port/live/${good%?}$forged"
    [ "$status" -ne 0 ]
    run publish "rtmp://127.0.0.1:$port/live/$expired"
    [ "$status" -ne 0 ]
    [ ! -e "$out/cam.ts" ]
    publish "rtmp://127.0.0.1:$port/live/$good"
    stop_ingest
    assert_eq "$(packets "$out/cam.ts")" "$(src_packets)"
    assert_eq "$(jq -r 'select(.event == "error") | .data.msg' "$EV")" \
"key of 'live/cam' is not signed
key of 'live/cam' has a bad signature
key of 'live/cam' expired"
    # the secret is not handed to pipelines (the environment the pipeline
    # had while it ran), which do get their stream's variables
    grep -qx SV_STREAM=cam "$out/cam.env"
    run ! grep -q topsecret "$out/cam.env"
}

@test "a key with an SRT passphrase is refused over RTMP, which cannot present it" {
    local port; port=$(free_port) out=$BATS_TEST_TMPDIR
    printf 'live/cam1 passphrase-one-1\nlive/open\n' > "$out/keys"
    start_ingest --listen "rtmp://127.0.0.1:$port" --keys "$out/keys" \
        --exec "cat > $out/\$SV_STREAM.ts"
    run publish "rtmp://127.0.0.1:$port/live/cam1"
    [ "$status" -ne 0 ]
    publish "rtmp://127.0.0.1:$port/live/open"
    stop_ingest
    [ ! -e "$out/cam1.ts" ]
    assert_eq "$(packets "$out/open.ts")" "$(src_packets)"
    assert_eq "$(jq -r 'select(.event == "error") | .data | "\(.code) \(.msg)"' "$EV")" \
        "EAUTH stream key 'live/cam1' has an SRT passphrase: publish it over SRT"
    grep -q "refused rtmp publisher 127.0.0.1:[0-9]*: stream key 'live/cam1' has an SRT passphrase: publish it over SRT" "$ERR"
}

@test "SRT callers: access-control and plain stream ids, a passphrase per stream" {
    local port; port=$(free_port) out=$BATS_TEST_TMPDIR
    printf 'live/cam1 passphrase-one-1\nlive/cam2 passphrase-two-2\nplain\n' \
        > "$out/keys"
    start_ingest --listen "srt://127.0.0.1:$port" --keys "$out/keys" \
        --exec "cat > $out/\$SV_STREAM.ts"
    srt_publish "srt://127.0.0.1:$port?streamid=#!::r=live/cam1,m=publish&passphrase=passphrase-one-1"
    # cam2's passphrase does not open cam1
    run srt_publish "srt://127.0.0.1:$port?streamid=#!::r=live/cam1,m=publish&passphrase=passphrase-two-2"
    [ "$status" -ne 0 ]
    run srt_publish "srt://127.0.0.1:$port?streamid=#!::r=live/cam2,m=publish&passphrase=passphrase-one-1"
    [ "$status" -ne 0 ]
    srt_publish "srt://127.0.0.1:$port?streamid=plain"
    run srt_publish "srt://127.0.0.1:$port?streamid=#!::r=live/unknown,m=publish"
    [ "$status" -ne 0 ]
    run srt_publish "srt://127.0.0.1:$port?streamid=#!::r=live/plain,m=request"
    [ "$status" -ne 0 ]
    stop_ingest
    [ ! -e "$out/cam2.ts" ]
    assert_eq "$(packets "$out/cam1.ts")" "$(src_packets)"
    assert_eq "$(packets "$out/plain.ts")" "$(src_packets)"
    assert_eq "$(streams "$out/cam1.ts")" "$(streams "$TS")"
    assert_eq "$(event live.stream.started | jq -r '"\(.proto) \(.app)/\(.stream)"' | xargs)" \
        "srt live/cam1 srt live/plain"
    assert_eq "$(jq -r 'select(.event == "error") | .data.msg' "$EV")" \
"stream key 'live/unknown' is not allowed
stream id asks to play 'live/plain'; only m=publish is served"
}

@test "stats events carry bitrate, fps, keyframe interval, drift and SRT figures" {
    local port; port=$(free_port) out=$BATS_TEST_TMPDIR
    start_ingest --listen "srt://127.0.0.1:$port" --stats-interval 1s \
        --exec "cat > /dev/null"
    srt_publish "srt://127.0.0.1:$port?streamid=live/s"
    stop_ingest
    local s; s=$(event live.stream.stats | sed -n 2p)
    [ -n "$s" ] || fail "fewer than two stats events"
    jq -e '.bitrate > 200000 and .fps > 20 and .fps < 40 and
           .keyframe_interval_ms == 1000 and (.av_drift_ms | fabs) < 500 and
           .drops == 0 and (.srt.rtt_ms | type) == "number" and
           .srt.lost == 0' <<< "$s" || fail "stats: $s"
}

@test "a publisher back within --reconnect-window continues the same pipeline" {
    local port; port=$(free_port) out=$BATS_TEST_TMPDIR
    start_ingest --listen "rtmp://127.0.0.1:$port" --reconnect-window 5s \
        --exec "echo started >> $out/runs; cat > $out/\$SV_STREAM.ts"
    publish "rtmp://127.0.0.1:$port/live/blip"
    publish "rtmp://127.0.0.1:$port/live/blip"
    stop_ingest
    assert_eq "$(cat "$out/runs")" "started"
    assert_eq "$(packets "$out/blip.ts")" "240 378"
    assert_eq "$(monotonic "$out/blip.ts")" 1
    assert_eq "$(event live.stream.started | jq -c '.resumed // false' | xargs)" "false true"
    assert_eq "$(event live.stream.ended | jq -c '{why,reconnects}')" \
        '{"why":"shutdown","reconnects":1}'
}

@test "without a window the stream ends with its publisher" {
    local port; port=$(free_port) out=$BATS_TEST_TMPDIR
    start_ingest --listen "rtmp://127.0.0.1:$port" \
        --exec "echo started >> $out/runs; cat > /dev/null"
    publish "rtmp://127.0.0.1:$port/live/x" -t 1
    publish "rtmp://127.0.0.1:$port/live/x" -t 1
    stop_ingest
    assert_eq "$(wc -l < "$out/runs")" 2
}

@test "a second publisher of a live key is refused, or takes over with --on-duplicate takeover" {
    local port; port=$(free_port) out=$BATS_TEST_TMPDIR
    start_ingest --listen "rtmp://127.0.0.1:$port" \
        --exec "echo started >> $out/runs; cat > $out/\$SV_STREAM.ts"
    publish "rtmp://127.0.0.1:$port/live/dup" &
    local a=$!
    wait_for grep -q started "$out/runs"
    run publish "rtmp://127.0.0.1:$port/live/dup"
    [ "$status" -ne 0 ]
    wait "$a"
    stop_ingest
    assert_eq "$(jq -r 'select(.event == "error") | .data | "\(.code) \(.msg)"' "$EV")" \
        "EEXIST stream 'live/dup' is already being published"
    assert_eq "$(packets "$out/dup.ts")" "$(src_packets)"

    port=$(free_port)
    rm -f "$out/runs"
    start_ingest --listen "rtmp://127.0.0.1:$port" --on-duplicate takeover \
        --exec "echo started >> $out/runs; cat > $out/\$SV_STREAM.ts"
    publish "rtmp://127.0.0.1:$port/live/dup" &
    a=$!
    wait_for grep -q started "$out/runs"
    sleep 1
    publish "rtmp://127.0.0.1:$port/live/dup"
    # the first publisher was cut off
    local st=0
    wait "$a" || st=$?
    [ "$st" -ne 0 ] || fail "the first publisher was not cut off"
    stop_ingest
    # one pipeline; the second publisher's frames all arrived, in order
    assert_eq "$(cat "$out/runs")" "started"
    assert_eq "$(monotonic "$out/dup.ts")" 1
    local v; v=$(packets "$out/dup.ts" | cut -d' ' -f1)
    [ "$v" -gt 120 ] && [ "$v" -lt 240 ] || fail "video packets: $v"
}

@test "RTMP timestamps that wrap become a monotonic output and are reported" {
    local port; port=$(free_port)
    INGEST_OUT=$BATS_TEST_TMPDIR/out.ts start_ingest \
        --listen "rtmp://127.0.0.1:$port" --events "$EV"
    # FLV time is 31 bits of ms: this offset wraps two seconds in, and the
    # timestamps above 0xffffff ms travel as extended timestamps
    publish "rtmp://127.0.0.1:$port/live/wrap" -output_ts_offset 2147481.5
    wait "$INGEST"
    assert_eq "$(packets "$BATS_TEST_TMPDIR/out.ts")" "$(src_packets)"
    assert_eq "$(monotonic "$BATS_TEST_TMPDIR/out.ts")" 1
    local d; d=$(duration "$BATS_TEST_TMPDIR/out.ts")
    awk -v d="$d" 'BEGIN { exit !(d > 3.9 && d < 4.2) }' || fail "duration $d"
    assert_eq "$(event live.stream.ended | jq .discontinuities)" 1
}

@test "--record writes rotated files that start on keyframes and add up" {
    local port; port=$(free_port) out=$BATS_TEST_TMPDIR/rec
    start_ingest --listen "rtmp://127.0.0.1:$port" --record "$out" \
        --record-segment 1s
    publish "rtmp://127.0.0.1:$port/live/rec"
    stop_ingest
    local files f v=0 a=0
    files=$(ls "$out/live/rec/"*.ts)
    [ "$(echo "$files" | wc -l)" -ge 3 ] || fail "files: $files"
    assert_eq "$(find "$out/live/rec" -mindepth 1 -name '.*')" ""
    [ -z "$(find "$out" -name '.*tmp*')" ]
    for f in $files; do
        read -r pv pa <<< "$(packets "$f")"
        v=$((v + pv)) a=$((a + pa))
        local first
        first=$(ffprobe -v error -select_streams v -show_entries packet=flags \
            -of csv=p=0 -read_intervals '%+#1' "$f" | head -1)
        assert_match "$first" K
    done
    assert_eq "$v $a" "$(src_packets)"
}

@test "a slow consumer loses whole packets to the drop policy; others are untouched" {
    local port; port=$(free_port) out=$BATS_TEST_TMPDIR
    start_ingest --listen "rtmp://127.0.0.1:$port" --queue-size 64K \
        --exec "if [ \$SV_STREAM = slow ]; then sleep 2; fi; cat > $out/\$SV_STREAM.ts"
    publish "rtmp://127.0.0.1:$port/live/slow" &
    local a=$!
    publish "rtmp://127.0.0.1:$port/live/fast"
    wait "$a"
    stop_ingest
    assert_eq "$(packets "$out/fast.ts")" "$(src_packets)"
    local drops; drops=$(event live.stream.ended | jq -r 'select(.stream == "slow") | .drops')
    [ "$drops" -gt 0 ] || fail "no drops reported"
    # what was kept starts at a keyframe and decodes
    read -r v a <<< "$(packets "$out/slow.ts")"
    [ "$v" -gt 0 ] && [ "$v" -lt 120 ] || fail "slow video packets: $v"
    ffmpeg -v error -i "$out/slow.ts" -f null - 2> "$out/dec.txt"
    [ ! -s "$out/dec.txt" ] || fail "decode errors: $(head -3 "$out/dec.txt")"
}

@test "a consumer that exits ends its stream and the publisher is let go" {
    local port; port=$(free_port)
    start_ingest --listen "rtmp://127.0.0.1:$port" --exec "head -c 1000 > /dev/null"
    run publish "rtmp://127.0.0.1:$port/live/short"
    stop_ingest
    assert_eq "$(event live.stream.ended | jq -r .why)" consumer-exited
}

@test "churn: a hundred short publishes leak no fds, memory or children" {
    local port i; port=$(free_port)
    start_ingest --listen "rtmp://127.0.0.1:$port" --exec "cat > /dev/null"
    publish "rtmp://127.0.0.1:$port/live/warm" -t 0.5
    sleep 0.5
    local fds rss
    fds=$(find /proc/"$INGEST"/fd -mindepth 1 -maxdepth 1 | wc -l)
    rss=$(awk '/VmRSS/ { print $2 }' /proc/"$INGEST"/status)
    for i in $(seq 100); do
        # status ignored: the publishes are the load; what is checked is
        # the server's fds, memory and children after them
        timeout 20 ffmpeg -nostdin -loglevel quiet -i "$SRC" -t 0.3 -c copy \
            -f flv "rtmp://127.0.0.1:$port/live/c$((i % 7))" || true
    done
    # the last pipelines finish on their own once their stdin closes
    wait_for no_children "$INGEST"
    sleep 0.5
    assert_eq "$(find /proc/"$INGEST"/fd -mindepth 1 -maxdepth 1 | wc -l)" \
        "$fds"
    local rss2; rss2=$(awk '/VmRSS/ { print $2 }' /proc/"$INGEST"/status)
    # under AddressSanitizer freed memory sits in quarantine, and its leak
    # check at exit (stop_ingest below) is the stricter test anyway
    if ! ldd "$(command -v sv-ingest)" | grep -q libasan; then
        [ "$rss2" -lt $((rss + 8192)) ] || fail "RSS grew from $rss to $rss2 kB"
    fi
    assert_eq "$(event live.stream.ended | wc -l)" 101
    stop_ingest
}

@test "pull: an HLS source over HTTP and a TS file come out whole" {
    local out=$BATS_TEST_TMPDIR hport; hport=$(free_port)
    mkdir "$out/hls"
    ffmpeg -nostdin -v error -i "$SRC" -c copy -f hls -hls_time 1 \
        -hls_list_size 0 -hls_playlist_type vod "$out/hls/index.m3u8"
    (cd "$out/hls" && exec python3 -m http.server "$hport" --bind 127.0.0.1) \
        > /dev/null 2>&1 &
    PIDS+=($!)
    wait_for curl -sf "http://127.0.0.1:$hport/index.m3u8"
    sv-ingest --pull "cam=http://127.0.0.1:$hport/index.m3u8" \
        --events "$EV" > "$out/hls.ts"
    assert_eq "$(packets "$out/hls.ts")" "$(src_packets)"
    assert_eq "$(event live.stream.started | jq -c '{stream,app,proto}')" \
        '{"stream":"cam","app":"pull","proto":"pull"}'
    sv-ingest --pull "file:$TS" --exec "cat > $out/\$SV_STREAM.ts" \
        > "$out/ev2.jsonl"
    assert_eq "$(packets "$out/pull1.ts")" "$(src_packets)"
    assert_eq "$(streams "$out/pull1.ts")" "$(streams "$TS")"
}

@test "pull: a source that never answers is retried, then fails with status 1" {
    local port; port=$(free_port)
    run --separate-stderr sv-ingest --pull "http://127.0.0.1:$port/x.m3u8" \
        --pull-retries 1 --events "$EV"
    [ "$status" -eq 1 ]
    assert_match "$stderr" "retrying in 0.5 s"
    assert_match "$stderr" "giving up"
    assert_eq "$(jq -c 'select(.event == "error") | .data | {code,msg}' "$EV")" \
        '{"code":"ENOMEDIA","msg":"stream '"'"'pull/pull1'"'"' never started: its source failed"}'
}

@test "malformed RTMP input ends that connection only" {
    local port; port=$(free_port) out=$BATS_TEST_TMPDIR
    start_ingest --listen "rtmp://127.0.0.1:$port" --exec "cat > $out/\$SV_STREAM.ts"
    # a bad version byte, then a good handshake followed by garbage chunks
    python3 - "$port" <<'PY'
import os, socket, sys
p = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", p))
s.sendall(b"\x09" + os.urandom(1536))
s.settimeout(5)
assert s.recv(10) == b""
s = socket.create_connection(("127.0.0.1", p))
s.sendall(b"\x03" + bytes(1536))
got = b""
while len(got) < 3073:
    got += s.recv(4096)
# a set-chunk-size message announcing 16 MiB: refused from its header
s.sendall(bytes(1536) + b"\x02\x00\x00\x00\xff\xff\xff\x01" + bytes(300))
s.settimeout(5)
try:
    while s.recv(4096):
        pass
except ConnectionResetError:
    pass
PY
    publish "rtmp://127.0.0.1:$port/live/ok"
    stop_ingest
    assert_eq "$(packets "$out/ok.ts")" "$(src_packets)"
    grep -q 'rtmp peer 127.0.0.1:[0-9]*: ' "$ERR"
}

@test "rtmps:// listeners speak RTMP inside TLS" {
    local port; port=$(free_port) out=$BATS_TEST_TMPDIR
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
        -keyout "$out/key.pem" -out "$out/cert.pem" 2> /dev/null
    run --separate-stderr sv-ingest --listen "rtmps://127.0.0.1:$port" --discard
    [ "$status" -eq 2 ]
    assert_eq "${stderr%%$'\n'*}" "sv-ingest: rtmps:// listeners need --tls-cert and --tls-key"
    start_ingest --listen "rtmps://127.0.0.1:$port" --tls-cert "$out/cert.pem" \
        --tls-key "$out/key.pem" --exec "cat > $out/\$SV_STREAM.ts"
    publish "rtmps://127.0.0.1:$port/live/secure"
    # plain RTMP on the TLS port is a protocol error for that connection
    run publish "rtmp://127.0.0.1:$port/live/plain" -t 1
    [ "$status" -ne 0 ]
    stop_ingest
    assert_eq "$(packets "$out/secure.ts")" "$(src_packets)"
    assert_eq "$(event live.stream.started | jq -r .proto)" rtmps
}

@test "--discard receives and reports every stream without writing it" {
    local port; port=$(free_port)
    start_ingest --listen "rtmp://127.0.0.1:$port" --discard
    publish "rtmp://127.0.0.1:$port/live/a" -t 1 &
    local a=$!
    publish "rtmp://127.0.0.1:$port/live/b" -t 1
    wait "$a"
    stop_ingest
    assert_eq "$(event live.stream.ended | jq -r '"\(.stream) \(.why) \(.drops)"' | sort | xargs)" \
        "a unpublished 0 b unpublished 0"
}

@test "a connection that goes quiet is closed after --timeout" {
    local port; port=$(free_port)
    start_ingest --listen "rtmp://127.0.0.1:$port" --discard --timeout 1s
    python3 - "$port" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"\x03" + bytes(100))     # half a C0+C1, then silence
s.settimeout(10)
t = time.time()
assert s.recv(10) == b""
assert time.time() - t < 9
PY
    stop_ingest
    grep -q 'rtmp peer 127.0.0.1:[0-9]*: nothing for 1.0 s, closing' "$ERR"
}

@test "SIGHUP reloads --keys" {
    local port; port=$(free_port) out=$BATS_TEST_TMPDIR
    printf 'live/old\n' > "$out/keys"
    start_ingest --listen "rtmp://127.0.0.1:$port" --keys "$out/keys" --discard
    run publish "rtmp://127.0.0.1:$port/live/new" -t 0.5
    [ "$status" -ne 0 ]
    printf 'live/new\n' > "$out/keys"
    kill -HUP "$INGEST"
    wait_for grep -q "reloaded 1 keys from '$out/keys'" "$ERR"
    publish "rtmp://127.0.0.1:$port/live/new" -t 0.5
    stop_ingest
    assert_eq "$(event live.stream.started | jq -r .stream)" new
}

@test "--max-streams refuses publishers past the limit" {
    local port; port=$(free_port) out=$BATS_TEST_TMPDIR
    start_ingest --listen "rtmp://127.0.0.1:$port" --max-streams 1 \
        --exec "echo started >> $out/runs; cat > /dev/null"
    publish "rtmp://127.0.0.1:$port/live/one" &
    local a=$!
    wait_for grep -q started "$out/runs"
    run publish "rtmp://127.0.0.1:$port/live/two" -t 0.5
    [ "$status" -ne 0 ]
    wait "$a"
    stop_ingest
    assert_eq "$(jq -r 'select(.event == "error") | .data | "\(.code) \(.msg)"' "$EV")" \
        "ELIMIT too many streams (--max-streams 1)"
}

# slow_auth PORT DIR: an auth server that allows "yes" and refuses the rest;
# it answers a publish of "yes" only once DIR/go exists, and a refusal only
# after that answer, so a client's commands all arrive while one is pending
slow_auth() {
    python3 - "$1" "$2" <<'PY' &
import http.server, json, os, sys, threading, time
answered = threading.Event()
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with open(os.path.join(sys.argv[2], "posts"), "a") as f:
            f.write(body["stream"] + "\n")
        if body["stream"] == "yes":
            while not os.path.exists(os.path.join(sys.argv[2], "go")):
                time.sleep(0.05)
            self.send_response(204)
            answered.set()
        else:
            answered.wait(30)
            self.send_response(403)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
    PIDS+=($!)
    wait_for curl -s "http://127.0.0.1:$1/"
}

@test "--auth-url: an answer applies only to the publish that asked it" {
    local port hport; port=$(free_port) hport=$(free_port)
    local out=$BATS_TEST_TMPDIR
    slow_auth "$hport" "$out"
    start_ingest --listen "rtmp://127.0.0.1:$port" --stats-interval 1s \
        --auth-url "http://127.0.0.1:$hport/on_publish" \
        --exec "cat > $out/\$SV_STREAM.ts"
    # publish an allowed name, withdraw it while the answer is pending,
    # publish a refused one: the approval must not start the second
    run python3 - "$port" "$out" "$BATS_TEST_DIRNAME" <<'PY'
import os, sys
sys.path.insert(0, sys.argv[3])
import rtmp_client
c = rtmp_client.Client(int(sys.argv[1]))
c.connect("live")
c.publish("yes")
c.delete_stream()
c.publish("no", create=False)
open(os.path.join(sys.argv[2], "go"), "w").close()
print(c.wait_status())
c.wait_eof()
PY
    [ "$status" -eq 0 ]
    assert_eq "$output" "NetStream.Publish.Denied"
    # a connection closed while its answer is pending cancels it
    rm "$out/go"
    python3 - "$port" "$out" "$BATS_TEST_DIRNAME" <<'PY'
import os, sys
sys.path.insert(0, sys.argv[3])
import rtmp_client
c = rtmp_client.Client(int(sys.argv[1]))
c.connect("live")
c.publish("yes")
c.close()
PY
    wait_for grep -c yes "$out/posts"
    touch "$out/go"
    # the real publisher of the allowed name is not taken for a duplicate
    publish "rtmp://127.0.0.1:$port/live/yes"
    stop_ingest
    [ ! -e "$out/no.ts" ]
    assert_eq "$(packets "$out/yes.ts")" "$(src_packets)"
    assert_eq "$(event live.stream.started | jq -r .stream)" yes
    assert_eq "$(event live.stream.ended | jq -r '"\(.stream) \(.why)"')" \
        "yes unpublished"
    assert_eq "$(xargs < "$out/posts")" "yes no yes yes"
    assert_eq "$(jq -r 'select(.event == "error") | .data.msg' "$EV")" \
        "auth server refused 'live/no' with status 403"
}

# rss PID: resident memory of PID in KiB
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

@test "before a publish is allowed a peer's memory is bounded: big messages, big connects" {
    local port; port=$(free_port)
    start_ingest --listen "rtmp://127.0.0.1:$port" --discard
    local before; before=$(rss "$INGEST")
    # eight peers each set a 16 MiB chunk size and send 15 MiB of a 16 MiB
    # message, then wait; one sends a whole 16 MiB AMF0 connect
    run python3 - "$port" "$BATS_TEST_DIRNAME" "$INGEST" <<'PY'
import struct, sys
sys.path.insert(0, sys.argv[2])
import rtmp_client
peers, closed = [], 0
for i in range(8):
    c = rtmp_client.Client(int(sys.argv[1]))
    c.set_chunk_size(1 << 24)
    n = (1 << 24) - 1
    hdr = bytes([6]) + bytes(3) + n.to_bytes(3, "big") + b"\x09" + \
        struct.pack("<I", 1)
    try:
        c.s.sendall(hdr + bytes(15 << 20))
    except ConnectionError:
        pass
    peers.append(c)
c = rtmp_client.Client(int(sys.argv[1]))
c.set_chunk_size(1 << 24)
try:
    c.connect("live", {"pad": "x" * ((16 << 20) - 200)})
except ConnectionError:
    pass
peers.append(c)
# while every peer still holds its connection
with open("/proc/%s/status" % sys.argv[3]) as f:
    print([l.split()[1] for l in f if l.startswith("VmRSS:")][0])
for c in peers:
    c.s.settimeout(30)
    closed += c.wait_eof()
print(closed)
PY
    [ "$status" -eq 0 ] || fail "$output"
    local after=${lines[0]}
    assert_eq "${lines[1]}" 9
    # before: about 40 MiB per peer; now well under 64 MiB for all nine
    [ $((after - before)) -lt 65536 ] || fail "RSS $before -> $after KiB"
    grep -q 'rtmp peer 127.0.0.1:[0-9]*: limit reached' "$ERR" ||
        fail "$(cat "$ERR")"
    # and the server still takes a real publisher
    publish "rtmp://127.0.0.1:$port/live/ok" -t 1
    stop_ingest
    assert_eq "$(event live.stream.ended | jq -r '"\(.stream) \(.why)"')" \
        "ok unpublished"
}

@test "--max-conns-per-ip closes connections past the limit at once" {
    local port; port=$(free_port)
    run --separate-stderr sv-ingest --listen "rtmp://127.0.0.1:$port" \
        --discard --max-conns-per-ip x
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-ingest: bad --max-conns-per-ip 'x': expected an integer from 0 to 1000000
Try 'sv-ingest --help' for more information."
    start_ingest --listen "rtmp://127.0.0.1:$port" --discard \
        --max-conns-per-ip 3
    run python3 - "$port" "$BATS_TEST_DIRNAME" <<'PY'
import sys, time
sys.path.insert(0, sys.argv[2])
import rtmp_client
peers = [rtmp_client.Client(int(sys.argv[1])) for i in range(3)]
try:
    rtmp_client.Client(int(sys.argv[1]))
    print("fourth accepted")
except (EOFError, ConnectionError):
    print("fourth refused")
peers.pop().close()
# room again once the server has seen the close (polled as wait_for does)
for i in range(50):
    try:
        rtmp_client.Client(int(sys.argv[1]))
        print("ok")
        break
    except (EOFError, ConnectionError):
        time.sleep(0.2)
PY
    [ "$status" -eq 0 ] || fail "$output"
    assert_eq "$output" "fourth refused
ok"
    stop_ingest
    grep -q 'rtmp peer 127.0.0.1:[0-9]*: too many connections from 127.0.0.1 (--max-conns-per-ip 3)' "$ERR"
}

@test "frames queued before a codec configuration are bounded by bytes" {
    local port; port=$(free_port)
    start_ingest --listen "rtmp://127.0.0.1:$port" --discard
    local before; before=$(rss "$INGEST")
    # an allowed publisher sends 48 video frames of 4 MiB and no sequence
    # header, then two 16 MiB messages back to back at a 16 MiB chunk size
    run python3 - "$port" "$BATS_TEST_DIRNAME" "$INGEST" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
import rtmp_client
c = rtmp_client.Client(int(sys.argv[1]))
c.connect("live")
c.publish("big")
assert c.wait_status() == "NetStream.Publish.Start"
c.set_chunk_size(1 << 24)
frame = b"\x27\x01\x00\x00\x00" + bytes(4 << 20)
for i in range(48):
    c.media(9, frame, ts=33 * i)
# in one write, so that one read holds the end of one and the start of
# the other
big = b"\x27\x01\x00\x00\x00" + bytes((1 << 24) - 100)
c.s.sendall(c.encode_msg(6, 9, big, msid=1, ts=33 * 48) +
            c.encode_msg(6, 9, big, msid=1, ts=33 * 49))
with open("/proc/%s/status" % sys.argv[3]) as f:
    print([l.split()[1] for l in f if l.startswith("VmRSS:")][0])
c.delete_stream()
print(c.wait_status())
PY
    [ "$status" -eq 0 ] || fail "$output"
    local after=${lines[0]}
    # the connection lived through the two big messages
    assert_eq "${lines[1]}" "NetStream.Unpublish.Success"
    # before: every frame kept (192 MiB and more); now 16 MiB of them
    [ $((after - before)) -lt 131072 ] || fail "RSS $before -> $after KiB"
    stop_ingest
}

# ---- usage errors, exact messages (issue 9) ---------------------------------
# Every usage error: status 2, nothing on stdout, and on stderr exactly the
# message and the --help hint.

# ingest_usage MSG ARGS...: sv-ingest ARGS fails that way with MSG
ingest_usage() {
    local msg=$1
    shift
    run -2 --separate-stderr sv-ingest "$@"
    assert_eq "$output" ""
    assert_eq "$stderr" "sv-ingest: $msg
Try 'sv-ingest --help' for more information."
}

@test "usage: unknown options, missing values and operands" {
    ingest_usage "unknown option '--nope'" --nope
    ingest_usage "unknown option '-Z'" -Z
    ingest_usage "option '--timeout' needs a value" --timeout
    ingest_usage "option '-e' needs a value" -e
    ingest_usage "unexpected argument 'extra'" --listen rtmp://127.0.0.1:1 \
        --exec cat extra
    ingest_usage "empty argument" --exec cat ""
    ingest_usage "options --quiet and --verbose cannot be used together" \
        -q -v --exec cat
}

@test "usage: conflicting outputs name both options once" {
    ingest_usage "options --exec and --record cannot be used together" \
        --exec x --record y
    ingest_usage "options --exec and --discard cannot be used together" \
        --listen rtmp://127.0.0.1:1 --exec x --discard
    ingest_usage "options --record and --discard cannot be used together" \
        --listen rtmp://127.0.0.1:1 --record y --discard
}

@test "usage: combinations of sources and outputs" {
    ingest_usage "nothing to ingest: give --listen or --pull" --discard
    ingest_usage "rtmps:// listeners need --tls-cert and --tls-key" \
        --listen rtmps://127.0.0.1:1 --exec cat
    ingest_usage "rtmps:// listeners need --tls-cert and --tls-key" \
        --listen rtmps://127.0.0.1:1 --tls-cert c.pem --exec cat
    ingest_usage "standard output carries one stream: several --pull need --exec or --record" \
        --pull rtsp://127.0.0.1:1/a --pull rtsp://127.0.0.1:1/b
    ingest_usage "--events cannot be '-' when standard output carries the stream" \
        --listen rtmp://127.0.0.1:1 --events -
}

@test "usage: refuses to write the stream to a terminal" {
    command -v script >/dev/null || skip "script(1) is not installed"
    run -2 script -qec "sv-ingest --listen rtmp://127.0.0.1:1" /dev/null
    assert_eq "${output//$'\r'/}" "sv-ingest: refusing to write media to a terminal: use --exec, --record or redirect standard output
Try 'sv-ingest --help' for more information."
}

@test "usage: bad durations" {
    local o
    for o in srt-latency timeout record-segment stats-interval \
             reconnect-window expires; do
        ingest_usage "bad --$o 'soon': expected a duration such as 500ms, 10s or 1h" \
            --exec cat "--$o" soon
        ingest_usage "bad --$o '-1s': expected a duration such as 500ms, 10s or 1h" \
            --exec cat "--$o=-1s"
    done
}

@test "usage: bad integers, sizes and choices" {
    ingest_usage "bad --pull-retries '-2': expected an integer from -1 to 1000000" \
        --exec cat --pull-retries -2
    ingest_usage "bad --pull-retries 'x': expected an integer from -1 to 1000000" \
        --exec cat --pull-retries x
    ingest_usage "bad --max-streams '1000001': expected an integer from 0 to 1000000" \
        --exec cat --max-streams 1000001
    ingest_usage "bad --queue-size '32K': expected a size of at least 64K" \
        --exec cat --queue-size 32K
    ingest_usage "bad --queue-size 'big': expected a size of at least 64K" \
        --exec cat --queue-size big
    ingest_usage "bad --format 'avi': expected mpegts, matroska or nut" \
        --exec cat -f avi
    ingest_usage "bad --on-duplicate 'maybe': expected refuse or takeover" \
        --exec cat --on-duplicate maybe
}

@test "usage: bad strings and too many of a list" {
    local i args=()
    ingest_usage "bad --listen 'http://127.0.0.1:80': expected rtmp://, rtmps://, srt:// or whip://addr:port" \
        --listen http://127.0.0.1:80
    ingest_usage "bad --auth-url 'ftp://x': expected an http:// or https:// URL" \
        --exec cat --auth-url ftp://x
    for i in $(seq 17); do args+=(--listen "rtmp://127.0.0.1:$i"); done
    ingest_usage "too many --listen (at most 16)" "${args[@]}"
    args=()
    for i in $(seq 65); do args+=(--pull "rtsp://127.0.0.1:1/$i"); done
    ingest_usage "too many --pull (at most 64)" "${args[@]}"
}

@test "usage: --events that cannot be opened" {
    ingest_usage "bad --events '$BATS_TEST_TMPDIR/no/ev': no such file or directory" \
        --listen rtmp://127.0.0.1:1 --exec cat --events "$BATS_TEST_TMPDIR/no/ev"
    ingest_usage "bad --events 'fd:x': expected a path, fd:N or -" \
        --listen rtmp://127.0.0.1:1 --exec cat --events fd:x
}

@test "usage: bad --sign-key" {
    SV_INGEST_HMAC_SECRET=0123456789abcdef0123456789abcdef ingest_usage "bad --sign-key 'cam': expected app/name" \
        --sign-key cam
    SV_INGEST_HMAC_SECRET=0123456789abcdef0123456789abcdef ingest_usage "bad --sign-key 'live/c m': names take letters, digits, '.', '_' and '-'" \
        --sign-key 'live/c m'
    ingest_usage "bad --expires 'x': expected a duration such as 500ms, 10s or 1h" \
        --sign-key live/cam --expires x
}
