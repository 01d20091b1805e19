#!/usr/bin/env bats
# sv-ingest-whip.bats -- the WHIP endpoint's HTTP side (RFC 9725) with curl:
# CORS, Bearer keys checked by the same auth as RTMP and SRT, offers,
# answers, trickle PATCH, DELETE.  Media from a real browser is in
# tests/e2e/whip-chromium.bats.

load ../helpers
bats_require_minimum_version 1.5.0

setup() {
    EV=$BATS_TEST_TMPDIR/events.jsonl
    ERR=$BATS_TEST_TMPDIR/stderr.txt
    OFFER=$SV_TOP/tests/fuzz/corpus/sdp/chromium-offer
    PORT=$(free_port)
    URL=http://127.0.0.1:$PORT/whip/live
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
    wait_for grep -q '^sv-ingest: listening on' "$ERR" ||
        fail "sv-ingest did not start: $(cat "$ERR")"
}

# status CURL-ARGS...: prints the HTTP status of a request to $URL...
status() {
    curl -s -o "$BATS_TEST_TMPDIR/body" -D "$BATS_TEST_TMPDIR/head" \
        -w '%{http_code}' "$@"
}

header() {
    tr -d '\r' < "$BATS_TEST_TMPDIR/head" | sed -n "s/^$1: //Ip"
}

@test "OPTIONS answers the CORS preflight a browser page sends" {
    start_whip
    run status -X OPTIONS -H 'Origin: http://example.test' \
        -H 'Access-Control-Request-Method: POST' "$URL"
    assert_eq "$output" 204
    assert_eq "$(header Access-Control-Allow-Origin)" '*'
    assert_eq "$(header Access-Control-Allow-Methods)" \
        'POST, PATCH, DELETE, OPTIONS'
    assert_eq "$(header Access-Control-Allow-Headers)" \
        'Authorization, Content-Type, If-Match'
    assert_eq "$(header Access-Control-Expose-Headers)" \
        'Location, ETag, Accept-Patch, Link'
    assert_eq "$(header Accept-Post)" 'application/sdp'
}

@test "POST needs a Bearer token and an application/sdp offer" {
    start_whip
    run status -X POST -H 'Content-Type: application/sdp' \
        --data-binary "@$OFFER" "$URL"
    assert_eq "$output" 401
    assert_eq "$(header WWW-Authenticate)" Bearer
    run status -X POST -H 'Content-Type: text/plain' \
        -H 'Authorization: Bearer cam1' --data-binary "@$OFFER" "$URL"
    assert_eq "$output" 415
    run status -X POST -H 'Content-Type: application/sdp' \
        -H 'Authorization: Bearer cam1' --data-binary 'hello' "$URL"
    assert_eq "$output" 400
    jq -e -s 'map(select(.event == "error"))[0].data |
              .proto == "whip" and .stream == "cam1"' "$EV"
    run status -X POST -H 'Content-Type: application/sdp' \
        -H 'Authorization: Bearer ../x' --data-binary "@$OFFER" "$URL"
    assert_eq "$output" 400
    run status "http://127.0.0.1:$PORT/other"
    assert_eq "$output" 404
    run status "$URL"
    assert_eq "$output" 405
    assert_eq "$(header Allow)" 'POST, OPTIONS'
}

@test "an offer gets 201, an ICE-lite answer and a Location that PATCH and DELETE use" {
    local loc
    start_whip
    # the offer is over 1 KiB, so curl waits for 100 Continue first
    run status -X POST -H 'Content-Type: application/sdp' \
        -H 'Authorization: Bearer cam1' --data-binary "@$OFFER" "$URL"
    assert_eq "$output" 201
    assert_eq "$(header Content-Type)" application/sdp
    assert_eq "$(header Accept-Patch)" application/trickle-ice-sdpfrag
    loc=$(header Location)
    [[ $loc =~ ^/whip/live/[0-9a-f]{32}$ ]] || fail "Location: $loc"
    assert_eq "$(header ETag)" "\"${loc##*/}\""
    grep -qx $'a=ice-lite\r' "$BATS_TEST_TMPDIR/body"
    grep -qx $'a=group:BUNDLE 0 1\r' "$BATS_TEST_TMPDIR/body"
    grep -qx $'m=video 9 UDP/TLS/RTP/SAVPF 106\r' "$BATS_TEST_TMPDIR/body"
    grep -qx $'m=audio 9 UDP/TLS/RTP/SAVPF 111\r' "$BATS_TEST_TMPDIR/body"
    grep -qx $'a=setup:passive\r' "$BATS_TEST_TMPDIR/body"
    grep -qx "a=candidate:1 1 udp 2130706431 127.0.0.1 $PORT typ host"$'\r' \
        "$BATS_TEST_TMPDIR/body"
    # a second publisher of the same key is refused while the first holds it
    run status -X POST -H 'Content-Type: application/sdp' \
        -H 'Authorization: Bearer cam1' --data-binary "@$OFFER" "$URL"
    assert_eq "$output" 409
    run status -X PATCH -H 'Content-Type: application/trickle-ice-sdpfrag' \
        --data-binary $'a=end-of-candidates\r\n' "http://127.0.0.1:$PORT$loc"
    assert_eq "$output" 204
    run status -X PATCH -H 'Content-Type: application/sdp' \
        --data-binary x "http://127.0.0.1:$PORT$loc"
    assert_eq "$output" 415
    run status -X DELETE "http://127.0.0.1:$PORT$loc"
    assert_eq "$output" 200
    run status -X DELETE "http://127.0.0.1:$PORT$loc"
    assert_eq "$output" 404
}

@test "--keys and signed keys apply to WHIP tokens as to RTMP stream keys" {
    local key
    printf 'live/cam1\nlive/srtonly passphrase123\n' > "$BATS_TEST_TMPDIR/keys"
    start_whip --keys "$BATS_TEST_TMPDIR/keys"
    run status -X POST -H 'Content-Type: application/sdp' \
        -H 'Authorization: Bearer intruder' --data-binary "@$OFFER" "$URL"
    assert_eq "$output" 403
    run status -X POST -H 'Content-Type: application/sdp' \
        -H 'Authorization: Bearer srtonly' --data-binary "@$OFFER" "$URL"
    assert_eq "$output" 403
    grep -q "has an SRT passphrase: publish it over SRT" \
        "$BATS_TEST_TMPDIR/body"
    run status -X POST -H 'Content-Type: application/sdp' \
        -H 'Authorization: Bearer cam1' --data-binary "@$OFFER" "$URL"
    assert_eq "$output" 201
    kill "${PIDS[0]}"
    wait "${PIDS[0]}" || true   # status ignored: it was killed
    PIDS=()
    export SV_INGEST_HMAC_SECRET=0123456789abcdef0123456789abcdef
    key=$(sv-ingest --sign-key live/cam9)
    start_whip --auth-hmac
    run status -X POST -H 'Content-Type: application/sdp' \
        -H 'Authorization: Bearer cam9' --data-binary "@$OFFER" "$URL"
    assert_eq "$output" 403
    run status -X POST -H 'Content-Type: application/sdp' \
        -H "Authorization: Bearer $key" --data-binary "@$OFFER" "$URL"
    assert_eq "$output" 201
}

@test "a bad whip:// address is a usage error at start" {
    run -2 --separate-stderr sv-ingest --listen whip://nohost:1 --discard
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    assert_eq "$stderr" "sv-ingest: bad listen address 'whip://nohost:1'"
}
