#!/usr/bin/env bash
# ingest.sh -- sv-ingest against nginx's RTMP module, side by side.
#
# N publishers into each server: by default one tests/tools/rtmp_load
# process replaying the FLV to N connections at its own pace (200 a second
# join), so that the load generator costs little and every publisher is
# under way within a second; BENCH_PUB=ffmpeg runs N `ffmpeg -re -c copy`
# instead (on a busy machine they take many seconds to start). CPU (share of one core) and memory per stream over a steady
# window, normalized by the streams that really flowed then (from the
# bytes the receiving process read), and whether every stream came through
# whole.  Two comparisons:
#   receive   sv-ingest --discard        vs  nginx-rtmp, live on, no players
#   pipeline  sv-ingest --exec 'cat > f'  vs  nginx-rtmp exec ffmpeg -c copy
#                                            -f mpegts f
# Every second of the window each publisher's socket is sampled for what
# the server read from it (bytes received less the receive queue):
# "steady" counts the streams that moved at least a quarter of the
# stream's rate in every one of those seconds.
# Environment: BENCH_N="10 50 200" (publisher counts), BENCH_MODES="receive
# pipeline", BENCH_SECONDS=20, BENCH_PUB=load|ffmpeg, BENCH_NICE (a nice
# level for both servers, e.g. -15 as root)
# (length of each publish), BUILD (build dir).  Prints one line per run and
# the ratios sv-ingest/nginx.  Never run by `make check`.
set -u
cd "$(dirname "$0")/../.." || exit 1
top=$PWD
BUILD=${BUILD:-build}
export SV_BUILD=$top/$BUILD SV_FIXTURES=${SV_FIXTURES:-$top/$BUILD/fixtures}
# shellcheck disable=SC1091 # tests/helpers.bash is checked on its own
. tests/helpers.bash
NS=${BENCH_N:-10 50 200}
MODES=${BENCH_MODES:-receive pipeline}
SECS=${BENCH_SECONDS:-20}
PUB=${BENCH_PUB:-load}
NICE=${BENCH_NICE:-0}
loadgen=$top/$BUILD/tests/rtmp_load
if [ "$PUB" = load ] && [ ! -x "$loadgen" ]; then
    echo "ingest.sh: $loadgen is not built (make, or BENCH_PUB=ffmpeg)" >&2
    exit 1
fi
work=$top/$BUILD/bench/ingest
rm -rf "$work" && mkdir -p "$work"
hz=$(getconf CLK_TCK)
ngx_mod=/usr/lib/nginx/modules/ngx_rtmp_module.so
if ! command -v nginx > /dev/null || [ ! -f "$ngx_mod" ]; then
    echo "ingest.sh: nginx with the RTMP module is not installed" >&2
    exit 1
fi

# the stream: 720p H.264 + AAC at about 3 Mb/s, looped to SECS seconds
src=$work/src.flv
ffmpeg -nostdin -v error -stream_loop -1 -i "$(fixture h264_aac_720p_long.mp4)" \
    -t "$SECS" -c copy -f flv "$src" || exit 1
want_v=$(ffprobe -v error -count_packets -select_streams v \
    -show_entries stream=nb_read_packets -of csv=p=0 "$src")
want_all=$(ffprobe -v error -count_packets -show_entries stream=nb_read_packets \
    -of csv=p=0 "$src" | awk '{ t += $1 } END { print t }')
src_rate=$(( $(stat -c %s "$src") / SECS ))      # bytes per second

# tree_stat PID: "ticks rss_kB" of the pid and all its descendants, from
# one pass over /proc (a fork per process is seconds on a loaded machine);
# ticks count reaped children too, so pipelines ending keep it monotonic
tree_stat() {
    cat /proc/[0-9]*/stat 2> /dev/null | awk -v root="$1" -v pg="$(getconf PAGESIZE)" '
        { p = $1; sub(/^.*\) /, "X "); par[p] = $3; t[p] = $13 + $14 + $15 + $16; r[p] = $23 }
        END { for (p in par) { q = p; while (q != "" && q != root && q in par && q != 1) q = par[q]
                               if (q == root) { tt += t[p]; rr += r[p] } }
              printf "%d %d\n", tt, rr * pg / 1024 }'
}
cpu_ticks() { tree_stat "$1" | cut -d' ' -f1; }
# rx_bytes PORT: bytes received so far on the server's connections
rx_bytes() {
    ss -tinH state established "( sport = :$1 )" |
        grep -o 'bytes_received:[0-9]*' | awk -F: '{ t += $2 } END { print t + 0 }'
}
# reads PORT: "peer bytes" per publisher socket, bytes the server has read
reads() {
    ss -tinH state established "( sport = :$1 )" |
        awk '/^[0-9]/ { q = $1; peer = $4 }
             /bytes_received:/ { match($0, /bytes_received:[0-9]+/)
                                 print peer, substr($0, RSTART + 15, RLENGTH - 15) - q }'
}
rss_kb() { tree_stat "$1" | cut -d' ' -f2; }

nginx_conf() {    # port mode outdir
    local port=$1 mode=$2 out=$3 exec_line=
    [ "$mode" = pipeline ] && exec_line="exec ffmpeg -nostdin -v error -i rtmp://127.0.0.1:$port/live/\$name -c copy -f mpegts -y $out/\$name.ts;"
    mkdir -p "$work/nginx/logs"
    cat > "$work/nginx/nginx.conf" <<CONF
load_module $ngx_mod;
user root;
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 4096; }
rtmp {
    server {
        listen 127.0.0.1:$port;
        chunk_size 4096;
        application live {
            live on;
            record off;
            $exec_line
        }
    }
}
CONF
}

# run SERVER MODE N: prints "server mode n cpu%/stream rss_kB/stream whole/n"
run() {
    local server=$1 mode=$2 n=$3 port pid out=$work/out-$1-$2-$3 i
    port=$(free_port)
    mkdir -p "$out"
    if [ "$server" = sv-ingest ]; then
        if [ "$mode" = receive ]; then
            # every publisher comes from 127.0.0.1: no per-address cap
            nice -n "$NICE" sv-ingest --listen "rtmp://127.0.0.1:$port" \
                --discard -q --max-conns-per-ip 0 \
                --stats-interval 0 > "$out/events.jsonl" 2> "$out/stderr" &
        else
            nice -n "$NICE" sv-ingest --listen "rtmp://127.0.0.1:$port" -q \
                --max-conns-per-ip 0 --stats-interval 0 \
                --exec "cat > $out/\$SV_STREAM.ts" > "$out/events.jsonl" \
                2> "$out/stderr" &
        fi
        pid=$!
    else
        nginx_conf "$port" "$mode" "$out"
        nice -n "$NICE" nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" \
            2> "$out/stderr" &
        pid=$!
    fi
    wait_for python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])))' "$port" ||
        { echo "$server did not start" >&2; kill "$pid"; return 1; }
    sleep 0.5
    local rss0; rss0=$(rss_kb "$pid")
    local pubs=()
    if [ "$PUB" = load ]; then
        nice -n "$NICE" "$loadgen" --url "rtmp://127.0.0.1:$port/live/s" --flv "$src" \
            -n "$n" --rate 200 > "$out/load.json" 2> "$out/load.err" &
        pubs+=($!)
    else
        for i in $(seq "$n"); do
            ffmpeg -nostdin -v error -re -i "$src" -c copy -f flv \
                "rtmp://127.0.0.1:$port/live/s$i" 2> "$out/pub$i.err" &
            pubs+=($!)
        done
    fi
    # steady state: from a quarter of the way in to three quarters; the
    # bytes the server read in that time say how many streams' worth
    # really flowed (on a busy machine publishers start late)
    sleep $((SECS / 4))
    local t0 c0 t1 c1 rss1 x0 x1
    t0=$(date +%s.%N) c0=$(cpu_ticks "$pid") x0=$(rx_bytes "$port")
    local k end files=("$out/reads.0")
    reads "$port" > "$out/reads.0"
    end=$(awk -v t="$t0" -v d="$((SECS / 2))" 'BEGIN { printf "%.3f", t + d }')
    for k in $(seq $((SECS / 2))); do
        sleep 1
        reads "$port" > "$out/reads.$k"
        files+=("$out/reads.$k")
        awk -v n="$(date +%s.%N)" -v e="$end" 'BEGIN { exit !(n > e - 0.5) }' &&
            break
    done
    t1=$(date +%s.%N) c1=$(cpu_ticks "$pid") rss1=$(rss_kb "$pid")
    x1=$(rx_bytes "$port")
    # streams that moved every second of the window
    local steady
    steady=$(awk -v min="$((src_rate / 4))" '
        FNR == 1 { f++ }
        { if (f > 1 && ($1 in last) && $2 - last[$1] >= min) ok[$1]++
          last[$1] = $2 }
        END { for (p in ok) if (ok[p] == f - 1) s++; print s + 0 }' \
        "${files[@]}")
    wait "${pubs[@]}" 2> /dev/null
    sleep 2
    kill -TERM "$pid"
    wait "$pid" 2> /dev/null
    local whole=0 f v
    if [ "$mode" = pipeline ]; then
        for i in $(seq "$n"); do
            f=$out/s$i.ts
            v=$(ffprobe -v error -count_packets -select_streams v \
                -show_entries stream=nb_read_packets -of csv=p=0 "$f" 2>/dev/null | head -1)
            [ "${v:-0}" -eq "$want_v" ] && whole=$((whole + 1))
        done
    elif [ "$server" = sv-ingest ]; then
        whole=$(jq -s --argjson w "$want_all" \
            '[.[] | select(.event == "live.stream.ended" and .data.packets == $w)] | length' \
            "$out/events.jsonl")
    elif [ "$PUB" = load ]; then
        whole=$(jq .whole "$out/load.json" 2> /dev/null || echo 0)
    else
        whole=-1    # nginx receiving only: nothing to count
    fi
    awk -v s="$server" -v m="$mode" -v n="$n" -v c="$((c1 - c0))" -v hz="$hz" \
        -v t0="$t0" -v t1="$t1" -v r0="$rss0" -v r1="$rss1" -v w="$whole" \
        -v x="$((x1 - x0))" -v rate="$src_rate" -v st="$steady" \
        'BEGIN { eff = x / rate / (t1 - t0); if (eff < 0.5) eff = 0.5;
                 cpu = c / hz / (t1 - t0) * 100 / eff;
                 printf "%-9s %-8s N=%-4d flowing %6.1f  steady %4d  cpu/stream %6.3f%%  rss/stream %7.1f kB  whole %s/%d\n",
                        s, m, n, eff, st, cpu, (r1 - r0) / n, (w < 0 ? "n/a" : w), n }'
    rm -f "$out"/*.ts
}

echo "# $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), publishers: $PUB; each stream $(du -k "$src" | cut -f1) kB over $SECS s, $want_v video packets"
for n in $NS; do
    for mode in $MODES; do
        a=$(run sv-ingest "$mode" "$n")
        b=$(run nginx "$mode" "$n")
        echo "$a"
        echo "$b"
        ca=$(echo "$a" | sed 's/.*cpu\/stream *\([0-9.]*\)%.*/\1/')
        cb=$(echo "$b" | sed 's/.*cpu\/stream *\([0-9.]*\)%.*/\1/')
        ma=$(echo "$a" | sed 's/.*rss\/stream *\([0-9.-]*\) kB.*/\1/')
        mb=$(echo "$b" | sed 's/.*rss\/stream *\([0-9.-]*\) kB.*/\1/')
        awk -v ca="$ca" -v cb="$cb" -v ma="$ma" -v mb="$mb" -v m="$mode" -v n="$n" \
            'BEGIN { printf "ratio     %-8s N=%-4d cpu sv-ingest/nginx %.2f  rss %.2f\n",
                     m, n, (cb > 0 ? ca / cb : 0), (mb > 0 ? ma / mb : 0) }'
    done
done
