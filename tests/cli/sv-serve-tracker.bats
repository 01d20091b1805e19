#!/usr/bin/env bats
# sv-serve-tracker.bats -- the WebTorrent WebSocket tracker (--tracker):
# announces, offer and answer relay, stopped/completed events, counts, the
# limits (message size, offers, sockets per address, Origin, idle time).
# The client is tests/cli/ws_tracker.py: RFC 6455 on a raw socket, stdlib
# only.  Every server binds 127.0.0.1 on a free port and is stopped by PID.

load ../helpers
bats_require_minimum_version 1.5.0

WS=$BATS_TEST_DIRNAME/ws_tracker.py

setup_file() {
    export WWW=$BATS_FILE_TMPDIR/www
    mkdir -p "$WWW"
    echo hello > "$WWW/index.html"
}

# start_serve [options]: sv-serve with a tracker on /announce
start_serve() {
    PORT=$(free_port)
    URL=http://127.0.0.1:$PORT
    sv-serve "$WWW" --listen "127.0.0.1:$PORT" --tracker /announce "$@" \
        2> "$BATS_TEST_TMPDIR/serve.err" &
    SERVE_PID=$!
    wait_for curl -sf "$URL/healthz" ||
        fail "sv-serve did not start: $(cat "$BATS_TEST_TMPDIR/serve.err")"
}

teardown() {
    if [ -n "${SERVE_PID:-}" ]; then
        kill "$SERVE_PID" 2>/dev/null || true
        wait "$SERVE_PID" 2>/dev/null || true
    fi
}

ws() { python3 "$WS" "$PORT" "$@"; }
metric() { curl -sf "$URL/metrics" | awk -v n="$1" '$1 == n { print $2 }'; }
metric_is() { [ "$(metric "$1")" = "$2" ]; }

@test "two peers: the offer reaches the other, the answer comes back" {
    start_serve
    run -0 ws relay
    assert_eq "$(jq -c '.a_reply | [.complete, .incomplete]' <<<"$output")" \
        "[0,1]"
    assert_eq "$(jq -c '.b_reply | [.complete, .incomplete]' <<<"$output")" \
        "[0,2]"
    assert_eq "$(jq -r .interval <<<"$output")" 120
    assert_match "$(jq -r .offer_to_a <<<"$output")" '^v=0 offer b [0-2]$'
    assert_eq "$(jq -r .answer_to_b <<<"$output")" "v=0 answer from a"
    assert_eq "$(metric sv_serve_tracker_offers_total)" 1
    assert_eq "$(metric sv_serve_tracker_answers_total)" 1
    # the sockets closed: their peers left, the swarm went with them
    wait_for metric_is sv_serve_tracker_peers 0
    assert_eq "$(metric sv_serve_tracker_swarms)" 0
}

@test "stopped removes the peer: no more offers reach it" {
    start_serve
    run -0 ws stopped
    assert_eq "$(jq -c '.after_stop | [.complete, .incomplete]' \
        <<<"$output")" "[0,1]"
    assert_eq "$(jq -r .c_reply.incomplete <<<"$output")" 2
}

@test "completed and left=0 count as complete; swarms are counted apart" {
    start_serve
    run -0 ws counts
    assert_eq "$(jq -c '.last | [.complete, .incomplete]' <<<"$output")" \
        "[1,3]"
    assert_eq "$(jq -c '.other | [.info_hash, .complete, .incomplete]' \
        <<<"$output")" '["other-swarm-12345678",0,1]'
}

@test "--tracker-interval is what peers are told" {
    start_serve --tracker-interval 45s
    run -0 ws relay
    assert_eq "$(jq -r .interval <<<"$output")" 45
}

@test "--tracker-max-offers caps the peers an announce reaches" {
    start_serve --tracker-max-offers 2
    run -0 ws max-offers 6
    assert_eq "$(jq -r .offers_received <<<"$output")" 2
}

@test "without the cap, an announce reaches as many peers as it offers" {
    start_serve
    run -0 ws max-offers 6
    assert_eq "$(jq -r .offers_received <<<"$output")" 5
}

@test "a message over --tracker-max-msg closes with 1009; one under passes" {
    start_serve --tracker-max-msg 4K
    run -0 ws bad big 5000
    assert_eq "$(jq -r .close <<<"$output")" 1009
    run -0 ws bad ok 3000
    assert_eq "$(jq -r .reply.incomplete <<<"$output")" 1
}

@test "bad JSON closes with 1008, a binary message with 1003" {
    start_serve
    run -0 ws bad json
    assert_eq "$(jq -r .close <<<"$output")" 1008
    run -0 ws bad binary
    assert_eq "$(jq -r .close <<<"$output")" 1003
    # the server lives on
    run -0 curl -sf "$URL/healthz"
}

@test "bad fields get a failure reason and the socket stays open" {
    start_serve
    run -0 ws failure
    assert_eq "$(jq -r .f1 <<<"$output")" "invalid info_hash"
    assert_eq "$(jq -r .f2 <<<"$output")" "invalid peer_id"
    assert_eq "$(jq -r .f3 <<<"$output")" "unsupported action"
    assert_eq "$(jq -r .then.incomplete <<<"$output")" 1
}

@test "--tracker-origin: other and missing Origins are refused with 403" {
    start_serve --tracker-origin http://good.example \
        --tracker-origin https://also.example
    run -0 ws origin http://good.example
    assert_eq "$(jq -r .status <<<"$output")" 101
    run -0 ws origin https://also.example
    assert_eq "$(jq -r .status <<<"$output")" 101
    run -0 ws origin http://evil.example
    assert_eq "$(jq -r .status <<<"$output")" 403
    run -0 ws origin -
    assert_eq "$(jq -r .status <<<"$output")" 403
    assert_eq "$(metric sv_serve_tracker_refused_total)" 2
}

@test "--tracker-max-conns: sockets past the cap per address get 429" {
    start_serve --tracker-max-conns 3
    run -0 ws conns 5
    assert_eq "$(jq -c . <<<"$output")" '{"open":3,"refused":[429,429]}'
    # the slots come back when the sockets close
    run -0 ws conns 3
    assert_eq "$(jq -r .open <<<"$output")" 3
}

@test "a silent socket is closed after --tracker-idle with 1001" {
    start_serve --tracker-interval 1s --tracker-idle 2s
    run -0 ws idle
    assert_eq "$(jq -r .close <<<"$output")" 1001
    assert_eq "$(metric sv_serve_tracker_idle_closed_total)" 1
    assert_eq "$(metric sv_serve_tracker_peers)" 0
}

@test "a plain GET of the tracker path is 426; other paths are files" {
    start_serve
    assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$URL/announce")" 426
    assert_eq "$(curl -sf "$URL/index.html")" hello
}

@test "SIGTERM with tracker sockets open stops promptly" {
    start_serve --stop-timeout 30s
    python3 - "$PORT" "$BATS_TEST_DIRNAME" <<'PY' &
import sys
sys.path.insert(0, sys.argv[2])
import ws_tracker as t
s = t.WS(int(sys.argv[1]))
t.announce(s, t.peer_id(1), numwant=0)
s.recv()
# the server drops the socket: EOF, not the 60 s timeout
s.close_code(timeout=60)
PY
    local cpid=$!
    wait_for metric_is sv_serve_tracker_sockets 1
    kill "$SERVE_PID"
    # the stop does not wait for the 30 s bound: the socket is dropped
    run -0 timeout 10 tail --pid="$SERVE_PID" -f /dev/null
    SERVE_PID=
    wait "$cpid"
}

@test "option errors: --workers, the path, idle vs interval, origin alone" {
    run -2 sv-serve "$WWW" --tracker /announce --workers 2
    assert_match "$output" "needs --workers 1"
    run -2 sv-serve "$WWW" --tracker announce
    assert_match "$output" "a path starting with /"
    run -2 sv-serve "$WWW" --tracker /a --tracker-interval 60s \
        --tracker-idle 30s
    assert_match "$output" "longer than --tracker-interval"
    run -2 sv-serve "$WWW" --tracker-origin http://x.example
    assert_match "$output" "needs --tracker"
}
