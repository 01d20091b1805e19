#!/usr/bin/env bats
# sv-publish.bats -- the command line of sv-publish

load ../helpers
bats_require_minimum_version 1.5.0

@test "--version names the tool" {
    run sv-publish --version
    [ "$status" -eq 0 ]
    assert_match "$output" "^sv-publish "
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
