#!/bin/bash
# chunks.sh -- chunked encoding fanned out over SSH hosts (GNU parallel,
# examples/chunks-parallel.sh) against one host doing the whole title.
#
# Starts N "hosts" (network namespaces with veth links and sshd, as
# tests/e2e/chunks-ssh.bats does; needs root) and runs the recipe twice:
# every chunk on h1 alone, then the chunks over h1..hN.  Prints the wall
# time of each, the ratio, and the CPU-seconds (user + sys of the encodes)
# each host spent, so the speed-up of a real farm, where each host has its
# own cores, can be read off: CPU-seconds on 1 host / the busiest host's.
# HERE THE HOSTS SHARE THIS MACHINE'S CORES (and SSH, rsync, planning and
# joining run on the same cores), so the wall-time ratio measures overhead,
# not the speed-up.
#   scripts/bench/chunks.sh          (HOSTS=3 CHUNKS=6 SECONDS_LONG=20)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BUILD:-$top/build}/bin
dir=${SV_BENCH_DIR:-/tmp/sv-bench}/chunks
hosts=${HOSTS:-3}
len=${SECONDS_LONG:-20}
export CHUNKS=${CHUNKS:-6}
opts=(--ladder "720p:2800k,360p:800k" --gop 2s)

bats_require_minimum_version() { :; }
# shellcheck disable=SC1091 # sourced from the tree
. "$top/tests/helpers.bash"
# shellcheck disable=SC1091 # sourced from the tree
. "$top/tests/e2e/chunks-hosts.bash"
why=$(hosts_can)
[ -z "$why" ] || { echo "chunks.sh: $why" >&2; exit 1; }

rm -rf "$dir"
mkdir -p "$dir"
src=$dir/src720p30_${len}s.mp4
_ff -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=$len,noise=alls=4:allf=t" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$len" \
    -c:v libx264 -preset veryfast -crf 20 -g 60 -pix_fmt yuv420p \
    -c:a aac -b:a 128k -shortest "$src"

# the encodes' CPU time, by the host parallel ran them on
cat > "$dir/timed-sv" <<SH
#!/bin/sh
exec /usr/bin/time -a -o "$dir/cpu.\${PARALLEL_SSHLOGIN:-here}" -f "%U %S" \
    "$bin/sv-transcode" "\$@"
SH
chmod +x "$dir/timed-sv"

trap 'hosts_down "$dir/hosts"' EXIT
hosts_up "$dir/hosts" "$hosts"

# run NAME LOGINS: the recipe; prints its wall seconds
run() {
    local t0 t1
    rm -f "$dir"/cpu.*
    t0=$(date +%s.%N)
    SV_SSH="ssh -F $dir/hosts/ssh_config" SV_TRANSCODE="$dir/timed-sv" \
        SV_PACKAGE="$bin/sv-package" \
        "$top/examples/chunks-parallel.sh" "$src" "$2" "$dir/$1" "${opts[@]}" >&2
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }'
}

cpu() {
    local f
    for f in "$dir"/cpu.*; do
        printf '  %-6s %s s\n' "${f##*/cpu.}" \
            "$(awk 'NF == 2 { s += $1 + $2 } END { printf "%.1f", s }' "$f")"
    done
}

one=$(run one 1/h1)
cpu_one=$(cpu)
all=""
for ((i = 1; i <= hosts; i++)); do all="$all${all:+,}1/h$i"; done
many=$(run many "$all")
cpu_many=$(cpu)
cmp -s <(ffprobe -v error -select_streams v:0 -show_entries packet=pts,dts,duration,flags \
        -of csv=p=0 "$dir/one/joined/720p.mp4") \
    <(ffprobe -v error -select_streams v:0 -show_entries packet=pts,dts,duration,flags \
        -of csv=p=0 "$dir/many/joined/720p.mp4") ||
    echo "chunks.sh: the two joined results differ in packet times" >&2

echo "chunked encoding: ${len}s 720p30, ladder ${opts[1]}, $CHUNKS chunks, $(nproc) cores shared by all hosts"
echo "1 host:   wall $one s; CPU-seconds by host (the encodes):"
echo "$cpu_one"
echo "$hosts hosts:  wall $many s; CPU-seconds by host:"
echo "$cpu_many"
echo "$one $many" | awk '{ printf "wall ratio 1 host / %d hosts: %.2f (cores shared: not a speed-up)\n", '"$hosts"', $1 / $2 }'
total=$(echo "$cpu_one" | awk '{ s += $2 } END { printf "%.1f", s }')
echo "$cpu_many" | awk -v total="$total" '{ if ($2 + 0 > m) m = $2 + 0 }
    END { if (m > 0) printf "on hosts with their own cores: about %.1fx faster (all CPU-seconds on 1 host / the busiest host'"'"'s)\n", total / m }'
