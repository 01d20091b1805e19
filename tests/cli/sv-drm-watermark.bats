#!/usr/bin/env bats
# sv-drm-watermark.bats -- A/B forensic watermarking: embed, sv-serve picks
# each viewer's variants from the token, detect names the viewer from a
# re-muxed capture and from a cropped 480p CRF 30 re-encode (issue 17)

load ../helpers
bats_require_minimum_version 1.5.0

# One package for the file: 24 one-second segments at 320x180, marked once.
# 24 segments: with two candidates and no bit lost, naming a viewer at a
# false-accusation bound of 1e-6 takes log2(2 / 1e-6) = 21 known bits.
setup_file() {
    local d=$BATS_FILE_TMPDIR
    ffmpeg -nostdin -hide_banner -loglevel error -y \
        -f lavfi -i testsrc2=size=320x180:rate=25:duration=24 \
        -c:v libx264 -preset veryfast -crf 23 -g 25 -keyint_min 25 \
        -sc_threshold 0 -pix_fmt yuv420p "$d/src.mp4"
    sv-package "$d/src.mp4" -o "$d/www/p" -s 1s -q
    cp -r "$d/www/p" "$d/clean"
    printf 'watermark-key-for-the-tests-0123456789\n' > "$d/wm.key"
    printf 'url-token-key-0123456789\n' > "$d/url.key"
    printf 'alice\nbob\ncarol\n' > "$d/viewers"
    sv-drm watermark embed "$d/www/p" --watermark-key "$d/wm.key" \
        > "$d/embed.json"
}

setup() {
    D=$BATS_FILE_TMPDIR
    mkdir -p "$BATS_TEST_TMPDIR/w" && cd "$BATS_TEST_TMPDIR/w"
}

teardown() {
    if [ -n "${SERVE_PID:-}" ]; then
        kill "$SERVE_PID" 2>/dev/null || true
        wait "$SERVE_PID" 2>/dev/null || true
    fi
}

# start_serve: sv-serve on $D/www with tokens and the watermark key
# ($WMKEY, else $D/wm.key)
start_serve() {
    PORT=$(free_port)
    URL=http://127.0.0.1:$PORT
    sv-serve "$D/www" --listen "127.0.0.1:$PORT" --token-key "$D/url.key" \
        --watermark-key "${WMKEY:-$D/wm.key}" 2> serve.err &
    SERVE_PID=$!
    wait_for curl -sf "$URL/healthz" ||
        fail "sv-serve did not start: $(cat serve.err)"
}

tok() { sv-drm token sign --path /p/ --ttl 10m --sub "$1" --token-key "$D/url.key"; }

# capture WHO OUT: what a player with WHO's token fetches, in order,
# re-muxed into one file (init segment, then the segments)
capture() {
    local t i
    t=$(tok "$1")
    curl -sfL "$URL/p/v0/init.mp4?token=$t" > "$2"
    for i in $(seq 1 24); do
        curl -sfL "$URL/p/v0/seg-$i.m4s?token=$t" >> "$2"
    done
}

detect() {
    sv-drm watermark detect "$1" --package "$D/www/p" \
        --watermark-key "$D/wm.key" --viewers "$D/viewers"
}

# cropped by 3% (centred), scaled to 480p and re-encoded at CRF 30
reencode() {
    ffmpeg -nostdin -hide_banner -loglevel error -y -i "$1" \
        -vf 'crop=iw*0.97:ih*0.97,scale=854:480' -c:v libx264 -crf 30 \
        -preset veryfast "$2"
}

@test "embed writes an A and a B variant of every segment and records the key" {
    assert_eq "$(jq -c '.renditions[0] | [.id, .segments]' "$D/embed.json")" \
        '["v0",24]'
    local i
    for i in $(seq 1 24); do
        [ -s "$D/www/p/v0/a/seg-$i.m4s" ] && [ -s "$D/www/p/v0/b/seg-$i.m4s" ] ||
            fail "no variants of segment $i"
    done
    cmp "$D/www/p/v0/a/init.mp4" "$D/www/p/v0/b/init.mp4"
    assert_eq "$(jq -c '.watermark | [.scheme, .variants, .renditions]' \
        "$D/www/p/package.json")" '["sv-ab1",["a","b"],["v0"]]'
    assert_eq "$(jq -r .watermark.key_id "$D/www/p/package.json")" \
        "$(jq -r .key_id "$D/embed.json")"
    assert_match "$(jq -r .watermark.key_id "$D/www/p/package.json")" \
        '^[0-9a-f]{32}$'
    # the original segments stay as they were
    cmp "$D/www/p/v0/seg-7.m4s" "$D/clean/v0/seg-7.m4s"
}

@test "variants are drop-in: same frames, duration, keyframes, decode time" {
    local v i
    for v in a b; do
        cat "$D/www/p/v0/$v/init.mp4" > $v.mp4
        for i in $(seq 1 24); do cat "$D/www/p/v0/$v/seg-$i.m4s" >> $v.mp4; done
        assert_eq "$(frames $v.mp4 0)" 600
        assert_eq "$(duration $v.mp4)" 24.000000
        assert_eq "$(keyframes $v.mp4 0 | wc -l)" 24
    done
    # A and B of one segment are interchangeable in a playback: a mixed
    # sequence decodes without an error
    cat "$D/www/p/v0/a/init.mp4" "$D/www/p/v0/a/seg-1.m4s" \
        "$D/www/p/v0/b/seg-2.m4s" "$D/www/p/v0/a/seg-3.m4s" > mix.mp4
    run -0 ffmpeg -nostdin -v error -xerror -i mix.mp4 -f null -
    assert_eq "$output" ""
    assert_eq "$(frames mix.mp4 0)" 75
    # each variant starts at the original's decode time (tfdt)
    for i in 1 9 24; do
        cat "$D/www/p/v0/a/init.mp4" "$D/www/p/v0/b/seg-$i.m4s" > v.mp4
        cat "$D/clean/v0/init.mp4" "$D/clean/v0/seg-$i.m4s" > o.mp4
        assert_eq "$(first_dts v.mp4)" "$(first_dts o.mp4)"
    done
}

first_dts() {
    ffprobe -v error -show_packets -select_streams 0 -show_entries \
        packet=dts -of csv=p=0 "$1" | sort -n | head -1
}

@test "the marked video is within 45 dB PSNR of the unmarked one" {
    local i
    cat "$D/www/p/v0/a/init.mp4" > a.mp4
    cat "$D/clean/v0/init.mp4" > o.mp4
    for i in $(seq 1 24); do
        cat "$D/www/p/v0/a/seg-$i.m4s" >> a.mp4
        cat "$D/clean/v0/seg-$i.m4s" >> o.mp4
    done
    sv-stats quality o.mp4 a.mp4 -q > q.json
    assert_eq "$(jq .frames q.json)" 600
    jq -e '.psnr.y.mean >= 45' q.json
}

@test "sv-serve sends two viewers different sequences and refuses the other variant" {
    start_serve
    local ta tb la lb i
    ta=$(tok alice)
    tb=$(tok bob)
    for i in $(seq 1 24); do
        la+=$(curl -s -o /dev/null -w '%{redirect_url}' \
            "$URL/p/v0/seg-$i.m4s?token=$ta" | sed -E 's|.*/v0/([ab])/.*|\1|')
        lb+=$(curl -s -o /dev/null -w '%{redirect_url}' \
            "$URL/p/v0/seg-$i.m4s?token=$tb" | sed -E 's|.*/v0/([ab])/.*|\1|')
    done
    assert_match "$la" '^[ab]{24}$'
    assert_match "$lb" '^[ab]{24}$'
    [ "$la" != "$lb" ]
    # the same answer every time: nothing kept per viewer
    assert_eq "$(curl -s -o /dev/null -w '%{redirect_url}' \
        "$URL/p/v0/seg-5.m4s?token=$ta" | sed -E 's|.*/v0/([ab])/.*|\1|')" \
        "${la:4:1}"
    # the viewer's own variant by name: 200; the other one: 403
    local own=${la:0:1} other
    other=$([ "$own" = a ] && echo b || echo a)
    assert_eq "$(code "$URL/p/v0/$own/seg-1.m4s?token=$ta")" 200
    assert_eq "$(code "$URL/p/v0/$other/seg-1.m4s?token=$ta")" 403
    # the redirect is the viewer's own, the variants cache as files do
    assert_eq "$(hdr cache-control "$URL/p/v0/seg-1.m4s?token=$ta")" \
        'private, no-store'
    # a token with no subject gets the package as it was
    t=$(sv-drm token sign --path /p/ --ttl 10m --token-key "$D/url.key")
    curl -sf "$URL/p/v0/seg-1.m4s?token=$t" -o plain.m4s
    cmp plain.m4s "$D/clean/v0/seg-1.m4s"
}

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
hdr() {
    curl -s -D - -o /dev/null "$2" | tr -d '\r' |
        awk -v n="$1" -F': ' 'tolower($1) == n { print $2 }'
}

@test "detect names each viewer from the re-muxed capture of their playback" {
    start_serve
    local who
    for who in alice bob; do
        capture "$who" "$who.mp4"
        detect "$who.mp4" > "$who.json"
        assert_eq "$(jq -r .viewer "$who.json")" "$who"
        assert_eq "$(jq -c '[.segments, .known, .agree]' "$who.json")" \
            '[24,24,24]'
        # 3 candidates, 24 of 24 bits: 3 * 2^-24
        jq -e '.false_accusation < 1e-6 and .confidence > 0.999999' \
            "$who.json"
    done
    [ "$(jq -r .sequence alice.json)" != "$(jq -r .sequence bob.json)" ]
}

@test "detect names each viewer after a 3% crop, 480p and CRF 30" {
    start_serve
    local who
    for who in alice bob; do
        capture "$who" "$who.mp4"
        reencode "$who.mp4" "$who-480.mp4"
        assert_eq "$(ffprobe -v error -show_entries stream=height -of csv=p=0 \
            "$who-480.mp4")" 480
        detect "$who-480.mp4" > "$who.json"
        assert_eq "$(jq -r .viewer "$who.json")" "$who"
        jq -e '.false_accusation <= 1e-6 and .known >= 21' "$who.json"
        assert_eq "$(jq -c '.crop' "$who.json")" '[0.03,0.02]'
    done
}

@test "detect names no viewer in a clean copy, as it is or re-encoded" {
    local i
    cat "$D/clean/v0/init.mp4" > clean.mp4
    for i in $(seq 1 24); do cat "$D/clean/v0/seg-$i.m4s" >> clean.mp4; done
    reencode clean.mp4 clean-480.mp4
    for f in clean.mp4 clean-480.mp4; do
        detect "$f" > out.json
        assert_eq "$(jq -r .viewer out.json)" null
        assert_eq "$(jq -r .false_accusation out.json)" 1
    done
}

@test "usage: detect needs --package and --viewers, embed a key" {
    run -2 --separate-stderr sv-drm watermark detect x.mp4 \
        --watermark-key "$D/wm.key" --viewers "$D/viewers"
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    assert_eq "${stderr%%$'\n'*}" "sv-drm: watermark detect needs --package"
    run -2 --separate-stderr sv-drm watermark embed "$D/clean"
    assert_eq "${stderr%%$'\n'*}" \
        "sv-drm: watermark needs --watermark-key (or \$SV_WATERMARK_KEY_FILE)"
    run -2 --separate-stderr sv-drm watermark frobnicate
    assert_eq "${stderr%%$'\n'*}" "sv-drm: watermark needs embed or detect"
    run -2 --separate-stderr sv-drm watermark embed "$D/clean" \
        --watermark-key "$D/wm.key" --amplitude 99
    assert_eq "${stderr%%$'\n'*}" \
        "sv-drm: bad --amplitude '99': expected a number from 0.1 to 16"
}

@test "embed refuses a marked package, a short key and an encrypted package" {
    run -1 --separate-stderr sv-drm watermark embed "$D/www/p" \
        --watermark-key "$D/wm.key"
    assert_eq "$stderr" "sv-drm: package '$D/www/p' is watermarked already"
    printf 'short\n' > short.key
    run -1 --separate-stderr sv-drm watermark embed "$D/clean" \
        --watermark-key short.key
    assert_eq "$stderr" \
        "sv-drm: watermark key 'short.key' is too short: 5 bytes, at least 16"
    cp -r "$D/clean" enc
    sv-drm keygen > key.json
    sv-drm encrypt --scheme cenc --key key.json enc > /dev/null
    run -2 --separate-stderr sv-drm watermark embed enc \
        --watermark-key "$D/wm.key"
    assert_eq "$stderr" \
        "sv-drm: package 'enc' is encrypted: watermark it first, then encrypt"
    # detect under another key says so
    printf 'another-watermark-key-0123456789\n' > other.key
    run -2 --separate-stderr sv-drm watermark detect "$D/src.mp4" \
        --package "$D/www/p" --watermark-key other.key --viewers "$D/viewers"
    assert_match "$stderr" "was marked under another key"
}

# tenc_kid INIT: the default key id of the init segment's tenc box
tenc_kid() {
    python3 - "$1" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
t = b.find(b"tenc")
print(b[t + 12:t + 28].hex())
PY
}

@test "encrypt covers the A/B variants with the rendition's key; detect names the viewer from the decrypted capture (issue 17)" {
    local scheme kid key t i
    sv-drm keygen > key.json
    kid=$(jq -r '.keys[0].kid' key.json)
    key=$(jq -r '.keys[0].key' key.json)
    for scheme in cenc cbcs; do
        rm -rf "$D/www/pe" && cp -r "$D/www/p" "$D/www/pe"
        sv-drm encrypt --scheme "$scheme" --key key.json "$D/www/pe" \
            > enc.json
        # 1 + 24 files per variant besides the rendition's own
        assert_eq "$(jq .segments enc.json)" 72
        jq -e '.watermark.renditions == ["v0"]' "$D/www/pe/package.json"
        assert_eq "$(tenc_kid "$D/www/pe/v0/a/init.mp4")" "$kid"
        assert_eq "$(tenc_kid "$D/www/pe/v0/b/init.mp4")" "$kid"
        run ! cmp -s "$D/www/p/v0/b/seg-3.m4s" "$D/www/pe/v0/b/seg-3.m4s"
        rm -rf dec && cp -r "$D/www/pe" dec
        sv-drm decrypt --key key.json dec > /dev/null
        cmp "$D/www/p/v0/b/seg-3.m4s" dec/v0/b/seg-3.m4s
        # one playback (cbcs: A and B under one constant IV) is enough
        [ "$scheme" = cbcs ] || continue
        # what alice's player gets through sv-serve, decrypted with the key
        start_serve
        t=$(sv-drm token sign --path /pe/ --ttl 10m --sub alice \
            --token-key "$D/url.key")
        # (ffmpeg decrypts one fragment after the init at a time)
        curl -sfL "$URL/pe/v0/init.mp4?token=$t" > init.mp4
        : > clear.ts
        for i in $(seq 1 24); do
            { cat init.mp4; curl -sfL "$URL/pe/v0/seg-$i.m4s?token=$t"; } |
                ffmpeg -nostdin -hide_banner -loglevel error -y \
                    -decryption_key "$key" -i - -c copy -f mpegts - >> clear.ts
        done
        kill "$SERVE_PID"
        # status ignored: it ends by the signal
        wait "$SERVE_PID" || true
        SERVE_PID=
        ffmpeg -nostdin -hide_banner -loglevel error -y -i clear.ts -c copy \
            clear.mp4
        # detect needs pictures of the variants: not from the encrypted one
        run -2 --separate-stderr sv-drm watermark detect clear.mp4 \
            --package "$D/www/pe" --watermark-key "$D/wm.key" \
            --viewers "$D/viewers"
        assert_match "$stderr" "is encrypted: detect against a decrypted copy"
        sv-drm watermark detect clear.mp4 --package dec \
            --watermark-key "$D/wm.key" --viewers "$D/viewers" > out.json
        assert_eq "$(jq -r .viewer out.json)" alice
        assert_eq "$(jq -c '[.segments, .agree]' out.json)" '[24,24]'
    done
    rm -rf "$D/www/pe"
    # variants share one key for the whole rendition
    cp -r "$D/www/p" rot
    run -1 --separate-stderr sv-drm encrypt --scheme cenc --key key.json \
        --crypto-period 2 rot
    assert_match "$stderr" "is watermarked: --crypto-period does not apply"
    run -1 --separate-stderr sv-drm encrypt --scheme aes-128 --key key.json \
        --key-uri http://127.0.0.1/k rot
    assert_match "$stderr" "is watermarked: aes-128 does not apply"
}

@test "detect refuses an unsafe package.json and a viewers file that is not text, before decoding" {
    mkdir bad
    jq '.renditions[0].segments[2].uri = "../../x.m4s"' "$D/www/p/package.json" \
        > bad/package.json
    run -1 --separate-stderr sv-drm watermark detect "$D/src.mp4" --package bad \
        --watermark-key "$D/wm.key" --viewers "$D/viewers"
    assert_eq "$stderr" "sv-drm: bad segment 2 of rendition 'v0' in the package"
    jq 'del(.renditions[0].segments[5].number)' "$D/www/p/package.json" \
        > bad/package.json
    run -1 --separate-stderr sv-drm watermark detect "$D/src.mp4" --package bad \
        --watermark-key "$D/wm.key" --viewers "$D/viewers"
    assert_eq "$stderr" "sv-drm: bad segment 5 of rendition 'v0' in the package"
    jq '.renditions[0].frame_rate = 0' "$D/www/p/package.json" > bad/package.json
    run -1 --separate-stderr sv-drm watermark detect "$D/src.mp4" --package bad \
        --watermark-key "$D/wm.key" --viewers "$D/viewers"
    assert_eq "$stderr" "sv-drm: bad rendition 'v0' in the package"
    printf 'alice\0bob\n' > nul.viewers
    run -1 --separate-stderr sv-drm watermark detect "$D/src.mp4" \
        --package "$D/www/p" --watermark-key "$D/wm.key" --viewers nul.viewers
    assert_eq "$stderr" "sv-drm: bad --viewers 'nul.viewers': not text"
    printf '# nobody\n\n' > none.viewers
    run -1 --separate-stderr sv-drm watermark detect "$D/src.mp4" \
        --package "$D/www/p" --watermark-key "$D/wm.key" --viewers none.viewers
    assert_eq "$stderr" "sv-drm: bad --viewers 'none.viewers': no viewer in it"
}

# sequence WHO: the variants sv-serve redirects WHO to for segments 1..24
sequence() {
    local t i s=
    t=$(tok "$1")
    for i in $(seq 1 24); do
        s+=$(curl -s -o /dev/null -w '%{redirect_url}' \
            "$URL/p/v0/seg-$i.m4s?token=$t" | sed -E 's|.*/v0/([ab])/.*|\1|')
    done
    echo "$s"
}

@test "sv-serve rereads the watermark key file on SIGHUP, and keeps it when the new one is bad" {
    cp "$D/wm.key" wm.key
    WMKEY=$PWD/wm.key start_serve
    local old new
    old=$(sequence alice)
    assert_match "$old" '^[ab]{24}$'
    printf 'another-watermark-key-0123456789\n' > wm.key.new
    mv wm.key.new wm.key
    kill -HUP "$SERVE_PID"
    wait_for test "$(sequence alice)" != "$old"
    new=$(sequence alice)
    assert_match "$new" '^[ab]{24}$'
    # a key too short to use: logged, the one in place kept
    printf 'short\n' > wm.key
    kill -HUP "$SERVE_PID"
    wait_for grep -q 'cannot reload the watermark key; keeping the old one' serve.err
    grep -q "watermark key '$PWD/wm.key' is too short" serve.err
    assert_eq "$(sequence alice)" "$new"
    # the first key again: the first sequence again (nothing kept per viewer)
    cp "$D/wm.key" wm.key
    kill -HUP "$SERVE_PID"
    wait_for test "$(sequence alice)" = "$old"
}
