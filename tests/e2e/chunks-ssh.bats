#!/usr/bin/env bats
# chunks-ssh.bats -- the chunked encoding recipes run for real: GNU
# parallel fanning chunks out over SSH to 3 "hosts" (network namespaces
# with veth links, Debian's sshd in each), and the Kubernetes Indexed
# Job's per-index command with JOB_COMPLETION_INDEX; both joined results
# equal the single run (ffprobe, ffmpeg's psnr); and hls.js in headless
# Chromium plays the package of joined chunks through sv-serve.  Issue 15.

load ../helpers
load chunks-hosts
bats_require_minimum_version 1.5.0

T=sv-transcode
# a cap the quality target stays under: with a binding cap, each chunk's
# VBV buffer starts fuller than the whole run's was there (see the report)
L=(--ladder 240p:1200k --gop 1s --threads 1)

# a 12 s low-res title with cuts at 4 s and 8 s, a tone throughout
setup_file() {
    local f=$BATS_FILE_TMPDIR/title.mp4
    _ff -f lavfi -i "mandelbrot=size=426x240:rate=30,trim=duration=4,setpts=PTS-STARTPTS" \
        -f lavfi -i "$(_v 426x240 4)" \
        -f lavfi -i "smptebars=size=426x240:rate=30:duration=4" \
        -f lavfi -i "$(_a 12)" \
        -filter_complex '[0:v][1:v][2:v]concat=n=3:v=1:a=0[v]' \
        -map '[v]' -map 3:a -c:v libx264 -preset ultrafast -g 60 \
        -pix_fmt yuv420p -c:a aac -b:a 96k "$f"
    sv-transcode "$f" "${L[@]}" -o "$BATS_FILE_TMPDIR/whole"
}

setup() {
    cd "$BATS_TEST_TMPDIR"
    IN=$BATS_FILE_TMPDIR/title.mp4
    WHOLE=$BATS_FILE_TMPDIR/whole/240p.mp4
}

teardown() {
    hosts_down "$BATS_TEST_TMPDIR/hosts"
    if [ -n "${SERVE_PID:-}" ]; then
        kill "$SERVE_PID" 2>/dev/null || true
        wait "$SERVE_PID" 2>/dev/null || true
    fi
}

packets() {
    ffprobe -v error -select_streams v:0 -show_entries \
        packet=pts,dts,duration,flags -of csv=p=0 "$1"
}

psnr() {
    ffmpeg -nostdin -hide_banner -i "$IN" -i "$1" -lavfi \
        "[1:v][0:v]psnr" -f null - 2>&1 |
        sed -n 's/.*average:\([0-9.]*\).*/\1/p'
}

# same_as_whole FILE: the single run's frames, times and quality
same_as_whole() {
    local a b
    assert_eq "$(frames "$1")" "$(frames "$WHOLE")"
    assert_eq "$(keyframes "$1" v:0)" "$(keyframes "$WHOLE" v:0)"
    [ "$(packets "$1")" = "$(packets "$WHOLE")" ] ||
        fail "packet times differ from the single run"
    assert_eq "$(ffprobe -v error -select_streams a:0 -count_packets \
        -show_entries stream=nb_read_packets -of csv=p=0 "$1")" \
        "$(ffprobe -v error -select_streams a:0 -count_packets \
        -show_entries stream=nb_read_packets -of csv=p=0 "$WHOLE")"
    a=$(psnr "$WHOLE")
    b=$(psnr "$1")
    echo "psnr: single $a, joined $b" >&3
    awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; if (d < 0) d = -d;
        exit !(a > 30 && d <= 0.1) }' ||
        fail "PSNR $b is not within 0.1 dB of the single run's $a"
}

@test "the GNU parallel recipe over 3 SSH hosts joins to the single run" {
    local why
    why=$(hosts_can)
    [ -z "$why" ] || skip "$why"
    hosts_up "$BATS_TEST_TMPDIR/hosts" 3
    CHUNKS=7 SV_SSH="ssh -F $BATS_TEST_TMPDIR/hosts/ssh_config" \
        SV_TRANSCODE="$SV_BUILD/bin/sv-transcode" \
        SV_PACKAGE="$SV_BUILD/bin/sv-package" \
        run -0 "$SV_TOP/examples/chunks-parallel.sh" "$IN" 1/h1,1/h2,1/h3 out "${L[@]}"
    # every host ran chunks: their sshd logs show the logins
    for h in 1 2 3; do
        grep -q 'Accepted publickey' "$BATS_TEST_TMPDIR/hosts/sshd$h.log" ||
            fail "host h$h ran nothing"
    done
    assert_eq "$(jq '.chunks | length' out/plan.json)" 7
    assert_eq "$(find out/parts -name '*.mp4' | wc -l)" 7
    same_as_whole out/joined/240p.mp4
    assert_eq "$(jq -c '[.renditions[] | .width]' out/www/package.json)" '[426,null]'
}

@test "the Kubernetes Indexed Job manifest is well formed" {
    run -0 python3 "$SV_TOP/tests/e2e/k8s_job_check.py" "$SV_TOP/examples/k8s/chunks-job.yaml"
    assert_eq "$output" "ok"
    # the check refuses what the API refuses
    sed 's/restartPolicy: Never/restartPolicy: Always/' \
        "$SV_TOP/examples/k8s/chunks-job.yaml" > bad.yaml
    run -1 python3 "$SV_TOP/tests/e2e/k8s_job_check.py" bad.yaml
    sed 's/completionMode: Indexed/completionMode: NonIndexed/' \
        "$SV_TOP/examples/k8s/chunks-job.yaml" > bad.yaml
    run -1 python3 "$SV_TOP/tests/e2e/k8s_job_check.py" bad.yaml
}

@test "the Job's per-index command, run for every JOB_COMPLETION_INDEX, joins to the single run" {
    local i n
    python3 "$SV_TOP/tests/e2e/k8s_job_check.py" \
        "$SV_TOP/examples/k8s/chunks-job.yaml" command > chunk.sh
    n=$(python3 -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["spec"]["completions"])' \
        "$SV_TOP/examples/k8s/chunks-job.yaml")
    # S3 is another test's (sv-publish-s3.bats); here the upload is a copy
    # shellcheck disable=SC2016 # $1 and $2 are the script's
    printf '#!/bin/sh\nmkdir -p "$1" && cp "$2"/* "$1"/\n' > publish.sh
    chmod +x publish.sh
    for ((i = 0; i < n; i++)); do
        JOB_COMPLETION_INDEX=$i CHUNKS=$n TITLE_URL=$IN OUT_S3=$PWD/parts \
            SV_OPTS="${L[*]} -q" SV_TRANSCODE="$SV_BUILD/bin/sv-transcode" \
            SV_PUBLISH=./publish.sh sh -euc "$(cat chunk.sh)" ||
            fail "index $i failed"
    done
    assert_eq "$(find parts -name '*.mp4' | wc -l)" "$n"
    run -0 $T --join parts -o joined
    same_as_whole joined/240p.mp4
}

@test "hls.js plays the package of the joined chunks to the end" {
    local e2e=$SV_TOP/tests/e2e r port
    if [ ! -d "$e2e/node_modules/hls.js" ] || [ ! -x /usr/bin/chromium ]; then
        skip "hls.js or chromium missing"
    fi
    # the recipe's steps, here: the plan, 7 chunks by range, the join
    $T "$IN" --split-plan --chunks 7 "${L[@]}" > plan.json
    for r in $(jq -r '.chunks[].range' plan.json); do
        $T "$IN" --range "$r" -o parts -q "${L[@]}"
    done
    $T --join parts | sv-package -q -o www
    assert_eq "$(jq -c '[.renditions[] | .type]' www/package.json)" '["video","audio"]'
    cp "$e2e/serve-player.html" "$e2e/node_modules/hls.js/dist/hls.min.js" www/
    port=$(free_port)
    sv-serve www --listen "127.0.0.1:$port" --access-log access.jsonl \
        2> serve.err &
    SERVE_PID=$!
    wait_for curl -sf "http://127.0.0.1:$port/healthz"
    run node "$e2e/serve-play.js" \
        "http://127.0.0.1:$port/serve-player.html?src=master.m3u8" 11.5 60
    echo "# $output" >&3
    [ "$status" -eq 0 ]
    # the whole title (12 s), no fatal error, every segment fetched
    jq -e '.fatal == null and (.ended or .position >= 11.5)' <<< "$output"
    for r in $(jq -r '.renditions[0].segments[].uri // empty' www/package.json); do
        grep -q "\"path\":\"/$r\"" access.jsonl || fail "segment $r not fetched"
    done
}
