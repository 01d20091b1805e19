#!/usr/bin/env bats
# package-encrypt.bats -- sv-package --encrypt: packages encrypted as they
# are written (VOD, live, LL-HLS parts), checked by ffmpeg's own CENC
# decryption, sv-drm decrypt and Shaka Player with ClearKey.

load ../helpers
load drm
bats_require_minimum_version 1.5.0

setup() {
    mkdir -p "$BATS_TEST_TMPDIR/w" && cd "$BATS_TEST_TMPDIR/w"
    IN=$(fixture h264_aac_360p.mp4)
    sv-drm keygen --content-id movie > key.json
    KEY=$(jq -r '.keys[0].key' key.json)
    KID=$(jq -r '.keys[0].kid' key.json)
}

teardown() {
    stop_servers
}

@test "cenc VOD: ffmpeg decrypts video and audio to the clear package's frames" {
    sv-package "$IN" -o clear -s 1s -q
    run --separate-stderr sv-package "$IN" -o enc -s 1s -q --encrypt cenc \
        --key key.json
    [ "$status" -eq 0 ]
    local r
    for r in v0 a0; do
        run ! cmp -s "clear/$r/seg-2.m4s" "enc/$r/seg-2.m4s"
        assert_eq "$(frames_of enc "$r" "$KEY" | md5sum)" \
            "$(frames_of clear "$r" | md5sum)"
    done
    # without the key the video does not decode to the same frames
    [ "$(frames_of enc v0 2>/dev/null | md5sum)" != \
      "$(frames_of clear v0 | md5sum)" ]
    # package.json's sizes are those of the encrypted files
    assert_eq "$(jq '.renditions[0].segments[1].bytes // .renditions[0].segments[1].size' enc/package.json)" \
        "$(stat -c %s enc/v0/seg-2.m4s)"
}

@test "cenc VOD: the signalling sv-drm encrypt writes, in every file" {
    sv-package "$IN" -o enc -s 1s -q --encrypt cenc --key key.json \
        --systems widevine,playready,clearkey
    assert_eq "$(jq -c '.encryption | [.tool, .scheme, ([.keys[].kid] | unique), [.pssh[].system], [.keys[].rendition]]' enc/package.json)" \
        "[\"sv-package\",\"cenc\",[\"$KID\"],[\"widevine\",\"playready\",\"clearkey\"],[\"v0\",\"a0\"]]"
    local uuid="${KID:0:8}-${KID:8:4}-${KID:12:4}-${KID:16:4}-${KID:20:12}"
    [ "$(grep -c "<ContentProtection schemeIdUri=\"urn:mpeg:dash:mp4protection:2011\" value=\"cenc\" cenc:default_KID=\"$uuid\"/>" enc/manifest.mpd)" -eq 2 ]
    grep -q 'schemeIdUri="urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed"><cenc:pssh>' enc/manifest.mpd
    grep -q 'schemeIdUri="urn:uuid:9a04f079-9840-4286-ab92-e65be0885f95"><cenc:pssh>' enc/manifest.mpd
    grep -q '^#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI="data:text/plain;base64,.*",KEYFORMAT="urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed",KEYFORMATVERSIONS="1"$' enc/v0.m3u8
    grep -q 'KEYFORMAT="com.microsoft.playready"' enc/a0.m3u8
    grep -q '^#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES-CTR,' enc/master.m3u8
    # init: encv/enca + sinf (frma, schm cenc, tenc with the key id) and
    # three pssh boxes; each fragment: senc, saiz, saio
    python3 - enc "$KID" <<'PY'
import struct, sys, glob
d, kid = sys.argv[1], sys.argv[2]
for r, entry, fmt in (("v0", b"encv", b"avc1"), ("a0", b"enca", b"mp4a")):
    b = open(f"{d}/{r}/init.mp4", "rb").read()
    assert b.find(entry) > 0 and b.find(b"frma" + fmt) > 0, r
    assert b.find(b"schm") > 0 and b[b.find(b"schm") + 8:][:4] == b"cenc"
    t = b.find(b"tenc")
    assert b[t + 12:t + 28].hex() == kid
    assert b.count(b"pssh") == 3
    for s in glob.glob(f"{d}/{r}/seg-*.m4s"):
        m = open(s, "rb").read()
        for box in (b"senc", b"saiz", b"saio"):
            assert m.count(box) == 1, (s, box)
PY
}

@test "cbcs VOD: ffmpeg decrypts the 1:9 pattern; FairPlay is signalled" {
    sv-package "$IN" -o clear -s 1s -q
    run --separate-stderr sv-package "$IN" -o enc -s 1s -q --encrypt cbcs \
        --key key.json --systems fairplay,widevine
    [ "$status" -eq 0 ]
    local r
    for r in v0 a0; do
        assert_eq "$(frames_of enc "$r" "$KEY" | md5sum)" \
            "$(frames_of clear "$r" | md5sum)"
    done
    grep -q "^#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://$KID\",KEYFORMAT=\"com.apple.streamingkeydelivery\",KEYFORMATVERSIONS=\"1\"$" enc/v0.m3u8
    grep -q "^#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI=\"skd://$KID\"" enc/master.m3u8
    grep -q 'value="cbcs"' enc/manifest.mpd
}

@test "cbcs HEVC: NAL headers stay clear and ffmpeg decrypts the frames" {
    local hevc
    hevc=$(fixture hevc_aac_360p.mp4)
    sv-package "$hevc" -o clear -s 1s -q
    sv-package "$hevc" -o enc -s 1s -q --encrypt cbcs --key key.json
    grep -q hvc1 enc/v0/init.mp4 && grep -q encv enc/v0/init.mp4
    assert_eq "$(frames_of enc v0 "$KEY" | md5sum)" \
        "$(frames_of clear v0 | md5sum)"
}

@test "sv-drm decrypt takes the package back to the clear one, which plays" {
    sv-package "$IN" -o clear -s 1s -q
    sv-package "$IN" -o enc -s 1s -q --encrypt cbcs --key key.json
    run --separate-stderr sv-drm decrypt --key key.json enc
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c '[.action, .scheme, .segments]' <<<"$output")" \
        '["decrypted","cbcs",8]'
    local f
    for f in v0/init.mp4 v0/seg-1.m4s v0/seg-4.m4s a0/init.mp4 a0/seg-3.m4s; do
        cmp clear/$f enc/$f
    done
    assert_eq "$(jq .encryption enc/package.json)" null
    run ! grep -q EXT-X-KEY enc/v0.m3u8
    run ! grep -q ContentProtection enc/manifest.mpd
    # ffmpeg plays the decrypted package through its HLS playlists (the
    # same pictures; the times are its own, from the audio's start, which
    # comes one AAC frame before the video's)
    assert_eq "$(ffmpeg -nostdin -v error -i enc/master.m3u8 -map 0:v:0 \
        -f framemd5 - | grep -v '^#' | cut -d, -f5- | md5sum)" \
        "$(frames_of clear v0 | cut -d, -f5- | md5sum)"
    # and the package, once clear, can be encrypted again by sv-drm
    sv-drm encrypt --scheme cenc --key key.json enc >/dev/null
}

@test "sv-drm encrypt refuses a package sv-package encrypted" {
    sv-package "$IN" -o enc -s 1s -q --encrypt cenc --key key.json
    run -1 --separate-stderr sv-drm encrypt --scheme cbcs --key key.json enc
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr_lines
    assert_eq "${stderr_lines[0]}" \
        "sv-drm: package 'enc' is already encrypted (cenc)"
}

@test "video and audio keys: each track and manifest gets its own" {
    sv-drm keygen --content-id movie --label video --label audio > av.json
    local vk ak vkid akid
    vk=$(jq -r '.keys[0].key' av.json)
    ak=$(jq -r '.keys[1].key' av.json)
    vkid=$(jq -r '.keys[0].kid' av.json)
    akid=$(jq -r '.keys[1].kid' av.json)
    sv-package "$IN" -o clear -s 1s -q
    sv-package "$IN" -o enc -s 1s -q --encrypt cenc --key av.json \
        --systems widevine
    assert_eq "$(jq -c '[.encryption.keys[] | [.rendition, .kid]]' enc/package.json)" \
        "[[\"v0\",\"$vkid\"],[\"a0\",\"$akid\"]]"
    assert_eq "$(frames_of enc v0 "$vk" | md5sum)" \
        "$(frames_of clear v0 | md5sum)"
    assert_eq "$(frames_of enc a0 "$ak" | md5sum)" \
        "$(frames_of clear a0 | md5sum)"
    assert_eq "$(grep -o 'cenc:default_KID="[^"]*"' enc/manifest.mpd | tr -d '-')" \
        "cenc:default_KID=\"$vkid\"
cenc:default_KID=\"$akid\""
    [ "$(grep -c '^#EXT-X-SESSION-KEY:' enc/master.m3u8)" -eq 2 ]
}

@test "keys from a keystore by content id, with the master key from the environment" {
    export SV_DRM_MASTER_KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
    sv-drm keygen --content-id other --store ks >/dev/null
    sv-drm keygen --content-id movie --store ks >/dev/null
    local k kid
    k=$(sv-drm keys --store ks --content-id movie | jq -r '.keys[0].key')
    kid=$(sv-drm keys --store ks --content-id movie | jq -r '.keys[0].kid')
    sv-package "$IN" -o clear -s 1s -q
    sv-package "$IN" -o enc -s 1s -q --encrypt cenc --store ks \
        --content-id movie
    assert_eq "$(jq -r '.encryption.keys[0].kid' enc/package.json)" "$kid"
    assert_eq "$(frames_of enc v0 "$k" | md5sum)" \
        "$(frames_of clear v0 | md5sum)"
    # a wrong master key opens nothing and writes nothing
    SV_DRM_MASTER_KEY=ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100 \
        run -1 --separate-stderr sv-package "$IN" -o enc2 --encrypt cenc \
        --store ks --content-id movie
    [ ! -e enc2 ]
}

@test "live --ll-hls: every part is encrypted on its own and ffmpeg decrypts the segments" {
    local ts
    ts=$(fixture ladder_360p.ts)
    sv-package -q --live --dvr --ll-hls -s 2 --part-duration 0.5 -o clear \
        < "$ts"
    sv-package -q --live --dvr --ll-hls -s 2 --part-duration 0.5 -o enc \
        --encrypt cenc --key key.json --systems widevine,clearkey \
        --key-uri 'https://keys.example/{kid}' < "$ts"
    # a segment is its parts, each with its own senc
    cmp <(cat enc/v0/seg-2.{0,1,2,3}.m4s) enc/v0/seg-2.m4s
    python3 - enc/v0/seg-2.1.m4s <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
assert b.count(b"moof") == 1 and b.count(b"senc") == 1 and b.count(b"saio") == 1
PY
    local r
    for r in $(jq -r '.renditions[].id' clear/package.json); do
        assert_eq "$(frames_of enc "$r" "$KEY" | md5sum)" \
            "$(frames_of clear "$r" | md5sum)"
    done
    # a part alone, after the init segment, decrypts too
    assert_eq "$(cat enc/v0/init.mp4 enc/v0/seg-2.0.m4s |
        ffmpeg -nostdin -v error -decryption_key "$KEY" -i - -f framemd5 - |
        grep -v '^#' | md5sum)" \
        "$(cat clear/v0/init.mp4 clear/v0/seg-2.0.m4s |
        ffmpeg -nostdin -v error -i - -f framemd5 - | grep -v '^#' | md5sum)"
    # the live playlists carry the keys; ClearKey's URI from --key-uri
    grep -q "^#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI=\"https://keys.example/$KID\",KEYFORMAT=\"identity\"" enc/v0.m3u8
    grep -q '^#EXT-X-PART-INF:' enc/v0.m3u8
    awk '/^#EXT-X-KEY:/ && !k { k = NR } /^#EXTINF:/ && !f { f = NR }
         END { exit !(k && k < f) }' enc/v0.m3u8
    grep -q 'cenc:default_KID=' enc/manifest.mpd
    assert_eq "$(jq -r '.encryption.tool' enc/package.json)" sv-package
}

# players_up: the player files in www/, sv-serve on it and sv-drm serve
# with key.json (WPORT, LPORT; pid files for teardown)
players_up() {
    command -v chromium >/dev/null || skip "chromium is not installed"
    [ -d "$SV_TOP/tests/e2e/node_modules/shaka-player" ] ||
        skip "players are not installed (npm ci in tests/e2e)"
    export SV_DRM_JWT_SECRET=player-test-secret-at-least-32-bytes-long
    mkdir -p www
    cp "$SV_TOP/tests/e2e/node_modules/shaka-player/dist/shaka-player.compiled.js" \
       "$SV_TOP/tests/e2e/drm-shaka.html" www/
    servers_up
}

# shaka MPD: Shaka Player with ClearKey licenses plays 2 s of MPD (under
# www/); sets status and output
shaka() {
    local tok
    tok=$(sv-drm token sign --content-id movie --ttl 5m)
    run node "$SV_TOP/tests/e2e/drm-play.js" \
        "http://127.0.0.1:$WPORT/drm-shaka.html?src=$1&license=http://127.0.0.1:$LPORT/license&token=$tok" 2 40
    echo "$output"
}

@test "Shaka Player plays the cenc DASH package with ClearKey keys from sv-drm serve" {
    players_up
    sv-package "$IN" -o www/movie -s 1s -q --encrypt cenc --key key.json \
        --systems clearkey,widevine
    shaka movie/manifest.mpd
    [ "$status" -eq 0 ]
    grep -q '"route":"clearkey"' events.jsonl
}

@test "Shaka Player plays a live cbcs DASH package while it is written" {
    players_up
    mkfifo src
    ffmpeg -nostdin -loglevel error -re \
        -f lavfi -i "testsrc2=size=320x180:rate=30" \
        -f lavfi -i "sine=frequency=440:sample_rate=48000" -t 30 \
        -c:v libx264 -preset ultrafast -g 30 -pix_fmt yuv420p \
        -c:a aac -f mpegts -y src 2>/dev/null &
    echo $! > ffmpeg.pid
    sv-package --live -s 1 --window 10s -o www/live --encrypt cbcs \
        --key key.json --systems clearkey < src 2> live.err &
    echo $! > live.pid
    local _
    for _ in $(seq 15); do
        [ -s www/live/manifest.mpd ] && break
        sleep 1
    done
    [ -s www/live/manifest.mpd ] || fail "no MPD: $(cat live.err)"
    grep -q 'type="dynamic"' www/live/manifest.mpd
    grep -q 'value="cbcs"' www/live/manifest.mpd
    shaka live/manifest.mpd
    [ "$status" -eq 0 ]
    grep -q '"route":"clearkey"' events.jsonl
}
