#!/usr/bin/env bats
# sv-stats.bats -- the command line of sv-stats

load ../helpers
bats_require_minimum_version 1.5.0

@test "--version names the tool" {
    run sv-stats --version
    [ "$status" -eq 0 ]
    assert_match "$output" "^sv-stats "
}

# ---- logs ----

# clf N [T0] [VIEWERS]: N combined-log lines, one a second from T0 (epoch
# seconds), VIEWERS addresses; path, size and CMCD vary with the line
clf() {
    python3 - "$1" "${2:-1796212800}" "${3:-5}" <<'PY'
import sys, time
n, t0, v = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    t = time.strftime('%d/%b/%Y:%H:%M:%S +0000', time.gmtime(t0 + i))
    r = ('720p', 3000) if i % 3 else ('360p', 800)
    print('10.1.%d.%d - - [%s] "GET /vod/t%d/%s/seg-%d.m4s?CMCD=br%%3D%d '
          'HTTP/1.1" %d %d "-" "agent/%d" "%s"'
          % (i % v // 256, i % v % 256, t, i % 2, r[0], i, r[1],
             404 if i % 50 == 49 else 200, 1000 + i, i % v,
             'HIT' if i % 4 else 'MISS'))
PY
}

logs_usage() {     # logs_usage MESSAGE ARGS...: exit 2 and that message
    local msg=$1
    shift
    run -2 --separate-stderr sv-stats logs "$@"
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr_lines
    assert_eq "${stderr_lines[0]}" "sv-stats: $msg"
    assert_eq "$output" ""
}

@test "logs: usage errors say what is wrong" {
    logs_usage "logs needs at least one log file"
    logs_usage "--prometheus needs --follow (without it, use --format prometheus)" \
        --prometheus 127.0.0.1:9 x.log
    logs_usage "bad --since 'yesterday': expected an ISO 8601 time with a zone, or seconds since the epoch" \
        --since yesterday x.log
    logs_usage "bad --group-by 'country,title': expected title, rendition, country or hour" \
        --group-by country,title x.log
    logs_usage "--follow writes JSON lines: --format csv does not apply" \
        --follow --format csv x.log
    logs_usage "--follow needs a file, not stdin" --follow -
    logs_usage "bad --clickhouse 'ftp://h/': expected an http:// or https:// URL" \
        --clickhouse ftp://h/ x.log
    logs_usage "bad --clickhouse-table 'a;b': expected letters, digits, '_' and '.'" \
        --clickhouse http://h/ --clickhouse-table 'a;b' x.log
    logs_usage "bad --interval '0s': expected a duration from 1s to 24h" \
        --interval 0s x.log
}

@test "logs: a file that cannot be read fails, one among others is partial (3)" {
    clf 10 > "$BATS_TEST_TMPDIR/a.log"
    run -1 --separate-stderr sv-stats logs "$BATS_TEST_TMPDIR/none.log"
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    assert_eq "$stderr" "sv-stats: cannot read $BATS_TEST_TMPDIR/none.log: no such file or directory"
    run -3 --separate-stderr sv-stats logs "$BATS_TEST_TMPDIR/none.log" \
        "$BATS_TEST_TMPDIR/a.log"
    assert_eq "$(jq .requests <<< "$output")" 10
    head -c 100 "$BATS_TEST_TMPDIR/a.log" | gzip > "$BATS_TEST_TMPDIR/b.gz"
    head -c 30 "$BATS_TEST_TMPDIR/b.gz" > "$BATS_TEST_TMPDIR/cut.gz"
    run -1 --separate-stderr sv-stats logs "$BATS_TEST_TMPDIR/cut.gz"
    assert_match "$stderr" "^sv-stats: cannot read $BATS_TEST_TMPDIR/cut.gz: "
}

@test "logs: combined lines give requests, bytes, status classes, cache ratio, shares" {
    clf 100 > "$BATS_TEST_TMPDIR/a.log"
    printf 'not a log line\n' >> "$BATS_TEST_TMPDIR/a.log"
    run --separate-stderr sv-stats logs "$BATS_TEST_TMPDIR/a.log"
    [ "$status" -eq 0 ]
    # 1000 + i bytes for i in 0..99; every 50th line is a 404
    run jq -c '[.lines, .skipped, .requests, .bytes, .status["2xx"],
                .status["4xx"], .cache, .sessions.count, .viewers.unique]' \
        <<< "$output"
    assert_eq "$output" '[101,1,100,104950,98,2,{"hits":75,"misses":25,"ratio":0.75},5,5]'
    run sv-stats logs "$BATS_TEST_TMPDIR/a.log"
    run jq -c '[.renditions[] | [.name, .requests, .share]],
               [.titles[] | [.name, .requests]], (.top | length),
               .qoe.bitrate_kbps' <<< "$output"
    assert_eq "$output" '[["720p",66,0.66],["360p",34,0.34]]
[["/vod/t0",50],["/vod/t1",50]]
10
2252'
}

@test "logs: rotations read oldest first, compressed or not, give the report of the whole log" {
    local d=$BATS_TEST_TMPDIR
    clf 400 1796212800 7 > "$d/whole.log"
    sed -n 1,100p "$d/whole.log" | gzip > "$d/access.log.3.gz"
    sed -n 101,200p "$d/whole.log" | xz > "$d/access.log.2.xz"
    sed -n 201,300p "$d/whole.log" | zstd -q > "$d/access.log.1.zst"
    sed -n 301,400p "$d/whole.log" > "$d/access.log"
    # a session timeout shorter than the log: sessions depend on the order
    run --separate-stderr sv-stats logs --session-timeout 1s --sessions \
        "$d/whole.log"
    local whole=$output
    run --separate-stderr sv-stats logs -v --session-timeout 1s --sessions \
        "$d/access.log" "$d/access.log.1.zst" "$d/access.log.3.gz" \
        "$d/access.log.2.xz"
    [ "$status" -eq 0 ]
    assert_eq "$output" "$whole"
    assert_eq "$stderr" "sv-stats: reading $d/access.log.3.gz
sv-stats: reading $d/access.log.2.xz
sv-stats: reading $d/access.log.1.zst
sv-stats: reading $d/access.log"
    # and the same from standard input, compressed
    run --separate-stderr sv-stats logs --session-timeout 1s --sessions - \
        < <(gzip -c "$d/whole.log")
    assert_eq "$output" "$whole"
}

@test "logs: unique viewers are within the stated error of the true count" {
    clf 200000 1796212800 60000 > "$BATS_TEST_TMPDIR/a.log"
    run --separate-stderr sv-stats logs "$BATS_TEST_TMPDIR/a.log"
    [ "$status" -eq 0 ]
    local est err
    est=$(jq .viewers.unique <<< "$output")
    err=$(jq .viewers.error <<< "$output")
    assert_eq "$err" 0.008125
    # three standard errors: a wrong estimator fails, a right one passes
    # 99.7% of the time, and this input is fixed
    awk -v e="$est" -v s="$err" 'BEGIN { d = e - 60000; if (d < 0) d = -d;
        exit !(d <= 3 * s * 60000) }' || fail "estimate $est of 60000"
    # small sets: linear counting, off by a collision or two at most
    clf 300 1796212800 123 > "$BATS_TEST_TMPDIR/b.log"
    run sv-stats logs "$BATS_TEST_TMPDIR/b.log"
    est=$(jq .viewers.unique <<< "$output")
    [ "$est" -ge 121 ] || fail "estimate $est of 123"
    [ "$est" -le 125 ] || fail "estimate $est of 123"
}

@test "logs: --since, --until and --group-by hour; CSV of groups and series" {
    # 3 hours of lines from 12:00 UTC, one every 10 s
    python3 - > "$BATS_TEST_TMPDIR/a.log" <<'PY'
import time
for i in range(1080):
    t = time.strftime('%d/%b/%Y:%H:%M:%S +0000', time.gmtime(1796212800 + 10 * i))
    print('10.0.0.1 - - [%s] "GET /vod/t/720p/seg-%d.m4s HTTP/1.1" 200 10 "-" "a"' % (t, i))
PY
    run sv-stats logs --group-by hour --format csv "$BATS_TEST_TMPDIR/a.log"
    assert_eq "$output" "key,requests,bytes,viewers
12,360,3600,1
13,360,3600,1
14,360,3600,1"
    run sv-stats logs --since 2026-12-02T12:30:00Z --until 1796218200 \
        "$BATS_TEST_TMPDIR/a.log"
    assert_eq "$(jq -c '[.requests, .from, .to]' <<< "$output")" \
        '[360,"2026-12-02T12:30:00Z","2026-12-02T13:29:50Z"]'
    run sv-stats logs --interval 1h --format csv "$BATS_TEST_TMPDIR/a.log"
    assert_eq "$output" "t,requests,bytes,viewers,bitrate,rebuffer
2026-12-02T12:00:00Z,360,3600,1,,0
2026-12-02T13:00:00Z,360,3600,1,,0
2026-12-02T14:00:00Z,360,3600,1,,0"
}

@test "logs: --format prometheus writes the text exposition format" {
    clf 10 > "$BATS_TEST_TMPDIR/a.log"
    run sv-stats logs --format prometheus "$BATS_TEST_TMPDIR/a.log"
    [ "$status" -eq 0 ]
    assert_eq "$(grep -c '^# TYPE ' <<< "$output")" 12
    local l
    for l in 'sv_stats_requests_total{status="2xx"} 10' \
        'sv_stats_bytes_total 10045' 'sv_stats_cache_hit_ratio 0.7' \
        'sv_stats_rendition_requests_total{rendition="720p"} 6'; do
        grep -qFx "$l" <<< "$output" || fail "no line '$l'"
    done
}
