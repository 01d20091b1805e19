#!/usr/bin/env bats
# whip-chromium.bats -- Chromium publishes over WHIP (RFC 9725) into
# sv-ingest's per-stream pipeline, inside a network namespace holding only
# loopback; ffprobe reads the MPEG-TS the pipeline received.

load ../helpers

setup() {
    [ -x /usr/bin/chromium ] || skip "chromium is not installed"
    [ -d "$SV_TOP/tests/e2e/node_modules/playwright-core" ] ||
        skip "no node_modules"
    unshare -n true 2> /dev/null ||
        skip "cannot make a network namespace (unshare -n needs root)"
}

@test "a Chromium canvas stream published over WHIP reaches the pipeline as H.264 and Opus in MPEG-TS" {
    local d=$BATS_TEST_TMPDIR secs=6 frames
    run unshare -n bash "$SV_TOP/tests/e2e/whip-netns.bash" "$d" "$secs"
    echo "# publisher: $(cat "$d/publish.json")" >&3
    [ "$status" -eq 0 ] || fail "publish: $output $(cat "$d/publish.err" \
        "$d/publish.json") $(tail -5 "$d/ingest.err")"
    jq -e '.post == 201 and .patch == 204 and .delete == 200 and
           .answer_lite and (.location | test("^/whip/live/[0-9a-f]{32}$"))' \
        "$d/publish.json"
    # the pipeline got H.264 and Opus
    run ffprobe -v error -show_entries stream=codec_name -of json \
        "$d/cam1.ts"
    [ "$status" -eq 0 ]
    jq -e '[.streams[].codec_name] == ["h264", "opus"]' <<< "$output"
    # every frame decodes, and a plausible number for the time arrived
    run ffprobe -v error -count_frames -select_streams v \
        -show_entries stream=nb_read_frames -of json "$d/cam1.ts"
    [ "$status" -eq 0 ]
    frames=$(jq -r '.streams[0].nb_read_frames' <<< "$output")
    echo "# frames in the TS: $frames over ${secs}s" >&3
    [ "$frames" -ge $((secs * 30 / 2)) ]
    [ "$frames" -le $(((secs + 4) * 30)) ]
    run ffmpeg -nostdin -v error -i "$d/cam1.ts" -f null -
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    # the same events as RTMP and SRT publishers, protocol whip
    jq -e -s '[.[] | select(.event == "live.stream.started")][0].data |
              .proto == "whip" and .stream == "cam1" and .app == "live"' \
        "$d/events.jsonl"
    jq -e -s '[.[] | select(.event == "live.stream.ended")][0].data.why ==
              "unpublished"' "$d/events.jsonl"
}

@test "a WHIP publisher whose key is not in --keys is refused with 403" {
    local d=$BATS_TEST_TMPDIR
    echo "live/other" > "$d/keys"
    run unshare -n bash "$SV_TOP/tests/e2e/whip-netns.bash" "$d" 1 "$d/keys"
    [ "$status" -eq 1 ]
    jq -e '.post == 403' "$d/publish.json"
    jq -e -s 'map(select(.event == "error"))[0].data |
              .proto == "whip" and .stream == "cam1"' "$d/events.jsonl"
    [ ! -e "$d/cam1.ts" ]
}
