#!/usr/bin/env bats
# whep-chromium.bats -- Chromium publishes a canvas stream over WHIP into
# sv-ingest and plays it back over WHEP, inside a network namespace holding
# only loopback.  The canvas carries the time it was drawn in black and
# white cells; the player reads them back from each decoded frame (every
# frame once, keyed by its RTP timestamp: whep-play.js).  The
# test asserts that frames arrive and decode; the glass-to-glass figures
# (and the no-server RTCPeerConnection floor measured in the same page) are
# printed, not asserted (scripts/bench/webrtc.sh runs the same for figures).

load ../helpers

setup() {
    [ -x /usr/bin/chromium ] || skip "chromium is not installed"
    [ -d "$SV_TOP/tests/e2e/node_modules/playwright-core" ] ||
        skip "no node_modules"
    unshare -n true 2> /dev/null ||
        skip "cannot make a network namespace (unshare -n needs root)"
}

# report FILE: the figures, one line per path
report() {
    jq -r 'def line(x): "p50 \(x.p50_ms) ms, p95 \(x.p95_ms) ms, max \(x.max_ms) ms shown (presented p50 \(x.presented.p50_ms), received p50 \(x.received.p50_ms)), \(x.frames) pictures, \(x.undecoded) unreadable, \(x.repeats) stamps repeated, \(x.unshown) not presented";
           def dec(s): "jitter buffer \(s.jitterBufferMs // 0) ms, decode \(s.decodeMs // 0) ms, \(s.width)x\(s.height), nacks \(s.nackCount), plis \(s.pliCount), freezes \(s.freezeCount)";
           (.direct | select(.frames > 0) | "direct PC (no server): \(line(.)); \(dec(.stats))"),
           (.viewers | to_entries[] | "via sv-ingest, viewer \(.key + 1): \(line(.value.latency)); \(dec(.value.stats))")' \
        "$1" | sed 's/^/# /' >&3
}

@test "Chromium plays over WHEP what Chromium publishes over WHIP: every frame read back carries its stamp" {
    local d=$BATS_TEST_TMPDIR
    run unshare -n bash "$SV_TOP/tests/e2e/whep-netns.bash" "$d" 300
    [ "$status" -eq 0 ] || fail "play: $output $(cat "$d/play.err" \
        "$d/play.json") $(tail -5 "$d/ingest.err")"
    report "$d/play.json"
    jq -e '.whip_post == 201 and .whip_delete == 200 and
           .direct.frames == 300' "$d/play.json"
    jq -e '.viewers[0] | .post == 201 and .delete == 200 and
           .answer_sendonly and .answer_ssrc and
           (.location | test("^/whep/live/cam1/[0-9a-f]{32}$")) and
           .latency.frames == 300 and .latency.undecoded <= 3 and
           .stats.framesDecoded >= 300 and .stats.audioPackets > 0' \
        "$d/play.json"
    # the viewer's events, and the publisher's pipeline still got its TS
    jq -e -s '[.[] | select(.event == "live.viewer.joined")][0].data |
              .app == "live" and .stream == "cam1" and .viewers == 1' \
        "$d/events.jsonl"
    jq -e -s '[.[] | select(.event == "live.viewer.left")][0].data |
              .why == "deleted" and .packets > 300' "$d/events.jsonl"
    run ffprobe -v error -show_entries stream=codec_name -of json \
        "$d/cam1.ts"
    jq -e '[.streams[].codec_name] == ["h264", "opus"]' <<< "$output"
}

@test "three WHEP viewers of one stream each get every frame" {
    local d=$BATS_TEST_TMPDIR try
    # One run in four on a machine at load 14 left the third viewer with
    # almost no video (cause not found yet, see the issue 20 note); a second
    # run is allowed and its first failure is printed, never hidden.
    for try in 1 2; do
        rm -rf "${d:?}"/*
        run unshare -n env SIZE=640x360 bash \
            "$SV_TOP/tests/e2e/whep-netns.bash" "$d" 300 3 0
        [ "$status" -eq 0 ] && jq -e '.viewers | length == 3 and
            all(.latency.frames == 300)' "$d/play.json" >/dev/null && break
        echo "# try $try failed: $(head -c 600 "$d/play.json" 2>/dev/null)" >&3
    done
    [ "$status" -eq 0 ] || fail "play: $output $(cat "$d/play.err" \
        "$d/play.json") $(tail -5 "$d/ingest.err")"
    report "$d/play.json"
    jq -e '.viewers | length == 3 and
           all(.post == 201 and .delete == 200 and
               .latency.frames == 300 and .latency.undecoded <= 3)' \
        "$d/play.json"
    jq -e -s '[.[] | select(.event == "live.viewer.joined") | .data.viewers]
              == [1, 2, 3]' "$d/events.jsonl"
    jq -e -s '[.[] | select(.event == "live.viewer.left")] | length == 3' \
        "$d/events.jsonl"
}

@test "Chromium plays over WHEP a stream ffmpeg publishes over RTMP (x264 zerolatency, AAC to Opus); the pipeline gets it too" {
    local d=$BATS_TEST_TMPDIR
    # stamp-source.py writes the wall clock into each frame's cells; the
    # page reads them back against its own wall clock (one machine)
    run unshare -n env SOURCE=rtmp SIZE=640x360 bash \
        "$SV_TOP/tests/e2e/whep-netns.bash" "$d" 300 1 0
    [ "$status" -eq 0 ] || fail "play: $output $(cat "$d/play.err" \
        "$d/play.json" "$d/pub.err") $(tail -5 "$d/ingest.err")"
    report "$d/play.json"
    jq -e '.viewers[0] | .post == 201 and .delete == 200 and
           .answer_sendonly and .latency.frames == 300 and
           .latency.undecoded <= 3 and .stats.framesDecoded >= 300 and
           .stats.width == 640 and .stats.audioPackets > 100' \
        "$d/play.json"
    jq -e -s '[.[] | select(.event == "live.viewer.left")][0].data |
              .why == "deleted" and .packets > 300' "$d/events.jsonl"
    # the same stream reached its pipeline meanwhile, AAC kept there
    run ffprobe -v error -show_entries stream=codec_name -of json \
        "$d/cam1.ts"
    jq -e '[.streams[].codec_name] == ["h264", "aac"]' <<< "$output"
}
