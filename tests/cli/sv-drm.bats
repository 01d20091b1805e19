#!/usr/bin/env bats
# sv-drm.bats -- keys, keystore, tokens, CPIX, license server

load ../helpers
bats_require_minimum_version 1.5.0

setup() {
    export SV_DRM_MASTER_KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
    export SV_DRM_JWT_SECRET=this-is-a-test-secret-of-32-bytes-or-more
    mkdir -p "$BATS_TEST_TMPDIR/w" && cd "$BATS_TEST_TMPDIR/w"
}

# ---- keygen / keys ------------------------------------------------------

@test "keygen prints a key id, key and IV of 16 bytes each" {
    run --separate-stderr sv-drm keygen
    [ "$status" -eq 0 ]
    assert_eq "$(jq -r '.keys | length' <<<"$output")" 1
    assert_match "$(jq -r '.keys[0].kid' <<<"$output")" '^[0-9a-f]{32}$'
    assert_match "$(jq -r '.keys[0].key' <<<"$output")" '^[0-9a-f]{32}$'
    assert_match "$(jq -r '.keys[0].iv' <<<"$output")" '^[0-9a-f]{32}$'
}

@test "keygen never prints the same key twice" {
    local a b
    a=$(sv-drm keygen | jq -r '.keys[0].key')
    b=$(sv-drm keygen | jq -r '.keys[0].key')
    [ "$a" != "$b" ]
}

@test "keygen makes one key per label and per rotation period" {
    run sv-drm keygen --content-id live1 --label video --label audio \
        --periods 3 --period-length 10m
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c '[.keys[] | [.label, .period, .content_id]]' \
        <<<"$output")" '[["video",0,"live1"],["audio",0,"live1"],["video",1,"live1"],["audio",1,"live1"],["video",2,"live1"],["audio",2,"live1"]]'
    assert_eq "$(jq '[.keys[].period_length] | unique' -c <<<"$output")" \
        '[600]'
    assert_eq "$(jq '[.keys[].kid] | unique | length' <<<"$output")" 6
}

@test "keygen -o creates the key file mode 0600 and refuses to replace it" {
    run sv-drm keygen -o key.json
    [ "$status" -eq 0 ]
    assert_eq "$(stat -c %a key.json)" 600
    local before; before=$(cat key.json)
    run --separate-stderr sv-drm keygen -o key.json
    [ "$status" -eq 1 ]
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    assert_eq "$stderr" "sv-drm: cannot write 'key.json': file exists"
    assert_eq "$(cat key.json)" "$before"
    assert_eq "$(ls -A)" key.json
}

@test "keygen --store creates a 0600 keystore with no key in clear" {
    run --separate-stderr sv-drm keygen --store ks --content-id m1 \
        --label sd --label hd
    [ "$status" -eq 0 ]
    assert_eq "$(stat -c %a ks)" 600
    # stdout names the key ids but carries no key material
    assert_eq "$(jq -c '[.keys[] | keys]' <<<"$output")" \
        '[["content_id","kid","label"],["content_id","kid","label"]]'
    assert_eq "$(jq -r '.format, .cipher' ks)" "sv-drm-keystore
AES-256-GCM"
    local kid; kid=$(jq -r '.keys[0].kid' <<<"$output")
    run ! grep -qi "$kid" ks
    run sv-drm keys --store ks --label hd
    [ "$status" -eq 0 ]
    assert_eq "$(jq -r '.keys[0].label' <<<"$output")" hd
    assert_match "$(jq -r '.keys[0].key' <<<"$output")" '^[0-9a-f]{32}$'
    # the key is not in the file, nor in its sealed data once decoded
    local key; key=$(jq -r '.keys[0].key' <<<"$output")
    run ! grep -qi "$key" ks
    jq -r .data ks | base64 -d > sealed
    [ -s sealed ]
    run ! grep -qai -e "$key" -e "$kid" sealed
}

@test "keygen --store adds keys to an existing keystore" {
    sv-drm keygen --store ks --content-id a >/dev/null
    sv-drm keygen --store ks --content-id b --label audio --label video \
        >/dev/null
    run sv-drm keys --store ks
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c '[.keys[].content_id]' <<<"$output")" '["a","b","b"]'
    run sv-drm keys --store ks --content-id b --label video
    assert_eq "$(jq -c '[.keys[] | [.content_id, .label]]' <<<"$output")" \
        '[["b","video"]]'
    assert_eq "$(stat -c %a ks)" 600
}

@test "keys finds a key by id in UUID form" {
    local kid uuid
    kid=$(sv-drm keygen --store ks | jq -r '.keys[0].kid')
    uuid="${kid:0:8}-${kid:8:4}-${kid:12:4}-${kid:16:4}-${kid:20:12}"
    run sv-drm keys --store ks --kid "$uuid"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -r '.keys[0].kid' <<<"$output")" "$kid"
}

@test "a keystore others can read is refused" {
    sv-drm keygen --store ks >/dev/null
    chmod 640 ks
    run --separate-stderr sv-drm keys --store ks
    [ "$status" -eq 1 ]
    assert_eq "$stderr" \
        "sv-drm: keystore 'ks' is open to others (mode 0640): run chmod 600"
    run --separate-stderr sv-drm keygen --store ks
    [ "$status" -eq 1 ]
    assert_eq "$output" ""
}

@test "a wrong master key cannot open the keystore nor add to it" {
    sv-drm keygen --store ks >/dev/null
    cp ks ks.before
    export SV_DRM_MASTER_KEY=ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff
    run --separate-stderr sv-drm keys --store ks
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-drm: cannot decrypt keystore 'ks': wrong master key or damaged file"
    run --separate-stderr sv-drm keygen --store ks
    [ "$status" -eq 1 ]
    cmp ks ks.before
}

@test "a keystore changed on disk is refused" {
    sv-drm keygen --store ks >/dev/null
    jq '.data |= (.[0:4] + (if .[4:5] == "A" then "B" else "A" end) + .[5:])' \
        ks > ks2 && chmod 600 ks2
    run --separate-stderr sv-drm keys --store ks2
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-drm: cannot decrypt keystore 'ks2': wrong master key or damaged file"
}

@test "the master key comes only from the environment" {
    unset SV_DRM_MASTER_KEY
    run --separate-stderr sv-drm keygen --store ks
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-drm: SV_DRM_MASTER_KEY is not set (64 hex digits)"
    [ ! -e ks ]
    SV_DRM_MASTER_KEY=abc run --separate-stderr sv-drm keys --store ks
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-drm: SV_DRM_MASTER_KEY is not 64 hex digits"
}

@test "a missing keystore or key file is an error naming it" {
    run --separate-stderr sv-drm keys --store nope
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-drm: cannot open 'nope': no such file or directory"
    run --separate-stderr sv-drm keys --key nope.json
    [ "$status" -eq 1 ]
    assert_match "$stderr" "^sv-drm: cannot open 'nope.json'"
}

@test "a key file with a bad key is refused" {
    echo '{"v":1,"keys":[{"kid":"00112233445566778899aabbccddeeff","key":"xyz"}]}' > bad.json
    run --separate-stderr sv-drm keys --key bad.json
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-drm: bad key file 'bad.json': key 1: key \"key\" is not 16 bytes of hex"
}

@test "keys with no match fails" {
    sv-drm keygen --store ks --content-id a >/dev/null
    run --separate-stderr sv-drm keys --store ks --content-id zzz
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-drm: no key in 'ks' matches"
}

@test "usage errors exit 2 naming the problem" {
    run --separate-stderr sv-drm keys
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-drm: keys needs --store or --key
Try 'sv-drm --help' for more information."
    run --separate-stderr sv-drm keys --store a --key b
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-drm: options --store and --key cannot be used together
Try 'sv-drm --help' for more information."
    run --separate-stderr sv-drm keygen --periods 0
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-drm: bad --periods '0': expected an integer from 1 to 100000
Try 'sv-drm --help' for more information."
    run --separate-stderr sv-drm keys --store ks --kid 12
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-drm: bad --kid '12': expected 32 hex digits or a UUID
Try 'sv-drm --help' for more information."
    run --separate-stderr sv-drm bogus
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-drm: unknown command 'bogus'
Try 'sv-drm --help' for more information."
}

# ---- decrypt ------------------------------------------------------------

# cbcs_package DIR: a clear package encrypted with cbcs under key.json
cbcs_package() {
    sv-package "$(fixture h264_aac_360p.mp4)" -o "$1" -s 1s -q
    sv-drm keygen --content-id movie > key.json
    sv-drm encrypt --scheme cbcs --key key.json "$1" > /dev/null
}

# set_pattern FILE BYTE: rewrites the pattern byte of the tenc box in FILE
# (crypt_byte_block in the high 4 bits, skip_byte_block in the low ones)
set_pattern() {
    python3 - "$1" "$2" <<'PY'
import sys
p = sys.argv[1]
d = bytearray(open(p, "rb").read())
i = d.find(b"tenc")
assert i > 0 and d[i + 4] == 1, "no tenc version 1"
# type, version, flags, reserved byte, then the pattern
d[i + 9] = int(sys.argv[2], 0)
open(p, "wb").write(d)
PY
}

@test "decrypt refuses a cbcs pattern that skips blocks but decrypts none" {
    cbcs_package pkg
    set_pattern pkg/v0/init.mp4 0x09
    # the timeout only keeps a regression from hanging the suite
    run -1 --separate-stderr timeout -k 5 20 sv-drm decrypt --key key.json pkg
    assert_eq "$stderr" "sv-drm: pkg/v0/init.mp4: tenc pattern 0:9 decrypts no block"
}

@test "decrypt still takes the cbcs patterns 1:9 and 0:0" {
    cbcs_package pkg
    set_pattern pkg/a0/init.mp4 0x00
    run -0 --separate-stderr sv-drm decrypt --key key.json pkg
    assert_eq "$(jq -r .action <<<"$output")" decrypted
}

# ---- tokens -------------------------------------------------------------

# verify_node ALG KEY TOKEN: an independent JWS check with node's crypto
verify_node() {
    node -e '
const c = require("crypto");
const [alg, key, tok] = process.argv.slice(1);
const [h, p, s] = tok.split(".");
const sig = Buffer.from(s, "base64url");
let ok;
if (alg === "HS256")
    ok = c.createHmac("sha256", key).update(h + "." + p).digest()
         .equals(sig);
else
    ok = c.verify("sha256", Buffer.from(h + "." + p),
                  { key: require("fs").readFileSync(key),
                    dsaEncoding: "ieee-p1363" }, sig);
const hdr = JSON.parse(Buffer.from(h, "base64url"));
if (!ok || hdr.alg !== alg) process.exit(1);
console.log(Buffer.from(p, "base64url").toString());
' "$@"
}

@test "token sign makes an HS256 JWT that node's crypto verifies" {
    run --separate-stderr sv-drm token sign --content-id movie \
        --kid 00112233-4455-6677-8899-aabbccddeeff --ttl 10m
    [ "$status" -eq 0 ]
    run verify_node HS256 "$SV_DRM_JWT_SECRET" "$output"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c '[.cid, .kids, .exp - .iat]' <<<"$output")" \
        '["movie",["00112233445566778899aabbccddeeff"],600]'
}

@test "token sign makes an ES256 JWT that node's crypto verifies" {
    openssl ecparam -name prime256v1 -genkey -noout -out es.pem
    openssl ec -in es.pem -pubout -out es.pub 2>/dev/null
    unset SV_DRM_JWT_SECRET
    run --separate-stderr sv-drm token sign --jwt-key es.pem --content-id m
    [ "$status" -eq 0 ]
    local tok=$output
    run verify_node ES256 es.pub "$tok"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -r .cid <<<"$output")" m
    run --separate-stderr sv-drm token verify --jwt-key es.pub "$tok"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -r .cid <<<"$output")" m
    # an ES256 token is not accepted where only the HS256 secret is known
    SV_DRM_JWT_SECRET=this-is-a-test-secret-of-32-bytes-or-more \
        run --separate-stderr sv-drm token verify "$tok"
    [ "$status" -eq 1 ]
    assert_eq "$stderr" \
        "sv-drm: token rejected: algorithm 'ES256' is not accepted"
}

@test "token verify accepts a JWT signed by another implementation" {
    local tok
    tok=$(node -e '
const c = require("crypto");
const b = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const now = Math.floor(Date.now() / 1000);
const si = b({alg: "HS256", typ: "JWT"}) + "." +
           b({exp: now + 60, cid: "ext", ip: "127.0.0.1"});
console.log(si + "." + c.createHmac("sha256", process.argv[1]).update(si)
            .digest("base64url"));' "$SV_DRM_JWT_SECRET")
    run --separate-stderr sv-drm token verify --content-id ext \
        --client 127.0.0.1 "$tok"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -r .cid <<<"$output")" ext
}

@test "token verify rejects a wrong secret, a foreign content id and a changed token" {
    local tok; tok=$(sv-drm token sign --content-id movie)
    SV_DRM_JWT_SECRET=another-secret-that-is-32-bytes-long-too \
        run --separate-stderr sv-drm token verify "$tok"
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-drm: token rejected: bad signature"
    run --separate-stderr sv-drm token verify --content-id other "$tok"
    [ "$status" -eq 1 ]
    assert_eq "$stderr" \
        "sv-drm: token rejected: token is for another content id"
    run --separate-stderr sv-drm token verify "${tok%?}"
    [ "$status" -eq 1 ]
    run --separate-stderr sv-drm token verify not-a-token
    [ "$status" -eq 1 ]
    assert_eq "$stderr" \
        "sv-drm: token rejected: token is not three dot-separated parts"
}

@test "token verify rejects an expired and a not yet valid token" {
    local tok
    tok=$(node -e '
const c = require("crypto");
const b = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const si = b({alg: "HS256"}) + "." +
           b({exp: Math.floor(Date.now() / 1000) - 5});
console.log(si + "." + c.createHmac("sha256", process.argv[1]).update(si)
            .digest("base64url"));' "$SV_DRM_JWT_SECRET")
    run --separate-stderr sv-drm token verify "$tok"
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-drm: token rejected: token expired"
    tok=$(sv-drm token sign --not-before 1h)
    run --separate-stderr sv-drm token verify - <<<"$tok"
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-drm: token rejected: token is not valid yet"
}

@test "token verify checks the client address and its country" {
    printf '# test table\nDE 192.0.2.0/24\nFR 192.0.2.128/25\n' > geo.txt
    local tok
    tok=$(sv-drm token sign --client 192.0.2.0/24 --client 2001:db8::/32 \
        --country FR)
    run --separate-stderr sv-drm token verify --geo geo.txt \
        --client 192.0.2.200 "$tok"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c .countries <<<"$output")" '["FR"]'
    run --separate-stderr sv-drm token verify --geo geo.txt \
        --client 192.0.2.20 "$tok"
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-drm: token rejected: client country DE is not allowed"
    run --separate-stderr sv-drm token verify --geo geo.txt \
        --client 198.51.100.1 "$tok"
    assert_eq "$stderr" "sv-drm: token rejected: token is for another client address"
    run --separate-stderr sv-drm token verify --client 192.0.2.200 "$tok"
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-drm: token rejected: token limits countries and no country table is loaded"
}

@test "token --path makes signed-URL tokens that sv-serve accepts" {
    command -v sv-serve >/dev/null || skip "sv-serve is not built"
    mkdir -p www/live && echo '#EXTM3U' > www/live/a.m3u8
    printf 'url-token-key-0123456789\n' > url.key
    local port tok
    port=$(free_port)
    sv-serve www --listen "127.0.0.1:$port" --token-key url.key \
        2> serve.err 3>&- &
    echo $! > urlserve.pid
    wait_for curl -s -o /dev/null "http://127.0.0.1:$port/"
    tok=$(sv-drm token sign --path /live/ --ttl 10m --sub alice \
        --token-key url.key)
    run curl -s -w ' %{http_code}' "http://127.0.0.1:$port/live/a.m3u8?token=$tok"
    assert_eq "$output" "#EXTM3U
 200"
    run curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/live/a.m3u8"
    [ "$output" -ge 400 ]
    SV_TOKEN_KEY=url-token-key-0123456789 run --separate-stderr \
        sv-drm token verify --path /live/a.m3u8 "$tok"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c '[.prefix, .sub]' <<<"$output")" '["/live/","alice"]'
    run --separate-stderr sv-drm token verify --token-key url.key \
        --path /vod/a.m3u8 "$tok"
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-drm: token rejected: wrong path"
    SV_TOKEN_KEY=another-url-key-0123456 run --separate-stderr \
        sv-drm token verify --path /live/a.m3u8 "$tok"
    assert_eq "$stderr" "sv-drm: token rejected: bad signature"
}

@test "token needs a key and a verb" {
    unset SV_DRM_JWT_SECRET
    run --separate-stderr sv-drm token sign
    [ "$status" -eq 2 ]
    assert_eq "$stderr" \
        "sv-drm: no token key: set SV_DRM_JWT_SECRET or give --jwt-key"
    SV_DRM_JWT_SECRET=short run --separate-stderr sv-drm token sign
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-drm: SV_DRM_JWT_SECRET is shorter than 32 bytes"
    run --separate-stderr sv-drm token
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-drm: token needs 'sign' or 'verify'
Try 'sv-drm --help' for more information."
    run --separate-stderr sv-drm token verify --client nope x
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-drm: bad --client 'nope': expected an address
Try 'sv-drm --help' for more information."
    echo 'XX not-a-range' > geo.txt
    SV_DRM_JWT_SECRET=this-is-a-test-secret-of-32-bytes-or-more \
        run --separate-stderr sv-drm token verify --geo geo.txt x
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-drm: geo.txt:1: bad range 'not-a-range'"
}

# ---- cpix ---------------------------------------------------------------

# start_cpix: runs tests/cli/cpix_server.py on a free port (stopped by PID)
start_cpix() {
    mkdir -p cpixlog
    python3 "$SV_TOP/tests/cli/cpix_server.py" "$PWD/cpix.port" \
        "$PWD/cpixlog" 3>&- &
    echo $! > cpix.pid
    wait_for test -s cpix.port || fail "cpix server did not start"
    CPIX_URL=http://127.0.0.1:$(cat cpix.port)/speke/v2.0/copyProtection
}

teardown() {
    local f
    for f in "$BATS_TEST_TMPDIR"/w/*.pid; do
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    true
}

# key_of CID KID: the key the test server derives, in hex
key_of() {
    python3 -c '
import hashlib, hmac, sys, uuid
kid = str(uuid.UUID(sys.argv[2]))
print(hmac.new(b"cpix-test-server-secret", (sys.argv[1] + "|" + kid).encode(),
               hashlib.sha256).digest()[:16].hex())' "$1" "$2"
}

@test "cpix fetches keys, PSSH and HLS signalling for each key and system" {
    start_cpix
    run --separate-stderr sv-drm cpix "$CPIX_URL" --content-id movie \
        --label video --label audio --scheme cbcs \
        --systems widevine,playready,fairplay,clearkey
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c '[.keys[] | [.label, .scheme, .content_id, ([.drm[].system] | join(","))]]' <<<"$output")" \
        '[["video","cbcs","movie","widevine,playready,fairplay,clearkey"],["audio","cbcs","movie","widevine,playready,fairplay,clearkey"]]'
    local kid key
    for i in 0 1; do
        kid=$(jq -r ".keys[$i].kid" <<<"$output")
        key=$(jq -r ".keys[$i].key" <<<"$output")
        assert_eq "$key" "$(key_of movie "$kid")"
    done
    # the PSSH is a whole 'pssh' box naming the key id
    kid=$(jq -r '.keys[0].kid' <<<"$output")
    jq -r '.keys[0].drm[0].pssh' <<<"$output" | base64 -d | od -An -tx1 |
        tr -d ' \n' > pssh.hex
    assert_match "$(cat pssh.hex)" "^000000437073736801000000edef8ba979d64acea3c827dcd51d21ed00000001$kid"
    # FairPlay is signalled with an skd:// URI in HLS, without a PSSH
    assert_eq "$(jq -r '.keys[0].drm[2].pssh // "none"' <<<"$output")" none
    assert_eq "$(jq -r '.keys[0].drm[2].hls_media' <<<"$output" | base64 -d)" \
        "#EXT-X-KEY:METHOD=SAMPLE-AES,URI=\"skd://$kid\",KEYFORMAT=\"com.apple.streamingkeydelivery\",KEYFORMATVERSIONS=\"1\""
    # what the server received: SPEKE v2 headers and a CPIX 2.3 request
    grep -qi '^X-Speke-Version: 2.0' cpixlog/headers.txt
    grep -qi '^Content-Type: application/xml' cpixlog/headers.txt
    python3 - cpixlog/request.xml <<'PY'
import sys, xml.etree.ElementTree as ET
C = "{urn:dashif:org:cpix}"
r = ET.parse(sys.argv[1]).getroot()
assert r.tag == C + "CPIX" and r.get("version") == "2.3"
assert r.get("contentId") == "movie"
keys = r.findall(C + "ContentKeyList/" + C + "ContentKey")
assert [k.get("commonEncryptionScheme") for k in keys] == ["cbcs", "cbcs"]
assert len(keys[0]) == 0            # no key data in a request
systems = r.findall(C + "DRMSystemList/" + C + "DRMSystem")
assert len(systems) == 8
rules = r.findall(C + "ContentKeyUsageRuleList/" + C + "ContentKeyUsageRule")
assert [x.get("intendedTrackType") for x in rules] == ["VIDEO", "AUDIO"]
PY
}

@test "cpix asks for the key ids given and stores the keys in the keystore" {
    start_cpix
    run --separate-stderr sv-drm cpix "$CPIX_URL" --content-id m2 \
        --kid 00112233445566778899aabbccddeeff --store ks
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c '[.keys[] | keys]' <<<"$output")" \
        '[["content_id","drm","kid","scheme"]]'
    run sv-drm keys --store ks --content-id m2
    [ "$status" -eq 0 ]
    assert_eq "$(jq -r '.keys[0].key' <<<"$output")" \
        "$(key_of m2 00112233445566778899aabbccddeeff)"
    assert_eq "$(jq -r '.keys[0].drm | length' <<<"$output")" 3
}

@test "cpix reports the key server's errors and writes nothing" {
    start_cpix
    run --separate-stderr sv-drm cpix "$CPIX_URL" --content-id fail-500 \
        --store ks
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-drm: key server '$CPIX_URL' answered 500: Internal Server Error: key store is down"
    [ ! -e ks ]
    run --separate-stderr sv-drm cpix "${CPIX_URL%/*}/nope" --content-id a
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-drm: key server '${CPIX_URL%/*}/nope' answered 404: Not Found"
    run --separate-stderr sv-drm cpix "$CPIX_URL" --content-id garbage
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-drm: bad CPIX reply from '$CPIX_URL': reply is not XML: line 1: unexpected end of document"
    run --separate-stderr sv-drm cpix "$CPIX_URL" --content-id wrong-cid
    assert_eq "$stderr" "sv-drm: bad CPIX reply from '$CPIX_URL': reply is for another content id ('someone-else')"
    run --separate-stderr sv-drm cpix "$CPIX_URL" --content-id drop-key \
        --label video --label audio
    [ "$status" -eq 1 ]
    assert_match "$stderr" "': no key for kid [0-9a-f-]{36} in the reply$"
    run --separate-stderr sv-drm cpix "$CPIX_URL" --content-id extra-key
    assert_match "$stderr" "reply holds keys that were not asked for$"
    run --separate-stderr sv-drm cpix "$CPIX_URL" --content-id encrypted
    assert_match "$stderr" "is encrypted \(content key encryption is not supported\)$"
    run --separate-stderr sv-drm cpix "$CPIX_URL" --content-id bad-pssh \
        --systems widevine
    [ "$status" -eq 1 ]
    assert_match "$stderr" "bad PSSH of system edef8ba9-79d6-4ace-a3c8-27dcd51d21ed for kid"
    run --separate-stderr sv-drm cpix "$CPIX_URL" --content-id huge
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-drm: reply from '$CPIX_URL' is larger than 1048576 bytes"
    assert_eq "$(find . -mindepth 1 -maxdepth 1 ! -name '.*' ! -name '*cpix*' \
        ! -name ks)" ""
}

@test "cpix gives up on a slow server after --timeout" {
    start_cpix
    run --separate-stderr sv-drm cpix "$CPIX_URL" --content-id slow \
        --timeout 1s
    [ "$status" -eq 1 ]
    assert_match "$stderr" "^sv-drm: cannot reach '$CPIX_URL': Operation timed out"
}

@test "cpix sends SV_DRM_CPIX_AUTH and reports 401 and 403" {
    export CPIX_AUTH="Bearer s3cret"
    start_cpix
    run --separate-stderr sv-drm cpix "$CPIX_URL" --content-id a
    [ "$status" -eq 1 ]
    assert_eq "$stderr" "sv-drm: key server '$CPIX_URL' answered 401: Missing Authentication Token"
    SV_DRM_CPIX_AUTH="Bearer wrong" run --separate-stderr sv-drm cpix \
        "$CPIX_URL" --content-id a
    assert_eq "$stderr" "sv-drm: key server '$CPIX_URL' answered 403: The security token included in the request is invalid"
    SV_DRM_CPIX_AUTH="Bearer s3cret" run --separate-stderr sv-drm cpix \
        "$CPIX_URL" --content-id a
    [ "$status" -eq 0 ]
}

@test "cpix without a server, or with bad arguments, fails clearly" {
    local port; port=$(free_port)
    run --separate-stderr sv-drm cpix "http://127.0.0.1:$port/x" \
        --content-id a
    [ "$status" -eq 1 ]
    assert_match "$stderr" "^sv-drm: cannot reach 'http://127.0.0.1:$port/x': "
    run --separate-stderr sv-drm cpix http://127.0.0.1:1/ 
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-drm: cpix needs --content-id
Try 'sv-drm --help' for more information."
    run --separate-stderr sv-drm cpix http://127.0.0.1:1/ --content-id a \
        --systems widevine,nope
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-drm: bad --systems 'widevine,nope': unknown system 'nope'"
    run --separate-stderr sv-drm cpix http://127.0.0.1:1/ --content-id a \
        --scheme cbc1
    [ "$status" -eq 2 ]
    run --separate-stderr sv-drm cpix ftp://127.0.0.1:1/ --content-id a
    [ "$status" -eq 1 ]
}

# ---- serve --------------------------------------------------------------

# start_serve ARGS...: sv-drm serve on a free port, events in events.jsonl
start_serve() {
    PORT=$(free_port)
    sv-drm serve --listen "127.0.0.1:$PORT" --events events.jsonl "$@" \
        2> serve.err 3>&- &
    echo $! > serve.pid
    wait_for curl -s -o /dev/null "http://127.0.0.1:$PORT/" ||
        fail "sv-drm serve did not start: $(cat serve.err)"
    URL=http://127.0.0.1:$PORT
}

# b64url HEX: base64url of the bytes, no padding
b64url() {
    python3 -c 'import base64, sys
print(base64.urlsafe_b64encode(bytes.fromhex(sys.argv[1])).decode().rstrip("="))' "$1"
}

# license TOKEN KID...: POST a ClearKey request; body then status
license() {
    local tok=$1 kids="" k
    shift
    for k; do kids="$kids${kids:+,}\"$(b64url "$k")\""; done
    curl -s -w '\n%{http_code}' -X POST ${tok:+-H "Authorization: Bearer $tok"} \
        -H 'Content-Type: application/json' \
        -d "{\"kids\":[$kids],\"type\":\"temporary\"}" "$URL/license"
}

@test "serve answers a ClearKey request with the keys as JWKs and one event per key" {
    sv-drm keygen --content-id movie --label video --label audio > k.json
    start_serve --key k.json
    local v a
    v=$(jq -r '.keys[0].kid' k.json)
    a=$(jq -r '.keys[1].kid' k.json)
    run license "$(sv-drm token sign --content-id movie)" "$v" "$a"
    assert_eq "${lines[1]}" 200
    assert_eq "$(jq -c '[.type, [.keys[].kty]]' <<<"${lines[0]}")" \
        '["temporary",["oct","oct"]]'
    assert_eq "$(jq -r '.keys[0].kid' <<<"${lines[0]}")" "$(b64url "$v")"
    assert_eq "$(jq -r '.keys[0].k' <<<"${lines[0]}")" \
        "$(b64url "$(jq -r '.keys[0].key' k.json)")"
    assert_eq "$(jq -r '.keys[1].k' <<<"${lines[0]}")" \
        "$(b64url "$(jq -r '.keys[1].key' k.json)")"
    assert_eq "$(jq -c 'select(.event == "drm.key.issued") | .data' events.jsonl)" \
        "{\"kid\":\"$v\",\"client\":\"127.0.0.1\",\"route\":\"clearkey\",\"content_id\":\"movie\"}
{\"kid\":\"$a\",\"client\":\"127.0.0.1\",\"route\":\"clearkey\",\"content_id\":\"movie\"}"
}

@test "serve hands out HLS AES-128 keys as 16 bytes to a token in the query" {
    sv-drm keygen --content-id movie > k.json
    start_serve --key k.json
    local kid tok
    kid=$(jq -r '.keys[0].kid' k.json)
    tok=$(sv-drm token sign --kid "$kid")
    curl -s -D hdr -o key.bin "$URL/hls/key/$kid?token=$tok"
    assert_eq "$(od -An -tx1 key.bin | tr -d ' \n')" \
        "$(jq -r '.keys[0].key' k.json)"
    grep -qi '^content-type: application/octet-stream' hdr
    grep -qi '^cache-control: no-store' hdr
    grep -qi '^access-control-allow-origin: \*' hdr
}

@test "serve refuses bad, expired and foreign tokens and bad requests, and keeps serving" {
    sv-drm keygen --content-id movie > k.json
    sv-drm keygen --content-id other >> /dev/null
    start_serve --key k.json
    local kid; kid=$(jq -r '.keys[0].kid' k.json)
    run license "" "$kid"
    assert_eq "${lines[1]}" 401
    assert_eq "${lines[0]}" '{"error":"no token"}'
    run license "not.a.token" "$kid"
    assert_eq "${lines[1]}" 401
    run license "$(SV_DRM_JWT_SECRET=another-secret-that-is-32-bytes-long-too sv-drm token sign --content-id movie)" "$kid"
    assert_eq "${lines[1]}" 401
    assert_eq "${lines[0]}" '{"error":"bad signature"}'
    local expired
    expired=$(node -e '
const c = require("crypto");
const b = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const si = b({alg: "HS256"}) + "." +
           b({exp: Math.floor(Date.now() / 1000) - 60, cid: "movie"});
console.log(si + "." + c.createHmac("sha256", process.argv[1]).update(si)
            .digest("base64url"));' "$SV_DRM_JWT_SECRET")
    run license "$expired" "$kid"
    assert_eq "${lines[1]}" 401
    assert_eq "${lines[0]}" '{"error":"token expired"}'
    run license "$(sv-drm token sign --content-id other)" "$kid"
    assert_eq "${lines[1]}" 403
    assert_eq "${lines[0]}" '{"error":"token is for another content id"}'
    run license "$(sv-drm token sign --kid 00112233445566778899aabbccddeeff)" "$kid"
    assert_eq "${lines[1]}" 403
    run license "$(sv-drm token sign --content-id movie --client 10.0.0.0/8)" "$kid"
    assert_eq "${lines[1]}" 403
    assert_eq "${lines[0]}" '{"error":"token is for another client address"}'
    run license "$(sv-drm token sign --content-id movie)" 00112233445566778899aabbccddeeff
    assert_eq "${lines[1]}" 404
    run curl -s -w '\n%{http_code}' -X POST -d '{"kids":"x"}' "$URL/license"
    assert_eq "${lines[1]}" 400
    assert_eq "${lines[0]}" '{"error":"request has no \"kids\" array"}'
    run curl -s -w '\n%{http_code}' -X POST -d "$(head -c 20000 /dev/zero | tr '\0' x)" "$URL/license"
    [ "${lines[-1]}" -ge 400 ]
    run curl -s -o /dev/null -w '%{http_code}' "$URL/hls/key/zz"
    assert_eq "$output" 400
    run curl -s -o /dev/null -w '%{http_code}' "$URL/license"
    assert_eq "$output" 405
    # still serving, and no key was issued on the way
    run license "$(sv-drm token sign --content-id movie)" "$kid"
    assert_eq "${lines[1]}" 200
    assert_eq "$(grep -c drm.key.issued events.jsonl)" 1
}

@test "serve limits the request rate per client" {
    sv-drm keygen --content-id movie > k.json
    start_serve --key k.json --rate 5
    # one curl for the 12 requests: 12 processes could take longer than
    # the bucket takes to refill on a loaded machine
    local i args=() codes
    for i in $(seq 12); do
        args+=(-o /dev/null "$URL/x")
    done
    codes=" $(curl -s -w '%{http_code} ' "${args[@]}")"
    assert_match "$codes" " 429"
    assert_match "$codes" "^ 404"
}

@test "serve answers CORS preflights and ES256 tokens" {
    openssl ecparam -name prime256v1 -genkey -noout -out es.pem
    openssl ec -in es.pem -pubout -out es.pub 2>/dev/null
    sv-drm keygen --content-id movie > k.json
    unset SV_DRM_JWT_SECRET
    start_serve --key k.json --jwt-key es.pub --cors https://player.example
    run curl -s -D - -o /dev/null -X OPTIONS "$URL/license"
    assert_match "$output" "access-control-allow-origin: https://player.example"
    assert_match "$output" "access-control-allow-headers: Authorization, Content-Type"
    run license "$(sv-drm token sign --jwt-key es.pem --content-id movie)" \
        "$(jq -r '.keys[0].kid' k.json)"
    assert_eq "${lines[1]}" 200
}

@test "serve reloads the keystore on SIGHUP" {
    export SV_DRM_MASTER_KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
    sv-drm keygen --store ks --content-id a >/dev/null
    start_serve --store ks
    local kid; kid=$(sv-drm keygen --store ks --content-id b | jq -r '.keys[0].kid')
    run license "$(sv-drm token sign --content-id b)" "$kid"
    assert_eq "${lines[1]}" 404
    kill -HUP "$(cat serve.pid)"
    wait_for grep -q 'keys reloaded' serve.err
    run license "$(sv-drm token sign --content-id b)" "$kid"
    assert_eq "${lines[1]}" 200
}

@test "serve fails clearly without keys, token key or a free port" {
    sv-drm keygen > k.json
    run --separate-stderr sv-drm serve --key nope.json --listen 127.0.0.1:1
    [ "$status" -eq 1 ]
    assert_match "$stderr" "^sv-drm: cannot open 'nope.json'"
    SV_DRM_JWT_SECRET='' run --separate-stderr sv-drm serve --key k.json
    [ "$status" -eq 2 ]
    run --separate-stderr sv-drm serve --key k.json --listen nowhere
    [ "$status" -eq 2 ]
    assert_eq "$stderr" "sv-drm: bad listen address 'nowhere'"
}

@test "serve exits 2 when https and the certificate do not come together" {
    sv-drm keygen > k.json
    run -2 --separate-stderr sv-drm serve --key k.json --tls-cert c.pem
    assert_eq "${stderr%%$'\n'*}" "sv-drm: --tls-cert and --tls-key go together"
    run -2 --separate-stderr sv-drm serve --key k.json \
        --listen https://127.0.0.1:0
    assert_eq "${stderr%%$'\n'*}" "sv-drm: an https:// --listen needs --tls-cert and --tls-key"
    run -2 --separate-stderr sv-drm serve --key k.json \
        --tls-cert c.pem --tls-key k.pem
    assert_eq "${stderr%%$'\n'*}" "sv-drm: --tls-cert needs an https:// --listen"
}

@test "serve hands out keys over HTTPS (HTTP/2 by ALPN) and stops on SIGTERM" {
    sv-drm keygen --content-id movie > k.json
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
        -keyout key.pem -out cert.pem 2>/dev/null
    PORT=$(free_port)
    sv-drm serve --listen "https://127.0.0.1:$PORT" --tls-cert cert.pem \
        --tls-key key.pem --events events.jsonl --key k.json \
        2> serve.err 3>&- &
    echo $! > serve.pid
    wait_for curl -sk -o /dev/null "https://127.0.0.1:$PORT/" ||
        fail "sv-drm serve did not start: $(cat serve.err)"
    local kid tok
    kid=$(jq -r '.keys[0].kid' k.json)
    tok=$(sv-drm token sign --kid "$kid")
    assert_eq "$(curl -sk --http2 -o key.bin -w '%{http_version} %{http_code}' \
        "https://127.0.0.1:$PORT/hls/key/$kid?token=$tok")" "2 200"
    assert_eq "$(od -An -tx1 key.bin | tr -d ' \n')" \
        "$(jq -r '.keys[0].key' k.json)"
    local st=0
    kill -TERM "$(cat serve.pid)"
    wait "$(cat serve.pid)" || st=$?
    rm serve.pid
    assert_eq "$st" 0
    grep -qx 'sv-drm: stopped' serve.err
}

@test "serve refuses a port another server holds" {
    sv-drm keygen > k.json
    start_serve --key k.json
    run --separate-stderr sv-drm serve --key k.json --listen "127.0.0.1:$PORT"
    [ "$status" -eq 1 ]
    assert_match "$stderr" "^sv-drm: cannot listen on '127.0.0.1:$PORT': "
}

# ---- usage errors, exact messages (issue 9) ---------------------------------
# Every usage error: status 2, nothing on stdout, and on stderr exactly the
# message and the --help hint.

# drm_usage MSG ARGS...: sv-drm ARGS fails that way with MSG
drm_usage() {
    local msg=$1
    shift
    run -2 --separate-stderr sv-drm "$@"
    assert_eq "$output" ""
    assert_eq "$stderr" "sv-drm: $msg
Try 'sv-drm --help' for more information."
}

@test "usage: commands, unknown options, missing values" {
    drm_usage "a command is required"
    drm_usage "a command is required" --store x
    drm_usage "unknown command 'bogus'" bogus
    drm_usage "unknown option '--nope'" keygen --nope
    drm_usage "unknown option '-Z'" keygen -Z
    drm_usage "option '--ttl' needs a value" token sign --ttl
    drm_usage "option '-o' needs a value" keygen -o
    drm_usage "option '--kid' does not apply to 'keygen'" keygen --kid 00
    drm_usage "option '--listen' does not apply to 'keys'" keys --listen x
    drm_usage "empty argument" encrypt --key k ""
    drm_usage "options --quiet and --verbose cannot be used together" \
        keygen -q -v
}

@test "usage: --store and --key conflict with one message" {
    local c
    for c in keys encrypt decrypt serve; do
        drm_usage "options --store and --key cannot be used together" \
            "$c" --store a --key b
    done
}

@test "usage: operands and options each command needs" {
    drm_usage "unexpected argument 'x'" keygen x
    drm_usage "unexpected argument 'x'" keys --key k x
    drm_usage "unexpected argument 'x'" serve --key k x
    drm_usage "keys needs --store or --key" keys
    drm_usage "serve needs --store or --key" serve
    drm_usage "token needs 'sign' or 'verify'" token
    drm_usage "token needs 'sign' or 'verify'" token check
    drm_usage "token sign takes no argument" token sign x
    drm_usage "token verify needs one token or -" token verify
    drm_usage "token verify takes one --client" token verify x \
        --client 10.0.0.1 --client 10.0.0.2
    drm_usage "bad --client 'nope': expected an address" token verify x \
        --client nope
    drm_usage "cpix needs one URL" cpix --content-id a
    drm_usage "cpix needs --content-id" cpix http://127.0.0.1:1/
    drm_usage "cpix takes --scheme cenc or cbcs" cpix http://127.0.0.1:1/ \
        --content-id a --scheme aes-128
    drm_usage "encrypt needs one package directory" encrypt --key k
    drm_usage "decrypt needs one package directory" decrypt --key k a b
    drm_usage "encrypt needs --store or --key" encrypt dir
    drm_usage "decrypt needs --store or --key" decrypt dir
    drm_usage "encrypt needs --scheme" encrypt --key k dir
    drm_usage "--scheme aes-128 needs --key-uri" encrypt --key k \
        --scheme aes-128 dir
    drm_usage "--rotate applies to --scheme aes-128" encrypt --key k \
        --scheme cenc --rotate 2 dir
    drm_usage "--crypto-period applies to --scheme cenc and cbcs (aes-128 rotates with --rotate)" \
        encrypt --key k --scheme aes-128 --key-uri u --crypto-period 2 dir
    drm_usage "--tls-cert and --tls-key go together" serve --key k \
        --tls-key k.pem
    drm_usage "an https:// --listen needs --tls-cert and --tls-key" \
        serve --key k --listen https://127.0.0.1:0
    drm_usage "--tls-cert needs an https:// --listen" serve --key k \
        --tls-cert c.pem --tls-key k.pem
}

@test "usage: bad integers" {
    drm_usage "bad --periods '0': expected an integer from 1 to 100000" \
        keygen --periods 0
    drm_usage "bad --periods 'x': expected an integer from 1 to 100000" \
        keygen --periods x
    drm_usage "bad --rotate '0': expected an integer from 1 to 1000000" \
        encrypt --rotate 0
    drm_usage "bad --crypto-period '0': expected an integer from 1 to 1000000" \
        encrypt --crypto-period 0
    drm_usage "bad --workers '65': expected an integer from 1 to 64" \
        serve --workers 65
    drm_usage "bad --rate '-1': expected an integer from 0 to 10000000" \
        serve --rate -1
}

@test "usage: bad durations" {
    drm_usage "bad --period-length '0': expected a duration above zero" \
        keygen --period-length 0
    drm_usage "bad --ttl 'x': expected a duration above zero" token sign \
        --ttl x
    drm_usage "bad --not-before '0s': expected a duration above zero" \
        token sign --not-before 0s
    drm_usage "bad --timeout '-1s': expected a duration above zero" \
        cpix --timeout=-1s
    drm_usage "bad --stop-timeout '0': expected a duration above zero" \
        serve --stop-timeout 0
}

@test "usage: bad choices and strings" {
    drm_usage "bad --alg 'RS256': expected HS256 or ES256" token sign \
        --alg RS256
    drm_usage "bad --scheme 'cbc1': expected cenc, cbcs or aes-128" \
        encrypt --scheme cbc1
    drm_usage "bad --kid '12': expected 32 hex digits or a UUID" keys \
        --kid 12
    drm_usage "bad --country 'de': expected two capital letters" token sign \
        --country de
    drm_usage "bad --path 'x/y': expected an absolute path" token sign \
        --path x/y
    drm_usage "bad --content-id: 1 to 256 characters" keygen \
        --content-id "$(printf '%0257d' 0)"
    drm_usage "bad --label: 1 to 64 characters" keygen \
        --label "$(printf '%065d' 0)"
    drm_usage "bad --sub: 1 to 200 characters" token sign \
        --sub "$(printf '%0201d' 0)"
}

@test "usage: too many of a list" {
    local i args=()
    for i in $(seq 65); do args+=(--country DE); done
    drm_usage "too many --country (at most 64)" token sign "${args[@]}"
    args=()
    for i in $(seq 65); do args+=(--label "l$i"); done
    drm_usage "too many --label (at most 64)" cpix http://127.0.0.1:1/ \
        --content-id a "${args[@]}"
}

@test "usage: serve --events that cannot be opened" {
    sv-drm keygen > k.json
    drm_usage "bad --events '$BATS_TEST_TMPDIR/no/ev': no such file or directory" \
        serve --key k.json --listen 127.0.0.1:1 --events "$BATS_TEST_TMPDIR/no/ev"
    drm_usage "bad --events 'fd:x': expected a path, fd:N or -" \
        serve --key k.json --listen 127.0.0.1:1 --events fd:x
}
