#!/usr/bin/env bats
# frames.bats -- every input frame kept (issue 19): packets per track and
# where each track starts, source against sv-package's output (init and
# segments read as one file by ffprobe, never through its DASH demuxer)
# and against sv-transcode's.

load ../helpers
bats_require_minimum_version 1.5.0

# one AAC frame at 48 kHz, with room for rounding
FRAME=0.0215

setup() {
    out=$BATS_TEST_TMPDIR/pkg
}

# track FILE STREAM: "packets first_pts" of one stream (stdin for FILE -)
track() {
    ffprobe -v error -select_streams "$2" -show_entries packet=pts_time \
        -of csv=p=0 "$1" | grep -E '^-?[0-9]' | sed 's/,.*//' |
        sort -g | awk 'NR == 1 { f = $1 } END { print NR, f }'
}

# segs R EXT: rendition R's segment files, in order
segs() {
    find "$out/$1" -maxdepth 1 -name "seg-*.$2" -printf '%f\n' |
        sort -t- -k2 -n | sed "s|^|$out/$1/|"
}

# rendition R: "packets first_pts" of a rendition, init + segments piped
rendition() {
    local segfiles
    mapfile -t segfiles < <(segs "$1" m4s)
    cat "$out/$1/init.mp4" "${segfiles[@]}" | track - 0
}

# ts_rendition R: the same for MPEG-TS segments
ts_rendition() {
    local segfiles
    mapfile -t segfiles < <(segs "$1" ts)
    cat "${segfiles[@]}" | track - 0
}

# near A B [TOLERANCE]: |A - B| within one audio frame
near() {
    awk -v a="$1" -v b="$2" -v t="${3:-$FRAME}" \
        'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }' ||
        fail "$1 and $2 are more than an audio frame apart"
}

# same_frames SRC OUT_V OUT_A: counts equal; the audio starts where it
# starts in the source, relative to the video; the video at 0
same_frames() {
    local sv sa ov oa
    read -r -a sv <<< "$(track "$1" v:0)"
    read -r -a sa <<< "$(track "$1" a:0)"
    read -r -a ov <<< "$2"
    read -r -a oa <<< "$3"
    assert_eq "${ov[0]}" "${sv[0]}"
    assert_eq "${oa[0]}" "${sa[0]}"
    near "${ov[1]}" 0
    near "$(awk -v a="${oa[1]}" -v v="${ov[1]}" 'BEGIN { print a - v }')" \
        "$(awk -v a="${sa[1]}" -v v="${sv[1]}" 'BEGIN { print a - v }')"
}

package_keeps() {
    local src; src=$(fixture "$1")
    run -0 sv-package -o "$out" --segment-duration 1 "$src"
    same_frames "$src" "$(rendition v0)" "$(rendition a0)"
}

@test "package: TS, B-frames, audio first: every frame, in place" {
    package_keeps frames_bf_afirst.ts
}

@test "package: TS, B-frames, video first: every frame, in place" {
    package_keeps frames_bf_vfirst.ts
}

@test "package: TS, no B-frames, audio first: every frame, in place" {
    package_keeps frames_nobf_afirst.ts
}

@test "package: TS, no B-frames, video first: every frame, in place" {
    package_keeps frames_nobf_vfirst.ts
}

@test "package: MP4, B-frames, audio first: every frame, in place" {
    package_keeps frames_bf_afirst.mp4
}

@test "package: MP4, B-frames, video first: every frame, in place" {
    package_keeps frames_bf_vfirst.mp4
}

@test "package: MP4, no B-frames, audio first: every frame, in place" {
    package_keeps frames_nobf_afirst.mp4
}

@test "package: MP4, no B-frames, video first: every frame, in place" {
    package_keeps frames_nobf_vfirst.mp4
}

@test "package: fragmented MP4, B-frames, audio first: every frame, in place" {
    package_keeps frames_bf_afirst_frag.mp4
}

@test "package: fragmented MP4, no B-frames, video first: every frame, in place" {
    package_keeps frames_nobf_vfirst_frag.mp4
}

@test "package: CMAF, B-frames, negative composition offsets: every frame, in place" {
    local src sv sa ov oa
    src=$(fixture frames_bf_afirst_cmaf.mp4)
    run -0 sv-package -o "$out" --segment-duration 1 "$src"
    read -r -a sv <<< "$(track "$src" v:0)"
    read -r -a sa <<< "$(track "$src" a:0)"
    read -r -a ov <<< "$(rendition v0)"
    read -r -a oa <<< "$(rendition a0)"
    assert_eq "${ov[0]}" "${sv[0]}"
    assert_eq "${oa[0]}" "${sa[0]}"
    # ffmpeg's CMAF remux starts both tracks at decode time 0, the first
    # frame's offset is 0 and the B-frames' negative: the video shows
    # from 0 with the audio (libavformat instead delays every frame by
    # the largest negative offset, one frame here)
    near "${sa[1]}" 0
    near "${ov[1]}" 0
    near "${oa[1]}" 0
    near "${sv[1]}" 0.033333 0.001
}

@test "package: live keeps every frame, in place" {
    local src; src=$(fixture frames_bf_afirst.ts)
    run -0 sv-package -o "$out" --live --segment-duration 1 "$src"
    same_frames "$src" "$(rendition v0)" "$(rendition a0)"
    run -0 jq -r '.renditions[] | "\(.id) \(.media_time // 0)"' \
        "$out/package.json"
    assert_match "${lines[0]}" '^v0 6000$'
    assert_match "${lines[1]}" '^a0 2[0-9]{4}$'
}

@test "package: MPEG-TS segments keep every frame, in place" {
    local src; src=$(fixture frames_bf_afirst.ts)
    run -0 sv-package -o "$out" --segments ts --segment-duration 1 "$src"
    local v a
    read -r -a v <<< "$(ts_rendition v0)"
    read -r -a a <<< "$(ts_rendition a0)"
    # MPEG-TS has no edit list: compare where the tracks start
    same_frames "$src" "${v[0]} 0" \
        "${a[0]} $(awk -v a="${a[1]}" -v v="${v[1]}" 'BEGIN { print a - v }')"
}

@test "package: the edit lists and the MPD's offsets say where media starts" {
    run -0 sv-package -o "$out" --segment-duration 1 \
        "$(fixture frames_bf_afirst.ts)"
    # B-frames: the video shows from its first frame's composition time
    run -0 jq -r '.renditions[] |
        "\(.id) \(.media_time // 0) \(.segments[0].time)"' "$out/package.json"
    # v0: 0.5 s of audio before it does not move it; 2 frames of delay do
    assert_match "${lines[0]}" '^v0 6000 6000$'
    # a0: half a second of audio before the first video frame
    assert_match "${lines[1]}" '^a0 2[0-9]{4} 0$'
    local pto
    pto=$(grep -o 'presentationTimeOffset="[0-9]*"' "$out/manifest.mpd" |
        cut -d'"' -f2 | tr '\n' ' ')
    assert_eq "$pto" "6000 $(jq -r '.renditions[1].media_time' \
        "$out/package.json") "
}

@test "transcode: audio before the first video frame is kept, not silence" {
    local src; src=$(fixture frames_nobf_afirst.ts)
    run -0 sv-transcode "$src" -o "$BATS_TEST_TMPDIR/t" -l 90p:200k
    local f=$BATS_TEST_TMPDIR/t/90p.mp4 sv sa ov oa
    read -r -a sv <<< "$(track "$src" v:0)"
    read -r -a sa <<< "$(track "$src" a:0)"
    read -r -a ov <<< "$(track "$f" v:0)"
    read -r -a oa <<< "$(track "$f" a:0)"
    # the encoder adds a frame of priming and may flush one more
    [ "${oa[0]}" -ge "${sa[0]}" ] && [ "${oa[0]}" -le $((sa[0] + 2)) ] ||
        fail "${oa[0]} audio packets out of ${sa[0]}"
    # within the encoder's own priming frame (before 0, behind the edit
    # list) and a frame of the constant-rate video grid
    near "$(awk -v a="${oa[1]}" -v v="${ov[1]}" 'BEGIN { print a - v }')" \
        "$(awk -v a="${sa[1]}" -v v="${sv[1]}" 'BEGIN { print a - v }')" \
        0.055
    # the tone, not silence, in the first 0.2 s
    run -0 --separate-stderr ffmpeg -nostdin -hide_banner -i "$f" -map 0:a \
        -af atrim=0:0.2,volumedetect -f null -
    local mean
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    mean=$(grep -o 'mean_volume: [-0-9.]*' <<< "$stderr" | cut -d' ' -f2)
    awk -v m="$mean" 'BEGIN { exit !(m > -40) }' ||
        fail "the first 0.2 s are at $mean dB"
}
