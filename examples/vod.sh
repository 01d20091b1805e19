#!/bin/sh
# vod.sh -- one file to an ABR package for HLS and DASH, served.
#   examples/vod.sh in.mp4 [www]
set -eu
in=$1 www=${2:-www}
name=$(basename "${in%.*}")
sv-transcode "$in" --ladder default --events "$www.$name.transcode.jsonl" |
    sv-package -o "$www/$name"
echo "package: $www/$name (master.m3u8, manifest.mpd, package.json)" >&2
exec sv-serve "$www" --listen 127.0.0.1:8080 --cors-origin '*'
