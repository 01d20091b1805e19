#!/usr/bin/env bash
# tracker.sh -- sv-serve's WebSocket tracker under PEERS simulated peers,
# side by side with the npm bittorrent-tracker server on the same load.
#
#   scripts/bench/tracker.sh     (BUILD=build PEERS=10000 SWARMS=100
#                                 SECONDS_=10 OFFERS=2 NPM=1)
#
# scripts/bench/tracker_load.py opens PEERS WebSockets, each announces in
# one of SWARMS swarms; the server's resident memory before and after gives
# bytes per peer.  Then every peer re-announces with OFFERS offers as fast
# as replies come for SECONDS_: announces per second (the Python client is
# the bound on a small machine: compare the two servers, not the number).
# NPM=1 installs bittorrent-tracker (npm, --ignore-scripts: the server needs
# no native module) into $BUILD/bench-tracker and runs its ws server.
# Everything binds 127.0.0.1 and is stopped by PID.  Not part of make check.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
PEERS=${PEERS:-10000}
SWARMS=${SWARMS:-100}
SECONDS_=${SECONDS_:-10}
OFFERS=${OFFERS:-2}
NPM=${NPM:-1}
SV=$PWD/$BUILD/bin/sv-serve
DIR=$PWD/$BUILD/bench-tracker
LOAD=$PWD/scripts/bench/tracker_load.py
[ -x "$SV" ] || { echo "tracker.sh: build sv-serve first (make)" >&2; exit 1; }
ulimit -n $((PEERS * 2 + 1024)) 2>/dev/null || true
if [ "$(ulimit -n)" -lt $((PEERS + 256)) ]; then
    echo "tracker.sh: open files limit $(ulimit -n) is below PEERS" >&2
    exit 1
fi
mkdir -p "$DIR/www"

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
wait_port() {
    local _
    for _ in $(seq 100); do
        python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1)' "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

echo "== sv-serve --tracker: $PEERS peers, $SWARMS swarms, $OFFERS offers"
P=$(port)
"$SV" "$DIR/www" --listen "127.0.0.1:$P" --tracker /announce \
    --max-conns 0 --tracker-max-conns 0 2>"$DIR/sv.err" &
pids+=($!)
wait_port "$P" || { cat "$DIR/sv.err"; exit 1; }
python3 "$LOAD" "$P" /announce "$PEERS" "$SWARMS" "$SECONDS_" "$OFFERS" \
    "${pids[-1]}" | tee "$DIR/sv.json"

if [ "$NPM" = 1 ]; then
    echo "== npm bittorrent-tracker (ws): the same load"
    if [ ! -d "$DIR/npm/node_modules/bittorrent-tracker" ]; then
        mkdir -p "$DIR/npm"
        (cd "$DIR/npm" && npm install --silent --no-audit --no-fund \
            --ignore-scripts bittorrent-tracker@11 > /dev/null)
    fi
    cat > "$DIR/npm/srv.mjs" <<'JS'
import Server from 'bittorrent-tracker/server'
const s = new Server({ udp: false, http: false, ws: true, stats: false })
s.on('error', e => console.error('error', e.message))
s.on('warning', () => {})
s.listen(Number(process.argv[2]), '127.0.0.1')
JS
    P=$(port)
    (cd "$DIR/npm" && exec node srv.mjs "$P") 2>"$DIR/npm.err" &
    pids+=($!)
    wait_port "$P" || { cat "$DIR/npm.err"; exit 1; }
    python3 "$LOAD" "$P" /announce "$PEERS" "$SWARMS" "$SECONDS_" \
        "$OFFERS" "${pids[-1]}" | tee "$DIR/npm.json"
fi
