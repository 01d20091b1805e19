#!/usr/bin/env bats
# ingest-gstreamer.bats -- GStreamer publishes to sv-ingest with live
# sources, as an encoder box would: rtmp2sink (its own RTMP client) ten
# times in a row, and rtmpsink (librtmp).  Live x264 behind flvmux
# repeats millisecond timestamps, which once ended the stream with
# "cannot mux a packet: invalid argument".

load ../helpers
bats_require_minimum_version 1.5.0

setup() {
    command -v gst-launch-1.0 > /dev/null ||
        skip "gst-launch-1.0 is not installed (scripts/setup installs it)"
    EV=$BATS_TEST_TMPDIR/events.jsonl
    ERR=$BATS_TEST_TMPDIR/stderr.txt
    PIDS=()
}

teardown() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
}

start_ingest() {
    sv-ingest "$@" > "$EV" 2> "$ERR" &
    INGEST=$!
    PIDS+=("$INGEST")
    wait_for grep -q '^sv-ingest: listening on' "$ERR" ||
        fail "sv-ingest did not start: $(cat "$ERR")"
}

# gst_publish SINK URL: 3 s of live 720p x264 (zerolatency) and AAC
# through flvmux streamable=true; -e sends EOS at the end
gst_publish() {
    local aac=voaacenc
    gst-inspect-1.0 voaacenc > /dev/null 2>&1 || aac=avenc_aac
    timeout 60 gst-launch-1.0 -q -e \
        videotestsrc is-live=true num-buffers=90 ! \
        video/x-raw,width=1280,height=720,framerate=30/1 ! \
        x264enc tune=zerolatency ! flvmux streamable=true name=m ! \
        "$1" location="$2" \
        audiotestsrc is-live=true num-buffers=130 ! $aac ! m.
}

# packets FILE: "video audio" packet counts
packets() {
    ffprobe -v error -count_packets \
        -show_entries stream=codec_type,nb_read_packets -of csv=p=0 "$1" |
        awk -F, '{ c[$1] = $2 } END { print c["video"] + 0, c["audio"] + 0 }'
}

# check_stream NAME: both streams there, every frame sent, nothing refused
check_stream() {
    local f=$BATS_TEST_TMPDIR/$1.ts n
    [ -s "$f" ] || fail "$1: no output"
    n=$(packets "$f")
    # 90 video frames and 130 AAC frames were sent (the encoder may add
    # or hold back one at either end)
    awk -v n="$n" 'BEGIN { split(n, c, " ");
        exit !(c[1] >= 88 && c[1] <= 91 && c[2] >= 128 && c[2] <= 131) }' ||
        fail "$1: packets $n"
    assert_eq "$(jq -r --arg s "$1" \
        'select(.event == "live.stream.ended" and .data.stream == $s) |
         "\(.data.why) \(.data.drops)"' "$EV")" "unpublished 0"
}

@test "rtmp2sink with live sources publishes ten times in a row" {
    local port i; port=$(free_port)
    start_ingest --listen "rtmp://127.0.0.1:$port" \
        --exec "cat > $BATS_TEST_TMPDIR/\$SV_STREAM.ts"
    for i in $(seq 1 10); do
        gst_publish rtmp2sink "rtmp://127.0.0.1:$port/live/r$i" ||
            fail "publish $i failed"
    done
    kill -TERM "$INGEST"
    wait "$INGEST"
    for i in $(seq 1 10); do
        check_stream "r$i"
    done
    run ! grep -q 'cannot mux' "$ERR"
    assert_eq "$(jq -c 'select(.event == "error")' "$EV")" ""
}

@test "rtmpsink (librtmp) with live sources publishes whole" {
    local port i; port=$(free_port)
    start_ingest --listen "rtmp://127.0.0.1:$port" \
        --exec "cat > $BATS_TEST_TMPDIR/\$SV_STREAM.ts"
    for i in 1 2 3; do
        gst_publish rtmpsink "rtmp://127.0.0.1:$port/live/l$i" ||
            fail "publish $i failed"
    done
    kill -TERM "$INGEST"
    wait "$INGEST"
    for i in 1 2 3; do
        check_stream "l$i"
    done
    run ! grep -q 'cannot mux' "$ERR"
    assert_eq "$(jq -c 'select(.event == "error")' "$EV")" ""
}
