#!/usr/bin/env bats
# demo.bats -- `make demo` runs a real pipeline and serves it: hls.js and
# dash.js play what it serves.

load ../helpers

start_demo() {
    PORT=$(free_port)
    BUILD=${SV_BUILD#"$SV_TOP"/} SV_DEMO_PORT=$PORT SV_DEMO_SERVE=1 "$SV_TOP/scripts/demo" \
        > "$BATS_TEST_TMPDIR/demo.out" 2> "$BATS_TEST_TMPDIR/demo.err" &
    DEMO=$!
}

teardown() {
    [ -z "${DEMO:-}" ] || { kill "$DEMO" 2>/dev/null; wait "$DEMO" 2>/dev/null; }
    true
}

served() {
    curl -fsS "http://127.0.0.1:$PORT/movie/manifest.mpd" -o /dev/null
}

@test "the demo pipeline is served and plays in hls.js and dash.js" {
    local _
    command -v chromium >/dev/null || skip "chromium is not installed"
    start_demo
    # served, and the demo's own check of the playlist printed (it comes a
    # moment after the server answers)
    for _ in $(seq 600); do
        served 2>/dev/null && grep -q '^#EXTM3U' "$BATS_TEST_TMPDIR/demo.out" &&
            break
        kill -0 "$DEMO" 2>/dev/null || fail "demo exited: $(cat "$BATS_TEST_TMPDIR/demo.err")"
        sleep 0.5
    done
    served || fail "nothing served: $(cat "$BATS_TEST_TMPDIR/demo.err")"
    grep -q '^#EXTM3U' "$BATS_TEST_TMPDIR/demo.out"
    run node "$SV_TOP/tests/e2e/play.js" hls \
        "http://127.0.0.1:$PORT/movie/master.m3u8" --switch --timeout 60
    echo "$output"
    [ "$status" -eq 0 ]
    run node "$SV_TOP/tests/e2e/play.js" dash \
        "http://127.0.0.1:$PORT/movie/manifest.mpd" --timeout 60
    echo "$output"
    [ "$status" -eq 0 ]
    # the origin logged the players' requests
    grep -q '"event":"serve.request"' "$SV_BUILD/demo/access.jsonl"
}

@test "without a terminal the demo checks what it serves and ends by itself" {
    PORT=$(free_port)
    run --separate-stderr timeout 300 env BUILD="${SV_BUILD#"$SV_TOP"/}" \
        SV_DEMO_PORT="$PORT" "$SV_TOP/scripts/demo" < /dev/null
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "#EXTM3U" ]
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    [[ $stderr == *"sv-serve: stopped"* ]]
}
