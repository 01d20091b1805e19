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

@test "a real publish run posts its events, each signed, as the receiver verifies" {
    receiver
    local src=$BATS_TEST_TMPDIR/src dst=$BATS_TEST_TMPDIR/dst
    mkdir -p "$src/v0" "$dst"
    printf 'seg' > "$src/v0/seg-1.m4s"
    printf '#EXTM3U\n' > "$src/v0.m3u8"
    run --separate-stderr env SV_WEBHOOK_SECRET=$SECRET sv-publish \
        --webhook "$HOOK" "file://$dst" "$src"
    [ "$status" -eq 0 ] || fail "$stderr"
    cmp "$src/v0/seg-1.m4s" "$dst/v0/seg-1.m4s"
    # the webhooks are delivered before the run ends; every one verified
    assert_eq "$(jq -r '[.event, .verdict, .status] | join(" ")' "$BATS_TEST_TMPDIR/hooks.jsonl" | sort | uniq -c | sed 's/^ *//')" \
"1 publish.complete ok 204
2 publish.progress ok 204"
    # the same events as on stdout
    assert_eq "$(jq -r .event <<< "$output" | sort | tr '\n' ' ')" \
        "publish.complete publish.progress publish.progress "
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


# usage ARGS... : sv-publish must fail with status 2 and this message
usage_fails() {
    local msg=$1
    shift
    run -2 --separate-stderr sv-publish "$@"
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    assert_eq "$stderr" "sv-publish: $msg
Try 'sv-publish --help' for more information."
    assert_eq "$output" ""
}

@test "without a target: usage error naming the target forms" {
    usage_fails "no target: give s3://bucket/prefix, file:///dir or http(s)://origin/path"
    usage_fails "no target: give s3://bucket/prefix, file:///dir or http(s)://origin/path" "$BATS_TEST_TMPDIR"
}

@test "without a path: usage error" {
    usage_fails "nothing to publish: give a package directory or files after the target" s3://bucket/x
}

@test "rejects bad targets before any work" {
    usage_fails "bad target 's3://ab/x': bucket names have 3 to 63 characters" s3://ab/x "$BATS_TEST_TMPDIR"
    usage_fails "bad target 's3:///x': no bucket" s3:///x "$BATS_TEST_TMPDIR"
    usage_fails "bad target 'file://rel': want file:///absolute/dir" file://rel "$BATS_TEST_TMPDIR"
    usage_fails "bad target 'http:///x': no host" http:///x "$BATS_TEST_TMPDIR"
    usage_fails "bad target 'http://h/x?a=1': want http(s)://host/path without a query" 'http://h/x?a=1' "$BATS_TEST_TMPDIR"
}

@test "rejects --part-size below S3's 5 MiB minimum and --jobs of zero" {
    usage_fails "bad --part-size '1M': expected a size from 5M to 5G" --part-size 1M s3://bucket/x "$BATS_TEST_TMPDIR"
    usage_fails "bad --jobs '0': expected an integer from 1 to 64" --jobs 0 s3://bucket/x "$BATS_TEST_TMPDIR"
    usage_fails "bad --addressing 'dns': expected path or virtual" --addressing dns s3://bucket/x "$BATS_TEST_TMPDIR"
}

@test "--delete needs a target that can be listed" {
    usage_fails "--delete needs a target that can be listed (s3:// or file://), not 'http://h/x'" --delete http://h/x "$BATS_TEST_TMPDIR"
}

@test "rejects an unknown --acl, a --cors that is not an origin, and both off S3" {
    usage_fails "bad --acl 'public': want private, public-read, authenticated-read, bucket-owner-read or bucket-owner-full-control" --acl public s3://bucket/x "$BATS_TEST_TMPDIR"
    usage_fails "bad --cors 'http://h/path': want * or scheme://host[:port]" --cors http://h/path s3://bucket/x "$BATS_TEST_TMPDIR"
    usage_fails "bad --cors 'h<x>': want * or scheme://host[:port]" --cors 'h<x>' s3://bucket/x "$BATS_TEST_TMPDIR"
    usage_fails "--acl applies to s3:// targets, not 'file:///tmp'" --acl public-read file:///tmp "$BATS_TEST_TMPDIR"
    usage_fails "--cors applies to s3:// targets, not 'http://h/x'" --cors '*' http://h/x "$BATS_TEST_TMPDIR"
}

@test "credentials are not options: --access-key is unknown" {
    run -2 --separate-stderr sv-publish --access-key AK s3://bucket/x "$BATS_TEST_TMPDIR"
    assert_match "$stderr" "^sv-publish: unknown option '--access-key'"
}

@test "a missing path fails with status 1 and an error event" {
    run -1 --separate-stderr sv-publish s3://bucket/x "$BATS_TEST_TMPDIR/nope"
    assert_eq "$stderr" "sv-publish: cannot open '$BATS_TEST_TMPDIR/nope': no such file or directory"
    assert_eq "$(jq -c '[.event, .data.code]' <<< "$output")" '["error","ENOENT"]'
}

@test "no credentials anywhere: status 1, says where it looked" {
    HOME=$BATS_TEST_TMPDIR AWS_ACCESS_KEY_ID='' AWS_SECRET_ACCESS_KEY='' \
        AWS_SHARED_CREDENTIALS_FILE='' AWS_CONFIG_FILE='' \
        run -1 --separate-stderr sv-publish --endpoint http://127.0.0.1:9 \
        s3://bucket/x "$BATS_TEST_TMPDIR"
    assert_eq "$stderr" "sv-publish: no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws/credentials"
}

@test "--dry-run to file:// says what it would copy and copies nothing" {
    mkdir -p "$BATS_TEST_TMPDIR/src/v"
    echo a > "$BATS_TEST_TMPDIR/src/v/a.m4s"
    echo '#EXTM3U' > "$BATS_TEST_TMPDIR/src/index.m3u8"
    run --separate-stderr sv-publish -n "file://$BATS_TEST_TMPDIR/dst" "$BATS_TEST_TMPDIR/src"
    [ "$status" -eq 0 ]
    assert_eq "$stderr" "sv-publish: would upload '$BATS_TEST_TMPDIR/dst/v/a.m4s' (2 bytes)
sv-publish: would upload '$BATS_TEST_TMPDIR/dst/index.m3u8' (8 bytes)"
    [ ! -e "$BATS_TEST_TMPDIR/dst" ]
    assert_eq "$(tail -1 <<< "$output" | jq -c .data)" "{\"target\":\"file://$BATS_TEST_TMPDIR/dst\",\"uploaded\":2,\"skipped\":0,\"deleted\":0,\"failed\":0,\"bytes\":0,\"dry_run\":true}"
}

@test "two paths of one name under the target: status 1, both named" {
    mkdir -p "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
    echo 1 > "$BATS_TEST_TMPDIR/a/x.ts"
    echo 2 > "$BATS_TEST_TMPDIR/b/x.ts"
    run -1 --separate-stderr sv-publish "file://$BATS_TEST_TMPDIR/o" "$BATS_TEST_TMPDIR/a/x.ts" "$BATS_TEST_TMPDIR/b/x.ts"
    assert_match "$stderr" "^sv-publish: '$BATS_TEST_TMPDIR/a/x.ts' and '$BATS_TEST_TMPDIR/b/x.ts' would both be 'x.ts'$"
}


# ---- simulcast ----
# shellcheck disable=SC2154 # run --separate-stderr sets $stderr

@test "--simulcast: a URL of another scheme is a usage error" {
    run -2 --separate-stderr sv-publish --simulcast http://127.0.0.1/live/k < /dev/null
    assert_eq "$stderr" "sv-publish: bad --simulcast: 'http://127.0.0.1/live/k' is not an rtmp://, rtmps:// or srt:// URL
Try 'sv-publish --help' for more information."
}

@test "--simulcast: an RTMP URL without a stream key is a usage error" {
    run -2 --separate-stderr sv-publish --simulcast rtmp://127.0.0.1/live < /dev/null
    assert_eq "${stderr%%$'\n'*}" "sv-publish: bad --simulcast: 'rtmp://127.0.0.1/live' needs a host, an app and a stream key"
}

@test "--simulcast: an SRT URL without a port is a usage error" {
    run -2 --separate-stderr sv-publish --simulcast 'srt://127.0.0.1?streamid=a:b' < /dev/null
    assert_eq "${stderr%%$'\n'*}" "sv-publish: bad --simulcast: 'srt://127.0.0.1?streamid=a:b' needs a host and a port"
}

@test "--simulcast takes no operands" {
    run -2 --separate-stderr sv-publish --simulcast rtmp://h/live/k extra < /dev/null
    assert_eq "${stderr%%$'\n'*}" "sv-publish: --simulcast takes no operands (the live MPEG-TS comes on stdin): 'extra'"
}

@test "--simulcast: a --slate that cannot be read is a usage error" {
    run -2 --separate-stderr sv-publish --simulcast rtmp://h/live/k --slate /nonexistent.png < /dev/null
    assert_eq "${stderr%%$'\n'*}" "sv-publish: cannot read --slate '/nonexistent.png'"
}

@test "--simulcast: input that is not MPEG-TS fails with status 1" {
    printf 'not a stream at all\n' > "$BATS_TEST_TMPDIR/junk"
    run -1 --separate-stderr sv-publish --simulcast rtmp://127.0.0.1:1/live/k \
        --events /dev/null < "$BATS_TEST_TMPDIR/junk"
    assert_match "$stderr" "^sv-publish: cannot (open|read streams of) 'stream': "
}

@test "--simulcast: every destination unreachable is status 1, keys hidden" {
    local ts=$BATS_TEST_TMPDIR/in.ts
    ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=160x120:rate=25:duration=1 \
        -c:v libx264 -preset ultrafast -g 25 -pix_fmt yuv420p -f mpegts "$ts"
    run -1 --separate-stderr sv-publish --simulcast rtmp://127.0.0.1:1/live/s3cret \
        --simulcast-timeout 1s --events "$BATS_TEST_TMPDIR/ev" < "$ts"
    assert_eq "$stderr" "sv-publish: rtmp://127.0.0.1:1/live/…: cannot connect to 127.0.0.1:1: connection refused
sv-publish: 1 of 1 destinations failed"
    assert_eq "$(jq -r 'select(.event == "live.simulcast.failed") | .data.url' "$BATS_TEST_TMPDIR/ev")" \
        "rtmp://127.0.0.1:1/live/…"
    run ! grep -q s3cret "$BATS_TEST_TMPDIR/ev"
}
