#!/usr/bin/env bats
# drm-players.bats -- real players with our keys: Shaka Player with ClearKey
# EME and hls.js with AES-128, both getting keys from `sv-drm serve` with a
# JWT, in headless Chromium; the media comes from sv-serve.

load ../helpers
load drm
bats_require_minimum_version 1.5.0

setup() {
    command -v chromium >/dev/null || skip "chromium is not installed"
    [ -d "$SV_TOP/tests/e2e/node_modules/shaka-player" ] ||
        skip "players are not installed (npm ci in tests/e2e)"
    mkdir -p "$BATS_TEST_TMPDIR/w" && cd "$BATS_TEST_TMPDIR/w"
    export SV_DRM_JWT_SECRET=player-test-secret-at-least-32-bytes-long
    mkdir www
    sv-package "$(fixture h264_aac_360p.mp4)" -o www/movie -s 1s -q
    sv-drm keygen --content-id movie > key.json
    local nm=$SV_TOP/tests/e2e/node_modules
    cp "$nm/shaka-player/dist/shaka-player.compiled.js" \
       "$nm/hls.js/dist/hls.min.js" "$SV_TOP/tests/e2e/drm-shaka.html" \
       "$SV_TOP/tests/e2e/drm-hls.html" www/
    servers_up
}

teardown() {
    stop_servers
}

# play PAGE QUERY: drm-play.js on the page; sets status and output
play() {
    run node "$SV_TOP/tests/e2e/drm-play.js" \
        "http://127.0.0.1:$WPORT/$1?$2" 2 40
}

@test "Shaka Player plays the cenc DASH package with ClearKey keys from sv-drm serve" {
    # separate video and audio keys: two licenses
    sv-drm keygen --content-id movie --label video --label audio > key.json
    local old; old=$(cat license.pid)
    kill "$old"
    wait_for sh -c "! kill -0 $old 2>/dev/null" || fail "server $old lives"
    sv-drm serve --key key.json --listen "127.0.0.1:$LPORT" \
        --events events.jsonl 2> license.err 3>&- &
    echo $! > license.pid
    wait_for curl -s -o /dev/null "http://127.0.0.1:$LPORT/"
    sv-drm encrypt --scheme cenc --systems clearkey,widevine --key key.json \
        www/movie >/dev/null
    local tok
    tok=$(sv-drm token sign --content-id movie --ttl 5m)
    play drm-shaka.html "src=movie/manifest.mpd&license=http://127.0.0.1:$LPORT/license&token=$tok"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(grep '"route":"clearkey"' events.jsonl | jq -r .data.kid |
         sort -u | wc -l)" -eq 2 ]
}

@test "Shaka Player plays the cbcs DASH package too (1:9 video, whole-block audio)" {
    sv-drm encrypt --scheme cbcs --systems clearkey --key key.json \
        www/movie >/dev/null
    local tok
    tok=$(sv-drm token sign --kid "$(jq -r '.keys[0].kid' key.json)")
    play drm-shaka.html "src=movie/manifest.mpd&license=http://127.0.0.1:$LPORT/license&token=$tok"
    echo "$output"
    [ "$status" -eq 0 ]
}

@test "Shaka Player plays rotated cenc and cbcs DASH packages across the key change (issue 17)" {
    # 2 s segments, a new key every 2: the second period starts at 4 s
    sv-package "$(fixture ladder_360p.ts)" -o www/rot -s 2s -q
    sv-drm keygen --content-id movie --label video --label audio \
        --periods 2 > key.json
    local old; old=$(cat license.pid)
    kill "$old"
    wait_for sh -c "! kill -0 $old 2>/dev/null" || fail "server $old lives"
    sv-drm serve --key key.json --listen "127.0.0.1:$LPORT" \
        --events events.jsonl 2> license.err 3>&- &
    echo $! > license.pid
    wait_for curl -s -o /dev/null "http://127.0.0.1:$LPORT/"
    cp -r www/rot www/rot-clear
    local scheme tok n
    tok=$(sv-drm token sign --content-id movie --ttl 5m)
    for scheme in cenc cbcs; do
        rm -rf www/rot && cp -r www/rot-clear www/rot
        # the server keeps appending to its events file
        n=$( (wc -l < events.jsonl) 2>/dev/null || echo 0)
        sv-drm encrypt --scheme "$scheme" --systems clearkey --crypto-period 2 \
            --key key.json www/rot >/dev/null
        run node "$SV_TOP/tests/e2e/drm-play.js" \
            "http://127.0.0.1:$WPORT/drm-shaka.html?src=rot/manifest.mpd&license=http://127.0.0.1:$LPORT/license&token=$tok" \
            4.8 40
        echo "$output"
        [ "$status" -eq 0 ]
        # the keys of both periods, video and audio, were issued
        assert_eq "$(tail -n +$((n + 1)) events.jsonl |
            grep '"route":"clearkey"' | jq -r .data.kid | sort -u)" \
            "$(jq -r '.keys[].kid' key.json | sort)"
    done
}

@test "Shaka Player switches from SD to HD with per-track keys, cenc and cbcs (issue 17)" {
    sv-package "$(fixture ladder_sd_hd.ts)" -o www/cls-clear -s 2s -q
    sv-drm keygen --content-id movie --label sd --label hd --label audio \
        > key.json
    local old; old=$(cat license.pid)
    kill "$old"
    wait_for sh -c "! kill -0 $old 2>/dev/null" || fail "server $old lives"
    sv-drm serve --key key.json --listen "127.0.0.1:$LPORT" \
        --events events.jsonl 2> license.err 3>&- &
    echo $! > license.pid
    wait_for curl -s -o /dev/null "http://127.0.0.1:$LPORT/"
    local scheme tok n
    tok=$(sv-drm token sign --content-id movie --ttl 5m)
    for scheme in cenc cbcs; do
        rm -rf www/cls && cp -r www/cls-clear www/cls
        n=$( (wc -l < events.jsonl) 2>/dev/null || echo 0)
        sv-drm encrypt --scheme "$scheme" --systems clearkey --key key.json \
            www/cls >/dev/null
        run node "$SV_TOP/tests/e2e/drm-play.js" \
            "http://127.0.0.1:$WPORT/drm-shaka.html?src=cls/manifest.mpd&license=http://127.0.0.1:$LPORT/license&token=$tok&switch=1" \
            3.5 40
        echo "$output"
        [ "$status" -eq 0 ]
        # SD played, then HD, past the switch
        assert_eq "$(jq -c '[.heights[] | select(. > 0)] | unique' \
            <<< "$output")" "[180,720]"
        # the SD, HD and audio keys were issued
        assert_eq "$(tail -n +$((n + 1)) events.jsonl |
            grep '"route":"clearkey"' | jq -r .data.kid | sort -u)" \
            "$(jq -r '.keys[].kid' key.json | sort)"
    done
}

@test "Shaka Player plays a watermarked cbcs package through sv-serve's A/B redirect; detect names the viewer from the capture (issue 17)" {
    local key t lt i f
    # 24 one-second segments: 21 decide between 2 candidates at 1e-6
    _ff -f lavfi -i testsrc2=size=320x180:rate=25:duration=24 \
        -c:v libx264 -preset veryfast -crf 23 -g 25 -keyint_min 25 \
        -sc_threshold 0 -pix_fmt yuv420p src.mp4
    sv-package src.mp4 -o www/wm -s 1s -q
    printf 'watermark-key-for-the-drm-e2e-0123456789\n' > wm.key
    printf 'url-token-key-for-the-drm-e2e-0123456789\n' > url.key
    printf 'alice\nbob\n' > viewers
    sv-drm watermark embed www/wm --watermark-key wm.key > /dev/null
    cp -r www/wm clear-marked
    sv-drm encrypt --scheme cbcs --systems clearkey --key key.json www/wm \
        > /dev/null
    key=$(jq -r '.keys[0].key' key.json)
    local port; port=$(free_port)
    sv-serve www --listen "127.0.0.1:$port" --token-key url.key \
        --watermark-key wm.key 2> wm-serve.err 3>&- &
    echo $! > wm-serve.pid
    wait_for curl -sf "http://127.0.0.1:$port/healthz" ||
        fail "sv-serve did not start: $(cat wm-serve.err)"
    t=$(sv-drm token sign --path / --ttl 10m --sub alice --token-key url.key)
    lt=$(sv-drm token sign --kid "$(jq -r '.keys[0].kid' key.json)")
    mkdir cap
    run node "$SV_TOP/tests/e2e/watermark-capture.js" \
        "http://127.0.0.1:$port/drm-shaka.html?src=wm/manifest.mpd&license=http://127.0.0.1:$LPORT/license&token=$t&lictoken=$lt&rate=4" \
        cap 60
    jq -c 'del(.fetched)' <<< "$output"
    [ "$status" -eq 0 ]
    # every segment came from a variant, A or B, after the redirect
    assert_eq "$(jq '[.fetched[] | select(.status == 200 and
        (.path | test("^/wm/v0/[ab]/seg-")))] | length' <<< "$output")" 24
    # what it got was encrypted: the key's id in the variant's tenc, and
    # segments that are not the clear variant's
    python3 - cap/wm_v0_a_init.mp4 "$(jq -r '.keys[0].kid' key.json)" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
t = b.find(b"tenc")
assert t > 0 and b[t + 12:t + 28].hex() == sys.argv[2], "no tenc with the kid"
PY
    f=$(ls cap/wm_v0_?_seg-5.m4s)
    [ -f "clear-marked/v0/${f:10:1}/seg-5.m4s" ]
    run ! cmp -s "$f" "clear-marked/v0/${f:10:1}/seg-5.m4s"
    # the capture: what the player got, decrypted with the key
    { cat cap/wm_v0_a_init.mp4
      for i in $(seq 1 24); do cat cap/wm_v0_[ab]_seg-"$i".m4s; done; } |
        _ff -decryption_key "$key" -i - -c copy capture.mp4
    sv-drm watermark detect capture.mp4 --package clear-marked \
        --watermark-key wm.key --viewers viewers > out.json
    assert_eq "$(jq -r .viewer out.json)" alice
    assert_eq "$(jq -c '[.segments, .agree]' out.json)" '[24,24]'
}

@test "Shaka Player fails with a wrong or an expired token" {
    sv-drm encrypt --scheme cenc --systems clearkey --key key.json \
        www/movie >/dev/null
    local tok
    tok=$(sv-drm token sign --content-id other --ttl 5m)
    play drm-shaka.html "src=movie/manifest.mpd&license=http://127.0.0.1:$LPORT/license&token=$tok"
    echo "$output"
    [ "$status" -eq 1 ]
    assert_match "$output" '"fatal":"shaka 6007"'
    tok=$(node -e '
const c = require("crypto");
const b = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const si = b({alg: "HS256"}) + "." +
           b({exp: Math.floor(Date.now() / 1000) - 60, cid: "movie"});
console.log(si + "." + c.createHmac("sha256", process.argv[1]).update(si)
            .digest("base64url"));' "$SV_DRM_JWT_SECRET")
    play drm-shaka.html "src=movie/manifest.mpd&license=http://127.0.0.1:$LPORT/license&token=$tok"
    [ "$status" -eq 1 ]
    [ ! -e events.jsonl ] || ! grep -q drm.key.issued events.jsonl
}

@test "hls.js plays the AES-128 HLS package with keys from sv-drm serve" {
    sv-drm encrypt --scheme aes-128 --key key.json \
        --key-uri "http://127.0.0.1:$LPORT/hls/key/{kid}" www/movie >/dev/null
    local tok
    tok=$(sv-drm token sign --content-id movie --ttl 5m)
    play drm-hls.html "src=movie/master.m3u8&token=$tok"
    echo "$output"
    [ "$status" -eq 0 ]
    grep -q '"route":"hls","content_id":"movie"' events.jsonl
    # and not without a token
    play drm-hls.html "src=movie/master.m3u8&token=bad"
    [ "$status" -eq 1 ]
    assert_match "$output" '"fatal":"keyLoadError"'
}

@test "hls.js plays AES-128 MPEG-TS segments with a new key every 2 segments" {
    sv-package "$(fixture h264_aac_360p.mp4)" -o www/ts --segments ts \
        --manifests hls -s 1s -q
    sv-drm keygen --content-id movie --periods 2 > key.json
    local old; old=$(cat license.pid)
    kill "$old"
    # the old server must be gone: both would share the port (SO_REUSEPORT)
    wait_for sh -c "! kill -0 $old 2>/dev/null" || fail "server $old lives"
    sv-drm serve --key key.json --listen "127.0.0.1:$LPORT" \
        --events events.jsonl 2> license.err 3>&- &
    echo $! > license.pid
    wait_for curl -s -o /dev/null "http://127.0.0.1:$LPORT/"
    sv-drm encrypt --scheme aes-128 --key key.json --rotate 2 \
        --key-uri "http://127.0.0.1:$LPORT/hls/key/{kid}" www/ts >/dev/null
    run node "$SV_TOP/tests/e2e/drm-play.js" \
        "http://127.0.0.1:$WPORT/drm-hls.html?src=ts/master.m3u8&token=$(sv-drm token sign --content-id movie)" 2.5 40
    echo "$output"
    [ "$status" -eq 0 ]
    # both periods' keys were fetched
    [ "$(grep '"route":"hls"' events.jsonl | jq -r .data.kid | sort -u |
         wc -l)" -eq 2 ]
}
