#!/bin/sh
# vod.sh -- one file to an ABR package for HLS and DASH, served.
#   examples/vod.sh in.mp4 [www]
# then play:    http://127.0.0.1:8080/<name>/master.m3u8 (or manifest.mpd)
# Environment (defaults in brackets):
#   SV_VOD_HTTP     the origin's address [127.0.0.1:8080]
#   SV_VOD_LADDER   sv-transcode's --ladder [default]
set -eu
in=$1 www=${2:-www}
name=$(basename "${in%.*}")
sv-transcode "$in" --ladder "${SV_VOD_LADDER:-default}" \
    --events "$www.$name.transcode.jsonl" |
    sv-package -o "$www/$name"
echo "package: $www/$name (master.m3u8, manifest.mpd, package.json)" >&2
exec sv-serve "$www" --listen "${SV_VOD_HTTP:-127.0.0.1:8080}" --cors-origin '*'
