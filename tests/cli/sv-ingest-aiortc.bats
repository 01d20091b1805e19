#!/usr/bin/env bats
# sv-ingest-aiortc.bats -- aiortc (Debian's python3-aiortc: aioice, its own
# DTLS and SRTP, PyAV's x264 and Opus) against WHIP in and WHEP out: a
# WebRTC stack independent of ours, Chromium's and GStreamer's.  Runs in a
# network namespace (whep_aiortc.bash); the peer is aiortc_peer.py.

load ../helpers
bats_require_minimum_version 1.5.0

setup() {
    PIDS=()
}

teardown() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
}

need_aiortc() {
    /usr/bin/python3 -c 'import aiortc' 2> /dev/null ||
        skip "no python3-aiortc (scripts/setup)"
    unshare -n true 2> /dev/null ||
        skip "cannot make a network namespace (unshare -n needs root)"
}

# aiortc_run MODE [SECONDS]: whep_aiortc.bash in a namespace, into $D
aiortc_run() {
    D=$BATS_TEST_TMPDIR
    run unshare -n bash "$SV_TOP/tests/cli/whep_aiortc.bash" "$D" "${2:-3}" \
        "$1"
    [ "$status" -eq 0 ] || fail "aiortc: $output $(cat "$D"/*.json "$D"/*.err)"
}

# viewer_ok MIN-FRAMES: the aiortc viewer decoded H.264 320x240 and Opus
viewer_ok() {
    jq -e --argjson min "$1" '.post == 201 and .delete == 200 and
           .answer_setup == ["passive"] and .frames >= $min and
           .width == 320 and .height == 240 and
           .audio >= 100 and .sample_rate == 48000' "$D/view.json" ||
        fail "viewer: $(cat "$D/view.json" "$D/view.err")"
    echo "# viewer: $(jq -c '{frames, audio, video_rtp, audio_rtp}' \
        "$D/view.json")" >&3
    jq -e -s '[.[] | select(.event == "live.viewer.left") | .data] |
              length == 1 and all(.why == "deleted" and .packets > 100)' \
        "$D/events.jsonl"
}

@test "aiortc publishes over WHIP from its default offer (VP8 first): H.264 and Opus taken; ffprobe reads the pipeline's TS; an aiortc viewer's PLI reaches the publisher" {
    local ts out
    need_aiortc
    aiortc_run whip
    jq -e '.post == 201 and .delete == 200 and .answer_setup == ["passive"]
           and .plis_received >= 1' "$D/pub.json" ||
        fail "publisher: $(cat "$D/pub.json" "$D/pub.err")"
    jq -e -s 'map(select(.event == "live.stream.started"))[0].data |
              .proto == "whip" and .stream == "cam1"' "$D/events.jsonl"
    # a viewer joining after the first keyframe gets one by a PLI forwarded
    jq -e -s '[.[] | select(.event == "live.stream.stats") |
               .data.whip.plis_sent] | max >= 1' "$D/events.jsonl"
    viewer_ok 45
    ts=$(echo "$D"/rec/live/cam1/*.ts)
    [ -s "$ts" ] || fail "no recording: $(ls -R "$D/rec")"
    run ffprobe -v error -count_frames -show_entries \
        stream=codec_name,width,height,sample_rate,nb_read_frames -of json \
        "$ts"
    [ "$status" -eq 0 ]
    out=$output
    echo "# TS: $(jq -c '[.streams[] | [.codec_name, .nb_read_frames]]' \
        <<< "$out")" >&3
    # it publishes until its viewer has watched 3 s: at least 3 s of 30 fps
    # and of 20 ms Opus frames
    jq -e '(.streams | length) == 2 and
           (.streams[0] | .codec_name == "h264" and .width == 320 and
                          .height == 240 and
                          (.nb_read_frames | tonumber) >= 90) and
           (.streams[1] | .codec_name == "opus" and .sample_rate == "48000"
                          and (.nb_read_frames | tonumber) >= 150)' <<< "$out"
    run ffmpeg -nostdin -v error -i "$ts" -f null -
    [ -z "$output" ]
}

@test "aiortc's VP8-only offer is refused with 400 that names VP8 and asks for H.264" {
    local port ev err
    port=$(free_port)
    ev=$BATS_TEST_TMPDIR/events.jsonl err=$BATS_TEST_TMPDIR/stderr.txt
    sv-ingest --listen "whip://127.0.0.1:$port" --discard > "$ev" 2> "$err" &
    PIDS+=($!)
    wait_for grep -q '^sv-ingest: listening on whip' "$err" ||
        fail "sv-ingest did not start: $(cat "$err")"
    # what aiortc_peer.py offer VP8 printed: VP8 (and its rtx), Opus
    run curl -s -w '\n%{http_code}' -X POST \
        -H 'Content-Type: application/sdp' -H 'Authorization: Bearer cam1' \
        --data-binary "@$SV_TOP/tests/fuzz/corpus/sdp/aiortc-vp8-offer" \
        "http://127.0.0.1:$port/whip/live"
    assert_eq "${lines[1]}" 400
    assert_eq "${lines[0]}" "the offer sends video in VP8, which WHIP ingest does not take: offer H.264 with packetization-mode=1"
    jq -e -s 'map(select(.event == "error"))[0].data |
              .proto == "whip" and .stream == "cam1" and .code == "EFORMAT"
              and (.msg | test("VP8"))' "$ev"
    run ! grep -q '"live.stream.started"' "$ev"
    # its H.264 twin is taken: the profile offered second (42e01f)
    run curl -s -w '\n%{http_code}' -X POST \
        -H 'Content-Type: application/sdp' -H 'Authorization: Bearer cam2' \
        --data-binary "@$SV_TOP/tests/fuzz/corpus/sdp/aiortc-offer" \
        "http://127.0.0.1:$port/whip/live"
    assert_eq "${lines[-1]}" 201
    [[ $output == *$'m=video 9 UDP/TLS/RTP/SAVPF 101\r'* ]]
    [[ $output == *$'a=rtcp-fb:101 goog-remb\r'* ]]
}

@test "an aiortc viewer over WHEP decodes H.264 and Opus (from AAC) of a stream ffmpeg publishes over RTMP" {
    need_aiortc
    aiortc_run rtmp
    # 3 s from the first keyframe (one a second): 2 s of frames at least
    viewer_ok 60
    jq -e -s '[.[] | select(.event == "live.stream.stats") | .data] |
              (map(.whep_viewers // 0) | max == 1) and
              (map(.whep.opus_sent // 0) | max > 50)' "$D/events.jsonl"
}

@test "2% RTP loss each way (udp_lossy.py): NACKs repair what aiortc publishes over WHIP and the video an aiortc viewer gets over WHEP" {
    local up
    need_aiortc
    aiortc_run loss 4
    # every RTP stream lost one packet in 50, from its 25th, each way
    jq -e '.up.dropped >= 4 and .down.dropped >= 2' "$D/relay.json"
    # upstream: sv-ingest NACKed, aiortc sent again, and fewer packets were
    # given up than the relay dropped (a repair can be dropped too, or
    # come after the 120 ms the reorder buffer waits)
    jq -e '.post == 201 and .delete == 200 and .nacks_received >= 1' \
        "$D/pub.json" || fail "publisher: $(cat "$D/pub.json" "$D/pub.err")"
    up=$(jq -s -c '[.[] | select(.event == "live.stream.stats") |
                    .data.whip] | last' "$D/events.jsonl")
    jq -e --argjson dropped "$(jq .up.dropped "$D/relay.json")" \
        '.nacks_sent >= 1 and .lost < $dropped' <<< "$up"
    # downstream: aiortc NACKed video (it NACKs no Opus), sv-ingest sent
    # packets again from its ring, and aiortc counts fewer video packets
    # lost than the relay dropped (one may still be on its way when it
    # counts)
    viewer_ok 60
    jq -e '.nacks_sent >= 1' "$D/view.json"
    jq -e -s '(.[1].video_rtp.ssrc | tostring) as $v |
              (.[0].seqs[$v] | length) as $dropped |
              $dropped >= 2 and .[1].video_rtp.lost < $dropped' \
        "$D/relay.json" "$D/view.json"
    jq -e -s '[.[] | select(.event == "live.viewer.left")][0].data |
              .retransmitted >= 1' "$D/events.jsonl"
    echo "# relay: $(jq -c 'del(.seqs)' "$D/relay.json"); whip: $up;" \
        "viewer: $(jq -c '{nacks_sent, frames_missing, freezes, freeze_ms,
        video_lost: .video_rtp.lost, audio_lost: .audio_rtp.lost}' \
        "$D/view.json"); server:" \
        "$(jq -s -c '[.[] | select(.event == "live.viewer.left")][0].data |
        {retransmitted, nack_misses}' "$D/events.jsonl")" >&3
}
