#!/usr/bin/env bats
# sv-serve.bats -- the HTTP origin: files, HTTP/2, TLS, caching, CORS,
# tokens, path safety, limits, LL-HLS holds and deltas, logs and signals.
# Every server binds 127.0.0.1 on a free port and is stopped by PID.

load ../helpers
bats_require_minimum_version 1.5.0


setup_file() {
    export WWW=$BATS_FILE_TMPDIR/www
    mkdir -p "$WWW/vod" "$WWW/dash" "$WWW/live" "$WWW/sub/dir"
    local src
    src=$(fixture h264_aac_360p.mp4)
    _ff -i "$src" -c copy -f hls -hls_time 1 -hls_playlist_type vod \
        -hls_segment_type fmp4 -hls_fmp4_init_filename init.mp4 \
        -hls_segment_filename "$WWW/vod/seg%d.m4s" "$WWW/vod/index.m3u8"
    _ff -i "$src" -c copy -f dash -seg_duration 1 "$WWW/dash/manifest.mpd"
    head -c 1048576 /dev/urandom > "$WWW/vod/big.mp4"
    echo '{"a":1}' > "$WWW/vod/info.json"
    echo hidden > "$WWW/vod/.seg9.m4s.tmp"
    echo inside > "$WWW/sub/dir/file.txt"
    echo 'outside the root' > "$BATS_FILE_TMPDIR/secret.txt"
    ln -s "$BATS_FILE_TMPDIR/secret.txt" "$WWW/escape.txt"
    ln -s sub/dir/file.txt "$WWW/inside-link.txt"
    printf 'k%.0s' $(seq 32) > "$BATS_FILE_TMPDIR/token.key"
}

# start_serve [options]: sv-serve on $WWW; sets PORT, URL, SERVE_PID
start_serve() {
    PORT=$(free_port)
    URL=http://127.0.0.1:$PORT
    sv-serve "$WWW" --listen "127.0.0.1:$PORT" "$@" \
        2> "$BATS_TEST_TMPDIR/serve.err" &
    SERVE_PID=$!
    wait_for curl -sf "$URL/healthz" ||
        fail "sv-serve did not start: $(cat "$BATS_TEST_TMPDIR/serve.err")"
}

teardown() {
    if [ -n "${SERVE_PID:-}" ]; then
        kill "$SERVE_PID" 2>/dev/null || true
        wait "$SERVE_PID" 2>/dev/null || true
    fi
    local p
    for p in ${BG_PIDS:-}; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
}

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
hdr() {     # hdr NAME curl-args...: the value of one response header
    local name=$1; shift
    curl -s -D - -o /dev/null "$@" | tr -d '\r' |
        awk -v n="$(echo "$name" | tr '[:upper:]' '[:lower:]')" -F': ' \
            'tolower($1) == n { print $2 }'
}

# token PREFIX EXPIRY [ADDR [SUBJECT]]: signed with openssl, not with sv-serve
token() {
    local p="v=1&p=$1&e=$2" key
    [ -n "${3:-}" ] && p="$p&a=$3"
    [ -n "${4:-}" ] && p="$p&s=$4"
    key=$(cat "$BATS_FILE_TMPDIR/token.key")
    local b m
    b=$(printf %s "$p" | basenc --base64url | tr -d '=\n')
    m=$(printf %s "$b" | openssl dgst -sha256 -hmac "$key" -binary |
        basenc --base64url | tr -d '=\n')
    echo "$b.$m"
}

# live_playlist FILE FIRST LAST [PARTS] [HINT] [EXTRA]: segments FIRST..LAST
# complete, then PARTS parts of the next; written atomically
live_playlist() {
    local f=$1 first=$2 last=$3 parts=${4:-0} hint=${5:-} extra=${6:-} i
    {
        echo '#EXTM3U'
        echo '#EXT-X-VERSION:6'
        echo '#EXT-X-TARGETDURATION:1'
        echo '#EXT-X-PART-INF:PART-TARGET=0.5'
        echo '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.5,CAN-SKIP-UNTIL=3.0'
        echo "#EXT-X-MEDIA-SEQUENCE:$first"
        echo '#EXT-X-MAP:URI="init.mp4"'
        [ -n "$extra" ] && echo "$extra"
        for i in $(seq "$first" "$last"); do
            echo '#EXTINF:1.000,'
            echo "s$i.m4s"
        done
        for i in $(seq 0 $((parts - 1))); do
            echo "#EXT-X-PART:DURATION=0.5,URI=\"s$((last + 1)).p$i.m4s\""
        done
        [ -n "$hint" ] && echo "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"$hint\""
    } > "$(dirname "$f")/.$(basename "$f").tmp"
    mv "$(dirname "$f")/.$(basename "$f").tmp" "$f"
}

held() { curl -s "$URL/metrics" | grep -qx "sv_serve_llhls_held $1"; }

# ---- command line ----

@test "exits 2 naming the problem without a directory" {
    run -2 --separate-stderr sv-serve
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    assert_eq "$stderr" "sv-serve: no directory to serve
Try 'sv-serve --help' for more information."
}

@test "exits 1 when the directory does not exist" {
    run -1 --separate-stderr sv-serve "$BATS_TEST_TMPDIR/nope"
    assert_eq "$stderr" "sv-serve: cannot serve '$BATS_TEST_TMPDIR/nope': no such directory"
}

@test "exits 2 on a bad --workers value" {
    run -2 --separate-stderr sv-serve "$WWW" --workers 0
    assert_eq "$stderr" "sv-serve: bad --workers '0': expected an integer from 1 to 256 or auto
Try 'sv-serve --help' for more information."
}

@test "exits 2 when --tls-cert comes without --tls-key" {
    run -2 --separate-stderr sv-serve "$WWW" --tls-cert x.pem
    assert_eq "${stderr%%$'\n'*}" "sv-serve: --tls-cert and --tls-key go together"
}

@test "exits 2 when https and the certificate do not come together" {
    run -2 --separate-stderr sv-serve "$WWW" --listen https://127.0.0.1:0
    assert_eq "${stderr%%$'\n'*}" "sv-serve: an https:// --listen needs --tls-cert and --tls-key"
    run -2 --separate-stderr sv-serve "$WWW" --listen http://127.0.0.1:0 \
        --tls-cert a.pem --tls-key b.pem
    assert_eq "${stderr%%$'\n'*}" "sv-serve: --tls-cert needs an https:// --listen"
}

@test "serves http and https from one process" {
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
        -keyout "$BATS_TEST_TMPDIR/key.pem" -out "$BATS_TEST_TMPDIR/cert.pem" 2>/dev/null
    local tp
    tp=$(free_port)
    start_serve --listen "https://127.0.0.1:$tp" \
        --tls-cert "$BATS_TEST_TMPDIR/cert.pem" --tls-key "$BATS_TEST_TMPDIR/key.pem"
    assert_eq "$(code "$URL/vod/index.m3u8")" 200
    assert_eq "$(code -k "https://127.0.0.1:$tp/vod/index.m3u8")" 200
    # no plain text on the TLS port
    assert_eq "$(code "http://127.0.0.1:$tp/vod/index.m3u8")" 000
}

@test "exits 1 naming the address when the port is taken" {
    start_serve
    run -1 --separate-stderr sv-serve "$WWW" --listen "127.0.0.1:$PORT" \
        --listen "127.0.0.1:$PORT"
    assert_match "$stderr" "cannot listen on '127.0.0.1:$PORT': address already in use"
}

@test "exits 1 when the token key file is missing" {
    run -1 --separate-stderr sv-serve "$WWW" --token-key "$BATS_TEST_TMPDIR/k"
    assert_eq "$stderr" "sv-serve: cannot read '$BATS_TEST_TMPDIR/k': no such file or directory"
}

# ---- files ----

@test "serves a VOD playlist with its type and a long cache lifetime" {
    start_serve
    run curl -sf -D "$BATS_TEST_TMPDIR/h" "$URL/vod/index.m3u8"
    [ "$status" -eq 0 ]
    diff <(echo "$output") "$WWW/vod/index.m3u8"
    grep -qix 'content-type: application/vnd.apple.mpegurl' <(tr -d '\r' < "$BATS_TEST_TMPDIR/h")
    grep -qix 'cache-control: public, max-age=86400' <(tr -d '\r' < "$BATS_TEST_TMPDIR/h")
}

@test "serves segments byte for byte, immutable, with their media types" {
    start_serve
    curl -sf -o "$BATS_TEST_TMPDIR/s" "$URL/vod/seg1.m4s"
    cmp "$BATS_TEST_TMPDIR/s" "$WWW/vod/seg1.m4s"
    assert_eq "$(hdr content-type "$URL/vod/seg1.m4s")" "video/iso.segment"
    assert_eq "$(hdr cache-control "$URL/vod/seg1.m4s")" "public, max-age=31536000, immutable"
    assert_eq "$(hdr content-type "$URL/vod/init.mp4")" "video/mp4"
    assert_eq "$(hdr content-type "$URL/dash/manifest.mpd")" "application/dash+xml"
    assert_eq "$(hdr cache-control "$URL/dash/manifest.mpd")" "public, max-age=86400"
    assert_eq "$(hdr cache-control "$URL/vod/info.json")" "no-cache"
    assert_eq "$(hdr content-type "$URL/vod/info.json")" "application/json"
    ffprobe -v error "$URL/vod/index.m3u8" -show_entries stream=codec_name \
        -of csv=p=0 | sed '/^$/d' | sort -u | tr '\n' ' ' | grep -qx 'aac h264 '
}

@test "a player page, its script and style get their types on GET as on HEAD" {
    # GET goes out by sendfile, HEAD through h2o's handler: one type map
    printf '<!doctype html><title>p</title>\n' > "$WWW/player.html"
    printf 'var a = 1;\n' > "$WWW/player.js"
    printf 'body {}\n' > "$WWW/player.css"
    start_serve
    local f want
    for f in player.html:text/html player.js:application/javascript \
             player.css:text/css vod/seg1.m4s:video/iso.segment; do
        want=${f#*:}
        assert_eq "$(hdr content-type "$URL/${f%%:*}")" "$want"
        assert_eq "$(hdr content-type -I "$URL/${f%%:*}")" "$want"
    done
}

@test "sends whole files exactly to slow and kept-alive readers" {
    start_serve
    # a reader slower than the socket drains: the sendfile path waits for room
    curl -sf --limit-rate 2M -o "$BATS_TEST_TMPDIR/slow" "$URL/vod/big.mp4"
    cmp "$BATS_TEST_TMPDIR/slow" "$WWW/vod/big.mp4"
    # one connection: big, small, a range of big, big again
    curl -sf -o "$BATS_TEST_TMPDIR/a" -o "$BATS_TEST_TMPDIR/b" \
        -o "$BATS_TEST_TMPDIR/c" "$URL/vod/big.mp4" "$URL/vod/info.json" \
        "$URL/vod/big.mp4" -w '%{num_connects}\n' > "$BATS_TEST_TMPDIR/n"
    cmp "$BATS_TEST_TMPDIR/a" "$WWW/vod/big.mp4"
    cmp "$BATS_TEST_TMPDIR/b" "$WWW/vod/info.json"
    cmp "$BATS_TEST_TMPDIR/c" "$WWW/vod/big.mp4"
    assert_eq "$(sed -n 2,3p "$BATS_TEST_TMPDIR/n" | tr '\n' ' ')" "0 0 "
    # the validators agree with the file handler's conditional answers
    assert_eq "$(hdr etag "$URL/vod/big.mp4")" "$(hdr etag -H 'Range: bytes=0-1' "$URL/vod/big.mp4")"
    assert_eq "$(hdr accept-ranges "$URL/vod/big.mp4")" bytes
    assert_eq "$(hdr content-length "$URL/vod/big.mp4")" 1048576
    # HTTP/2 still answers the same bytes
    curl -sf --http2-prior-knowledge -o "$BATS_TEST_TMPDIR/h2" "$URL/vod/big.mp4"
    cmp "$BATS_TEST_TMPDIR/h2" "$WWW/vod/big.mp4"
    # a reader that goes away mid-file leaves the server serving
    # status ignored: timeout ends the reader on purpose
    timeout 0.3 curl -s --limit-rate 100K -o /dev/null "$URL/vod/big.mp4" || true
    assert_eq "$(code "$URL/vod/seg1.m4s")" 200
}

@test "answers HEAD with the headers and no body" {
    start_serve
    run curl -sf -I "$URL/vod/big.mp4"
    assert_match "$output" "[Cc]ontent-[Ll]ength: 1048576"
    assert_eq "$(curl -s -X HEAD -o - -w '%{size_download}' "$URL/vod/big.mp4" 2>/dev/null)" 0
}

@test "answers byte ranges with 206 and the exact bytes" {
    start_serve
    assert_eq "$(code -r 1000-1999 "$URL/vod/big.mp4")" 206
    curl -s -r 1000-1999 -o "$BATS_TEST_TMPDIR/r" "$URL/vod/big.mp4"
    cmp "$BATS_TEST_TMPDIR/r" <(tail -c +1001 "$WWW/vod/big.mp4" | head -c 1000)
    assert_eq "$(hdr content-range -r 1000-1999 "$URL/vod/big.mp4")" "bytes 1000-1999/1048576"
    assert_eq "$(code -r 2000000-2000001 "$URL/vod/big.mp4")" 416
}

@test "answers 304 to a matching ETag or an unchanged Last-Modified" {
    start_serve
    local etag lm
    etag=$(hdr etag "$URL/vod/seg0.m4s")
    lm=$(hdr last-modified "$URL/vod/seg0.m4s")
    assert_eq "$(code -H "If-None-Match: $etag" "$URL/vod/seg0.m4s")" 304
    assert_eq "$(code -H "If-Modified-Since: $lm" "$URL/vod/seg0.m4s")" 304
    etag=$(hdr etag "$URL/vod/index.m3u8")
    assert_eq "$(code -H "If-None-Match: $etag" "$URL/vod/index.m3u8")" 304
    assert_eq "$(code -H 'If-None-Match: "other"' "$URL/vod/index.m3u8")" 200
}

@test "speaks HTTP/2 over cleartext by prior knowledge and by upgrade" {
    start_serve
    assert_eq "$(curl -s -o /dev/null -w '%{http_version}' --http2-prior-knowledge "$URL/vod/seg0.m4s")" 2
    # a small answer: curl 7.88 gives up on an upgrade followed by more
    # than its 32 KiB buffer
    assert_eq "$(curl -s -o /dev/null -w '%{http_version}' --http2 "$URL/vod/index.m3u8")" 2
    curl -s --http2-prior-knowledge -o "$BATS_TEST_TMPDIR/s" "$URL/vod/seg0.m4s"
    cmp "$BATS_TEST_TMPDIR/s" "$WWW/vod/seg0.m4s"
}

@test "speaks HTTP/2 over TLS by ALPN and HTTP/1.1 to clients without it" {
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
        -keyout "$BATS_TEST_TMPDIR/key.pem" -out "$BATS_TEST_TMPDIR/cert.pem" 2>/dev/null
    PORT=$(free_port)
    sv-serve "$WWW" --listen "https://127.0.0.1:$PORT" --tls-cert "$BATS_TEST_TMPDIR/cert.pem" \
        --tls-key "$BATS_TEST_TMPDIR/key.pem" 2> "$BATS_TEST_TMPDIR/serve.err" &
    SERVE_PID=$!
    wait_for curl -skf "https://127.0.0.1:$PORT/healthz"
    assert_eq "$(curl -sk -o /dev/null -w '%{http_version}' --http2 "https://127.0.0.1:$PORT/vod/index.m3u8")" 2
    assert_eq "$(curl -sk -o /dev/null -w '%{http_version}' --http1.1 "https://127.0.0.1:$PORT/vod/index.m3u8")" 1.1
    curl -sk --http2 -o "$BATS_TEST_TMPDIR/s" "https://127.0.0.1:$PORT/vod/seg1.m4s"
    cmp "$BATS_TEST_TMPDIR/s" "$WWW/vod/seg1.m4s"
}

@test "exits 1 naming a certificate it cannot load" {
    echo junk > "$BATS_TEST_TMPDIR/bad.pem"
    run -1 --separate-stderr sv-serve "$WWW" --listen https://127.0.0.1:0 \
        --tls-cert "$BATS_TEST_TMPDIR/bad.pem" --tls-key "$BATS_TEST_TMPDIR/bad.pem"
    assert_match "$stderr" "^sv-serve: cannot load certificate '$BATS_TEST_TMPDIR/bad.pem': "
}

@test "listens on IPv6 and IPv4 at once" {
    python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null ||
        skip "no IPv6 loopback"
    local p6
    p6=$(free_port)
    start_serve --listen "http://[::1]:$p6"
    assert_eq "$(code "http://[::1]:$p6/vod/index.m3u8")" 200
    assert_eq "$(code "$URL/vod/index.m3u8")" 200
}

@test "serves from several workers sharing the port" {
    start_serve --workers 2
    local i
    for i in $(seq 20); do
        assert_eq "$(code "$URL/vod/seg0.m4s")" 200
    done
    grep -q 'with 2 workers' "$BATS_TEST_TMPDIR/serve.err"
}

# ---- CORS ----

@test "adds CORS headers for an allowed origin only" {
    start_serve --cors-origin https://player.example
    assert_eq "$(hdr access-control-allow-origin -H 'Origin: https://player.example' "$URL/vod/index.m3u8")" "https://player.example"
    assert_eq "$(hdr access-control-allow-origin -H 'Origin: https://evil.example' "$URL/vod/index.m3u8")" ""
    assert_eq "$(hdr vary "$URL/vod/index.m3u8")" "Origin"
}

@test "answers a CORS preflight with 204 and the allowed methods" {
    start_serve --cors-origin '*'
    run curl -s -D - -o /dev/null -X OPTIONS -H 'Origin: https://a.example' \
        -H 'Access-Control-Request-Method: GET' \
        -H 'Access-Control-Request-Headers: range' "$URL/vod/seg0.m4s"
    output=$(echo "$output" | tr -d '\r')
    assert_match "$output" "HTTP/1.1 204"
    assert_match "$output" "access-control-allow-origin: \\*"
    assert_match "$output" "access-control-allow-methods: GET, HEAD, POST, OPTIONS"
    assert_match "$output" "access-control-allow-headers: range"
}

# ---- signed URLs ----

@test "serves a file with a valid token in the query and sets the cookie" {
    start_serve --token-key "$BATS_FILE_TMPDIR/token.key"
    local t
    t=$(token /vod/ $(( $(date +%s) + 600 )))
    assert_eq "$(code "$URL/vod/index.m3u8?token=$t")" 200
    assert_match "$(hdr set-cookie "$URL/vod/index.m3u8?token=$t")" "^sv_token=$t; Path=/vod/; Max-Age=[0-9]+; HttpOnly; SameSite=Lax$"
    assert_eq "$(code -b "sv_token=$t" "$URL/vod/seg0.m4s")" 200
}

@test "refuses missing, expired, tampered and wrong-path tokens with 403" {
    start_serve --token-key "$BATS_FILE_TMPDIR/token.key"
    local now t
    now=$(date +%s)
    assert_eq "$(code "$URL/vod/index.m3u8")" 403
    t=$(token /vod/ $((now - 1)))
    assert_eq "$(code "$URL/vod/index.m3u8?token=$t")" 403
    t=$(token /vod/ $((now + 600)))
    # another last character that still decodes canonically (4 data bits)
    local last=A
    [ "${t: -1}" != A ] || last=E
    assert_eq "$(code "$URL/vod/index.m3u8?token=${t%?}$last")" 403
    assert_eq "$(code "$URL/vod/index.m3u8?token=x${t}")" 403
    assert_eq "$(code "$URL/dash/manifest.mpd?token=$t")" 403
    t=$(token /vod/ $((now + 600)) 10.9.8.7)
    assert_eq "$(code "$URL/vod/index.m3u8?token=$t")" 403
    t=$(token /vod/ $((now + 600)) 127.0.0.1)
    assert_eq "$(code "$URL/vod/index.m3u8?token=$t")" 200
    assert_eq "$(code "$URL/healthz")" 200
}

@test "takes the token key from SV_TOKEN_KEY" {
    SV_TOKEN_KEY=$(cat "$BATS_FILE_TMPDIR/token.key") start_serve
    assert_eq "$(code "$URL/vod/index.m3u8")" 403
    assert_eq "$(code "$URL/vod/index.m3u8?token=$(token /vod $(( $(date +%s) + 60 )))")" 200
}

# ---- path safety ----

@test "refuses traversal and encoded separators with 400" {
    start_serve
    assert_eq "$(code --path-as-is "$URL/vod/../../secret.txt")" 400
    assert_eq "$(code --path-as-is "$URL/vod/%2e%2e/%2e%2e/secret.txt")" 400
    assert_eq "$(code --path-as-is "$URL/vod%2f..%2f..%2fsecret.txt")" 400
    assert_eq "$(code --path-as-is "$URL/vod/%5c..%5csecret.txt")" 400
    assert_eq "$(code --path-as-is "$URL/vod/%00.m3u8")" 400
    assert_eq "$(code --path-as-is "$URL/vod/./index.m3u8")" 400
    assert_eq "$(code "$URL/vod/index.m3u8")" 200
}

@test "hides dotfiles and symlinks pointing out of the root" {
    start_serve
    assert_eq "$(code "$URL/vod/.seg9.m4s.tmp")" 404
    assert_eq "$(code "$URL/vod/%2eseg9.m4s.tmp")" 404
    assert_eq "$(code "$URL/escape.txt")" 404
    assert_eq "$(curl -sf "$URL/inside-link.txt")" inside
}

@test "lists directories only with --index" {
    start_serve
    assert_eq "$(code "$URL/vod/")" 403
    kill "$SERVE_PID"; wait "$SERVE_PID"
    start_serve --index
    assert_eq "$(code "$URL/vod/")" 200
    curl -s "$URL/vod/" | grep -q 'seg0.m4s'
    if curl -s "$URL/vod/" | grep -q '\.seg9'; then
        fail "the listing shows a dotfile"
    fi
}

@test "answers 405 to methods other than GET, HEAD and OPTIONS on files" {
    start_serve
    assert_eq "$(code -X POST -d x "$URL/vod/index.m3u8")" 405
    assert_eq "$(hdr allow -X DELETE "$URL/vod/index.m3u8")" "GET, HEAD, OPTIONS"
}

# ---- limits ----

@test "answers 414 to a request target over --max-uri" {
    start_serve --max-uri 256
    assert_eq "$(code "$URL/vod/$(printf 'a%.0s' $(seq 300))")" 414
    assert_eq "$(code "$URL/vod/index.m3u8")" 200
}

@test "refuses an oversized header block and keeps serving" {
    start_serve
    local big
    big=$(printf 'x%.0s' $(seq 20000))
    run code -H "X-Big: $big" "$URL/vod/index.m3u8"
    assert_eq "$output" 431
    assert_eq "$(code "$URL/vod/index.m3u8")" 200
}

@test "answers garbage with 400 and keeps serving" {
    start_serve
    run python3 - "$PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"\x16\x03\x01 NOT HTTP AT ALL\r\n\r\n")
print(s.recv(100).split(b"\r\n")[0].decode())
PY
    assert_match "$output" "^HTTP/1.1 400"
    assert_eq "$(code "$URL/vod/index.m3u8")" 200
}

@test "closes connections beyond --max-conns for one address" {
    start_serve --max-conns 3
    run python3 - "$PORT" <<'PY'
import socket, sys
port = int(sys.argv[1])
held = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
extra = socket.create_connection(("127.0.0.1", port))
extra.settimeout(5)
try:
    extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    data = extra.recv(100)
except OSError:
    data = b""
print("closed" if data == b"" else data.split(b"\r\n")[0].decode())
held[0].sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
print(held[0].recv(100).split(b"\r\n")[0].decode())
PY
    assert_eq "$output" "closed
HTTP/1.1 200 OK"
    curl -s "$URL/metrics" | grep -qx 'sv_serve_connections_refused_total 1'
}

@test "answers 429 when an address spends its request tokens" {
    start_serve --rate 1 --burst 5
    local args=() i
    # one client, one connection: the requests come faster than a token
    # refills even under a sanitizer (eight curl processes did not)
    for i in $(seq 8); do args+=(-o /dev/null "$URL/vod/index.m3u8"); done
    run -0 curl -s -D - "${args[@]}"
    # the start-up probe spent a token or more: some 200s, then 429s, each
    # with its Retry-After
    local ok limited after
    ok=$(grep -c '^HTTP/1.1 200' <<< "$output")
    limited=$(grep -c '^HTTP/1.1 429' <<< "$output")
    after=$(grep -ci '^retry-after: 1.$' <<< "$output")
    [ "$((ok + limited))" -eq 8 ] || fail "$output"
    [ "$limited" -ge 3 ] || fail "$output"
    [ "$after" -eq "$limited" ] || fail "$output"
}

@test "disconnects a client that sends headers too slowly (slowloris)" {
    start_serve --header-timeout 1s
    run python3 - "$PORT" <<'PY'
import socket, sys, urllib.request
port = int(sys.argv[1])
slow = socket.create_connection(("127.0.0.1", port))
slow.sendall(b"GET /vod/index.m3u8 HTTP/1.1\r\nHost: x\r\n")
# the server keeps serving others meanwhile
print(urllib.request.urlopen("http://127.0.0.1:%d/healthz" % port).status)
slow.settimeout(30)
try:
    while slow.recv(1000):
        pass
    print("closed")
except socket.timeout:
    print("still open")
PY
    assert_eq "$output" "200
closed"
}

# ---- LL-HLS ----

@test "holds a blocking playlist request until the segment appears" {
    start_serve
    live_playlist "$WWW/live/a.m3u8" 0 2
    curl -s -o "$BATS_TEST_TMPDIR/out" -w '%{http_code}' \
        "$URL/live/a.m3u8?_HLS_msn=3" > "$BATS_TEST_TMPDIR/code" &
    BG_PIDS=$!
    wait_for held 1
    [ ! -s "$BATS_TEST_TMPDIR/code" ]
    live_playlist "$WWW/live/a.m3u8" 0 3
    wait "$BG_PIDS"
    assert_eq "$(cat "$BATS_TEST_TMPDIR/code")" 200
    grep -qx 's3.m4s' "$BATS_TEST_TMPDIR/out"
    held 0
}

@test "holds a blocking request for a part until the part is listed" {
    start_serve
    live_playlist "$WWW/live/b.m3u8" 0 2 1
    curl -s -o "$BATS_TEST_TMPDIR/out" "$URL/live/b.m3u8?_HLS_msn=3&_HLS_part=1" &
    BG_PIDS=$!
    wait_for held 1
    live_playlist "$WWW/live/b.m3u8" 0 2 2
    wait "$BG_PIDS"
    grep -qx '#EXT-X-PART:DURATION=0.5,URI="s3.p1.m4s"' "$BATS_TEST_TMPDIR/out"
    assert_eq "$(hdr cache-control "$URL/live/b.m3u8?_HLS_msn=3&_HLS_part=1")" "public, max-age=6"
    assert_eq "$(hdr cache-control "$URL/live/b.m3u8")" "public, max-age=1, stale-while-revalidate=0"
}

@test "answers at once when the playlist already has the segment or has ended" {
    start_serve
    live_playlist "$WWW/live/c.m3u8" 5 9
    assert_eq "$(code "$URL/live/c.m3u8?_HLS_msn=7")" 200
    assert_eq "$(code "$URL/live/c.m3u8?_HLS_msn=6&_HLS_part=3")" 200
    assert_eq "$(code "$URL/vod/index.m3u8?_HLS_msn=900")" 200
}

@test "answers 400 to requests too far ahead or with a part but no segment" {
    start_serve
    live_playlist "$WWW/live/d.m3u8" 0 4
    assert_eq "$(code "$URL/live/d.m3u8?_HLS_msn=7")" 400
    assert_eq "$(code "$URL/live/d.m3u8?_HLS_part=1")" 400
    assert_eq "$(code "$URL/live/d.m3u8?_HLS_msn=x")" 400
    assert_eq "$(code "$URL/live/d.m3u8?_HLS_msn=5&_HLS_skip=maybe")" 400
}

@test "answers 503 after three target durations without the segment" {
    start_serve
    live_playlist "$WWW/live/e.m3u8" 0 2
    assert_eq "$(code "$URL/live/e.m3u8?_HLS_msn=4")" 503
    held 0
}

@test "holds a request for the preload-hinted part until the file appears" {
    start_serve
    live_playlist "$WWW/live/f.m3u8" 0 2 1 s3.p1.m4s
    curl -sf "$URL/live/f.m3u8" > /dev/null
    curl -s -o "$BATS_TEST_TMPDIR/part" -w '%{http_code}' "$URL/live/s3.p1.m4s" \
        > "$BATS_TEST_TMPDIR/code" &
    BG_PIDS=$!
    wait_for held 1
    head -c 5000 /dev/urandom > "$WWW/live/.s3.p1.m4s.tmp"
    cp "$WWW/live/.s3.p1.m4s.tmp" "$BATS_TEST_TMPDIR/expect"
    mv "$WWW/live/.s3.p1.m4s.tmp" "$WWW/live/s3.p1.m4s"
    wait "$BG_PIDS"
    assert_eq "$(cat "$BATS_TEST_TMPDIR/code")" 200
    cmp "$BATS_TEST_TMPDIR/part" "$BATS_TEST_TMPDIR/expect"
    assert_eq "$(code "$URL/live/s3.p2.m4s")" 404
}

# ---- low-latency DASH: segments streamed from their parts ----

@test "answers /time with the clock in ISO 8601 with milliseconds, never cached" {
    start_serve --cors-origin '*'
    run curl -sf -H 'Origin: http://player.example' "$URL/time"
    assert_match "$output" '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{3}Z$'
    # the day date(1) says (or the one before, across midnight)
    [[ $output == "$(date -u +%Y-%m-%d)"T* ||
       $output == "$(date -u -d '1 day ago' +%Y-%m-%d)"T* ]] ||
        fail "not today: $output"
    assert_eq "$(hdr cache-control "$URL/time")" no-store
    assert_eq "$(hdr access-control-allow-origin -H 'Origin: http://player.example' "$URL/time")" '*'
    assert_eq "$(code -X POST "$URL/time")" 405
}

# lldash DIR [ENDED]: a live low-latency DASH package's package.json
lldash() {
    mkdir -p "$WWW/$1/v0"
    printf '{"version":1,"type":"live","ll_dash":true,"ended":%s,"target_duration":1}\n' \
        "${2:-false}" > "$WWW/$1/package.json"
}

# put DIR NAME BYTES: a random file, renamed into place as packagers do
put() {
    head -c "$3" /dev/urandom > "$WWW/$1/.$2.tmp"
    cat "$WWW/$1/.$2.tmp" >> "$BATS_TEST_TMPDIR/expect"
    mv "$WWW/$1/.$2.tmp" "$WWW/$1/$2"
}

size_is() { [ "$(stat -c %s "$1" 2>/dev/null)" = "$2" ]; }

@test "streams a low-latency DASH segment chunk by chunk as its parts appear" {
    lldash lla
    start_serve
    curl -sN -D "$BATS_TEST_TMPDIR/hdr" -o "$BATS_TEST_TMPDIR/body" \
        -w '%{http_code}' "$URL/lla/v0/seg-3.m4s" > "$BATS_TEST_TMPDIR/code" &
    BG_PIDS=$!
    wait_for held 1
    : > "$BATS_TEST_TMPDIR/expect"
    put lla/v0 seg-3.0.m4s 3000
    # the client has the first part while the segment is not complete
    wait_for size_is "$BATS_TEST_TMPDIR/body" 3000
    put lla/v0 seg-3.1.m4s 5000
    wait_for size_is "$BATS_TEST_TMPDIR/body" 8000
    put lla/v0 seg-3.2.m4s 7000
    wait_for size_is "$BATS_TEST_TMPDIR/body" 15000
    cp "$BATS_TEST_TMPDIR/expect" "$WWW/lla/v0/.seg-3.m4s.tmp"
    mv "$WWW/lla/v0/.seg-3.m4s.tmp" "$WWW/lla/v0/seg-3.m4s"
    wait "$BG_PIDS"
    assert_eq "$(cat "$BATS_TEST_TMPDIR/code")" 200
    grep -qix 'transfer-encoding: chunked' <(tr -d '\r' < "$BATS_TEST_TMPDIR/hdr")
    grep -qix 'content-type: video/iso.segment' <(tr -d '\r' < "$BATS_TEST_TMPDIR/hdr")
    cmp "$BATS_TEST_TMPDIR/body" "$WWW/lla/v0/seg-3.m4s"
    held 0
    # the whole segment is a plain file now
    assert_eq "$(hdr content-length "$URL/lla/v0/seg-3.m4s")" 15000
}

@test "a low-latency DASH segment asked for late starts with the parts already there" {
    lldash llb
    : > "$BATS_TEST_TMPDIR/expect"
    put llb/v0 seg-5.0.m4s 2000
    put llb/v0 seg-5.1.m4s 2500
    start_serve
    curl -sN -o "$BATS_TEST_TMPDIR/body" "$URL/llb/v0/seg-5.m4s" &
    BG_PIDS=$!
    wait_for size_is "$BATS_TEST_TMPDIR/body" 4500
    put llb/v0 seg-5.2.m4s 1000
    cp "$BATS_TEST_TMPDIR/expect" "$WWW/llb/v0/.seg-5.m4s.tmp"
    mv "$WWW/llb/v0/.seg-5.m4s.tmp" "$WWW/llb/v0/seg-5.m4s"
    wait "$BG_PIDS"
    cmp "$BATS_TEST_TMPDIR/body" "$BATS_TEST_TMPDIR/expect"
}

@test "streams a low-latency DASH segment over HTTP/2 too" {
    lldash llh
    start_serve
    curl -sN --http2-prior-knowledge -o "$BATS_TEST_TMPDIR/body" \
        -w '%{http_version} %{http_code}' "$URL/llh/v0/seg-2.m4s" \
        > "$BATS_TEST_TMPDIR/code" &
    BG_PIDS=$!
    wait_for held 1
    : > "$BATS_TEST_TMPDIR/expect"
    put llh/v0 seg-2.0.m4s 6000
    wait_for size_is "$BATS_TEST_TMPDIR/body" 6000
    put llh/v0 seg-2.1.m4s 2000
    cp "$BATS_TEST_TMPDIR/expect" "$WWW/llh/v0/.seg-2.m4s.tmp"
    mv "$WWW/llh/v0/.seg-2.m4s.tmp" "$WWW/llh/v0/seg-2.m4s"
    wait "$BG_PIDS"
    assert_eq "$(cat "$BATS_TEST_TMPDIR/code")" "2 200"
    cmp "$BATS_TEST_TMPDIR/body" "$WWW/llh/v0/seg-2.m4s"
}

@test "a streamed segment whose parts take longer than three target durations in all is not cut" {
    lldash lli
    start_serve
    curl -sN -o "$BATS_TEST_TMPDIR/body" -w '%{http_code}' \
        "$URL/lli/v0/seg-4.m4s" > "$BATS_TEST_TMPDIR/code" &
    BG_PIDS=$!
    wait_for held 1
    : > "$BATS_TEST_TMPDIR/expect"
    # asked early, as a CDN asks once for its viewers: 4 parts 1.1 s apart
    # (the timeout is 3 s of target duration per wait, not per response)
    local i
    for i in 0 1 2 3; do
        sleep 1.1
        put lli/v0 "seg-4.$i.m4s" 1000
    done
    cp "$BATS_TEST_TMPDIR/expect" "$WWW/lli/v0/.seg-4.m4s.tmp"
    mv "$WWW/lli/v0/.seg-4.m4s.tmp" "$WWW/lli/v0/seg-4.m4s"
    wait "$BG_PIDS"
    assert_eq "$(cat "$BATS_TEST_TMPDIR/code")" 200
    cmp "$BATS_TEST_TMPDIR/body" "$WWW/lli/v0/seg-4.m4s"
}

@test "cuts a streamed segment when its next part does not come in three target durations" {
    lldash llc
    : > "$BATS_TEST_TMPDIR/expect"
    put llc/v0 seg-1.0.m4s 4000
    start_serve
    local st=0
    curl -sN -o "$BATS_TEST_TMPDIR/body" "$URL/llc/v0/seg-1.m4s" || st=$?
    # the chunked response ends without its last chunk: curl sees the cut
    [ "$st" -ne 0 ] || fail "curl saw a complete response"
    cmp "$BATS_TEST_TMPDIR/body" "$BATS_TEST_TMPDIR/expect"
    held 0
}

@test "answers 503 when no part of a low-latency segment comes in time" {
    lldash lld
    start_serve
    assert_eq "$(code "$URL/lld/v0/seg-9.m4s")" 503
    held 0
}

@test "a missing segment stays 404 outside a live low-latency DASH package" {
    lldash lle true
    mkdir -p "$WWW/llf/v0"
    echo '{"version":1,"type":"live","ended":false,"target_duration":1}' \
        > "$WWW/llf/package.json"
    lldash llg
    start_serve
    assert_eq "$(code "$URL/lle/v0/seg-1.m4s")" 404
    assert_eq "$(code "$URL/llf/v0/seg-1.m4s")" 404
    assert_eq "$(code "$URL/live/seg-1.m4s")" 404
    # parts themselves and HEAD are never held
    assert_eq "$(code "$URL/llg/v0/seg-1.0.m4s")" 404
    assert_eq "$(code -I "$URL/llg/v0/seg-1.m4s")" 404
    held 0
}

@test "generates a delta update with EXT-X-SKIP for _HLS_skip=YES" {
    start_serve
    live_playlist "$WWW/live/g.m3u8" 10 19 0 "" '#EXT-X-DATERANGE:ID="ad",START-DATE="2026-01-01T00:00:00Z"'
    run curl -sf "$URL/live/g.m3u8?_HLS_skip=YES"
    assert_eq "$output" '#EXTM3U
#EXT-X-VERSION:9
#EXT-X-TARGETDURATION:1
#EXT-X-PART-INF:PART-TARGET=0.5
#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.5,CAN-SKIP-UNTIL=3.0
#EXT-X-MEDIA-SEQUENCE:10
#EXT-X-SKIP:SKIPPED-SEGMENTS=7
#EXT-X-DATERANGE:ID="ad",START-DATE="2026-01-01T00:00:00Z"
#EXT-X-MAP:URI="init.mp4"
#EXTINF:1.000,
s17.m4s
#EXTINF:1.000,
s18.m4s
#EXTINF:1.000,
s19.m4s'
    run curl -sf "$URL/live/g.m3u8?_HLS_skip=v2"
    if [[ $output == *DATERANGE* ]]; then fail "v2 kept the date range"; fi
    assert_match "$output" "SKIPPED-SEGMENTS=7"
}

# ---- logs, beacons, metrics ----

@test "writes one serve.request JSON line per request with CMCD and subject" {
    start_serve --access-log "$BATS_TEST_TMPDIR/access.jsonl" \
        --token-key "$BATS_FILE_TMPDIR/token.key"
    local t
    t=$(token /vod/ $(( $(date +%s) + 600 )) "" alice)
    curl -s -o /dev/null -A 'test-agent/1' -e 'https://ref.example/' \
        -H 'CMCD-Request: bl=2000,mtp=5000' \
        "$URL/vod/seg0.m4s?token=$t&CMCD=br%3D800%2Cot%3Dv%2Csid%3D%22abc%22%2Csu"
    kill "$SERVE_PID"; wait "$SERVE_PID"; SERVE_PID=
    run jq -c 'select(.data.path == "/vod/seg0.m4s") | del(.ts, .data.duration_ms)' \
        "$BATS_TEST_TMPDIR/access.jsonl"
    assert_eq "$output" "{\"v\":1,\"tool\":\"sv-serve\",\"event\":\"serve.request\",\"data\":{\"addr\":\"127.0.0.1\",\"method\":\"GET\",\"path\":\"/vod/seg0.m4s\",\"query\":\"CMCD=br%3D800%2Cot%3Dv%2Csid%3D%22abc%22%2Csu\",\"proto\":\"HTTP/1.1\",\"status\":200,\"bytes\":$(stat -c %s "$WWW/vod/seg0.m4s"),\"ua\":\"test-agent/1\",\"referrer\":\"https://ref.example/\",\"subject\":\"alice\",\"cmcd\":{\"br\":800,\"ot\":\"v\",\"sid\":\"abc\",\"su\":true,\"bl\":2000,\"mtp\":5000}}}"
    jq -s -e 'any(.[]; .data.path == "/vod/seg0.m4s" and
                       .data.duration_ms >= 0)' \
        "$BATS_TEST_TMPDIR/access.jsonl" > /dev/null
}

@test "reopens the access log on SIGHUP" {
    start_serve --access-log "$BATS_TEST_TMPDIR/access.jsonl"
    curl -s -o /dev/null "$URL/vod/index.m3u8"
    mv "$BATS_TEST_TMPDIR/access.jsonl" "$BATS_TEST_TMPDIR/access.jsonl.1"
    kill -HUP "$SERVE_PID"
    wait_for test -e "$BATS_TEST_TMPDIR/access.jsonl"
    curl -s -o /dev/null "$URL/vod/seg1.m4s"
    wait_for grep -q seg1.m4s "$BATS_TEST_TMPDIR/access.jsonl"
    grep -q index.m3u8 "$BATS_TEST_TMPDIR/access.jsonl.1"
    if grep -q seg1.m4s "$BATS_TEST_TMPDIR/access.jsonl.1"; then
        fail "wrote to the rotated log"
    fi
}

@test "appends valid beacons to the beacon log and refuses bad ones" {
    start_serve --beacon-log "$BATS_TEST_TMPDIR/beacons.jsonl" --beacon-max 256
    assert_eq "$(code -X POST -H 'Content-Type: application/json' -A b/1 \
        -d '{"event":"stall","ms":1200}' "$URL/beacon")" 204
    assert_eq "$(code -X POST -d 'not json' "$URL/beacon")" 400
    assert_eq "$(code -X POST -d '[1,2]' "$URL/beacon")" 400
    assert_eq "$(code -X POST -d '{"a":1,"a":2}' "$URL/beacon")" 400
    assert_eq "$(code -X POST -d "{\"x\":\"$(printf 'y%.0s' $(seq 400))\"}" "$URL/beacon")" 413
    assert_eq "$(code "$URL/beacon")" 405
    run jq -c 'del(.ts)' "$BATS_TEST_TMPDIR/beacons.jsonl"
    assert_eq "$output" '{"v":1,"tool":"sv-serve","event":"serve.beacon","data":{"addr":"127.0.0.1","ua":"b/1","beacon":{"event":"stall","ms":1200}}}'
}

@test "answers 404 to beacons without a beacon log" {
    start_serve
    assert_eq "$(code -X POST -d '{}' "$URL/beacon")" 404
}

@test "exposes Prometheus metrics and a health check" {
    start_serve
    curl -s -o /dev/null "$URL/vod/index.m3u8"
    curl -s -o /dev/null "$URL/vod/nope.m4s"
    assert_eq "$(curl -s "$URL/healthz")" ok
    run curl -s "$URL/metrics"
    assert_match "$output" 'sv_serve_requests_total\{status="200"\} [0-9]+'
    assert_match "$output" 'sv_serve_requests_total\{status="404"\} 1'
    assert_match "$output" 'sv_serve_connections [0-9]+'
    assert_match "$output" 'sv_serve_llhls_held 0'
    assert_match "$output" 'sv_serve_request_duration_seconds_bucket\{le="\+Inf"\} [0-9]+'
    assert_match "$output" 'sv_serve_sent_bytes_total [1-9][0-9]*'
    assert_eq "$(hdr content-type "$URL/metrics")" "text/plain; version=0.0.4"
}

# ---- signals ----

@test "on SIGTERM finishes a download in flight and exits 0" {
    start_serve
    curl -s --limit-rate 400k -o "$BATS_TEST_TMPDIR/big" "$URL/vod/big.mp4" &
    BG_PIDS=$!
    wait_for test -s "$BATS_TEST_TMPDIR/big"
    kill -TERM "$SERVE_PID"
    wait "$BG_PIDS"
    cmp "$BATS_TEST_TMPDIR/big" "$WWW/vod/big.mp4"
    local st=0
    wait "$SERVE_PID" || st=$?
    SERVE_PID=
    assert_eq "$st" 0
    grep -qx 'sv-serve: stopped' "$BATS_TEST_TMPDIR/serve.err"
}

@test "on SIGTERM answers held requests with 503 and stops listening" {
    start_serve
    live_playlist "$WWW/live/h.m3u8" 0 2
    curl -s -o /dev/null -w '%{http_code}' "$URL/live/h.m3u8?_HLS_msn=3" \
        > "$BATS_TEST_TMPDIR/code" &
    BG_PIDS=$!
    wait_for held 1
    kill -TERM "$SERVE_PID"
    wait "$BG_PIDS"
    assert_eq "$(cat "$BATS_TEST_TMPDIR/code")" 503
    local st=0
    wait "$SERVE_PID" || st=$?
    SERVE_PID=
    [ "$st" -eq 0 ] || fail "status $st: $(cat "$BATS_TEST_TMPDIR/serve.err")"
    assert_eq "$(code "$URL/healthz")" 000
}

@test "on SIGTERM closes idle keep-alive connections by --stop-timeout" {
    start_serve --stop-timeout 1s
    python3 - "$PORT" > "$BATS_TEST_TMPDIR/idle.out" <<'PY' &
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
s.recv(1000)
print("answered", flush=True)
s.settimeout(60)
try:
    while s.recv(1000):
        pass
    print("closed")
except OSError:
    print("error")
PY
    BG_PIDS=$!
    wait_for grep -q answered "$BATS_TEST_TMPDIR/idle.out"
    kill -TERM "$SERVE_PID"
    local st=0
    wait "$SERVE_PID" || st=$?
    SERVE_PID=
    assert_eq "$st" 0
    wait "$BG_PIDS"
    assert_eq "$(cat "$BATS_TEST_TMPDIR/idle.out")" "answered
closed"
}

@test "rereads the token key file on SIGHUP" {
    cp "$BATS_FILE_TMPDIR/token.key" "$BATS_TEST_TMPDIR/key"
    start_serve --token-key "$BATS_TEST_TMPDIR/key"
    local old
    old=$(token /vod/ $(( $(date +%s) + 600 )))
    assert_eq "$(code "$URL/vod/index.m3u8?token=$old")" 200
    printf 'n%.0s' $(seq 32) > "$BATS_TEST_TMPDIR/key.new"
    mv "$BATS_TEST_TMPDIR/key.new" "$BATS_TEST_TMPDIR/key"
    kill -HUP "$SERVE_PID"
    wait_for test "$(code "$URL/vod/index.m3u8?token=$old")" = 403
    local p b m
    p="v=1&p=/vod/&e=$(( $(date +%s) + 600 ))"
    b=$(printf %s "$p" | basenc --base64url | tr -d '=\n')
    m=$(printf %s "$b" | openssl dgst -sha256 -hmac "$(cat "$BATS_TEST_TMPDIR/key")" -binary |
        basenc --base64url | tr -d '=\n')
    assert_eq "$(code "$URL/vod/index.m3u8?token=$b.$m")" 200
}

@test "runs one worker per CPU with --workers auto" {
    start_serve --workers auto
    grep -q "with $(nproc) worker" "$BATS_TEST_TMPDIR/serve.err"
    assert_eq "$(code "$URL/vod/index.m3u8")" 200
}

@test "answers 400 to an _HLS_msn too long to read, as to any bad one" {
    start_serve
    live_playlist "$WWW/live/q.m3u8" 0 4
    assert_eq "$(code "$URL/live/q.m3u8?_HLS_msn=9")" 400
    # the same number padded to 24 characters was read as 0 (200)
    assert_eq "$(code "$URL/live/q.m3u8?_HLS_msn=000000000000000000000009")" 400
    assert_eq "$(code "$URL/live/q.m3u8?_HLS_msn=0000000000000000000003")" 200
}

# ---- usage errors, exact messages (issue 9) ---------------------------------
# Every usage error: status 2, nothing on stdout, and on stderr exactly the
# message and the --help hint.

# serve_usage MSG ARGS...: sv-serve ARGS fails that way with MSG
serve_usage() {
    local msg=$1
    shift
    run -2 --separate-stderr sv-serve "$@"
    assert_eq "$output" ""
    assert_eq "$stderr" "sv-serve: $msg
Try 'sv-serve --help' for more information."
}

@test "usage: unknown options, missing values and operands" {
    serve_usage "unknown option '--nope'" "$WWW" --nope
    serve_usage "unknown option '-Z'" "$WWW" -Z
    serve_usage "option '--rate' needs a value" "$WWW" --rate
    serve_usage "option '-l' needs a value" "$WWW" -l
    serve_usage "no directory to serve"
    serve_usage "too many operands: one directory" "$WWW" "$WWW"
    serve_usage "empty argument" ""
    serve_usage "options --quiet and --verbose cannot be used together" \
        "$WWW" -q -v
}

@test "usage: TLS combinations" {
    serve_usage "--tls-cert and --tls-key go together" "$WWW" --tls-cert x
    serve_usage "--tls-cert and --tls-key go together" "$WWW" --tls-key x
    serve_usage "an https:// --listen needs --tls-cert and --tls-key" \
        "$WWW" --listen https://127.0.0.1:0
    serve_usage "--tls-cert needs an https:// --listen" "$WWW" \
        --tls-cert a.pem --tls-key b.pem
}

@test "usage: bad integers" {
    serve_usage "bad --workers 'many': expected an integer from 1 to 256 or auto" \
        "$WWW" -w many
    serve_usage "bad --workers '257': expected an integer from 1 to 256 or auto" \
        "$WWW" --workers 257
    serve_usage "bad --max-conns '-1': expected an integer from 0 to 1000000" \
        "$WWW" --max-conns -1
    serve_usage "bad --rate '1.5': expected an integer from 0 to 1000000" \
        "$WWW" --rate 1.5
    serve_usage "bad --burst '0': expected an integer from 1 to 1000000" \
        "$WWW" --burst 0
    serve_usage "bad --max-uri '63': expected an integer from 64 to 8192" \
        "$WWW" --max-uri 63
    serve_usage "bad --max-uri '8193': expected an integer from 64 to 8192" \
        "$WWW" --max-uri 8193
}

@test "usage: bad sizes" {
    serve_usage "bad --max-headers '512': expected a size from 1K to 1M" \
        "$WWW" --max-headers 512
    serve_usage "bad --max-headers '2M': expected a size from 1K to 1M" \
        "$WWW" --max-headers 2M
    serve_usage "bad --beacon-max '63': expected a size from 64 to 1M" \
        "$WWW" --beacon-max 63
    serve_usage "bad --beacon-max 'lots': expected a size from 64 to 1M" \
        "$WWW" --beacon-max lots
}

@test "usage: bad durations" {
    local o
    for o in header-timeout idle-timeout stop-timeout; do
        serve_usage "bad --$o '0': expected a duration above zero" \
            "$WWW" "--$o" 0
        serve_usage "bad --$o 'soon': expected a duration above zero" \
            "$WWW" "--$o" soon
    done
}

@test "usage: too many of a list" {
    local i args=()
    for i in $(seq 17); do args+=(--listen "http://127.0.0.1:$i"); done
    serve_usage "too many --listen (at most 16)" "$WWW" "${args[@]}"
    args=()
    for i in $(seq 33); do args+=(--cors-origin "https://o$i.example"); done
    serve_usage "too many --cors-origin (at most 32)" "$WWW" "${args[@]}"
}

# ---- LL-HLS packages with playlists at the root, parts below ----

# hinted NAME: GET llr/v0/NAME in the background into $BATS_TEST_TMPDIR/NAME
hinted() {
    curl -s -o "$BATS_TEST_TMPDIR/$1" -w '%{http_code}' "$URL/llr/v0/$1" \
        > "$BATS_TEST_TMPDIR/$1.code" &
    BG_PIDS="${BG_PIDS:-} $!"
}

# arrive NAME: random bytes renamed into llr/v0/NAME, kept to compare
arrive() {
    head -c 5000 /dev/urandom > "$WWW/llr/v0/.$1.tmp"
    cp "$WWW/llr/v0/.$1.tmp" "$BATS_TEST_TMPDIR/$1.expect"
    mv "$WWW/llr/v0/.$1.tmp" "$WWW/llr/v0/$1"
}

@test "holds the hinted part in a rendition directory below the playlist" {
    mkdir -p "$WWW/llr/v0"
    start_serve
    live_playlist "$WWW/llr/v0.m3u8" 0 2 1 v0/seg-3.1.m4s
    curl -sf "$URL/llr/v0.m3u8" > /dev/null
    hinted seg-3.1.m4s
    wait_for held 1
    arrive seg-3.1.m4s
    # shellcheck disable=SC2086 # a list of pids, split on purpose
    wait $BG_PIDS
    assert_eq "$(cat "$BATS_TEST_TMPDIR/seg-3.1.m4s.code")" 200
    cmp "$BATS_TEST_TMPDIR/seg-3.1.m4s" "$BATS_TEST_TMPDIR/seg-3.1.m4s.expect"
    held 0
}

@test "holds the next parts of the hinted segment, not those beyond" {
    mkdir -p "$WWW/lls/v0"
    start_serve
    live_playlist "$WWW/lls/v0.m3u8" 0 2 1 v0/seg-3.1.m4s
    curl -sf "$URL/lls/v0.m3u8" > /dev/null
    curl -s -o "$BATS_TEST_TMPDIR/p" -w '%{http_code}' \
        "$URL/lls/v0/seg-3.3.m4s" > "$BATS_TEST_TMPDIR/p.code" &
    BG_PIDS=$!
    wait_for held 1
    # beyond the next parts, another segment, another rendition: 404 now
    assert_eq "$(code "$URL/lls/v0/seg-3.4.m4s")" 404
    assert_eq "$(code "$URL/lls/v0/seg-4.1.m4s")" 404
    assert_eq "$(code "$URL/lls/v1/seg-3.1.m4s")" 404
    assert_eq "$(code "$URL/lls/seg-3.1.m4s")" 404
    held 1
    head -c 3000 /dev/urandom > "$WWW/lls/v0/.seg-3.3.m4s.tmp"
    cp "$WWW/lls/v0/.seg-3.3.m4s.tmp" "$BATS_TEST_TMPDIR/p.expect"
    mv "$WWW/lls/v0/.seg-3.3.m4s.tmp" "$WWW/lls/v0/seg-3.3.m4s"
    wait "$BG_PIDS"
    assert_eq "$(cat "$BATS_TEST_TMPDIR/p.code")" 200
    cmp "$BATS_TEST_TMPDIR/p" "$BATS_TEST_TMPDIR/p.expect"
}

@test "a held hinted part answers 404 once its segment appears without it" {
    mkdir -p "$WWW/llg/v0"
    start_serve
    # the packager hinted part 2, then the segment closed at a keyframe
    live_playlist "$WWW/llg/v0.m3u8" 0 2 2 v0/seg-3.2.m4s
    curl -sf "$URL/llg/v0.m3u8" > /dev/null
    curl -s -o /dev/null -w '%{http_code}' "$URL/llg/v0/seg-3.2.m4s" \
        > "$BATS_TEST_TMPDIR/gone.code" &
    BG_PIDS=$!
    curl -s -o /dev/null -w '%{http_code}' "$URL/llg/v0/seg-3.3.m4s" \
        > "$BATS_TEST_TMPDIR/gone2.code" &
    BG_PIDS="$BG_PIDS $!"
    wait_for held 2
    head -c 4000 /dev/urandom > "$WWW/llg/v0/.seg-3.m4s.tmp"
    mv "$WWW/llg/v0/.seg-3.m4s.tmp" "$WWW/llg/v0/seg-3.m4s"
    # shellcheck disable=SC2086 # a list of pids, split on purpose
    wait $BG_PIDS
    # 404, not the 503 of a hold that timed out
    assert_eq "$(cat "$BATS_TEST_TMPDIR/gone.code")" 404
    assert_eq "$(cat "$BATS_TEST_TMPDIR/gone2.code")" 404
    held 0
    # asked for again while a stale playlist still hints at it: 404 at once
    assert_eq "$(code "$URL/llg/v0/seg-3.2.m4s")" 404
    held 0
}

# ---- content steering (issue 18) ----

@test "refuses a steering policy it cannot follow, naming the file and the key" {
    printf '{"pathways":[{"id":"a","wieght":2}]}' > "$BATS_TEST_TMPDIR/p.json"
    run -1 --separate-stderr sv-serve "$WWW" --listen 127.0.0.1:0 \
        --steering-policy "$BATS_TEST_TMPDIR/p.json"
    assert_eq "$stderr" "sv-serve: '$BATS_TEST_TMPDIR/p.json': unknown key 'wieght' in a pathway"
}

@test "/steering: the policy's order, 404 without one, a bad new file keeps the old policy" {
    start_serve
    assert_eq "$(code "$URL/steering")" 404
    kill "$SERVE_PID"
    wait "$SERVE_PID" || true   # status ignored: stopped by the signal
    printf '{"ttl":3,"pathways":[{"id":"a","down":true},{"id":"b"}]}' \
        > "$BATS_TEST_TMPDIR/p.json"
    start_serve --steering-policy "$BATS_TEST_TMPDIR/p.json"
    assert_eq "$(curl -sf "$URL/steering")" '{"VERSION":1,"TTL":3,"PATHWAY-PRIORITY":["b"],"SERVICE-LOCATION-PRIORITY":["b"]}'
    assert_eq "$(hdr cache-control "$URL/steering")" "no-store"
    printf '{"ttl":3,' > "$BATS_TEST_TMPDIR/p.json.new"
    mv "$BATS_TEST_TMPDIR/p.json.new" "$BATS_TEST_TMPDIR/p.json"
    kill -HUP "$SERVE_PID"
    wait_for grep -q 'keeping the steering policy read before' "$BATS_TEST_TMPDIR/serve.err"
    assert_eq "$(curl -sf "$URL/steering")" '{"VERSION":1,"TTL":3,"PATHWAY-PRIORITY":["b"],"SERVICE-LOCATION-PRIORITY":["b"]}'
}
