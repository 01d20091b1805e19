# edge.bash -- what edge-varnish.bats and steering.bats share: Varnish
# (Debian's varnishd) started from examples/varnish/sv-serve.vcl in front
# of an sv-serve, its request log (varnishncsa), and stopping them by PID.

# edge_start NAME PORT ORIGIN_PORT: varnishd on 127.0.0.1:PORT in front of
# 127.0.0.1:ORIGIN_PORT, its work directory and log under
# $BATS_TEST_TMPDIR/NAME; sets EDGE_PIDS (varnishd, varnishncsa)
edge_start() {
    local port=$2 origin=$3 dir=$BATS_TEST_TMPDIR/$1
    mkdir -p "$dir"
    sed "s/\.port = \"8080\"/.port = \"$origin\"/" \
        "$SV_TOP/examples/varnish/sv-serve.vcl" > "$dir/edge.vcl"
    # -j none: no jail, as the test's own user (root in CI) whose temporary
    # directories the varnish user could not read
    varnishd -F -j none -n "$dir/work" -a "127.0.0.1:$port" \
        -f "$dir/edge.vcl" -s malloc,64m > "$dir/varnishd.log" 2>&1 &
    EDGE_PIDS="${EDGE_PIDS:-} $!"
    wait_for curl -sf "http://127.0.0.1:$port/healthz" ||
        fail "varnishd did not start: $(cat "$dir/varnishd.log")"
    # one line per request: URL, status, hit/miss/pass/synth
    varnishncsa -n "$dir/work" -F '%U%q %s %{Varnish:handling}x' \
        -w "$dir/ncsa.log" 2> "$dir/varnishncsa.err" &
    EDGE_PIDS="$EDGE_PIDS $!"
    wait_for test -e "$dir/ncsa.log"
}

# edge_stop: ends what edge_start started, by PID
edge_stop() {
    local p
    for p in ${EDGE_PIDS:-}; do
        kill "$p" 2>/dev/null || true   # status ignored: may be gone
        wait "$p" 2>/dev/null || true   # status ignored: killed
    done
    EDGE_PIDS=
}
