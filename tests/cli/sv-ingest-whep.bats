#!/usr/bin/env bats
# sv-ingest-whep.bats -- WHEP playback of WHIP streams: the HTTP side with
# curl (answers, Location, DELETE, 404/409/503), and real media from
# GStreamer's webrtcbin publishing over WHIP to webrtcbin viewers over WHEP
# (an independent WebRTC stack).  Chromium is in tests/e2e/whep-chromium.bats.

load ../helpers
bats_require_minimum_version 1.5.0

setup() {
    EV=$BATS_TEST_TMPDIR/events.jsonl
    ERR=$BATS_TEST_TMPDIR/stderr.txt
    OFFER=$SV_TOP/tests/fuzz/corpus/sdp/chromium-offer
    # a viewer's offer: Chromium's, receiving
    VOFFER=$BATS_TEST_TMPDIR/viewer-offer
    sed -e 's/^a=sendonly/a=recvonly/' -e '/^a=ssrc:/d' "$OFFER" > "$VOFFER"
    PORT=$(free_port)
    BASE=http://127.0.0.1:$PORT
    PIDS=()
}

teardown() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
}

start_whip() {
    sv-ingest --listen "whip://127.0.0.1:$PORT" --discard "$@" \
        > "$EV" 2> "$ERR" &
    PIDS+=($!)
    wait_for grep -q '^sv-ingest: listening on whip' "$ERR" ||
        fail "sv-ingest did not start: $(cat "$ERR")"
}

# status CURL-ARGS...: prints the HTTP status; body and head kept
status() {
    curl -s -o "$BATS_TEST_TMPDIR/body" -D "$BATS_TEST_TMPDIR/head" \
        -w '%{http_code}' "$@"
}

header() {
    tr -d '\r' < "$BATS_TEST_TMPDIR/head" | sed -n "s/^$1: //Ip"
}

# publish: a WHIP session for live/cam1 (its media never comes: it holds
# the stream for the 15 s DTLS setup allowance)
publish() {
    run status -X POST -H 'Content-Type: application/sdp' \
        -H 'Authorization: Bearer cam1' --data-binary "@$OFFER" \
        "$BASE/whip/live"
    assert_eq "$output" 201
    PUBLOC=$(header Location)
}

# view [URL]: a WHEP offer; prints the status
view() {
    status -X POST -H 'Content-Type: application/sdp' \
        --data-binary "@$VOFFER" "${1:-$BASE/whep/live/cam1}"
}

@test "a WHEP offer for a WHIP stream gets 201, a sendonly answer with our SSRCs and a Location" {
    local body loc v a
    start_whip
    publish
    run status -X OPTIONS "$BASE/whep/live/cam1"
    assert_eq "$output" 204
    assert_eq "$(header Access-Control-Allow-Origin)" '*'
    assert_eq "$(header Accept-Post)" application/sdp
    run view
    assert_eq "$output" 201
    body=$BATS_TEST_TMPDIR/body
    assert_eq "$(header Content-Type)" application/sdp
    assert_eq "$(header Accept-Patch)" application/trickle-ice-sdpfrag
    loc=$(header Location)
    [[ $loc =~ ^/whep/live/cam1/[0-9a-f]{32}$ ]] || fail "Location: $loc"
    assert_eq "$(header ETag)" "\"${loc##*/}\""
    grep -qx $'a=ice-lite\r' "$body"
    grep -qx $'a=group:BUNDLE 0 1\r' "$body"
    # the payload types the viewer offered first for H.264 and Opus
    grep -qx $'m=video 9 UDP/TLS/RTP/SAVPF 106\r' "$body"
    grep -qx $'m=audio 9 UDP/TLS/RTP/SAVPF 111\r' "$body"
    assert_eq "$(grep -c $'^a=sendonly\r$' "$body")" 2
    run ! grep -q '^a=recvonly' "$body"
    grep -qx $'a=setup:passive\r' "$body"
    grep -qx $'a=rtcp-fb:106 nack\r' "$body"
    grep -qx $'a=rtcp-fb:106 nack pli\r' "$body"
    # one SSRC per media, distinct, none of the publisher's
    v=$(sed -n 's/^a=ssrc:\([0-9]*\) cname:sv\r$/\1/p' "$body" | head -1)
    a=$(sed -n 's/^a=ssrc:\([0-9]*\) cname:sv\r$/\1/p' "$body" | tail -1)
    [ -n "$v" ]
    [ -n "$a" ]
    [ "$v" != "$a" ]
    [ "$v" != 1111 ]
    [ "$v" != 2222 ]
    grep -qx "a=ssrc:$v msid:sv video"$'\r' "$body"
    grep -qx "a=ssrc:$a msid:sv audio"$'\r' "$body"
    # trickle is accepted, DELETE ends it, a second DELETE finds nothing
    run status -X PATCH -H 'Content-Type: application/trickle-ice-sdpfrag' \
        --data-binary $'a=end-of-candidates\r\n' "$BASE$loc"
    assert_eq "$output" 204
    run status -X DELETE "$BASE$loc"
    assert_eq "$output" 200
    run status -X DELETE "$BASE$loc"
    assert_eq "$output" 404
    # a WHIP session's id is not a WHEP one, nor the other way round
    run status -X DELETE "$BASE/whep/live/cam1/${PUBLOC##*/}"
    assert_eq "$output" 404
}

@test "WHEP: 404 for an unknown stream, 400 for a bad offer, 405 and 415 as HTTP says" {
    start_whip
    run view "$BASE/whep/live/nobody"
    assert_eq "$output" 404
    grep -q 'no live stream live/nobody' "$BATS_TEST_TMPDIR/body"
    run view "$BASE/whep/live"
    assert_eq "$output" 404
    run view "$BASE/whep/live/a/b/c"
    assert_eq "$output" 404
    run view "$BASE/whep/live/..%2f"
    assert_eq "$output" 404
    publish
    run status -X POST -H 'Content-Type: text/plain' --data-binary x \
        "$BASE/whep/live/cam1"
    assert_eq "$output" 415
    run status -X POST -H 'Content-Type: application/sdp' \
        --data-binary hello "$BASE/whep/live/cam1"
    assert_eq "$output" 400
    # an offer that only sends gets nothing to receive
    run status -X POST -H 'Content-Type: application/sdp' \
        --data-binary "@$OFFER" "$BASE/whep/live/cam1"
    assert_eq "$output" 400
    grep -q 'the offer receives none of what live/cam1 sends' \
        "$BATS_TEST_TMPDIR/body"
    run status "$BASE/whep/live/cam1"
    assert_eq "$output" 405
    assert_eq "$(header Allow)" 'POST, OPTIONS'
}

@test "--whep-max-viewers: the next viewer gets 503 with Retry-After; a leaving one makes room; 0 turns WHEP off" {
    local loc
    start_whip --whep-max-viewers 2
    publish
    run view
    assert_eq "$output" 201
    loc=$(header Location)
    run view
    assert_eq "$output" 201
    run view
    assert_eq "$output" 503
    assert_eq "$(header Retry-After)" 5
    grep -q 'stream live/cam1 has 2 viewers, its limit (--whep-max-viewers)' \
        "$BATS_TEST_TMPDIR/body"
    run status -X DELETE "$BASE$loc"
    assert_eq "$output" 200
    run view
    assert_eq "$output" 201
    # the publisher's end takes its viewers with it
    loc=$(header Location)
    run status -X DELETE "$BASE$PUBLOC"
    assert_eq "$output" 200
    run status -X DELETE "$BASE$loc"
    assert_eq "$output" 404
    run view
    assert_eq "$output" 404
    kill "${PIDS[0]}"
    wait "${PIDS[0]}" || true   # status ignored: it was killed
    PIDS=()
    start_whip --whep-max-viewers 0
    publish
    run view
    assert_eq "$output" 403
    grep -q 'WHEP playback is off' "$BATS_TEST_TMPDIR/body"
}

@test "WHEP of an RTMP stream: 201 without B-frames, 422 that says why with them, 404 once it ends" {
    local rport
    rport=$(free_port)
    sv-ingest --listen "whip://127.0.0.1:$PORT" \
        --listen "rtmp://127.0.0.1:$rport" --discard --stats-interval 1s \
        > "$EV" 2> "$ERR" &
    PIDS+=($!)
    wait_for grep -q "listening on rtmp" "$ERR"
    # x264's defaults have B-frames (known from the first frames: a stats
    # event that counts some; x264's lookahead holds them back a second)
    timeout 30 ffmpeg -nostdin -hide_banner -loglevel error -re -f lavfi \
        -i "$(_v 320x240 20)" -c:v libx264 -g 30 -f flv \
        "rtmp://127.0.0.1:$rport/live/cam1" &
    PIDS+=($!)
    wait_for grep -q '"live.stream.stats".*"packets":[1-9]' "$EV"
    run view
    assert_eq "$output" 422
    grep -q 'stream live/cam1 has B-frames, which WebRTC does not carry' \
        "$BATS_TEST_TMPDIR/body"
    # zerolatency has none: an answer sending H.264 (no audio published)
    timeout 30 ffmpeg -nostdin -hide_banner -loglevel error -re -f lavfi \
        -i "$(_v 320x240 3)" -c:v libx264 -tune zerolatency -g 30 -f flv \
        "rtmp://127.0.0.1:$rport/live/cam2" &
    PIDS+=($!)
    wait_for grep -q '"live.stream.started".*cam2' "$EV"
    run view "$BASE/whep/live/cam2"
    assert_eq "$output" 201
    grep -qx $'m=video 9 UDP/TLS/RTP/SAVPF 106\r' "$BATS_TEST_TMPDIR/body"
    grep -qx $'a=sendonly\r' "$BATS_TEST_TMPDIR/body"
    grep -qx $'m=audio 0 UDP/TLS/RTP/SAVPF 111\r' "$BATS_TEST_TMPDIR/body"
    # the stream's end takes its viewers with it
    wait_for grep -q '"live.stream.ended".*cam2' "$EV"
    run view "$BASE/whep/live/cam2"
    assert_eq "$output" 404
}

# gst_view SOURCE: webrtcbin viewers of a stream from SOURCE (rtmp, srt)
gst_view() {
    local d=$BATS_TEST_TMPDIR frames
    /usr/bin/python3 -c 'import gi; gi.require_version("GstWebRTC", "1.0")' \
        2> /dev/null || skip "no GStreamer WebRTC introspection (scripts/setup)"
    gst-inspect-1.0 nicesrc > /dev/null 2>&1 || skip "no gstreamer1.0-nice"
    unshare -n true 2> /dev/null ||
        skip "cannot make a network namespace (unshare -n needs root)"
    run unshare -n bash "$SV_TOP/tests/cli/whep_gst.bash" "$d" 4 1 "$1"
    [ "$status" -eq 0 ] || fail "gst: $output $(cat "$d"/*.json "$d"/*.err)"
    # 4 s at 30 fps from the first keyframe (one a second): video frames
    # decoded, and 20 ms Opus frames decoded; at least a second of each
    # (a loaded machine starts GStreamer slowly)
    jq -e '.post == 201 and .delete == 200 and .answer_sendonly and
           .frames >= 30 and .audio >= 50' "$d/view1.json" ||
        fail "viewer: $(cat "$d/view1.json" "$d/view1.err")"
    run ffprobe -v error -count_frames -show_entries \
        stream=codec_name,width,height,nb_read_frames -of json "$d/view1.h264"
    [ "$status" -eq 0 ]
    jq -e '.streams[0] | .codec_name == "h264" and .width == 320 and
           .height == 240' <<< "$output"
    frames=$(jq -r '.streams[0].nb_read_frames' <<< "$output")
    echo "# $1 viewer: $frames frames, $(jq .audio "$d/view1.json") Opus" >&3
    [ "$frames" -ge 30 ]
    run ffmpeg -nostdin -v error -i "$d/view1.h264" -f null -
    [ -z "$output" ]
    jq -e -s '[.[] | select(.event == "live.viewer.left") | .data] |
              length == 1 and all(.why == "deleted" and .packets > 100)' \
        "$d/events.jsonl"
    jq -e -s '[.[] | select(.event == "live.stream.stats") | .data] |
              (map(.whep_viewers // 0) | max == 1) and
              (map(.whep.opus_sent // 0) | max > 50)' "$d/events.jsonl"
}

@test "a webrtcbin viewer over WHEP decodes H.264 and Opus (from AAC) of a stream ffmpeg publishes over RTMP" {
    gst_view rtmp
}

@test "a webrtcbin viewer over WHEP decodes H.264 and Opus (from AAC) of a stream published over SRT (srt-live-transmit)" {
    command -v srt-live-transmit > /dev/null || skip "no srt-tools (scripts/setup)"
    gst_view srt
}

@test "webrtcbin viewers over WHEP receive and decode what webrtcbin publishes over WHIP" {
    local d=$BATS_TEST_TMPDIR i frames
    /usr/bin/python3 -c 'import gi; gi.require_version("GstWebRTC", "1.0")' \
        2> /dev/null || skip "no GStreamer WebRTC introspection (scripts/setup)"
    gst-inspect-1.0 nicesrc > /dev/null 2>&1 || skip "no gstreamer1.0-nice"
    unshare -n true 2> /dev/null ||
        skip "cannot make a network namespace (unshare -n needs root)"
    run unshare -n bash "$SV_TOP/tests/cli/whep_gst.bash" "$d" 5 2
    [ "$status" -eq 0 ] || fail "gst: $output $(cat "$d"/*.json "$d"/*.err)"
    jq -e '.post == 201 and .delete == 200' "$d/pub.json"
    for i in 1 2; do
        jq -e '.post == 201 and .delete == 200 and .answer_sendonly and
               .frames >= 60 and .audio >= 100' "$d/view$i.json" ||
            fail "viewer $i: $(cat "$d/view$i.json" "$d/view$i.err")"
        # what arrived is H.264 that decodes, frame for frame
        run ffprobe -v error -count_frames -show_entries \
            stream=codec_name,width,nb_read_frames -of json "$d/view$i.h264"
        [ "$status" -eq 0 ]
        jq -e '.streams[0] | .codec_name == "h264" and .width == 640' \
            <<< "$output"
        frames=$(jq -r '.streams[0].nb_read_frames' <<< "$output")
        echo "# viewer $i: $frames frames" >&3
        [ "$frames" -ge 60 ]
        run ffmpeg -nostdin -v error -i "$d/view$i.h264" -f null -
        [ -z "$output" ]
    done
    jq -e -s '[.[] | select(.event == "live.viewer.joined")] | length == 2'\
        "$d/events.jsonl"
    jq -e -s '[.[] | select(.event == "live.viewer.left") | .data] |
              length == 2 and all(.why == "deleted" and .packets > 100)' \
        "$d/events.jsonl"
    jq -e -s '[.[] | select(.event == "live.stream.stats") |
               .data.whep_viewers] | max == 2' "$d/events.jsonl"
}

@test "churn: 100 WHEP viewers join and leave, 100 WHIP publishers come and go; open files equal, memory flat" {
    local d=$BATS_TEST_TMPDIR r
    /usr/bin/python3 -c 'import gi; gi.require_version("GstWebRTC", "1.0")' \
        2> /dev/null || skip "no GStreamer WebRTC introspection (scripts/setup)"
    gst-inspect-1.0 nicesrc > /dev/null 2>&1 || skip "no gstreamer1.0-nice"
    unshare -n true 2> /dev/null ||
        skip "cannot make a network namespace (unshare -n needs root)"
    # 5 of each with ICE and DTLS (webrtcbin), 95 by offer and DELETE
    run unshare -n bash "$SV_TOP/tests/cli/whep_churn.bash" "$d" 5 100
    [ "$status" -eq 0 ] || fail "churn: $output $(cat "$d"/*.err)"
    r=${lines[-1]}
    echo "# $r" >&3
    jq -e '.whep_gst == 5 and .whep_http == 95 and .whip_gst == 5 and
           .whip_http == 95 and .fds1 == .fds0' <<< "$r"
    # resident memory: within 4 MiB after 200 sessions (each holds more
    # than 1 MiB while it lives); ASan's quarantine keeps what is freed
    if ! ldd "$(command -v sv-ingest)" | grep -q libasan; then
        jq -e '.rss1_kb - .rss0_kb < 4096' <<< "$r"
    fi
    # every webrtcbin viewer joined and left, warm-up included
    jq -e -s '[.[] | select(.event == "live.viewer.joined")] | length == 6' \
        "$d/events.jsonl"
    jq -e -s '[.[] | select(.event == "live.viewer.left") | .data.why] |
              length == 6 and all(. == "deleted")' "$d/events.jsonl"
}

@test "whep_load: 5 viewers on our own client stack all get media from an RTMP stream, no loss on loopback, and leave by DELETE" {
    local rport out
    rport=$(free_port)
    sv-ingest --listen "whip://127.0.0.1:$PORT" \
        --listen "rtmp://127.0.0.1:$rport" --discard > "$EV" 2> "$ERR" &
    PIDS+=($!)
    wait_for grep -q "listening on rtmp" "$ERR"
    timeout 30 ffmpeg -nostdin -hide_banner -loglevel error -re -f lavfi \
        -i "$(_v 320x240 20)" -f lavfi -i sine=frequency=440:sample_rate=44100 \
        -c:v libx264 -tune zerolatency -g 30 -c:a aac -f flv \
        "rtmp://127.0.0.1:$rport/live/cam1" &
    PIDS+=($!)
    wait_for grep -q '"live.stream.started".*cam1' "$EV"
    out=$BATS_TEST_TMPDIR/load.json
    run timeout 60 "$SV_BUILD/tests/whep_load" -n 5 --seconds 3 --warmup 1 \
        --url "$BASE/whep/live/cam1" --server-pid "${PIDS[0]}" --per-viewer
    [ "$status" -eq 0 ] || fail "whep_load: $output $(cat "$ERR")"
    printf '%s\n' "$output" > "$out"
    echo "# $(jq -c 'del(.per_viewer)' "$out")" >&3
    # every viewer: through ICE, DTLS and SRTP, packets in the window,
    # each sequence number in it (no NACKs are sent: loss would show)
    jq -e '.joined == 5 and .starved == 0 and .lost == 0 and
           .srtp_failures == 0 and (.per_viewer | length == 5 and
           all(.state == "media" and .packets > 10 and
               .received == .expected))' "$out"
    jq -e '.server_cpu_pct >= 0' "$out"
    # Sender Reports on both tracks, to every viewer, at least two each
    # (one a second), their RTP clocks running at 90 and 48 kHz against
    # their NTP clock (within 10%: the mapping settles as the encoder's
    # first frames come late; clocks mixed up would be 47% or 88% off)
    jq -e '.per_viewer | all(.sender_reports[0] >= 2 and
                             .sender_reports[1] >= 2)' "$out"
    jq -e '.sr_clock_err_pct >= 0 and .sr_clock_err_pct < 10' "$out"
    # the server saw five viewers join and leave by DELETE
    wait_for grep -q '"live.viewer.left"' "$EV"
    jq -e -s '[.[] | select(.event == "live.viewer.joined")] | length == 5' \
        "$EV"
    wait_for test "$(grep -c '"live.viewer.left"' "$EV")" -eq 5
    jq -e -s '[.[] | select(.event == "live.viewer.left") | .data.why] |
              all(. == "deleted")' "$EV"
}

@test "whep_load: refuses a bad --url with status 2" {
    run -2 "$SV_BUILD/tests/whep_load" --url ftp://x -n 1
    [[ $output == *usage:* ]]
}
