#!/usr/bin/env bats
# stats-logs.bats -- `sv-stats logs` against logs real servers wrote: sv-serve
# (JSON access log with CMCD, beacon log) and nginx (combined log) serving
# the same requests made by curl, and hls.js, dash.js and Shaka Player
# playing through each with CMCD; rotations compressed by gzip, xz and zstd;
# --follow over a rotated log; a real Prometheus scraping --prometheus and a
# real ClickHouse taking --clickhouse rows.  Everything binds 127.0.0.1 and
# is stopped by PID.

load ../helpers
bats_require_minimum_version 1.5.0


setup_file() {
    export WWW=$BATS_FILE_TMPDIR/www
    local src r
    src=$(fixture h264_aac_360p.mp4)
    # a package of two titles in sv-package's layout: title/id/seg-N.m4s
    for r in 720p 360p; do
        mkdir -p "$WWW/vod/t1/$r"
        _ff -i "$src" -c copy -f hls -hls_time 1 -hls_playlist_type vod \
            -hls_segment_type fmp4 -hls_fmp4_init_filename init.mp4 \
            -hls_segment_filename "$WWW/vod/t1/$r/seg-%d.m4s" \
            "$WWW/vod/t1/$r.m3u8"
    done
    mkdir -p "$WWW/vod/t2/540p"
    _ff -i "$src" -c copy -f hls -hls_time 2 -hls_playlist_type vod \
        -hls_segment_type fmp4 -hls_fmp4_init_filename init.mp4 \
        -hls_segment_filename "$WWW/vod/t2/540p/seg-%d.m4s" \
        "$WWW/vod/t2/540p.m3u8"
    printf '#EXTM3U\n' > "$WWW/vod/t1/master.m3u8"
    cp "$WWW/vod/t1/master.m3u8" "$WWW/vod/t2/master.m3u8"
}

teardown() {
    local p
    for p in ${PIDS:-}; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
}

bg() { "$@" & PIDS="${PIDS:-} $!"; }

# fetch SESSION URLPATH [curl args]: one GET, its body bytes tallied
fetch() {
    local who=$1 path=$2 n
    shift 2
    n=$(curl -sf -o /dev/null -w '%{size_download}' "$@" "$BASE$path") ||
        fail "GET $path failed"
    echo "$who $path $n" >> "$BATS_TEST_TMPDIR/served"
}

# the same viewing by three viewers, against $BASE
play_all() {
    local i br
    : > "$BATS_TEST_TMPDIR/served"
    # A: CMCD in the query, startup (su), a switch 720p -> 360p, a stall
    fetch A /vod/t1/master.m3u8 -A player-a/1 \
        --url-query 'CMCD=ot=m,sid="sA",su'
    for i in 0 1 2 3; do
        br=3000 r=720p
        [ "$i" -ge 2 ] && br=800 r=360p
        local q="CMCD=br=$br,d=1000,ot=v,sid=\"sA\""
        [ "$i" -eq 0 ] && q="$q,su"
        [ "$i" -eq 3 ] && q="$q,bs"
        fetch A "/vod/t1/$r/seg-$i.m4s" -A player-a/1 --url-query "$q"
    done
    # B: CMCD in headers, 360p only
    for i in 0 1 2; do
        fetch B "/vod/t1/360p/seg-$i.m4s" -A player-b/1 \
            -H 'CMCD-Session: sid="sB"' -H 'CMCD-Object: br=800,d=1000,ot=v' \
            -H 'CMCD-Request: bl=3000'
    done
    # C: no CMCD at all: a session by address and user agent
    fetch C /vod/t2/master.m3u8 -A plain/1
    fetch C /vod/t2/540p/seg-0.m4s -A plain/1
    fetch C /vod/t2/540p/seg-1.m4s -A plain/1
}

served() {  # served [WHO]: requests and bytes the test made
    awk -v w="${1:-}" 'w == "" || $1 == w { n++; b += $3 }
                       END { printf "%d %d\n", n, b }' \
        "$BATS_TEST_TMPDIR/served"
}

start_sv_serve() {
    local port
    port=$(free_port)
    BASE=http://127.0.0.1:$port
    bg sv-serve "$WWW" --listen "127.0.0.1:$port" "$@" \
        2> "$BATS_TEST_TMPDIR/serve.err"
    SERVE_PID=$!
    wait_for curl -sf "$BASE/healthz" ||
        fail "sv-serve did not start: $(cat "$BATS_TEST_TMPDIR/serve.err")"
}

stop_sv_serve() {
    kill "$SERVE_PID"
    wait "$SERVE_PID"
}

@test "counts what sv-serve served: requests, bytes, sessions, CMCD QoE joined with beacons" {
    local log=$BATS_TEST_TMPDIR/access.jsonl beacons=$BATS_TEST_TMPDIR/b.jsonl
    start_sv_serve --access-log "$log" --beacon-log "$beacons"
    play_all
    curl -sf -A player-a/1 -d '{"sid":"sA","event":"startup","ms":850}' \
        "$BASE/beacon"
    curl -sf -A player-a/1 -d '{"sid":"sA","event":"stall","ms":500}' \
        "$BASE/beacon"
    curl -sf -A player-a/1 -d '{"sid":"sA","event":"end","played_ms":19500}' \
        "$BASE/beacon"
    stop_sv_serve
    local hz ours n b
    hz=$(grep -c '"path":"/healthz"' "$log")
    read -r n b <<< "$(served)"
    run --separate-stderr sv-stats logs "$log" "$beacons" --sessions
    [ "$status" -eq 0 ]
    echo "$output" > "$BATS_TEST_TMPDIR/r.json"
    # every request: ours, the start-up polls of /healthz, three beacons
    assert_eq "$(jq .requests "$BATS_TEST_TMPDIR/r.json")" $((n + hz + 3))
    assert_eq "$(jq .bytes "$BATS_TEST_TMPDIR/r.json")" $((b + 3 * hz))
    assert_eq "$(jq .beacons "$BATS_TEST_TMPDIR/r.json")" 3
    assert_eq "$(jq -c .status "$BATS_TEST_TMPDIR/r.json")" \
        "{\"1xx\":0,\"2xx\":$((n + hz + 3)),\"3xx\":0,\"4xx\":0,\"5xx\":0}"
    assert_eq "$(jq .sessions.count "$BATS_TEST_TMPDIR/r.json")" 3
    assert_eq "$(jq .viewers.unique "$BATS_TEST_TMPDIR/r.json")" 4
    # each session's requests and bytes are what the test sent it
    ours=$(jq -r '.session_list[] | select(.id == "sA") |
                  "\(.requests) \(.bytes)"' "$BATS_TEST_TMPDIR/r.json")
    assert_eq "$ours" "$(served A)"
    ours=$(jq -r '.session_list[] | select(.id == "sB") |
                  "\(.requests) \(.bytes)"' "$BATS_TEST_TMPDIR/r.json")
    assert_eq "$ours" "$(served B)"
    ours=$(jq -r '.session_list[] | select(.id | startswith("a:")) |
                  "\(.title) \(.requests) \(.bytes)"' "$BATS_TEST_TMPDIR/r.json")
    assert_eq "$ours" "/vod/t2 $(served C)"
    # A's experience: the beacons' startup and stall, CMCD's switch
    run jq -c '.session_list[] | select(.id == "sA") |
               [.beacons, .startup_ms, .played_ms, .rebuffer_ratio,
                .switches, .failures, .failed, .bitrate_kbps]' \
        "$BATS_TEST_TMPDIR/r.json"
    assert_eq "$output" '[3,850,19500,0.025,1,0,false,1900]'
    # score = 100 (1 - .25*.085 - .4*.125 - .25*(1-1900/3000) - .1*W) with
    # W = min(1, 1 switch / (19.5/60 min) / 4) = 0.769...: 76.016
    run jq '.session_list[] | select(.id == "sA") | .score' \
        "$BATS_TEST_TMPDIR/r.json"
    assert_eq "$output" 76.016
    # per-rendition and per-title shares of the media requests
    run jq -c '[.renditions[] | [.name, .requests]]' "$BATS_TEST_TMPDIR/r.json"
    assert_eq "$output" '[["360p",5],["540p",2],["720p",2]]'
    run jq -c '[.titles[] | [.name, .requests, .share]]' \
        "$BATS_TEST_TMPDIR/r.json"
    assert_eq "$output" '[["/vod/t1",7,0.778],["/vod/t2",2,0.222]]'
    # the series sums to the totals
    assert_eq "$(jq '[.series[].requests] | add' "$BATS_TEST_TMPDIR/r.json")" \
        $((n + hz + 3))
    assert_eq "$(jq '[.series[].rebuffer] | add' "$BATS_TEST_TMPDIR/r.json")" 2
}

# session_of SID LOG: requests and bytes of the lines whose query carries
# the CMCD session id SID (read from the raw query, not the parsed field)
session_of() {
    grep -F "sid%3D%22$1%22" "$2" | jq -s -r '"\(length) \(map(.data.bytes) | add)"'
}

@test "hls.js, dash.js and Shaka Player with CMCD and beacons: one session each, as their requests" {
    [ -x /usr/bin/chromium ] || skip "chromium is not installed"
    [ -d "$SV_TOP/tests/e2e/node_modules/hls.js" ] || skip "no node_modules"
    local log=$BATS_TEST_TMPDIR/access.jsonl b=$BATS_TEST_TMPDIR/b.jsonl p url
    sv-package -q -s 2 -o "$WWW/ladder" "$(fixture ladder_360p.ts)"
    start_sv_serve --access-log "$log" --beacon-log "$b" --cors-origin '*'
    for p in hls dash shaka; do
        url=$BASE/ladder/master.m3u8
        [ "$p" = dash ] && url=$BASE/ladder/manifest.mpd
        run node "$SV_TOP/tests/e2e/play.js" "$p" "$url" --seconds 4 \
            --cmcd "sid-$p" --beacon "$BASE/beacon" --timeout 60
        [ "$status" -eq 0 ] || fail "$p: $output"
        jq .played <<< "$output" > "$BATS_TEST_TMPDIR/played-$p"
    done
    stop_sv_serve
    run --separate-stderr sv-stats logs "$log" "$b" --sessions
    [ "$status" -eq 0 ]
    echo "$output" > "$BATS_TEST_TMPDIR/r.json"
    assert_eq "$(jq .sessions.count "$BATS_TEST_TMPDIR/r.json")" 3
    for p in hls dash shaka; do
        assert_eq "$(jq -r --arg s "sid-$p" '.session_list[] | select(.id == $s) |
                     "\(.requests) \(.bytes)"' "$BATS_TEST_TMPDIR/r.json")" \
            "$(session_of "sid-$p" "$log")"
        # its beacons joined to it: a start-up time, the end's played time
        # within a second of what the page reported
        run jq -r --arg s "sid-$p" --argjson pl "$(cat "$BATS_TEST_TMPDIR/played-$p")" \
            '.session_list[] | select(.id == $s) |
             [.beacons >= 2, .startup_ms > 0,
              (.played_ms - $pl * 1000 | fabs) < 1000] | join(" ")' \
            "$BATS_TEST_TMPDIR/r.json"
        assert_eq "$output" "true true true"
    done
    # hls.js and dash.js name the bitrate of what they fetch (CMCD br)
    for p in hls dash; do
        [ "$(jq --arg s "sid-$p" '.session_list[] | select(.id == $s) |
             .bitrate_kbps > 0' "$BATS_TEST_TMPDIR/r.json")" = true ] ||
            fail "no bitrate for sid-$p: $(cat "$BATS_TEST_TMPDIR/r.json")"
    done
}

# start_nginx DIR: nginx serving $WWW on a free port (BASE, NGINX_PID), its
# combined log with the CMCD headers at DIR/access.log; CORS for the players
start_nginx() {
    local ng=$1 port
    mkdir -p "$ng"
    port=$(free_port)
    BASE=http://127.0.0.1:$port
    cat > "$ng/nginx.conf" <<NGINX
worker_processes 1;
user root;
pid $ng/nginx.pid;
error_log $ng/error.log warn;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    types { application/vnd.apple.mpegurl m3u8; application/dash+xml mpd; }
    log_format sv '\$remote_addr - \$remote_user [\$time_local] "\$request" '
                  '\$status \$body_bytes_sent "\$http_referer" '
                  '"\$http_user_agent" "\$http_cmcd_session" '
                  '"\$http_cmcd_object" "\$http_cmcd_request"';
    access_log $ng/access.log sv;
    client_body_temp_path $ng/body;
    proxy_temp_path $ng/proxy;
    fastcgi_temp_path $ng/fastcgi;
    uwsgi_temp_path $ng/uwsgi;
    scgi_temp_path $ng/scgi;
    server {
        listen 127.0.0.1:$port;
        root $WWW;
        add_header Access-Control-Allow-Origin * always;
    }
}
NGINX
    bg nginx -p "$ng" -c "$ng/nginx.conf" -g 'daemon off;'
    NGINX_PID=$!
    wait_for curl -sf "$BASE/vod/t1/master.m3u8" || fail "nginx did not start"
}

stop_nginx() {
    kill "$NGINX_PID"
    wait "$NGINX_PID" || true   # status ignored: nginx exits 0 or by signal
}

@test "nginx's combined log of the same requests gives the same counts" {
    local ng=$BATS_TEST_TMPDIR/nginx
    start_nginx "$ng"
    local polls
    polls=$(wc -l < "$ng/access.log")
    play_all
    stop_nginx
    local n b
    read -r n b <<< "$(served)"
    run --separate-stderr sv-stats logs "$ng/access.log" --sessions
    [ "$status" -eq 0 ]
    echo "$output" > "$BATS_TEST_TMPDIR/r.json"
    # the start-up polls fetched master.m3u8 (8 bytes each)
    assert_eq "$(jq .requests "$BATS_TEST_TMPDIR/r.json")" $((n + polls))
    assert_eq "$(jq .bytes "$BATS_TEST_TMPDIR/r.json")" $((b + 8 * polls))
    assert_eq "$(jq .skipped "$BATS_TEST_TMPDIR/r.json")" 0
    # sA and sB by CMCD (query, headers), C and the polls by address + agent
    assert_eq "$(jq .sessions.count "$BATS_TEST_TMPDIR/r.json")" 4
    run jq -r '.session_list[] | select(.id == "sA" or .id == "sB") |
               "\(.id) \(.requests) \(.bytes) \(.switches)"' \
        "$BATS_TEST_TMPDIR/r.json"
    assert_eq "$output" "sA $(served A) 1
sB $(served B) 0"
    run jq -c '[.renditions[] | [.name, .requests]]' "$BATS_TEST_TMPDIR/r.json"
    assert_eq "$output" '[["360p",5],["540p",2],["720p",2]]'
}

@test "nginx's log of hls.js, dash.js and Shaka Player playing with CMCD: one session each, as nginx logged them" {
    [ -x /usr/bin/chromium ] || skip "chromium is not installed"
    [ -d "$SV_TOP/tests/e2e/node_modules/hls.js" ] || skip "no node_modules"
    local ng=$BATS_TEST_TMPDIR/nginx p url log polls n b
    log=$ng/access.log
    sv-package -q -s 2 -o "$WWW/ladder-ng" "$(fixture ladder_360p.ts)"
    start_nginx "$ng"
    polls=$(wc -l < "$log")
    for p in hls dash shaka; do
        url=$BASE/ladder-ng/master.m3u8
        [ "$p" = dash ] && url=$BASE/ladder-ng/manifest.mpd
        run node "$SV_TOP/tests/e2e/play.js" "$p" "$url" --seconds 4 \
            --cmcd "sid-$p" --timeout 60
        [ "$status" -eq 0 ] || fail "$p: $output"
    done
    stop_nginx
    run --separate-stderr sv-stats logs "$log" --sessions
    [ "$status" -eq 0 ]
    echo "$output" > "$BATS_TEST_TMPDIR/r.json"
    # every line nginx wrote is counted, with its bytes; none skipped
    read -r n b <<< "$(awk '{ n++; b += $10 } END { printf "%d %d\n", n, b }' "$log")"
    assert_eq "$(jq .requests "$BATS_TEST_TMPDIR/r.json")" "$n"
    assert_eq "$(jq .bytes "$BATS_TEST_TMPDIR/r.json")" "$b"
    assert_eq "$(jq .skipped "$BATS_TEST_TMPDIR/r.json")" 0
    # the three players by their CMCD session, the start-up polls by
    # address and agent
    assert_eq "$(jq .sessions.count "$BATS_TEST_TMPDIR/r.json")" 4
    for p in hls dash shaka; do
        read -r n b <<< "$(grep -F "sid%3D%22sid-$p%22" "$log" |
            awk '{ n++; b += $10 } END { printf "%d %d\n", n, b }')"
        [ "$n" -gt 2 ] || fail "$p: $n requests with its sid in $log"
        assert_eq "$(jq -r --arg s "sid-$p" '.session_list[] | select(.id == $s) |
                     "\(.requests) \(.bytes)"' "$BATS_TEST_TMPDIR/r.json")" "$n $b"
    done
    [ "$polls" -ge 1 ]
}

# jsonl N [START]: N sv-serve request lines of 1000 bytes each, one second
# apart from START (seconds since the epoch), four viewers
jsonl() {
    python3 - "$1" "${2:-1796212800}" <<'PY'
import json, sys, time
n, t0 = int(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    ts = time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(t0 + i)) + '.000Z'
    d = {"addr": "10.0.0.%d" % (i % 4), "method": "GET",
         "path": "/vod/t1/720p/seg-%d.m4s" % i, "proto": "HTTP/1.1",
         "status": 200, "bytes": 1000, "ua": "p/1", "referrer": None,
         "cmcd": {"sid": "s%d" % (i % 4), "br": 3000, "ot": "v"}}
    print(json.dumps({"v": 1, "tool": "sv-serve", "event": "serve.request",
                      "ts": ts, "data": d}, separators=(',', ':')))
PY
}

# windows OUT: requests summed over the window lines written so far
windows() { jq -s '[.[].requests] | add // 0' "$1"; }
has_windows() { [ "$(windows "$1")" = "$2" ]; }

@test "--follow reads a growing log across a rotation, one JSON line per window" {
    local log=$BATS_TEST_TMPDIR/live.log out=$BATS_TEST_TMPDIR/windows.jsonl
    jsonl 10 > "$log"
    bg sv-stats logs --follow --interval 1s "$log" > "$out" \
        2> "$BATS_TEST_TMPDIR/follow.err"
    local pid=$!
    wait_for has_windows "$out" 10 || fail "got $(windows "$out")"
    jsonl 5 1796213000 >> "$log"
    wait_for has_windows "$out" 15 || fail "got $(windows "$out")"
    # rotated: the old file gets its last lines, then a new one begins
    mv "$log" "$log.1"
    jsonl 3 1796213100 >> "$log.1"
    jsonl 7 1796213200 > "$log"
    wait_for has_windows "$out" 25 || fail "got $(windows "$out")"
    kill -TERM "$pid"
    wait "$pid"
    assert_eq "$(windows "$out")" 25
    assert_eq "$(jq -s '[.[].bytes] | add' "$out")" 25000
    # every line is one window object with the documented fields
    run jq -c -s 'map(keys) | unique' "$out"
    assert_eq "$output" '[["beacons","bitrate","bytes","cache","end","lines","rebuffer","requests","sessions","skipped","status","t","viewers"]]'
}

@test "a real Prometheus scrapes --prometheus and its query API has the series" {
    command -v prometheus > /dev/null || skip "prometheus missing"
    local log=$BATS_TEST_TMPDIR/live.log mport pport
    jsonl 40 > "$log"
    mport=$(free_port)
    bg sv-stats logs --follow --interval 1s --prometheus "127.0.0.1:$mport" \
        "$log" > /dev/null 2> "$BATS_TEST_TMPDIR/follow.err"
    wait_for curl -sf "http://127.0.0.1:$mport/metrics" ||
        fail "no metrics: $(cat "$BATS_TEST_TMPDIR/follow.err")"
    run curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mport/other"
    assert_eq "$output" 404
    pport=$(free_port)
    cat > "$BATS_TEST_TMPDIR/prom.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: sv-stats
    static_configs:
      - targets: ['127.0.0.1:$mport']
YML
    bg prometheus --config.file="$BATS_TEST_TMPDIR/prom.yml" \
        --storage.tsdb.path="$BATS_TEST_TMPDIR/tsdb" \
        --web.listen-address="127.0.0.1:$pport" \
        2> "$BATS_TEST_TMPDIR/prom.err"
    value() {
        curl -sf -G --data-urlencode "query=$1" \
            "http://127.0.0.1:$pport/api/v1/query" |
            jq -r '.data.result[0].value[1] // empty'
    }
    local i
    for i in $(seq 150); do
        [ "$(value sv_stats_bytes_total)" = 40000 ] && break
        sleep 0.2
    done
    assert_eq "$(value sv_stats_bytes_total)" 40000
    assert_eq "$(value 'sv_stats_requests_total{status="2xx"}')" 40
    assert_eq "$(value sv_stats_unique_viewers)" 4
    assert_eq "$(value 'sv_stats_rendition_requests_total{rendition="720p"}')" 40
    # more lines: the next scrapes see them
    jsonl 10 1796213000 >> "$log"
    for i in $(seq 150); do
        [ "$(value sv_stats_bytes_total)" = 50000 ] && break
        sleep 0.2
    done
    assert_eq "$(value sv_stats_bytes_total)" 50000
}

@test "a real ClickHouse takes the rows of --clickhouse: SELECT count() matches" {
    command -v clickhouse-server > /dev/null || skip "clickhouse-server missing"
    local ch=$BATS_TEST_TMPDIR/ch hport tport
    mkdir -p "$ch"
    hport=$(free_port)
    tport=$(free_port)
    cp /etc/clickhouse-server/users.xml "$ch/"
    cat > "$ch/config.xml" <<XML
<yandex>
  <logger><level>warning</level><log>$ch/ch.log</log>
    <errorlog>$ch/ch.err</errorlog><console>0</console></logger>
  <http_port>$hport</http_port>
  <tcp_port>$tport</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$ch/data/</path>
  <tmp_path>$ch/tmp/</tmp_path>
  <users_config>$ch/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>536870912</mark_cache_size>
</yandex>
XML
    bg clickhouse-server --config-file="$ch/config.xml" > "$ch/out" 2>&1
    local url=http://127.0.0.1:$hport/
    wait_for curl -sf "${url}ping" || fail "clickhouse did not start"
    # the table of sv-stats(1)
    curl -sf "$url" --data-binary "$(sed -n '/^CREATE TABLE/,/ORDER BY/p' \
        "$SV_TOP/man/sv-stats.1.in" | tr '\n' ' ' | sed 's/\\//g')"
    jsonl 2500 > "$BATS_TEST_TMPDIR/a.log"
    run --separate-stderr sv-stats logs --clickhouse "$url" \
        --clickhouse-batch 1000 "$BATS_TEST_TMPDIR/a.log"
    [ "$status" -eq 0 ]
    run curl -sf "$url" --data-binary 'SELECT count(), sum(bytes), uniqExact(sid) FROM sv_requests'
    assert_eq "$output" "$(printf '2500\t2500000\t4')"
    # a server that is not there: retried with backoff, then exit 1
    run --separate-stderr sv-stats logs --clickhouse "http://127.0.0.1:$(free_port)/" \
        "$BATS_TEST_TMPDIR/a.log"
    [ "$status" -eq 1 ]
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    assert_eq "$(grep -c 'trying again' <<< "$stderr")" 5
}
