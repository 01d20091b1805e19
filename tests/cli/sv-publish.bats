#!/usr/bin/env bats
# sv-publish.bats -- the command line of sv-publish

load ../helpers
bats_require_minimum_version 1.5.0

@test "--version names the tool" {
    run sv-publish --version
    [ "$status" -eq 0 ]
    assert_match "$output" "^sv-publish "
}

# ---- webhooks ----

SECRET=0123456789abcdef0123456789abcdef0123

@test "usage: --webhook takes http(s) URLs and a secret from the environment" {
    run -2 --separate-stderr env -u SV_WEBHOOK_SECRET sv-publish \
        --webhook ftp://x/ file:///tmp/t "$BATS_TEST_TMPDIR"
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    assert_eq "$stderr" "sv-publish: bad --webhook 'ftp://x/': expected an http:// or https:// URL
Try 'sv-publish --help' for more information."
    run -2 --separate-stderr env -u SV_WEBHOOK_SECRET sv-publish \
        --webhook http://127.0.0.1:9/ file:///tmp/t "$BATS_TEST_TMPDIR"
    assert_eq "$stderr" "sv-publish: --webhook needs SV_WEBHOOK_SECRET in the environment
Try 'sv-publish --help' for more information."
    run -2 --separate-stderr env SV_WEBHOOK_SECRET=short sv-publish \
        --webhook http://127.0.0.1:9/ file:///tmp/t "$BATS_TEST_TMPDIR"
    assert_eq "$stderr" "sv-publish: SV_WEBHOOK_SECRET must have at least 32 bytes (it has 5)
Try 'sv-publish --help' for more information."
}

# receiver: webhook_receiver.py on a free port, its log in $BATS_TEST_TMPDIR
receiver() {
    SV_WEBHOOK_SECRET=$SECRET python3 "$SV_TOP/tests/cli/webhook_receiver.py" \
        --log "$BATS_TEST_TMPDIR/hooks.jsonl" > "$BATS_TEST_TMPDIR/port" &
    RECEIVER_PID=$!
    wait_for test -s "$BATS_TEST_TMPDIR/port"
    HOOK=http://127.0.0.1:$(jq .port "$BATS_TEST_TMPDIR/port")/hook
}

teardown() {
    [ -z "${RECEIVER_PID:-}" ] || kill "$RECEIVER_PID" 2>/dev/null || true
}

# sign T FILE: the SV-Signature value for FILE signed at time T, by openssl
sign() {
    local mac
    mac=$({ printf '%s.' "$1"; cat "$2"; } |
        openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.*= //')
    echo "t=$1,v1=$mac"
}

# post SIG FILE: POST FILE to the receiver with SV-Signature SIG; the status
post() {
    curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
        -H "SV-Signature: $1" --data-binary "@$2" "$HOOK"
}

@test "webhook receiver: signed requests pass, replayed, tampered and unsigned ones do not" {
    receiver
    local body=$BATS_TEST_TMPDIR/body.json now sig
    printf '{"v":1,"tool":"sv-publish","event":"publish.complete","data":{}}' \
        > "$body"
    now=$(date +%s)
    sig=$(sign "$now" "$body")
    assert_eq "$(post "$sig" "$body")" 204
    # a request captured and sent again six minutes later
    sig=$(sign $((now - 360)) "$body")
    assert_eq "$(post "$sig" "$body")" 401
    # its timestamp moved to now, the MAC left as it was
    assert_eq "$(post "t=$now,${sig#*,}" "$body")" 401
    # the body changed in transit
    sig=$(sign "$now" "$body")
    printf '{"v":1,"tool":"sv-publish","event":"publish.complete","data":{"x":1}}' \
        > "$BATS_TEST_TMPDIR/tampered.json"
    assert_eq "$(post "$sig" "$BATS_TEST_TMPDIR/tampered.json")" 401
    # no signature, no timestamp
    assert_eq "$(post "" "$body")" 400
    assert_eq "$(post "v1=${sig#*v1=}" "$body")" 400
    assert_eq "$(jq -r .verdict "$BATS_TEST_TMPDIR/hooks.jsonl" | tr '\n' ' ')" \
        "ok time signature signature malformed malformed "
}

# the shell recipe of man sv-publish (WEBHOOKS, Verifying a request), as
# the man page prints it
recipe() {
    sed -n '/^\.SS Verifying a request/,/^\.SH/p' "$SV_TOP/man/sv-publish.1.in" |
        sed -n '/^\.nf/,/^\.fi/p' | sed '1d;$d' | sed 's/\\-/-/g; s/\\e/\\/g'
}

@test "the man page's verification recipe accepts a good request and refuses bad ones" {
    local body=$BATS_TEST_TMPDIR/body.json now
    recipe > "$BATS_TEST_TMPDIR/verify.sh"
    grep -q 'openssl dgst' "$BATS_TEST_TMPDIR/verify.sh"
    printf '{"event":"error","data":{"code":"ENOENT"}}' > "$body"
    now=$(date +%s)
    cd "$BATS_TEST_TMPDIR"
    run env SV_WEBHOOK_SECRET=$SECRET sig="$(sign "$now" "$body")" \
        bash -c '. ./verify.sh'
    assert_eq "$output" good
    run env SV_WEBHOOK_SECRET=$SECRET sig="$(sign $((now - 301)) "$body")" \
        bash -c '. ./verify.sh'
    assert_eq "$output" refused
    run env SV_WEBHOOK_SECRET=$SECRET sig="$(sign $((now + 400)) "$body")" \
        bash -c '. ./verify.sh'
    assert_eq "$output" refused
    sig=$(sign "$now" "$body")
    printf '{"event":"error","data":{"code":"EPERM"}}' > "$body"
    run env SV_WEBHOOK_SECRET=$SECRET sig="$sig" bash -c '. ./verify.sh'
    assert_eq "$output" refused
}
