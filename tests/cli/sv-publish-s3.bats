#!/usr/bin/env bats
# sv-publish-s3.bats -- sv-publish against real servers on 127.0.0.1: a
# one-node Ceph radosgw (tests/s3/start-rgw.sh, started once for the file),
# a fault-injecting proxy in front of it (tests/s3/faultproxy.py), a
# WebDAV-style PUT origin (tests/s3/putserver.py) and file:// folders.
# Objects are read back with curl's own SigV4, not with sv-publish.

load ../helpers
bats_require_minimum_version 1.5.0

setup_file() {
    command -v radosgw >/dev/null && command -v ceph-mon >/dev/null &&
        command -v ceph-osd >/dev/null || return 0
    export RGWDIR=$BATS_FILE_TMPDIR/rgw
    local port
    port=$(sh "$SV_TOP/tests/s3/start-rgw.sh" "$RGWDIR" | sed -n 's/^RGW_PORT=//p')
    export RGW=http://127.0.0.1:$port
    export PX_LOG=$BATS_FILE_TMPDIR/proxy.log PX_RULES=$BATS_FILE_TMPDIR/rules
    python3 "$SV_TOP/tests/s3/faultproxy.py" "$RGW" "$BATS_FILE_TMPDIR/pxport" \
        "$PX_LOG" "$PX_RULES" &
    echo $! > "$BATS_FILE_TMPDIR/px.pid"
    wait_for test -s "$BATS_FILE_TMPDIR/pxport"
    PX=http://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/pxport")
    export PX
    export AWS_ACCESS_KEY_ID=accessKey1 AWS_SECRET_ACCESS_KEY=verySecretKey1
    export PKG=$BATS_FILE_TMPDIR/pkg
    sv-package -q -s 1 -o "$PKG" "$(fixture h264_aac_360p.mp4)"
    s3curl -X PUT "$RGW/svtest" -o /dev/null
}

teardown_file() {
    [ ! -f "$BATS_FILE_TMPDIR/px.pid" ] || kill "$(cat "$BATS_FILE_TMPDIR/px.pid")" || true
    [ -z "${RGWDIR:-}" ] || sh "$SV_TOP/tests/s3/stop-rgw.sh" "$RGWDIR"
}

setup() {
    [ -n "${RGW:-}" ] || skip "radosgw, ceph-mon or ceph-osd is not installed"
    : > "$PX_LOG"
    rm -f "$PX_RULES"
    export HOME=$BATS_TEST_TMPDIR
    export AWS_ACCESS_KEY_ID=accessKey1 AWS_SECRET_ACCESS_KEY=verySecretKey1
}

# s3curl ARGS...: curl signing with the test user's keys (curl's SigV4)
s3curl() {
    curl -sS --fail-with-body --aws-sigv4 "aws:amz:us-east-1:s3" \
        --user accessKey1:verySecretKey1 \
        -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"
}

# same_object KEY FILE: the object's bytes are the file's
same_object() {
    s3curl -o "$BATS_TEST_TMPDIR/got" "$RGW/svtest/$1"
    cmp "$BATS_TEST_TMPDIR/got" "$2"
}

# header KEY NAME: a response header of HEAD on the object
header() {
    s3curl -I "$RGW/svtest/$1" | tr -d '\r' |
        sed -n "s/^$2: //Ip"
}

# complete: the publish.complete event's data from $output
complete() {
    grep '"publish.complete"' <<< "$output" | jq -c '.data | del(.target)'
}

rand() { head -c "$2" /dev/urandom > "$1"; }

# at_least N REGEX FILE: FILE has N lines matching REGEX (for wait_for)
at_least() { [ "$(grep -c "$2" "$3")" -ge "$1" ]; }

@test "uploads a package: bytes read back equal, types and caching per kind" {
    run --separate-stderr sv-publish --endpoint "$PX" s3://svtest/vod "$PKG"
    [ "$status" -eq 0 ]
    local n f
    n=$(find "$PKG" -type f | wc -l)
    local bytes
    bytes=$(find "$PKG" -type f -printf '%s\n' | awk '{ n += $1 } END { print n }')
    assert_eq "$(complete)" "{\"uploaded\":$n,\"skipped\":0,\"deleted\":0,\"failed\":0,\"bytes\":$bytes,\"dry_run\":false}"
    while IFS= read -r f; do
        same_object "vod/${f#"$PKG"/}" "$f"
    done < <(find "$PKG" -type f)
    assert_eq "$(header vod/master.m3u8 content-type)" "application/vnd.apple.mpegurl"
    assert_eq "$(header vod/master.m3u8 cache-control)" "public, max-age=300"
    assert_eq "$(header vod/manifest.mpd content-type)" "application/dash+xml"
    f=$(cd "$PKG" && find . -name '*.m4s' | head -1)
    assert_eq "$(header "vod/${f#./}" content-type)" "video/iso.segment"
    assert_eq "$(header "vod/${f#./}" cache-control)" "public, max-age=31536000, immutable"
    assert_eq "$(header vod/package.json content-type)" "application/json"
    assert_eq "$(header vod/package.json x-amz-meta-sha256)" "$(sha256sum "$PKG/package.json" | cut -d' ' -f1)"
}

@test "a player page beside the package goes up typed, so browsers show it" {
    local site=$BATS_TEST_TMPDIR/site
    mkdir -p "$site"
    printf '<!doctype html><title>p</title>\n' > "$site/player.html"
    printf 'var a = 1;\n' > "$site/player.js"
    printf 'body {}\n' > "$site/player.css"
    run --separate-stderr sv-publish --endpoint "$PX" s3://svtest/site "$site"
    [ "$status" -eq 0 ]
    assert_eq "$(header site/player.html content-type)" "text/html"
    assert_eq "$(header site/player.js content-type)" "application/javascript"
    assert_eq "$(header site/player.css content-type)" "text/css"
}

@test "--addressing virtual: bucket.host/key, as radosgw with a DNS name reads it" {
    local port=${RGW##*:}
    run --separate-stderr sv-publish --endpoint "http://localhost:$port" \
        --addressing virtual s3://svtest/vhost "$PKG"
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    [ "$status" -eq 0 ] || fail "$stderr"
    local f
    while IFS= read -r f; do
        same_object "vhost/${f#"$PKG"/}" "$f"
    done < <(find "$PKG" -type f)
    # radosgw's log: the requests named the bucket in the Host, not the path
    grep -q 'PUT /vhost/master.m3u8 ' "$RGWDIR/log/client.rgw.test.log" ||
        fail "no virtual-host PUT in radosgw's log"
    run ! grep -q 'PUT /svtest/vhost/' "$RGWDIR/log/client.rgw.test.log"
    # a second run lists the bucket the same way and sends nothing
    run --separate-stderr sv-publish --endpoint "http://localhost:$port" \
        --addressing virtual s3://svtest/vhost "$PKG"
    [ "$status" -eq 0 ]
    assert_eq "$(complete | jq .uploaded)" 0
}

@test "puts every media file before the playlists and manifests that name them" {
    run --separate-stderr sv-publish --endpoint "$PX" -j 4 s3://svtest/order "$PKG"
    [ "$status" -eq 0 ]
    local last_media first_manifest
    last_media=$(grep -n '^PUT /svtest/order/.*\.\(m4s\|mp4\) 200' "$PX_LOG" | tail -1 | cut -d: -f1)
    first_manifest=$(grep -n '^PUT /svtest/order/.*\(\.m3u8\|\.mpd\|package\.json\) 200' "$PX_LOG" | head -1 | cut -d: -f1)
    [ -n "$last_media" ]
    [ -n "$first_manifest" ]
    [ "$last_media" -lt "$first_manifest" ]
}

@test "a second run sends nothing; a changed file is sent again, and only it" {
    local d=$BATS_TEST_TMPDIR/d
    mkdir -p "$d/v"
    rand "$d/v/a.m4s" 70000
    rand "$d/v/b.m4s" 70000
    rand "$d/big.mp4" 6000000
    echo '#EXTM3U' > "$d/index.m3u8"
    run --separate-stderr sv-publish --endpoint "$RGW" s3://svtest/again "$d"
    [ "$status" -eq 0 ]
    run --separate-stderr sv-publish --endpoint "$PX" s3://svtest/again "$d"
    [ "$status" -eq 0 ]
    assert_eq "$(complete)" '{"uploaded":0,"skipped":4,"deleted":0,"failed":0,"bytes":0,"dry_run":false}'
    run ! grep -q '^PUT' "$PX_LOG"
    rand "$d/v/b.m4s" 70000
    run --separate-stderr sv-publish --endpoint "$PX" s3://svtest/again "$d"
    [ "$status" -eq 0 ]
    assert_eq "$(complete)" '{"uploaded":1,"skipped":3,"deleted":0,"failed":0,"bytes":70000,"dry_run":false}'
    assert_eq "$(grep -c '^PUT' "$PX_LOG")" 1
    same_object again/v/b.m4s "$d/v/b.m4s"
}

@test "a file above --part-size goes in parallel parts, S3's multipart ETag" {
    rand "$BATS_TEST_TMPDIR/big.bin" 23000000
    run --separate-stderr sv-publish --endpoint "$PX" --part-size 5M -j 3 \
        s3://svtest/mp "$BATS_TEST_TMPDIR/big.bin"
    [ "$status" -eq 0 ]
    assert_eq "$(grep -c '^PUT /svtest/mp/big.bin?partNumber=[1-5]&uploadId=.* 200' "$PX_LOG")" 5
    assert_match "$(header mp/big.bin etag)" '^"[0-9a-f]{32}-5"$'
    same_object mp/big.bin "$BATS_TEST_TMPDIR/big.bin"
    assert_eq "$(header mp/big.bin x-amz-meta-sha256)" "$(sha256sum "$BATS_TEST_TMPDIR/big.bin" | cut -d' ' -f1)"
    # unchanged: the multipart ETag is recomputed locally, nothing is sent
    : > "$PX_LOG"
    run --separate-stderr sv-publish --endpoint "$PX" --part-size 5M \
        s3://svtest/mp "$BATS_TEST_TMPDIR/big.bin"
    [ "$status" -eq 0 ]
    assert_eq "$(complete)" '{"uploaded":0,"skipped":1,"deleted":0,"failed":0,"bytes":0,"dry_run":false}'
    # another part size: the stored SHA-256 says it is the same
    run --separate-stderr sv-publish --endpoint "$PX" --part-size 6M \
        s3://svtest/mp "$BATS_TEST_TMPDIR/big.bin"
    [ "$status" -eq 0 ]
    assert_eq "$(complete)" '{"uploaded":0,"skipped":1,"deleted":0,"failed":0,"bytes":0,"dry_run":false}'
    run ! grep -q '^PUT' "$PX_LOG"
}

@test "resumes a killed multipart upload: the parts already there are not sent again" {
    local f=$BATS_TEST_TMPDIR/resume.bin
    rand "$f" 21000000
    echo "PUT partNumber=3& stall:$BATS_TEST_TMPDIR/go 1" > "$PX_RULES"
    sv-publish --endpoint "$PX" --part-size 5M -j 1 s3://svtest/res "$f" \
        > "$BATS_TEST_TMPDIR/out1" 2>&1 &
    local pid=$!
    wait_for grep -q 'partNumber=3&.* stall' "$PX_LOG"
    kill -9 "$pid"
    wait "$pid" || true   # status ignored: killed on purpose
    touch "$BATS_TEST_TMPDIR/go"
    assert_eq "$(grep -c 'partNumber=[12]&.* 200' "$PX_LOG")" 2
    : > "$PX_LOG"
    rm -f "$PX_RULES"
    run --separate-stderr sv-publish --endpoint "$PX" --part-size 5M -j 1 \
        s3://svtest/res "$f"
    [ "$status" -eq 0 ]
    assert_eq "$(grep '"publish.resume"' <<< "$output" | jq -c '.data | [.parts_kept, .parts]')" "[2,5]"
    assert_eq "$(grep -c '^PUT .*partNumber=[12]&' "$PX_LOG")" 0
    assert_eq "$(grep -c '^PUT .*partNumber=[345]&.* 200' "$PX_LOG")" 3
    same_object res/resume.bin "$f"
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    assert_eq "$stderr" "sv-publish: s3://svtest/res/resume.bin: resuming upload, 2 of 5 parts already there"
}

@test "a multipart upload that fails is aborted: no parts left behind" {
    local f=$BATS_TEST_TMPDIR/fail.bin
    rand "$f" 12000000
    echo "PUT partNumber=2& 503 0" > "$PX_RULES"
    run -1 --separate-stderr sv-publish --endpoint "$PX" --part-size 5M \
        --retries 1 s3://svtest/abort "$f"
    assert_eq "$stderr" "sv-publish: s3://svtest/abort/fail.bin: 503 SlowDown: injected by faultproxy"
    assert_eq "$(grep '"event":"error"' <<< "$output" | jq -c '[.data.code, .data.target]')" '["EPROTO","s3://svtest/abort"]'
    assert_eq "$(grep -c '^PUT .*partNumber=2&.* 503' "$PX_LOG")" 2
    assert_eq "$(grep -c '^DELETE /svtest/abort/fail.bin?uploadId=.* 204' "$PX_LOG")" 1
    run s3curl "$RGW/svtest?prefix=abort&uploads="
    [ "$status" -eq 0 ]
    run ! grep -q '<Upload>' <<< "$output"
}

@test "500, 503 and dropped connections are retried, then it succeeds" {
    local d=$BATS_TEST_TMPDIR/flaky
    mkdir -p "$d"
    rand "$d/a.m4s" 50000
    rand "$d/b.m4s" 50000
    rand "$d/c.m4s" 50000
    rand "$d/d.mp4" 11000000
    printf '%s\n' "PUT /flaky/a.m4s 500 2" "PUT /flaky/b.m4s 503 1" \
        "PUT /flaky/c.m4s drop 1" "PUT partNumber=2& drop 1" \
        "GET list-type 503 1" > "$PX_RULES"
    run --separate-stderr sv-publish --endpoint "$PX" --part-size 5M s3://svtest/flaky "$d"
    [ "$status" -eq 0 ]
    assert_eq "$(grep -c '^PUT /svtest/flaky/a.m4s 500' "$PX_LOG")" 2
    assert_eq "$(grep -c '^PUT /svtest/flaky/b.m4s 503' "$PX_LOG")" 1
    assert_eq "$(grep -c '^PUT /svtest/flaky/c.m4s drop' "$PX_LOG")" 1
    assert_eq "$(grep -c '^PUT /svtest/flaky/d.mp4?partNumber=2&.* drop' "$PX_LOG")" 1
    local f
    for f in a.m4s b.m4s c.m4s d.mp4; do
        same_object "flaky/$f" "$d/$f"
    done
}

@test "gives up after --retries with the server's error" {
    rand "$BATS_TEST_TMPDIR/a.m4s" 1000
    echo "PUT /svtest/gone/ 500 0" > "$PX_RULES"
    run -1 --separate-stderr sv-publish --endpoint "$PX" --retries 2 \
        s3://svtest/gone "$BATS_TEST_TMPDIR/a.m4s"
    assert_eq "$stderr" "sv-publish: s3://svtest/gone/a.m4s: 500 InternalError: injected by faultproxy"
    assert_eq "$(grep -c '^PUT /svtest/gone/a.m4s 500' "$PX_LOG")" 3
    assert_eq "$(grep '"event":"error"' <<< "$output" | jq -r .data.msg)" "s3://svtest/gone/a.m4s: 500 InternalError: injected by faultproxy"
}

@test "a wrong secret is a clear 403 SignatureDoesNotMatch, exit 1" {
    AWS_SECRET_ACCESS_KEY=wrong run -1 --separate-stderr sv-publish \
        --endpoint "$RGW" s3://svtest/x "$PKG/master.m3u8"
    assert_eq "$stderr" "sv-publish: s3://svtest/x: 403 SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided. Check your key and signing method."
    AWS_ACCESS_KEY_ID=nobody run -1 --separate-stderr sv-publish \
        --endpoint "$RGW" s3://svtest/x "$PKG/master.m3u8"
    assert_eq "$stderr" "sv-publish: s3://svtest/x: 403 InvalidAccessKeyId: The AWS Access Key Id you provided does not exist in our records."
    run -1 --separate-stderr sv-publish --endpoint "$RGW" s3://nosuchbucket/x "$PKG/master.m3u8"
    assert_eq "$stderr" "sv-publish: s3://nosuchbucket/x: 404 NoSuchBucket: The specified bucket does not exist"
}

@test "credentials from the shared files: --profile, AWS_PROFILE, config sections" {
    unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
    mkdir -p "$HOME/.aws"
    printf '[default]\naws_access_key_id = accessKey1\naws_secret_access_key = wrong\n\n[tester]\naws_access_key_id = accessKey1\naws_secret_access_key = verySecretKey1\n' > "$HOME/.aws/credentials"
    printf '[profile cfg]\nregion = eu-west-1\naws_access_key_id=accessKey1\naws_secret_access_key=verySecretKey1\nendpoint_url = %s\n' "$RGW" > "$BATS_TEST_TMPDIR/config"
    run -1 --separate-stderr sv-publish --endpoint "$RGW" s3://svtest/cred "$PKG/master.m3u8"
    assert_match "$stderr" "403 SignatureDoesNotMatch"
    run --separate-stderr sv-publish --endpoint "$RGW" --profile tester s3://svtest/cred "$PKG/master.m3u8"
    [ "$status" -eq 0 ]
    AWS_PROFILE=tester run --separate-stderr sv-publish --endpoint "$RGW" s3://svtest/cred2 "$PKG/master.m3u8"
    [ "$status" -eq 0 ]
    # the config file's section gives keys and endpoint; -v tells the source
    AWS_CONFIG_FILE=$BATS_TEST_TMPDIR/config run --separate-stderr sv-publish -v \
        --profile cfg s3://svtest/cred3 "$PKG/master.m3u8"
    [ "$status" -eq 0 ]
    assert_match "$stderr" "credentials from $BATS_TEST_TMPDIR/config \[profile cfg\], region eu-west-1"
    same_object cred3/master.m3u8 "$PKG/master.m3u8"
    run -1 --separate-stderr sv-publish --endpoint "$RGW" --profile nope s3://svtest/cred "$PKG/master.m3u8"
    assert_eq "$stderr" "sv-publish: profile 'nope' is in neither the credentials nor the config file"
    rm -r "$HOME/.aws"
    run -1 --separate-stderr sv-publish --endpoint "$RGW" s3://svtest/cred "$PKG/master.m3u8"
    assert_eq "$stderr" "sv-publish: no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws/credentials"
}

@test "a file that changes while it is sent is sent again: the bucket ends with its last bytes" {
    local f=$BATS_TEST_TMPDIR/live.m4s
    rand "$f" 300000
    echo "PUT /svtest/chg/live.m4s hold:$BATS_TEST_TMPDIR/go 1" > "$PX_RULES"
    sv-publish --endpoint "$PX" s3://svtest/chg "$f" > "$BATS_TEST_TMPDIR/out" \
        2> "$BATS_TEST_TMPDIR/err" &
    local pid=$!
    wait_for grep -q 'live.m4s hold' "$PX_LOG"
    rand "$BATS_TEST_TMPDIR/new" 310000
    cp "$BATS_TEST_TMPDIR/new" "$f"
    touch "$BATS_TEST_TMPDIR/go"
    wait "$pid"
    assert_eq "$(cat "$BATS_TEST_TMPDIR/err")" "sv-publish: warning: s3://svtest/chg/live.m4s: '$f' changed while it was being sent: sending it again"
    same_object chg/live.m4s "$BATS_TEST_TMPDIR/new"
    # the held copy (the old bytes) landed, then the new bytes replaced it
    assert_eq "$(grep -c '^PUT /svtest/chg/live.m4s 200' "$PX_LOG")" 2
}

@test "--delete removes what the paths no longer have; --dry-run changes nothing" {
    local d=$BATS_TEST_TMPDIR/del
    mkdir -p "$d/s"
    rand "$d/s/a.m4s" 1000
    rand "$d/s/b.m4s" 1000
    echo '#EXTM3U' > "$d/index.m3u8"
    run --separate-stderr sv-publish --endpoint "$RGW" s3://svtest/del "$d"
    [ "$status" -eq 0 ]
    rm "$d/s/b.m4s"
    rand "$d/s/c.m4s" 1000
    run --separate-stderr sv-publish --endpoint "$PX" --delete --dry-run s3://svtest/del "$d"
    [ "$status" -eq 0 ]
    assert_eq "$stderr" "sv-publish: would upload 's3://svtest/del/s/c.m4s' (1000 bytes)
sv-publish: would delete 's3://svtest/del/s/b.m4s'"
    assert_eq "$(complete)" '{"uploaded":1,"skipped":2,"deleted":1,"failed":0,"bytes":0,"dry_run":true}'
    run ! grep -q '^\(PUT\|DELETE\|POST\)' "$PX_LOG"
    s3curl -o /dev/null "$RGW/svtest/del/s/b.m4s"
    run --separate-stderr sv-publish --endpoint "$RGW" --delete s3://svtest/del "$d"
    [ "$status" -eq 0 ]
    assert_eq "$(complete)" '{"uploaded":1,"skipped":2,"deleted":1,"failed":0,"bytes":1000,"dry_run":false}'
    run s3curl -o /dev/null "$RGW/svtest/del/s/b.m4s"
    [ "$status" -eq 22 ]
    same_object del/s/c.m4s "$d/s/c.m4s"
}

@test "file:// targets: a copy, then only the changes, --delete" {
    local out=$BATS_TEST_TMPDIR/copy
    run --separate-stderr sv-publish "file://$out" "$PKG"
    [ "$status" -eq 0 ]
    diff -r "$PKG" "$out"
    run --separate-stderr sv-publish "file://$out" "$PKG"
    [ "$status" -eq 0 ]
    assert_eq "$(complete | jq .uploaded)" 0
    echo extra > "$out/extra.txt"
    run --separate-stderr sv-publish --delete "file://$out/" "$PKG"
    [ "$status" -eq 0 ]
    assert_eq "$(complete | jq -c '[.uploaded, .deleted]')" "[0,1]"
    diff -r "$PKG" "$out"
}

@test "HTTP PUT targets: a WebDAV-style origin gets media first, with types" {
    local root=$BATS_TEST_TMPDIR/origin
    python3 "$SV_TOP/tests/s3/putserver.py" "$root" "$BATS_TEST_TMPDIR/port" \
        "$BATS_TEST_TMPDIR/put.log" &
    local pid=$!
    wait_for test -s "$BATS_TEST_TMPDIR/port"
    run --separate-stderr sv-publish "http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/port")/live/one" "$PKG"
    kill "$pid"
    [ "$status" -eq 0 ]
    diff -r "$PKG" "$root/live/one"
    grep -q '^PUT /live/one/master.m3u8 201 application/vnd.apple.mpegurl public,max-age=300$' "$BATS_TEST_TMPDIR/put.log"
    local last_media first_manifest
    last_media=$(grep -n '\.m4s\|\.mp4 ' "$BATS_TEST_TMPDIR/put.log" | tail -1 | cut -d: -f1)
    first_manifest=$(grep -n '\.m3u8\|\.mpd\|package\.json' "$BATS_TEST_TMPDIR/put.log" | head -1 | cut -d: -f1)
    [ "$last_media" -lt "$first_manifest" ]
}

@test "exit status 3 when one target of two fails" {
    local port
    port=$(free_port)
    run -3 --separate-stderr sv-publish --endpoint "$RGW" --retries 0 \
        s3://svtest/two "http://127.0.0.1:$port/x" "$PKG/master.m3u8"
    assert_match "$stderr" "^sv-publish: http://127.0.0.1:$port/x/master.m3u8: cannot reach 'http://127.0.0.1:$port/x/master.m3u8': "
    same_object two/master.m3u8 "$PKG/master.m3u8"
    run -1 --separate-stderr sv-publish --retries 0 "http://127.0.0.1:$port/x" \
        "http://127.0.0.1:$port/y" "$PKG/master.m3u8"
}

# live_source DIR SECONDS: sv-package writing LL-HLS from a real-time input
live_source() {
    _ff -re -f lavfi -i "testsrc2=size=320x240:rate=30:duration=$2" \
        -f lavfi -i "sine=frequency=440:duration=$2" -c:v libx264 \
        -preset ultrafast -g 30 -pix_fmt yuv420p -c:a aac -shortest \
        -f mpegts - | sv-package -q --live --ll-hls -s 1 -o "$1"
}

# listing PREFIX: the keys under svtest/PREFIX/, without it, sorted
listing() {
    s3curl "$RGW/svtest?list-type=2&prefix=$1" | grep -o '<Key>[^<]*' |
        sed "s|^<Key>$1/||" | sort
}

@test "--live pushes a growing LL-HLS package through an outage: the copy ends complete" {
    local d=$BATS_TEST_TMPDIR/live
    mkdir -p "$d"
    live_source "$d" 8 &
    local src=$!
    sv-publish --live --endpoint "$PX" --poll 100ms s3://svtest/live "$d" \
        > "$BATS_TEST_TMPDIR/ev" 2> "$BATS_TEST_TMPDIR/err" &
    local pub=$!
    wait_for grep -q '^PUT /svtest/live/v0/seg-2.m4s 200' "$PX_LOG"
    echo "* /svtest/live/ 503 0" > "$PX_RULES"
    wait_for at_least 5 ' 503$' "$PX_LOG"
    rm "$PX_RULES"
    wait "$src"
    wait "$pub"
    diff <(cd "$d" && find . -type f | sed 's|^\./||' | sort) <(listing live)
    local f
    for f in v0.m3u8 a0.m3u8 master.m3u8 manifest.mpd v0/seg-3.m4s; do
        same_object "live/$f" "$d/$f"
    done
    grep -q '#EXT-X-ENDLIST' "$d/v0.m3u8"
    grep -q 'cannot push .*503 SlowDown: injected by faultproxy: trying again' "$BATS_TEST_TMPDIR/err"
    grep -q 'the target answers again' "$BATS_TEST_TMPDIR/err"
    # a playlist never went out before the init segment it names
    local init pl
    init=$(grep -n '^PUT /svtest/live/v0/init.mp4 200' "$PX_LOG" | head -1 | cut -d: -f1)
    pl=$(grep -n '^PUT /svtest/live/v0.m3u8 200' "$PX_LOG" | head -1 | cut -d: -f1)
    [ "$init" -lt "$pl" ]
    assert_match "$(grep '"publish.lag"' "$BATS_TEST_TMPDIR/ev" | head -1 | jq -c '.data | keys')" '\["lag_ms","pending","target"\]'
    assert_eq "$(grep '"publish.complete"' "$BATS_TEST_TMPDIR/ev" | jq .data.failed)" 0
}

@test "--live to an HTTP origin that vanishes for a while and comes back" {
    local d=$BATS_TEST_TMPDIR/live root=$BATS_TEST_TMPDIR/origin port
    mkdir -p "$d"
    port=$(free_port)
    python3 "$SV_TOP/tests/s3/putserver.py" "$root" "$BATS_TEST_TMPDIR/p1" \
        "$BATS_TEST_TMPDIR/put.log" "$port" &
    local origin=$!
    wait_for test -s "$BATS_TEST_TMPDIR/p1"
    live_source "$d" 8 &
    local src=$!
    sv-publish --live --poll 100ms "http://127.0.0.1:$port/ch1" "$d" \
        > "$BATS_TEST_TMPDIR/ev" 2> "$BATS_TEST_TMPDIR/err" &
    local pub=$!
    wait_for grep -q '^PUT /ch1/v0/seg-2.m4s 201' "$BATS_TEST_TMPDIR/put.log"
    kill "$origin"
    wait "$origin" || true   # status ignored: stopped on purpose
    wait_for grep -q 'cannot push' "$BATS_TEST_TMPDIR/err"
    python3 "$SV_TOP/tests/s3/putserver.py" "$root" "$BATS_TEST_TMPDIR/p2" \
        "$BATS_TEST_TMPDIR/put.log" "$port" &
    origin=$!
    wait "$src"
    wait "$pub"
    kill "$origin"
    diff -r "$d" "$root/ch1"
    grep -q "^sv-publish: warning: http://127.0.0.1:$port/ch1: cannot push '.*': cannot reach" "$BATS_TEST_TMPDIR/err"
}

# ended_live DIR: a finished live package, an init, six segments and
# the media playlist naming them (#EXT-X-ENDLIST: --live ends on it)
ended_live() {
    local i
    mkdir -p "$1/v0"
    rand "$1/v0/init.mp4" 700
    {
        printf '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:1\n'
        printf '#EXT-X-MAP:URI="v0/init.mp4"\n'
        for i in 1 2 3 4 5 6; do
            rand "$1/v0/seg-$i.m4s" 30000
            printf '#EXTINF:1.0,\nv0/seg-%d.m4s\n' "$i"
        done
        printf '#EXT-X-ENDLIST\n'
    } > "$1/v0.m3u8"
}

# line REGEX: the number of the first line of $PX_LOG matching it
line() { grep -n -m1 "$1" "$PX_LOG" | cut -d: -f1; }

@test "--live sends media in parallel; a playlist goes only once every segment it names is confirmed" {
    local d=$BATS_TEST_TMPDIR/par go=$BATS_TEST_TMPDIR/go f
    ended_live "$d"
    echo "PUT /svtest/par/v0/seg-1\.m4s hold:$go 1" > "$PX_RULES"
    sv-publish --live --endpoint "$PX" --poll 100ms -j 4 s3://svtest/par "$d" \
        > "$BATS_TEST_TMPDIR/ev" 2> "$BATS_TEST_TMPDIR/err" &
    local pub=$!
    # seg-1 is held; one PUT at a time would send nothing else meanwhile
    wait_for grep -q '^PUT /svtest/par/v0/seg-1.m4s hold$' "$PX_LOG"
    wait_for at_least 6 '^PUT /svtest/par/v0/.* 200$' "$PX_LOG"
    assert_eq "$(grep -c '^PUT /svtest/par/v0.m3u8' "$PX_LOG")" 0
    touch "$go"
    wait "$pub"
    assert_eq "$(grep -c '^PUT /svtest/par/v0.m3u8 200$' "$PX_LOG")" 1
    [ "$(line '^PUT /svtest/par/v0/seg-1.m4s 200$')" -lt "$(line '^PUT /svtest/par/v0.m3u8')" ]
    diff <(cd "$d" && find . -type f | sed 's|^\./||' | sort) <(listing par)
    for f in v0.m3u8 v0/init.mp4 v0/seg-1.m4s v0/seg-6.m4s; do
        same_object "par/$f" "$d/$f"
    done
    assert_eq "$(grep '"publish.complete"' "$BATS_TEST_TMPDIR/ev" | jq -c '.data | [.uploaded, .failed]')" '[8,0]'
    assert_eq "$(cat "$BATS_TEST_TMPDIR/err")" ""
}

@test "--live retries 5xx and cut connections inside a round; the playlist follows the retried media" {
    local d=$BATS_TEST_TMPDIR/flt f
    ended_live "$d"
    printf '%s\n' 'PUT /svtest/flt/v0/seg-2\.m4s 503 2' \
        'PUT /svtest/flt/v0/seg-3\.m4s drop 1' 'PUT /svtest/flt/v0\.m3u8 500 1' > "$PX_RULES"
    run --separate-stderr sv-publish --live --endpoint "$PX" --poll 100ms -j 4 \
        s3://svtest/flt "$d"
    [ "$status" -eq 0 ]
    assert_eq "$(grep -c '^PUT /svtest/flt/v0/seg-2.m4s 503$' "$PX_LOG")" 2
    assert_eq "$(grep -c '^PUT /svtest/flt/v0/seg-3.m4s drop$' "$PX_LOG")" 1
    assert_eq "$(grep -c '^PUT /svtest/flt/v0.m3u8 500$' "$PX_LOG")" 1
    # every media PUT confirmed before the first try of the playlist
    local pl
    pl=$(line '^PUT /svtest/flt/v0.m3u8')
    for f in init.mp4 seg-1.m4s seg-2.m4s seg-3.m4s seg-4.m4s seg-5.m4s seg-6.m4s; do
        [ "$(line "^PUT /svtest/flt/v0/$f 200$")" -lt "$pl" ]
    done
    diff <(cd "$d" && find . -type f | sed 's|^\./||' | sort) <(listing flt)
    for f in v0.m3u8 v0/seg-2.m4s v0/seg-3.m4s; do
        same_object "flt/$f" "$d/$f"
    done
    # a streak of failures is told once, and so is the recovery
    assert_eq "$(grep -c 'trying again$' <<< "$stderr")" 2
    assert_eq "$(grep -c 'the target answers again$' <<< "$stderr")" 2
    grep -q "^sv-publish: warning: s3://svtest/flt: cannot push 'v0.m3u8': 500 InternalError: injected by faultproxy: trying again$" <<< "$stderr"
    assert_eq "$(complete | jq -c '[.uploaded, .failed]')" '[8,0]'
}

@test "many files that all fail: each is told once, the run ends with status 1" {
    local d=$BATS_TEST_TMPDIR/many i
    mkdir -p "$d"
    for i in $(seq 1 14); do rand "$d/s$i.m4s" 100; done
    echo "PUT /svtest/many/ 500 0" > "$PX_RULES"
    run -1 --separate-stderr sv-publish --endpoint "$PX" --retries 0 -j 2 s3://svtest/many "$d"
    assert_eq "$(grep -c '^sv-publish: s3://svtest/many/s[0-9]*.m4s: 500 InternalError: injected by faultproxy$' <<< "$stderr")" 14
    assert_eq "$(complete | jq -c '[.uploaded, .failed]')" "[0,14]"
}
