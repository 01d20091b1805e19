#!/usr/bin/env bats
# sv-publish.bats -- the command line of sv-publish

load ../helpers
bats_require_minimum_version 1.5.0

@test "--version names the tool" {
    run sv-publish --version
    [ "$status" -eq 0 ]
    assert_match "$output" "^sv-publish "
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
