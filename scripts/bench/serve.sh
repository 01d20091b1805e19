#!/usr/bin/env bash
# serve.sh -- sv-serve against nginx on the same files and worker count.
#
#   scripts/bench/serve.sh            (BUILD=build WORKERS=2 DURATION=10)
#
# 1. wrk at 50 and 500 connections for a small playlist and a 2 MB segment,
#    sv-serve and nginx side by side, with the ratio sv-serve/nginx of
#    requests per second (goal: >= 1.0 on both files);
# 2. 1,000 held LL-HLS playlist requests released by one rename: time from
#    the rename to each answer (goal: 99% within 10 ms);
# 3. 10,000 idle connections: sv-serve's resident memory per connection
#    (goal: under 10 KB).
# Everything binds 127.0.0.1 and is stopped by PID; files live in
# $BUILD/bench-serve.  Not part of `make check`.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
WORKERS=${WORKERS:-2}
DURATION=${DURATION:-10}
SV=$PWD/$BUILD/bin/sv-serve
DIR=$PWD/$BUILD/bench-serve
[ -x "$SV" ] || { echo "serve.sh: build sv-serve first (make)" >&2; exit 1; }
command -v wrk > /dev/null || { echo "serve.sh: wrk is missing" >&2; exit 1; }
command -v nginx > /dev/null || { echo "serve.sh: nginx is missing" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

rm -rf "$DIR"
mkdir -p "$DIR/www/live" "$DIR/nginx"
{
    echo '#EXTM3U'
    echo '#EXT-X-VERSION:7'
    echo '#EXT-X-TARGETDURATION:4'
    echo '#EXT-X-PLAYLIST-TYPE:VOD'
    echo '#EXT-X-MAP:URI="init.mp4"'
    for i in $(seq 0 24); do printf '#EXTINF:4.000,\nseg%d.m4s\n' "$i"; done
    echo '#EXT-X-ENDLIST'
} > "$DIR/www/index.m3u8"
head -c $((2 << 20)) /dev/urandom > "$DIR/www/seg0.m4s"

pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
up() { local i; for i in $(seq 100); do curl -sf -o /dev/null "$1" && return 0; sleep 0.1; done; return 1; }

SVP=$(port)
"$SV" "$DIR/www" --listen "127.0.0.1:$SVP" --workers "$WORKERS" \
    --max-conns 0 --header-timeout 120s -v 2> "$DIR/sv-serve.err" &
SVPID=$!
pids+=("$SVPID")

NGP=$(port)
cat > "$DIR/nginx/nginx.conf" <<NGINX
worker_processes $WORKERS;
pid $DIR/nginx/nginx.pid;
error_log $DIR/nginx/error.log warn;
events { worker_connections 16384; }
http {
    types {
        application/vnd.apple.mpegurl m3u8;
        video/iso.segment m4s;
    }
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    client_body_temp_path $DIR/nginx/body;
    proxy_temp_path $DIR/nginx/proxy;
    fastcgi_temp_path $DIR/nginx/fastcgi;
    uwsgi_temp_path $DIR/nginx/uwsgi;
    scgi_temp_path $DIR/nginx/scgi;
    server {
        listen 127.0.0.1:$NGP reuseport;
        root $DIR/www;
    }
}
NGINX
nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)
up "http://127.0.0.1:$SVP/index.m3u8" || { echo "sv-serve did not start" >&2; exit 1; }
up "http://127.0.0.1:$NGP/index.m3u8" || { echo "nginx did not start" >&2; exit 1; }

rps() {     # rps URL CONNS: requests per second measured by wrk
    wrk -t2 -c"$2" -d"${DURATION}s" --latency "$1" 2>/dev/null |
        awk '/^Requests\/sec:/ { print $2 }'
}

echo "sv-serve vs nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'), $WORKERS workers each, wrk -t2 for ${DURATION}s"
printf '%-22s %6s %14s %14s %7s\n' file conns "sv-serve req/s" "nginx req/s" ratio
for f in index.m3u8 seg0.m4s; do
    for c in 50 500; do
        a=$(rps "http://127.0.0.1:$SVP/$f" "$c")
        b=$(rps "http://127.0.0.1:$NGP/$f" "$c")
        printf '%-22s %6d %14.0f %14.0f %6.2fx\n' \
            "$f ($(stat -c %s "$DIR/www/$f") B)" "$c" "$a" "$b" \
            "$(echo "$a / $b" | bc -l)"
    done
done

# ---- held requests released by one rename ----
live_pl() {     # live_pl LAST: segments 0..LAST, written atomically
    {
        printf '#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:4\n'
        printf '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES\n'
        printf '#EXT-X-MEDIA-SEQUENCE:0\n'
        for i in $(seq 0 "$1"); do printf '#EXTINF:4.000,\ns%d.m4s\n' "$i"; done
    } > "$DIR/www/live/.p.m3u8.tmp"
    mv "$DIR/www/live/.p.m3u8.tmp" "$DIR/www/live/p.m3u8"
}
live_pl 3
live_pl 4 && mv "$DIR/www/live/p.m3u8" "$DIR/www/live/next.m3u8"
live_pl 3
python3 - "$SVP" "$DIR/www/live" <<'PY'
import os, select, socket, sys, time, urllib.request
port, live = int(sys.argv[1]), sys.argv[2]
N = 1000
socks = []
for _ in range(N):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /live/p.m3u8?_HLS_msn=4 HTTP/1.1\r\nHost: b\r\n\r\n")
    s.setblocking(False)
    socks.append(s)
def held():
    m = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port).read()
    for l in m.decode().splitlines():
        if l.startswith("sv_serve_llhls_held "):
            return int(l.split()[1])
for _ in range(200):
    if held() == N:
        break
    time.sleep(0.05)
else:
    sys.exit("requests were not all held: %d" % held())
ep = select.epoll()
fds = {}
for s in socks:
    ep.register(s.fileno(), select.EPOLLIN)
    fds[s.fileno()] = s
lat = []
t0 = time.monotonic()
os.rename(os.path.join(live, "next.m3u8"), os.path.join(live, "p.m3u8"))
while len(lat) < N and time.monotonic() - t0 < 10:
    ev = ep.poll(1)
    now = time.monotonic()     # one timestamp per wake-up
    for fd, _ in ev:
        data = fds[fd].recv(65536)
        if data.startswith(b"HTTP/1.1 200"):
            lat.append((now - t0) * 1000)
        ep.unregister(fd)
lat.sort()
if len(lat) < N:
    sys.exit("only %d of %d answered" % (len(lat), N))
within = sum(1 for x in lat if x <= 10.0) / N * 100
print("held requests: %d released by one rename: p50 %.2f ms, p99 %.2f ms, "
      "max %.2f ms; %.1f%% within 10 ms" %
      (N, lat[N // 2], lat[int(N * 0.99) - 1], lat[-1], within))
PY
echo "  sv-serve's own time from the file-system event to the last answer" \
    "written, per worker: $(grep -o 'released [0-9]* held requests.* in [0-9.]* ms' \
    "$DIR/sv-serve.err" | sed 's/ on .* in / in /' | paste -sd';' -)"

# ---- idle connections ----
python3 - "$SVP" "$SVPID" <<'PY'
import socket, sys, time, urllib.request
port, pid = int(sys.argv[1]), int(sys.argv[2])
N = 10000
def rss():
    for l in open("/proc/%d/status" % pid):
        if l.startswith("VmRSS:"):
            return int(l.split()[1]) * 1024
def conns():
    m = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port).read()
    for l in m.decode().splitlines():
        if l.startswith("sv_serve_connections "):
            return int(l.split()[1])
time.sleep(0.5)
base, c0 = rss(), conns()
socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(N)]
for _ in range(200):
    if conns() >= c0 + N:
        break
    time.sleep(0.05)
idle = rss()
for s in socks:
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: b\r\n\r\n")
for s in socks:
    s.recv(1000)
time.sleep(0.5)
used = rss()
print("idle connections: %d open; resident memory per connection %.0f B "
      "(never used), %.0f B (after one keep-alive request)" %
      (N, (idle - base) / N, (used - base) / N))
PY
