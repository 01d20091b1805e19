#!/usr/bin/env bats
# sv-publish-purge.bats -- sv-publish --purge against local fakes of the
# Cloudflare, Fastly and CloudFront purge APIs (tests/purge/, each naming
# the document it follows and refusing what the service refuses); Varnish
# itself is purged in tests/e2e/edge-varnish.bats

load ../helpers
bats_require_minimum_version 1.5.0

P=$SV_TOP/tests/purge
ZONE=0123456789abcdef0123456789abcdef

teardown() {
    [ -z "${FAKE_PID:-}" ] || kill "$FAKE_PID" 2>/dev/null || true
}

# fake NAME ARGS...: tests/purge/NAME.py on a free port, its log in
# $BATS_TEST_TMPDIR/NAME.log; sets API (its base URL)
fake() {
    local name=$1
    shift
    python3 "$P/$name.py" "$@" "$BATS_TEST_TMPDIR/$name.log" \
        > "$BATS_TEST_TMPDIR/$name.port" &
    FAKE_PID=$!
    wait_for test -s "$BATS_TEST_TMPDIR/$name.port" ||
        wait_for test -s "$BATS_TEST_TMPDIR/$name.port"
    API=http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/$name.port")
}

@test "usage: --purge needs paths, a known target and what the target needs" {
    run -2 --separate-stderr sv-publish --purge varnish://127.0.0.1:9
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    assert_eq "$stderr" "sv-publish: --purge needs the paths to purge (/live/a.m3u8, or a prefix /live/)
Try 'sv-publish --help' for more information."
    run -2 --separate-stderr sv-publish --purge akamai://x /a
    assert_eq "$stderr" "sv-publish: bad purge target 'akamai://x': expected varnish://HOST:PORT, cloudflare://ZONE, fastly://SERVICE or cloudfront://DISTRIBUTION
Try 'sv-publish --help' for more information."
    run -2 --separate-stderr env -u CLOUDFLARE_API_TOKEN sv-publish \
        --purge "cloudflare://$ZONE" --purge-site https://cdn.example.com /a
    assert_eq "$stderr" "sv-publish: cloudflare://$ZONE needs its API token in CLOUDFLARE_API_TOKEN
Try 'sv-publish --help' for more information."
    run -2 --separate-stderr env FASTLY_API_TOKEN=t sv-publish \
        --purge fastly://SVC /a
    assert_eq "$stderr" "sv-publish: fastly://SVC needs --purge-site, the URL viewers fetch from (https://cdn.example.com)
Try 'sv-publish --help' for more information."
    run -2 --separate-stderr sv-publish --purge varnish://127.0.0.1:9 a.m3u8
    assert_eq "$stderr" "sv-publish: bad path to purge 'a.m3u8': expected /path or a prefix /dir/
Try 'sv-publish --help' for more information."
}

@test "cloudflare: files in calls of 30, prefixes without the scheme, a bad token refused" {
    fake cloudflare tok-1234
    local paths=() i
    for i in $(seq 31); do paths+=("/live/s$i.m4s"); done
    run -0 env CLOUDFLARE_API_TOKEN=tok-1234 sv-publish \
        --purge "cloudflare://$ZONE" --endpoint "$API/client/v4" \
        --purge-site https://cdn.example.com/ "${paths[@]}" /vod/
    [ "$(jq -s 'map(select(.event == "publish.purged")) | length' <<< "$output")" -eq 3 ]
    run jq -c '.body' "$BATS_TEST_TMPDIR/cloudflare.log"
    [ "$(jq -s '.[0].files | length' <<< "$output")" -eq 30 ]
    [ "$(jq -s -r '.[0].files[0]' <<< "$output")" = "https://cdn.example.com/live/s1.m4s" ]
    [ "$(jq -s -c '.[1]' <<< "$output")" = '{"files":["https://cdn.example.com/live/s31.m4s"]}' ]
    [ "$(jq -s -c '.[2]' <<< "$output")" = '{"prefixes":["cdn.example.com/vod/"]}' ]
    run -1 --separate-stderr env CLOUDFLARE_API_TOKEN=wrong sv-publish \
        --purge "cloudflare://$ZONE" --endpoint "$API/client/v4" \
        --purge-site https://cdn.example.com /a.m3u8
    assert_match "$stderr" 'HTTP 403: .*"Authentication error"'
}

@test "fastly: one purge per URL, / as purge_all, other prefixes refused" {
    fake fastly fkey-1
    run -0 env FASTLY_API_TOKEN=fkey-1 sv-publish --purge fastly://SVC1 \
        --endpoint "$API" --purge-site https://cdn.example.com /live/a.m3u8 /
    run jq -r '.path' "$BATS_TEST_TMPDIR/fastly.log"
    assert_eq "$output" "/purge/cdn.example.com/live/a.m3u8
/service/SVC1/purge_all"
    run -2 --separate-stderr env FASTLY_API_TOKEN=fkey-1 sv-publish \
        --purge fastly://SVC1 --endpoint "$API" \
        --purge-site https://cdn.example.com /live/
    assert_eq "$stderr" "sv-publish: fastly://SVC1: Fastly purges URLs or everything, not a prefix: '/live/'
Try 'sv-publish --help' for more information."
    run -1 --separate-stderr env FASTLY_API_TOKEN=other sv-publish \
        --purge fastly://SVC1 --endpoint "$API" \
        --purge-site https://cdn.example.com /a
    assert_match "$stderr" 'HTTP 401'
}

@test "cloudfront: one SigV4-signed invalidation batch; a wrong secret is refused" {
    fake cloudfront AKIDTEST0001 s3cr3t-s3cr3t-s3cr3t E1DIST0001
    run -0 --separate-stderr env AWS_ACCESS_KEY_ID=AKIDTEST0001 \
        AWS_SECRET_ACCESS_KEY=s3cr3t-s3cr3t-s3cr3t sv-publish \
        --purge cloudfront://E1DIST0001 --endpoint "$API" /live/a.m3u8 /vod/
    [ "$(jq -r 'select(.event == "publish.purged") | .data.id' <<< "$output")" = I0000000000001 ]
    [ "$(jq -c .paths "$BATS_TEST_TMPDIR/cloudfront.log")" = '["/live/a.m3u8","/vod/*"]' ]
    run -1 --separate-stderr env AWS_ACCESS_KEY_ID=AKIDTEST0001 \
        AWS_SECRET_ACCESS_KEY=wrong sv-publish \
        --purge cloudfront://E1DIST0001 --endpoint "$API" /live/a.m3u8
    assert_match "$stderr" 'HTTP 403: .*SignatureDoesNotMatch'
}
