#!/bin/sh
# stop-rgw.sh DIR -- stops what start-rgw.sh DIR started, by its PIDs, and
# waits for them to go (at most 10 s each, then SIGKILL).
set -u
D=$1
for n in rgw osd mon; do
    [ -f "$D/$n.pid" ] || continue
    pid=$(cat "$D/$n.pid")
    kill "$pid" 2>/dev/null || continue
    i=0
    while kill -0 "$pid" 2>/dev/null; do
        i=$((i + 1))
        if [ "$i" -ge 100 ]; then
            kill -9 "$pid" 2>/dev/null
            break
        fi
        sleep 0.1
    done
done
