#!/usr/bin/env bats
# drm-encrypt.bats -- sv-drm encrypt/decrypt of sv-package output, checked
# by independent tools: ffmpeg's own CENC decryption and openssl enc.

load ../helpers
load drm
bats_require_minimum_version 1.5.0

setup() {
    mkdir -p "$BATS_TEST_TMPDIR/w" && cd "$BATS_TEST_TMPDIR/w"
    sv-package "$(fixture h264_aac_360p.mp4)" -o clear -s 1s -q
    cp -r clear pkg
    sv-drm keygen --content-id movie > key.json
    KEY=$(jq -r '.keys[0].key' key.json)
    KID=$(jq -r '.keys[0].kid' key.json)
}

# sums DIR: checksums of every file, to show a package did not change
sums() {
    (cd "$1" && find . -type f | sort | xargs sha256sum)
}

@test "cenc: ffmpeg decrypts video and audio to the clear package's frames" {
    run --separate-stderr sv-drm encrypt --scheme cenc --key key.json pkg
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c '[.action, .scheme, .renditions, .segments]' \
        <<<"$output")" '["encrypted","cenc",2,8]'
    local r
    for r in v0 a0; do
        run ! cmp -s "clear/$r/seg-2.m4s" "pkg/$r/seg-2.m4s"
        assert_eq "$(frames_of pkg $r "$KEY" | md5sum)" \
            "$(frames_of clear $r | md5sum)"
    done
    # without the key the video does not decode to the same frames
    [ "$(frames_of pkg v0 2>/dev/null | md5sum)" != \
      "$(frames_of clear v0 | md5sum)" ]
}

@test "cenc: the package records the scheme, key id and pssh per system" {
    sv-drm encrypt --scheme cenc --key key.json \
        --systems widevine,playready,clearkey pkg >/dev/null
    assert_eq "$(jq -c '.encryption | [.tool, .scheme, ([.keys[].kid] | unique), [.pssh[].system]]' pkg/package.json)" \
        "[\"sv-drm\",\"cenc\",[\"$KID\"],[\"widevine\",\"playready\",\"clearkey\"]]"
    local uuid="${KID:0:8}-${KID:8:4}-${KID:12:4}-${KID:16:4}-${KID:20:12}"
    grep -q "<ContentProtection schemeIdUri=\"urn:mpeg:dash:mp4protection:2011\" value=\"cenc\" cenc:default_KID=\"$uuid\"/>" pkg/manifest.mpd
    grep -q 'schemeIdUri="urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed"><cenc:pssh>' pkg/manifest.mpd
    grep -q '^#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI="data:text/plain;base64,.*",KEYFORMAT="urn:uuid:edef8ba9-79d6-4ace-a3c8-27dcd51d21ed",KEYFORMATVERSIONS="1"$' pkg/v0.m3u8
    grep -q '^#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES-CTR,' pkg/master.m3u8
    # PlayReady in HLS: its PlayReady Object, a UTF-16 WRMHEADER
    local pro
    pro=$(grep -o 'charset=UTF-16;base64,[^"]*' pkg/v0.m3u8 | cut -d, -f2)
    base64 -d <<<"$pro" | tail -c +11 | iconv -f UTF-16LE -t UTF-8 |
        grep -q '^<WRMHEADER xmlns="http://schemas.microsoft.com/DRM/2007/03/PlayReadyHeader" version="4.0.0.0">'
    grep -q 'KEYFORMAT="com.microsoft.playready"' pkg/v0.m3u8
    # the init segment carries encv, tenc with the key id, and the pssh boxes
    python3 - pkg/v0/init.mp4 "$KID" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
assert b.find(b"encv") > 0 and b.find(b"frma") > 0 and b.find(b"avc1") > 0
t = b.find(b"tenc")
assert b[t + 4 + 4 + 4:t + 4 + 4 + 4 + 16].hex() == sys.argv[2]
assert b.count(b"pssh") == 3
PY
}

@test "cbcs: ffmpeg decrypts the 1:9 pattern and constant IV to the same frames" {
    run --separate-stderr sv-drm encrypt --scheme cbcs --key key.json \
        --systems fairplay,widevine pkg
    [ "$status" -eq 0 ]
    local r
    for r in v0 a0; do
        assert_eq "$(frames_of pkg $r "$KEY" | md5sum)" \
            "$(frames_of clear $r | md5sum)"
    done
    grep -q "^#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://$KID\",KEYFORMAT=\"com.apple.streamingkeydelivery\",KEYFORMATVERSIONS=\"1\"$" pkg/v0.m3u8
    grep -q 'value="cbcs"' pkg/manifest.mpd
}

@test "video and audio keys: each track, manifest and playlist gets its own" {
    sv-drm keygen --content-id movie --label video --label audio > av.json
    local vk ak vkid akid
    vk=$(jq -r '.keys[0].key' av.json)
    ak=$(jq -r '.keys[1].key' av.json)
    vkid=$(jq -r '.keys[0].kid' av.json)
    akid=$(jq -r '.keys[1].kid' av.json)
    run --separate-stderr sv-drm encrypt --scheme cbcs --key av.json \
        --systems widevine,fairplay pkg
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c '[.keys[] | [.rendition, .kid]]' <<<"$output")" \
        "[[\"v0\",\"$vkid\"],[\"a0\",\"$akid\"]]"
    assert_eq "$(frames_of pkg v0 "$vk" | md5sum)" \
        "$(frames_of clear v0 | md5sum)"
    assert_eq "$(frames_of pkg a0 "$ak" | md5sum)" \
        "$(frames_of clear a0 | md5sum)"
    # the MPD: each AdaptationSet names its own key
    assert_eq "$(grep -o 'cenc:default_KID="[^"]*"' pkg/manifest.mpd | tr -d '-')" \
        "cenc:default_KID=\"$vkid\"
cenc:default_KID=\"$akid\""
    grep -q "URI=\"skd://$akid\"" pkg/a0.m3u8
    grep -q "URI=\"skd://$vkid\"" pkg/v0.m3u8
    grep -q "^#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI=\"skd://$akid\"" \
        pkg/master.m3u8
    run sv-drm decrypt --key av.json pkg
    [ "$status" -eq 0 ]
    cmp clear/a0/seg-2.m4s pkg/a0/seg-2.m4s
}

# tenc_kid INIT: the key id the tenc box of an init segment names
tenc_kid() {
    python3 - "$1" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
t = b.find(b"tenc")
print(b[t + 12:t + 28].hex())
PY
}

# set_kids MPD REP: the default_KIDs of the AdaptationSet holding REP
set_kids() {
    python3 - "$1" "$2" <<'PY'
import sys
import xml.etree.ElementTree as ET
ns = {"d": "urn:mpeg:dash:schema:mpd:2011"}
kid = "{urn:mpeg:cenc:2013}default_KID"
for a in ET.parse(sys.argv[1]).getroot().iterfind(".//d:AdaptationSet", ns):
    if any(r.get("id") == sys.argv[2]
           for r in a.iterfind("d:Representation", ns)):
        print(" ".join(c.get(kid) for c in a.iterfind("d:ContentProtection", ns)
                       if c.get(kid)))
PY
}

@test "SD, HD and audio keys (issue 17): each rung its own key id, tenc, MPD AdaptationSet and variant" {
    sv-package "$(fixture ladder_sd_hd.ts)" -o ladder -s 2s -q
    cp -r ladder lpkg
    sv-drm keygen --content-id movie --label sd --label hd --label audio \
        > cls.json
    run --separate-stderr sv-drm encrypt --scheme cenc \
        --systems clearkey,widevine --key cls.json lpkg
    [ "$status" -eq 0 ]
    local r label kid key uuid
    for r in v0:hd v1:sd a0:audio; do
        label=${r#*:} r=${r%:*}
        kid=$(jq -r --arg l "$label" '.keys[] | select(.label == $l) | .kid' \
            cls.json)
        key=$(jq -r --arg l "$label" '.keys[] | select(.label == $l) | .key' \
            cls.json)
        assert_eq "$(tenc_kid "lpkg/$r/init.mp4")" "$kid"
        assert_eq "$(frames_of lpkg "$r" "$key" | md5sum)" \
            "$(frames_of ladder "$r" | md5sum)"
        uuid="${kid:0:8}-${kid:8:4}-${kid:12:4}-${kid:16:4}-${kid:20:12}"
        # the variant playlist names its key (Widevine pssh with the kid)
        grep -q '^#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,' "lpkg/$r.m3u8"
        python3 - "lpkg/$r.m3u8" "$kid" <<'PY'
import base64, re, sys
uri = re.search(r'URI="data:text/plain;base64,([^"]*)"',
                open(sys.argv[1]).read()).group(1)
assert bytes.fromhex(sys.argv[2]) in base64.b64decode(uri)
PY
        # the MPD: one AdaptationSet per key, as Shaka Packager writes
        # them (Shaka stalls switching keys inside a set), the key on it
        assert_eq "$(set_kids lpkg/manifest.mpd "$r")" "$uuid"
    done
    # SD and HD: two video sets a player may switch between
    assert_eq "$(grep -c 'contentType="video"' lpkg/manifest.mpd)" 2
    assert_eq "$(grep -c 'adaptation-set-switching:2016" value="[01]"' \
        lpkg/manifest.mpd)" 2
    # three different key ids, signalled once each
    assert_eq "$(for r in v0 v1 a0; do tenc_kid "lpkg/$r/init.mp4"; done |
        sort -u | wc -l)" 3
    assert_eq "$(grep -c 'cenc:default_KID' lpkg/manifest.mpd)" 3
    assert_eq "$(grep -c '^#EXT-X-SESSION-KEY' lpkg/master.m3u8)" 3
    # decrypt finds each rung's key by its tenc
    run sv-drm decrypt --key cls.json lpkg
    [ "$status" -eq 0 ]
    cmp ladder/v1/seg-2.m4s lpkg/v1/seg-2.m4s
}

# period_frames DIR REND FIRST LAST [KEY]: framemd5 of segments FIRST..LAST
# after the init segment (one crypto period), decrypted with KEY
period_frames() {
    { cat "$1/$2/init.mp4"; for ((i = $3; i <= $4; i++)); do
        cat "$1/$2/seg-$i.m4s"; done; } |
        ffmpeg -nostdin -v error ${5:+-decryption_key $5} -i - \
            -f framemd5 - | grep -v '^#'
}

# seig_kid SEGMENT: the key id of the segment's seig sample group
seig_kid() {
    python3 - "$1" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
g = b.find(b"sgpd")
assert b[g + 8:g + 12] == b"seig", "no seig sgpd"
print(b[g + 4 + 4 + 4 + 4 + 4 + 4:g + 24 + 16].hex())
PY
}

# rot_key LABEL PERIOD FIELD: from rk.json
rot_key() {
    jq -r --arg l "$1" --argjson p "$2" \
        ".keys[] | select(.label == \$l and .period == \$p) | .$3" rk.json
}

@test "--crypto-period 2 (issue 17): cenc and cbcs, ffmpeg decrypts each period with its key" {
    sv-drm keygen --content-id movie --label video --label audio \
        --periods 2 > rk.json
    local scheme r l p first last
    for scheme in cenc cbcs; do
        rm -rf pkg && cp -r clear pkg
        run --separate-stderr sv-drm encrypt --scheme "$scheme" \
            --systems clearkey,widevine --crypto-period 2 --key rk.json \
            --key-uri 'https://k.example/{kid}' pkg
        [ "$status" -eq 0 ]
        assert_eq "$(jq -c '[.keys[] | [.rendition, [.periods[] | [.kid, .first_segment]]]]' <<<"$output")" \
            "$(printf '[["v0",[["%s",0],["%s",2]]],["a0",[["%s",0],["%s",2]]]]' \
                "$(rot_key video 0 kid)" "$(rot_key video 1 kid)" \
                "$(rot_key audio 0 kid)" "$(rot_key audio 1 kid)")"
        # cenc: both tracks; cbcs (the same code path): video only
        for r in v0:video a0:audio; do
            l=${r#*:} r=${r%:*}
            [ "$scheme" = cenc ] || [ "$r" = v0 ] || continue
            # tenc: the first period's key; each fragment its period's
            assert_eq "$(tenc_kid "pkg/$r/init.mp4")" "$(rot_key "$l" 0 kid)"
            assert_eq "$(seig_kid "pkg/$r/seg-2.m4s")" "$(rot_key "$l" 0 kid)"
            assert_eq "$(seig_kid "pkg/$r/seg-3.m4s")" "$(rot_key "$l" 1 kid)"
            for p in 0 1; do
                first=$((p * 2 + 1)) last=$((p * 2 + 2))
                assert_eq "$(period_frames pkg "$r" "$first" "$last" \
                    "$(rot_key "$l" "$p" key)" | md5sum)" \
                    "$(period_frames clear "$r" "$first" "$last" | md5sum)"
            done
            # the other period's key does not give the frames
            [ "$scheme" = cbcs ] ||
            [ "$(period_frames pkg "$r" 3 4 "$(rot_key "$l" 0 key)" \
                2>/dev/null | md5sum)" != \
              "$(period_frames clear "$r" 3 4 | md5sum)" ]
        done
        # the moof carries the period's pssh (Widevine and ClearKey)
        python3 - pkg/v0/seg-3.m4s "$(rot_key video 1 kid)" <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
moof = b[b.find(b"moof") - 4:]
moof = moof[:int.from_bytes(moof[:4], "big")]
assert moof.count(b"pssh") == 2 and bytes.fromhex(sys.argv[2]) in moof
PY
        # HLS: the key changes at segment 3; DASH: the first period's
        # default_KID and ClearKey init data naming both periods' keys
        assert_eq "$(grep -A1 -E '^#EXT-X-KEY:.*KEYFORMAT="identity"|^v0/seg' pkg/v0.m3u8 | grep -o 'k.example/[0-9a-f]*\|seg-[0-9]' | tr '\n' ' ')" \
            "k.example/$(rot_key video 0 kid) seg-1 seg-2 k.example/$(rot_key video 1 kid) seg-3 seg-4 "
        local uuid; uuid=$(rot_key video 0 kid)
        uuid="${uuid:0:8}-${uuid:8:4}-${uuid:12:4}-${uuid:16:4}-${uuid:20:12}"
        grep -q "value=\"$scheme\" cenc:default_KID=\"$uuid\"" pkg/manifest.mpd
        python3 - pkg/manifest.mpd "$(rot_key video 0 kid)" \
            "$(rot_key video 1 kid)" <<'PY'
import base64, re, sys
m = open(sys.argv[1]).read()
ck = re.search(r'urn:uuid:1077efec-c0b2-4d02-ace3-3c1e52e2fb4b"><cenc:pssh>'
               r'([^<]*)', m).group(1)
box = base64.b64decode(ck)
assert box[8] == 1 and int.from_bytes(box[28:32], "big") == 2
assert box[32:64] == bytes.fromhex(sys.argv[2] + sys.argv[3])
PY
    done
    # decrypt reads each fragment's seig key
    run sv-drm decrypt --key rk.json pkg
    [ "$status" -eq 0 ]
    cmp clear/v0/seg-3.m4s pkg/v0/seg-3.m4s
    cmp clear/a0/seg-4.m4s pkg/a0/seg-4.m4s
    diff clear/manifest.mpd pkg/manifest.mpd
}

@test "--crypto-period needs a key for every period" {
    sv-drm keygen --content-id movie --label video --label audio \
        --periods 1 > rk.json
    cp -r pkg before
    run --separate-stderr sv-drm encrypt --scheme cenc --crypto-period 2 \
        --key rk.json pkg
    [ "$status" -eq 1 ]
    # shellcheck disable=SC2154 # set by run --separate-stderr
    assert_eq "$stderr" 'sv-drm: no key for crypto period 1 of rendition v0 (segment 3): the key document needs keys with "period" 0 to 1 (sv-drm keygen --periods)'
    diff -r before pkg
}

@test "single-file (sidx) package (issue 17): ffmpeg decrypts it, the sidx and byte ranges follow" {
    sv-package "$(fixture h264_aac_360p.mp4)" -o sfc --single-file -s 1s -q
    cp -r sfc sf
    run --separate-stderr sv-drm encrypt --scheme cbcs --systems clearkey \
        --key key.json sf
    [ "$status" -eq 0 ]
    local r
    for r in v0 a0; do
        run ! cmp -s "sfc/$r.mp4" "sf/$r.mp4"
        assert_eq "$(ffmpeg -nostdin -v error -decryption_key "$KEY" \
            -i - -f framemd5 - < "sf/$r.mp4" | grep -v '^#' | md5sum)" \
            "$(ffmpeg -nostdin -v error -i "sfc/$r.mp4" -f framemd5 - |
               grep -v '^#' | md5sum)"
        # the sidx references are the new fragments, package.json's
        # offsets and sizes point at them, the MPD's ranges at the index
        python3 - "sf/$r.mp4" "sf/package.json" "$r" sf/manifest.mpd <<'PY'
import json, re, sys
b = open(sys.argv[1], "rb").read()
r = [x for x in json.load(open(sys.argv[2]))["renditions"]
     if x["id"] == sys.argv[3]][0]
boxes, at = [], 0
while at < len(b):
    n = int.from_bytes(b[at:at + 4], "big")
    boxes.append((b[at + 4:at + 8].decode(), at, n))
    at += n
assert [t for t, _, _ in boxes[:3]] == ["ftyp", "moov", "sidx"], boxes[:3]
init = boxes[1][1] + boxes[1][2]
assert r["init_size"] == init and b.find(b"encv" if r["type"] == "video"
                                         else b"enca", 0, init) > 0
_, sat, sn = boxes[2]
v = b[sat + 8]
at = sat + 12 + 8 + (8 if v == 0 else 16) + 2
count = int.from_bytes(b[at:at + 2], "big")
refs = [int.from_bytes(b[at + 2 + 12 * i:at + 6 + 12 * i], "big")
        for i in range(count)]
frags = [(o, n + boxes[i + 1][2]) for i, (t, o, n) in enumerate(boxes)
         if t == "moof"]
assert refs == [n for _, n in frags], (refs, frags)
assert [[s["offset"], s["size"]] for s in r["segments"]] == \
    [list(f) for f in frags]
mpd = open(sys.argv[4]).read()
assert 'indexRange="%d-%d"' % (init, init + sn - 1) in mpd
PY
    done
    grep -q 'value="cbcs"' sf/manifest.mpd
    run sv-drm decrypt --key key.json sf
    [ "$status" -eq 0 ]
    cmp sfc/v0.mp4 sf/v0.mp4
    cmp sfc/a0.mp4 sf/a0.mp4
    diff sfc/v0.m3u8 sf/v0.m3u8
    # whole-segment AES-128 of byte ranges is still refused
    run --separate-stderr sv-drm encrypt --scheme aes-128 --key key.json \
        --key-uri 'https://k/{kid}' sf
    [ "$status" -eq 1 ]
    # shellcheck disable=SC2154 # set by run --separate-stderr
    assert_match "$stderr" "single-file package: aes-128 does not apply"
}

@test "LL-HLS part package (issue 17): each part is the matching slice of its encrypted segment" {
    sv-package -q --live --dvr --ll-hls -s 2 --part-duration 0.5 \
        -o llc < "$(fixture ladder_360p.ts)"
    cp -r llc ll
    run --separate-stderr sv-drm encrypt --scheme cenc --systems clearkey \
        --key key.json --key-uri 'https://k/{kid}' ll
    [ "$status" -eq 0 ]
    local n
    for n in 1 2 3; do
        run ! cmp -s "llc/v0/seg-$n.0.m4s" "ll/v0/seg-$n.0.m4s"
        cmp <(cat ll/v0/seg-"$n".{0,1,2,3}.m4s) "ll/v0/seg-$n.m4s"
        assert_eq "$(jq "[.renditions[0].segments[$((n - 1))].parts[].size] | add" ll/package.json)" \
            "$(stat -c %s "ll/v0/seg-$n.m4s")"
    done
    assert_eq "$(frames_of ll v0 "$KEY" | head -60 | md5sum)" \
        "$(frames_of llc v0 | head -60 | md5sum)"
    assert_eq "$(frames_of ll a0 "$KEY" | head -40 | md5sum)" \
        "$(frames_of llc a0 | head -40 | md5sum)"
    # a part alone, after the init segment, decrypts
    assert_eq "$(cat ll/v1/init.mp4 ll/v1/seg-2.0.m4s |
        ffmpeg -nostdin -v error -decryption_key "$KEY" -i - -f framemd5 - |
        grep -v '^#' | md5sum)" \
        "$(cat llc/v1/init.mp4 llc/v1/seg-2.0.m4s |
        ffmpeg -nostdin -v error -i - -f framemd5 - | grep -v '^#' | md5sum)"
    grep -q '^#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,URI="https://k/' ll/v0.m3u8
    # and back, playlists (with their program date times) as they were
    run sv-drm decrypt --key key.json ll
    [ "$status" -eq 0 ]
    cmp llc/v0/seg-3.2.m4s ll/v0/seg-3.2.m4s
    diff llc/v0.m3u8 ll/v0.m3u8
}

@test "decrypt gives back the clear package byte for byte" {
    sv-drm encrypt --scheme cbcs --key key.json pkg >/dev/null
    run --separate-stderr sv-drm decrypt --key key.json pkg
    [ "$status" -eq 0 ]
    local f
    for f in v0/init.mp4 v0/seg-1.m4s v0/seg-4.m4s a0/init.mp4 a0/seg-3.m4s; do
        cmp clear/$f pkg/$f
    done
    assert_eq "$(jq .encryption pkg/package.json)" null
    diff clear/v0.m3u8 pkg/v0.m3u8
    diff clear/manifest.mpd pkg/manifest.mpd
}

@test "aes-128: openssl decrypts every segment, with a new key every 2 segments" {
    sv-drm keygen --periods 2 > keys.json
    run --separate-stderr sv-drm encrypt --scheme aes-128 --key keys.json \
        --rotate 2 --key-uri 'https://keys.example/hls/{kid}' pkg
    [ "$status" -eq 0 ]
    [ "$(grep -c '^#EXT-X-KEY:METHOD=AES-128,' pkg/v0.m3u8)" -eq 2 ]
    local n r k iv kid
    for r in v0 a0; do
        for n in 1 2 3 4; do
            k=$(jq -r ".keys[$(( (n - 1) / 2 ))].key" keys.json)
            iv=$(jq -r ".keys[$(( (n - 1) / 2 ))].iv" keys.json)
            openssl enc -d -aes-128-cbc -K "$k" -iv "$iv" \
                -in pkg/$r/seg-$n.m4s | cmp - clear/$r/seg-$n.m4s
        done
        cmp clear/$r/init.mp4 pkg/$r/init.mp4
    done
    kid=$(jq -r '.keys[1].kid' keys.json)
    iv=$(jq -r '.keys[1].iv' keys.json)
    # the second key line sits right before the third segment
    assert_eq "$(grep -B1 -A1 '^v0/seg-3.m4s' pkg/v0.m3u8 | head -1)" \
        '#EXTINF:1.00000,'
    grep -q "^#EXT-X-KEY:METHOD=AES-128,URI=\"https://keys.example/hls/$kid\",IV=0x$iv$" pkg/v0.m3u8
    # DASH cannot carry whole-segment encryption: the MPD is gone
    [ ! -e pkg/manifest.mpd ]
    run sv-drm decrypt --key keys.json pkg
    [ "$status" -eq 0 ]
    cmp clear/v0/seg-3.m4s pkg/v0/seg-3.m4s
    diff clear/manifest.mpd pkg/manifest.mpd
}

@test "aes-128 on MPEG-TS segments: openssl and ffmpeg's HLS reader decrypt them" {
    sv-package "$(fixture h264_aac_360p.mp4)" -o tsclear --segments ts \
        --manifests hls -s 1s -q
    cp -r tsclear ts
    sv-drm keygen --periods 2 > keys.json
    run --separate-stderr sv-drm encrypt --scheme aes-128 --key keys.json \
        --rotate 3 --key-uri '../keys/{kid}.key' ts
    [ "$status" -eq 0 ]
    local n k iv i
    for n in 1 2 3 4; do
        i=$(( (n - 1) / 3 ))
        k=$(jq -r ".keys[$i].key" keys.json)
        iv=$(jq -r ".keys[$i].iv" keys.json)
        openssl enc -d -aes-128-cbc -K "$k" -iv "$iv" \
            -in ts/v0/seg-$n.ts | cmp - tsclear/v0/seg-$n.ts
    done
    # ffmpeg fetches the keys through the playlist's key URIs
    mkdir keys
    for i in 0 1; do
        python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' \
            "$(jq -r ".keys[$i].key" keys.json)" \
            > "keys/$(jq -r ".keys[$i].kid" keys.json).key"
    done
    assert_eq "$(ffmpeg -nostdin -v error -allowed_extensions ALL \
        -i ts/v0.m3u8 -map 0:v -f framemd5 - | grep -v '^#' | md5sum)" \
        "$(ffmpeg -nostdin -v error -i tsclear/v0.m3u8 -map 0:v \
        -f framemd5 - | grep -v '^#' | md5sum)"
    run --separate-stderr sv-drm encrypt --scheme cenc --key keys.json \
        tsclear
    [ "$status" -eq 1 ]
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    assert_eq "$stderr" "sv-drm: package 'tsclear' has MPEG-TS segments: only aes-128 applies"
}

@test "an encrypted package is refused and left alone" {
    sv-drm encrypt --scheme cenc --key key.json pkg >/dev/null
    sums pkg > before
    run --separate-stderr sv-drm encrypt --scheme cbcs --key key.json pkg
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-drm: package 'pkg' is already encrypted (cenc)"
    diff before <(sums pkg)
    run --separate-stderr sv-drm decrypt --key key.json clear
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-drm: package 'clear' is not encrypted"
}

@test "a failed run leaves the clear package as it was, with nothing beside it" {
    head -c 5000 clear/a0/seg-3.m4s > pkg/a0/seg-3.m4s
    sums pkg > before
    run --separate-stderr sv-drm encrypt --scheme cenc --key key.json pkg
    [ "$status" -eq 1 ]
    assert_match "$stderr" "^sv-drm: pkg/a0/seg-3.m4s: "
    diff before <(sums pkg)
    assert_eq "$(ls -A)" "before
clear
key.json
pkg"
}

@test "a wrong or missing key cannot decrypt" {
    sv-drm encrypt --scheme cenc --key key.json pkg >/dev/null
    sums pkg > before
    sv-drm keygen > other.json
    run --separate-stderr sv-drm decrypt --key other.json pkg
    [ "$status" -eq 1 ]
    local uuid="${KID:0:8}-${KID:8:4}-${KID:12:4}-${KID:16:4}-${KID:20:12}"
    assert_eq "$stderr" "sv-drm: no key for key id $uuid (rendition v0)"
    diff before <(sums pkg)
    # the right key id with the wrong key bytes: ffmpeg gets other frames
    [ "$(frames_of pkg v0 "$(jq -r '.keys[0].key' other.json)" 2>/dev/null |
         md5sum)" != "$(frames_of clear v0 | md5sum)" ]
    run --separate-stderr sv-drm encrypt --scheme cenc --key nope.json clear
    [ "$status" -eq 1 ]
    assert_match "$stderr" "^sv-drm: cannot open 'nope.json'"
}

@test "encrypt takes its keys from the keystore by content id" {
    export SV_DRM_MASTER_KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
    sv-drm keygen --store ks --content-id other >/dev/null
    kid=$(sv-drm keygen --store ks --content-id movie | jq -r '.keys[0].kid')
    run --separate-stderr sv-drm encrypt --scheme cbcs --store ks \
        --content-id movie pkg
    [ "$status" -eq 0 ]
    assert_eq "$(jq -r '.encryption.keys[0].kid' pkg/package.json)" "$kid"
    key=$(sv-drm keys --store ks --kid "$kid" | jq -r '.keys[0].key')
    assert_eq "$(frames_of pkg v0 "$key" | md5sum)" \
        "$(frames_of clear v0 | md5sum)"
}

@test "encrypt usage errors" {
    run --separate-stderr sv-drm encrypt --key key.json pkg
    [ "$status" -eq 2 ]
    assert_match "$stderr" "^sv-drm: encrypt needs --scheme"
    run --separate-stderr sv-drm encrypt --scheme aes-128 --key key.json pkg
    [ "$status" -eq 2 ]
    assert_match "$stderr" "^sv-drm: --scheme aes-128 needs --key-uri"
    run --separate-stderr sv-drm encrypt --scheme cenc --rotate 2 \
        --key key.json pkg
    [ "$status" -eq 2 ]
    run --separate-stderr sv-drm encrypt --scheme aes-128 --key key.json \
        --key-uri k --rotate 1 pkg
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-drm: a new key every 1 segments needs 4 keys; the key document has 1"
}
