# helpers.bash -- shared by every bats file: paths, fixtures, probes.
#
# Fixtures are generated with the ffmpeg CLI at test time into $SV_FIXTURES
# (a cache shared by all suites); no media is committed.  Each is made once,
# under a lock, and reused.

bats_require_minimum_version 1.5.0

SV_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SV_BUILD=${SV_BUILD:-$SV_TOP/build}
SV_FIXTURES=${SV_FIXTURES:-$SV_TOP/build/fixtures}
export PATH="$SV_BUILD/bin:$PATH"
mkdir -p "$SV_FIXTURES"

# lavfi sources: a moving test pattern and a tone, both deterministic
_v() { echo "testsrc2=size=$1:rate=${3:-30}:duration=$2"; }
_a() { echo "sine=frequency=440:sample_rate=48000:duration=$1"; }

_ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }

_make_fixture() {
    local name=$1 out=$2
    case $name in
    h264_aac_360p.mp4)      # 4 s, 640x360, 30 fps, GOP 1 s
        _ff -f lavfi -i "$(_v 640x360 4)" -f lavfi -i "$(_a 4)" \
            -c:v libx264 -preset veryfast -g 30 -pix_fmt yuv420p \
            -c:a aac -b:a 96k -shortest "$out" ;;
    h264_aac_1080p.mp4)     # 3 s, 1920x1080, 30 fps
        _ff -f lavfi -i "$(_v 1920x1080 3)" -f lavfi -i "$(_a 3)" \
            -c:v libx264 -preset ultrafast -g 30 -pix_fmt yuv420p \
            -c:a aac -b:a 128k -shortest "$out" ;;
    h264_aac_720p_long.mp4) # 20 s, 1280x720, 30 fps, scene cuts every 5 s
        _ff -f lavfi -i "mandelbrot=size=1280x720:rate=30,trim=duration=5,setpts=PTS-STARTPTS" \
            -f lavfi -i "$(_v 1280x720 5)" \
            -f lavfi -i "smptebars=size=1280x720:rate=30:duration=5" \
            -f lavfi -i "$(_v 1280x720 5),hue=H=2" \
            -f lavfi -i "$(_a 20)" \
            -filter_complex '[0:v][1:v][2:v][3:v]concat=n=4:v=1:a=0[v]' \
            -map '[v]' -map 4:a -c:v libx264 -preset ultrafast -g 60 \
            -pix_fmt yuv420p -c:a aac -b:a 96k "$out" ;;
    video_only_360p.mp4)
        _ff -f lavfi -i "$(_v 640x360 3)" -c:v libx264 -preset veryfast \
            -g 30 -pix_fmt yuv420p "$out" ;;
    audio_only.m4a)
        _ff -f lavfi -i "$(_a 3)" -c:a aac "$out" ;;
    hevc_aac_360p.mp4)
        _ff -f lavfi -i "$(_v 640x360 3)" -f lavfi -i "$(_a 3)" \
            -c:v libx265 -preset ultrafast -x265-params log-level=none \
            -tag:v hvc1 -pix_fmt yuv420p -c:a aac -shortest "$out" ;;
    vp9_opus_360p.webm)
        _ff -f lavfi -i "$(_v 640x360 3)" -f lavfi -i "$(_a 3)" \
            -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 500k \
            -c:a libopus -shortest "$out" ;;
    odd_321x241.mp4)        # odd dimensions
        _ff -f lavfi -i "$(_v 321x241 2)" -c:v libx264 -preset veryfast \
            -pix_fmt yuv444p "$out" ;;
    rotated_90.mp4)         # display matrix: shown as 360x640
        # ffmpeg 5.1 ignores rotate=90 metadata: write tkhd's matrix
        _ff -f lavfi -i "$(_v 640x360 2)" -c:v libx264 -preset veryfast \
            -pix_fmt yuv420p "$out" && python3 - "$out" <<'PY' ;;
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
i = d.find(b'tkhd')
off = i + 8 + (32 if d[i + 4] == 1 else 20) + 16
d[off:off + 36] = struct.pack('>9i', 0, 65536, 0, -65536, 0, 0, 0, 0, 1 << 30)
open(sys.argv[1], 'wb').write(d)
PY
    vfr.mkv)                # variable frame rate
        _ff -f lavfi -i "$(_v 640x360 3)" \
            -vf "setpts='if(lt(N,30),N/30/TB,(30+(N-30)*2)/30/TB)'" \
            -fps_mode vfr -c:v libx264 -preset veryfast -pix_fmt yuv420p \
            "$out" ;;
    interlaced.ts)          # 1080i-style field coded MPEG-2
        _ff -f lavfi -i "$(_v 720x576 2 50),tinterlace=interleave_top" \
            -c:v mpeg2video -flags +ildct+ilme -top 1 -b:v 4M \
            -f mpegts "$out" ;;
    10bit.mkv)
        _ff -f lavfi -i "$(_v 640x360 2)" -c:v libx264 -preset veryfast \
            -pix_fmt yuv420p10le "$out" ;;
    truncated.mp4)          # the first 60% of a file whose moov is at the end
        local src; src=$(fixture h264_aac_360p.mp4)
        head -c $(( $(stat -c %s "$src") * 6 / 10 )) "$src" > "$out" ;;
    corrupt.ts)             # packets overwritten with garbage in the middle
        local src; src=$(fixture h264_aac_360p.ts)
        cp "$src" "$out"
        local size; size=$(stat -c %s "$out")
        # the same garbage every time (an AES-CTR keystream), so the
        # tests that count decode errors see the same file everywhere
        openssl enc -aes-128-ctr -K 00112233445566778899aabbccddeeff \
            -iv 0 -in /dev/zero 2>/dev/null | head -c 40000 |
            dd of="$out" bs=1 \
            seek=$(( size / 2 )) conv=notrunc status=none ;;
    h264_aac_360p.ts)
        _ff -i "$(fixture h264_aac_360p.mp4)" -c copy -f mpegts "$out" ;;
    ladder_360p.ts)         # sv-transcode's shape: 3 rungs + AAC, 6 s,
                            # keyframes every 2 s on every rung
        _ff -f lavfi -i "$(_v 640x360 6)" -f lavfi -i "$(_a 6)" \
            -filter_complex '[0:v]split=3[a][b][c];[b]scale=480:270[b2];[c]scale=320:180[c2]' \
            -map '[a]' -map '[b2]' -map '[c2]' -map 1:a -c:v libx264 \
            -preset ultrafast -force_key_frames 'expr:gte(t,n_forced*2)' \
            -sc_threshold 0 -pix_fmt yuv420p -c:a aac -b:a 96k \
            -f mpegts "$out" ;;
    ladder_sd_hd.ts)        # 2 rungs, 1280x720 (HD) and 320x180 (SD),
                            # + AAC, 4 s, keyframes every 2 s
        _ff -f lavfi -i "$(_v 1280x720 4)" -f lavfi -i "$(_a 4)" \
            -filter_complex '[0:v]split=2[a][b];[b]scale=320:180[b2]' \
            -map '[a]' -map '[b2]' -map 1:a -c:v libx264 -preset ultrafast \
            -force_key_frames 'expr:gte(t,n_forced*2)' -sc_threshold 0 \
            -pix_fmt yuv420p -c:a aac -b:a 64k -f mpegts "$out" ;;
    ladder_misaligned.ts)   # 2 rungs, keyframes every 2 s and every 3 s
        _ff -f lavfi -i "$(_v 640x360 6)" -f lavfi -i "$(_a 6)" \
            -filter_complex '[0:v]split=2[a][b];[b]scale=320:180[b2]' \
            -map '[a]' -map '[b2]' -map 1:a -c:v libx264 -preset ultrafast \
            -force_key_frames:v:0 'expr:gte(t,n_forced*2)' \
            -force_key_frames:v:1 'expr:gte(t,n_forced*3)' \
            -sc_threshold 0 -pix_fmt yuv420p -c:a aac -f mpegts "$out" ;;
    hevc_aac_360p.ts)       # HEVC + AAC in MPEG-TS, keyframes every 1 s
        _ff -f lavfi -i "$(_v 640x360 3)" -f lavfi -i "$(_a 3)" \
            -c:v libx265 -preset ultrafast -x265-params log-level=none \
            -force_key_frames 'expr:gte(t,n_forced*1)' -pix_fmt yuv420p \
            -c:a aac -shortest -f mpegts "$out" ;;
    av1_360p.mkv)           # AV1 (SVT-AV1), 2 s, keyframes every 1 s
        _ff -f lavfi -i "$(_v 640x360 2)" -c:v libsvtav1 -preset 12 \
            -g 30 -pix_fmt yuv420p -f matroska "$out" ;;
    h264_aac_180p.mp4)      # a second rung for h264_aac_360p.mp4 (GOP 1 s)
        _ff -f lavfi -i "$(_v 320x180 4)" -f lavfi -i "$(_a 4)" \
            -c:v libx264 -preset veryfast -g 30 -pix_fmt yuv420p \
            -c:a aac -b:a 64k -shortest -f mp4 "$out" ;;
    ladder_garbage.ts)      # 2 s, 60 KB of junk, then the last 5 s of a
                            # ladder whose clock is 30 s later
        local src; src=$(fixture ladder_gap.ts)
        { head -c 400000 "$src"; yes 'not a transport stream' |
            head -c 60000; tail -c 3000000 "$src"; } > "$out" ;;
    one_keyframe.ts)        # 10 s whose only keyframe is the first frame
        _ff -f lavfi -i "$(_v 320x180 10)" -c:v libx264 -preset ultrafast \
            -x264-params keyint=infinite:scenecut=0 -pix_fmt yuv420p \
            -f mpegts "$out" ;;
    ladder_reset.ts)        # the same 6 s twice: timestamps go back
        local src; src=$(fixture ladder_360p.ts)
        cat "$src" "$src" > "$out" ;;
    ladder_gap.ts)          # 6 s, then 6 s whose clock is 30 s later
        local src; src=$(fixture ladder_360p.ts)
        _ff -i "$src" -map 0 -c copy -output_ts_offset 30 -f mpegts \
            "$out.b"
        cat "$src" "$out.b" > "$out" && rm -f "$out.b" ;;
    frames_*.ts)            # frames_{bf,nobf}_{afirst,vfirst}.ts: 3 s,
                            # B-frames or none, audio 0.5 s before the
                            # video or after it (issue 19)
        local bf=0 voff=0 aoff=0
        case $name in *_bf_*) bf=2 ;; esac
        case $name in *_afirst*) voff=0.5 ;; *) aoff=0.5 ;; esac
        _ff -itsoffset "$voff" -f lavfi -i "$(_v 160x90 3)" \
            -itsoffset "$aoff" -f lavfi -i "$(_a 3)" \
            -c:v libx264 -preset veryfast -g 30 -bf "$bf" -pix_fmt yuv420p \
            -c:a aac -b:a 64k -f mpegts "$out" ;;
    frames_*_frag.mp4)      # the same fragmented, as ffmpeg writes it
                            # for a live recording (no samples in the
                            # moov, a moof per GOP, no edit list)
        _ff -i "$(fixture "${name%_frag.mp4}.mp4")" -c copy \
            -movflags frag_keyframe+empty_moov -f mp4 "$out" ;;
    frames_*_cmaf.mp4)      # and as CMAF: half-second fragments, each
                            # track in its own moof, negative composition
                            # offsets (trun version 1)
        _ff -i "$(fixture "${name%_cmaf.mp4}.mp4")" -c copy \
            -movflags +cmaf+separate_moof -frag_duration 500000 \
            -f mp4 "$out" ;;
    frames_*.mp4)           # the same in MP4 (its edit lists)
        _ff -i "$(fixture "${name%.mp4}.ts")" -c copy -f mp4 "$out" ;;
    notmedia.txt)
        printf 'this is not media\n%.0s' $(seq 100) > "$out" ;;
    *)
        echo "helpers.bash: unknown fixture '$name'" >&2
        return 1 ;;
    esac
}

# fixture NAME: prints the path of a cached fixture, making it if needed
fixture() {
    local name=$1 out=$SV_FIXTURES/$1
    if [ ! -s "$out" ]; then
        (
            flock 9
            if [ ! -s "$out" ]; then
                # the temp name keeps the extension: ffmpeg picks by it
                local tmp=$SV_FIXTURES/.tmp.$$.$name
                _make_fixture "$name" "$tmp" &&
                    mv "$tmp" "$out" || { rm -f "$tmp"; exit 1; }
            fi
        ) 9> "$SV_FIXTURES/.$name.lock" || return 1
    fi
    echo "$out"
}

# probe FILE: ffprobe's JSON of streams and format
probe() {
    ffprobe -v error -show_streams -show_format -of json "$1"
}

# keyframes FILE STREAM_INDEX: keyframe presentation times, one per line
keyframes() {
    ffprobe -v error -select_streams "$2" -show_packets \
        -show_entries packet=pts_time,flags -of csv=p=0 "$1" |
        awk -F, '$2 ~ /K/ { printf "%.3f\n", $1 }'
}

# frames FILE STREAM_INDEX: number of decoded frames (counted by ffprobe)
frames() {
    ffprobe -v error -select_streams "$2" -count_frames \
        -show_entries stream=nb_read_frames -of csv=p=0 "$1"
}

# duration FILE: container duration in seconds
duration() {
    ffprobe -v error -show_entries format=duration -of csv=p=0 "$1"
}

# free_port: a TCP port on 127.0.0.1 nobody listens on now
free_port() {
    python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}

# wait_for CMD...: retry for up to 10 s (50 tries), for servers starting
wait_for() {
    local _
    for _ in $(seq 50); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}

# assert helpers in the spirit of bats-assert, without the dependency
fail() { echo "$@" >&2; return 1; }
assert_eq() { [ "$1" = "$2" ] || fail "expected '$2', got '$1'"; }
assert_match() { [[ $1 =~ $2 ]] || fail "'$1' does not match /$2/"; }
