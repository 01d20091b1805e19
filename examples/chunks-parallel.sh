#!/bin/sh
# chunks-parallel.sh -- a title encoded in chunks on several hosts over SSH
# with GNU parallel, joined back into one file per rung and a package.
#
#   examples/chunks-parallel.sh <input> <sshlogins> <outdir> [options]
#
# sshlogins is GNU parallel's --sshlogin list: "2/enc1,2/enc2,1/:" runs
# two chunks at a time on enc1 and on enc2 and one here.  The options go
# to every sv-transcode (the plan and the chunks must agree on --gop and
# the ladder).  Each host needs sv-transcode and rsync; every job gets the
# title over SSH (rsync) into a scratch directory and sends its chunk
# files back.  Writes <outdir>/plan.json, parts/, joined/ and www/.
#
#   CHUNKS        parts to cut the title into (default 7)
#   SV_SSH        the ssh command parallel runs (default ssh)
#   SV_TRANSCODE  sv-transcode on the hosts and here (default: on PATH)
#   SV_PACKAGE    sv-package here (default: on PATH)
set -eu

if [ $# -lt 3 ]; then
    echo "usage: $0 <input> <sshlogins> <outdir> [sv-transcode options]" >&2
    exit 2
fi
in=$1 logins=$2 out=$3
shift 3
sv=${SV_TRANSCODE:-sv-transcode}
dir=$(cd "$(dirname "$in")" && pwd)
base=$(basename "$in")
mkdir -p "$out"

# 1. where the chunks begin and end: on the keyframe grid, moved onto
#    scene cuts nearby (decodes the title once, here)
"$sv" "$in" --split-plan --chunks "${CHUNKS:-7}" "$@" > "$out/plan.json"
cd "$out"

# 2. one job per chunk, anywhere (one SSH connection per host, kept open):
#    the title goes over ("/./": relative to
#    the job's scratch directory), the chunk's files come back into parts/
jq -r '.chunks[].range' plan.json |
    parallel --sshlogin "$logins" --ssh "${SV_SSH:-ssh}" --controlmaster \
        --workdir ... \
        --transferfile "$dir/./$base" --return parts --cleanup --halt now,fail=1 \
        "$sv" "$base" --range {} -o parts -q "$@"

# 3. the chunks joined: one file per rung, and an HLS/DASH package (the
#    join fails, naming the frames, if a chunk is missing)
"$sv" --join parts -o joined
"$sv" --join parts | "${SV_PACKAGE:-sv-package}" -o www
