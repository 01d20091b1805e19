#!/bin/sh
# eval.sh -- x2 quality of sv-transcode --upscale sr against lanczos and
# bicubic, on the pictures train.py held out and on video clips no training
# picture came from.  Each original is halved (bicubic) and H.264-encoded
# (CRF 23, as video is), then brought back to size by each scaler (lossless
# encode, --crf 0) and compared with the original: luma PSNR and SSIM by
# sv-stats quality (PSNR of the mean squared error, pooled as ffmpeg does),
# and luma PSNR by ffmpeg's psnr filter as a cross-check.
# Prints one line per item and the mean per content kind (SR_EVAL_CRF
# changes the CRF of the degraded source).
#   scripts/sr/eval.sh                  (needs gnome- and mate-backgrounds)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${BUILD:-$top/build}/bin
dir=${SV_EVAL_DIR:-/tmp/sv-sr-eval}
crf=${SR_EVAL_CRF:-23}
mkdir -p "$dir"

ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }

# ffpsnr A B: ffmpeg's luma PSNR of A against B, frame i against frame i.
# The psnr filter pairs frames by time, and Matroska keeps milliseconds:
# at 30 fps frame 2 of the original is at 0.067 s and of the mp4 at
# 0.0667 s, so it was paired with frame 1 (every third frame one behind:
# 30.8 dB against sv-stats' 47.0 on the pan).  Counting frames in 1/30
# pairs them as sv-stats does (by index).
ffpsnr() {
    ffmpeg -nostdin -hide_banner -i "$1" -i "$2" -lavfi \
        "[0:v]settb=1/30,setpts=N[a];[1:v]settb=1/30,setpts=N[b];[a][b]psnr" \
        -f null - 2>&1 |
        sed -n 's/.*PSNR y:\([0-9.inf]*\).*/\1/p' | tail -1
}

# one KIND NAME ORIGINAL: the three scalers on one original (lossless,
# sizes a multiple of 4)
one() {
    kind=$1 name=$2 hr=$3
    wh=$(ffprobe -v error -select_streams v:0 -show_entries \
        stream=width,height -of csv=p=0 "$hr")
    w=${wh%,*} h=${wh#*,}
    short=$h
    [ "$w" -ge "$h" ] || short=$w
    lr=$dir/$name.lr.mkv
    ff -i "$hr" -vf "scale=$((w / 2)):$((h / 2)):flags=bicubic" \
        -c:v libx264 -preset medium -crf "$crf" "$lr"
    for s in sr lanczos; do
        rm -rf "$dir/$name.$s"
        "$bin/sv-transcode" "$lr" -q --no-audio --hw none --crf 0 \
            -l "${short}p:400000k" --upscale "2x:$s" -o "$dir/$name.$s"
        mv "$dir/$name.$s/${short}p.mp4" "$dir/$name.$s.mp4"
        rm -rf "$dir/$name.$s"
    done
    ff -i "$lr" -vf "scale=$w:$h:flags=bicubic" -c:v libx264 -qp 0 \
        "$dir/$name.bicubic.mp4"
    line="$kind $name"
    for s in sr lanczos bicubic; do
        q=$("$bin/sv-stats" quality -q "$hr" "$dir/$name.$s.mp4" |
            jq -r '"\(.psnr.of_mean_mse.y) \(.ssim.y.mean)"')
        line="$line $q $(ffpsnr "$dir/$name.$s.mp4" "$hr")"
    done
    echo "$line" >> "$dir/rows"
    echo "$line" | awk '{ printf "%-8s %-34s %7.2f %6.4f %7.2f | %7.2f %6.4f %7.2f | %7.2f %6.4f %7.2f\n",
        $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }'
}

: > "$dir/rows"
printf '%-8s %-34s %22s | %22s | %22s\n' kind item \
    "sr: psnr ssim ffpsnr" "lanczos: psnr ssim ff" "bicubic: psnr ssim ff"

# held-out pictures, at most 1280 wide as video frames are (train.py's way)
/usr/bin/python3 "$top/scripts/sr/train.py" --list-holdout |
while read -r pic; do
    case $pic in
    */gnome/*) kind=graphics ;;
    */nature/*) kind=photo ;;
    *) kind=artwork ;;
    esac
    name=$(basename "${pic%.*}")
    # one frame of it
    ff -i "$pic" -frames:v 1 -vf "scale='min(1280,iw)':-2:flags=lanczos,crop=trunc(iw/4)*4:trunc(ih/4)*4,format=yuv420p" \
        -c:v ffv1 "$dir/$name.hr.mkv"
    one "$kind" "$name" "$dir/$name.hr.mkv"
done

# video: a camera pan over a held-out photograph, a test pattern, a fractal
# zoom; 1280x720, 15 frames each
pan=/usr/share/backgrounds/mate/nature/GreenMeadow.jpg
ff -loop 1 -i "$pan" -vf "scale=2560:-2,crop=1280:720:'t*400':'t*100',fps=30,format=yuv420p" \
    -t 0.5 -c:v ffv1 "$dir/pan.hr.mkv"
one video pan "$dir/pan.hr.mkv"
ff -f lavfi -i "testsrc2=size=1280x720:rate=30:duration=0.5" -pix_fmt yuv420p \
    -c:v ffv1 "$dir/testsrc2.hr.mkv"
one video testsrc2 "$dir/testsrc2.hr.mkv"
ff -f lavfi -i "mandelbrot=size=1280x720:rate=30,trim=duration=0.5" \
    -pix_fmt yuv420p -c:v ffv1 "$dir/mandelbrot.hr.mkv"
one video mandelbrot "$dir/mandelbrot.hr.mkv"

echo
printf '%-9s %3s %16s %16s %16s %9s %9s\n' kind n "sr psnr/ssim" \
    "lanczos" "bicubic" "sr-lz dB" "sr-bic dB"
# an item every scaler gets exactly (a flat picture: 100 dB) says nothing
awk '$3 >= 99 && $6 >= 99 { next } { k = $1; n[k]++; for (i = 3; i <= 11; i++) s[k, i] += $i;
       n["all"]++; for (i = 3; i <= 11; i++) s["all", i] += $i }
     END { split("graphics artwork photo video all", ks, " ");
       for (j = 1; j <= 5; j++) { k = ks[j]; if (!n[k]) continue;
         printf "%-9s %3d %8.2f %7.4f %8.2f %7.4f %8.2f %7.4f %+9.2f %+9.2f\n",
           k, n[k], s[k,3]/n[k], s[k,4]/n[k], s[k,6]/n[k], s[k,7]/n[k],
           s[k,9]/n[k], s[k,10]/n[k], (s[k,3]-s[k,6])/n[k],
           (s[k,3]-s[k,9])/n[k] } }' "$dir/rows"
