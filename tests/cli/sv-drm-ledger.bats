#!/usr/bin/env bats
# sv-drm-ledger.bats -- the licence ledger: serve --ledger under load,
# tampering caught and located, kill -9, torn records, third-party checks

load ../helpers
bats_require_minimum_version 1.5.0

keys() {
    export SV_DRM_MASTER_KEY=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
    export SV_DRM_JWT_SECRET=this-is-a-test-secret-of-32-bytes-or-more
}

setup() {
    keys
    mkdir -p "$BATS_TEST_TMPDIR/w" && cd "$BATS_TEST_TMPDIR/w"
}

teardown() {
    local f
    for f in "$BATS_TEST_TMPDIR"/w/*.pid; do
        [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null
    done
    true
}

# start_ledger ARGS...: sv-drm serve --store ks --ledger led.jsonl on a
# free port (URL), keys of content "movie" (KID, K64), no rate limit
start_ledger() {
    [ -f ks ] || sv-drm keygen --store ks --content-id movie >/dev/null
    KID=$(sv-drm keys --store ks | jq -r '.keys[0].kid')
    K64=$(python3 -c 'import base64, sys
print(base64.urlsafe_b64encode(bytes.fromhex(sys.argv[1])).decode().rstrip("="))' "$KID")
    PORT=$(free_port)
    sv-drm serve --store ks --ledger led.jsonl --listen "127.0.0.1:$PORT" \
        --rate 0 --events /dev/null "$@" 2> serve.err 3>&- &
    echo $! > serve.pid
    wait_for curl -s -o /dev/null "http://127.0.0.1:$PORT/" ||
        fail "sv-drm serve did not start: $(cat serve.err)"
    URL=http://127.0.0.1:$PORT
}

stop_ledger() {
    kill "$(cat serve.pid)"
    # status ignored: a server stopped by SIGTERM; verify checks the ledger
    wait "$(cat serve.pid)" || true
    rm -f serve.pid
}

# issue_many N SUB: N ClearKey requests, 16 at a time, from one curl; prints
# one HTTP status per line
issue_many() {
    local n=$1 sub=$2 tok
    tok=$(sv-drm token sign --content-id movie --sub "$sub")
    {
        echo "header = \"Authorization: Bearer $tok\""
        echo "header = \"Content-Type: application/json\""
        echo "data = \"{\\\"kids\\\":[\\\"$K64\\\"]}\""
        printf '%s\n' 'write-out = "%{http_code}\n"'
        for _ in $(seq "$n"); do
            echo "url = \"$URL/license\""
            echo "output = /dev/null"
        done
    } > "load-$sub.cfg"
    curl -s --no-progress-meter --parallel --parallel-max 16 -K "load-$sub.cfg"
}

@test "ledger: 10,000 licences under load are all recorded and the ledger verifies" {
    start_ledger --checkpoint-every 500
    sv-drm ledger pubkey --store ks > pub.pem
    # four clients at once, each its own token subject
    issue_many 2500 alice > a.codes & local p1=$!
    issue_many 2500 bob > b.codes & local p2=$!
    issue_many 2500 carol > c.codes & local p3=$!
    issue_many 2500 dave > d.codes
    wait "$p1" "$p2" "$p3"
    stop_ledger
    assert_eq "$(cat ./*.codes | sort | uniq -c | awk '{print $1, $2}')" "10000 200"
    run -0 --separate-stderr sv-drm ledger verify --pubkey pub.pem led.jsonl
    # start, 10,000 issued, stop and the checkpoints (every 500 and the last)
    local cps; cps=$(jq .checkpoints <<<"$output")
    [ "$cps" -ge 21 ]
    assert_eq "$(jq -c '[.state, .records]' <<<"$output")" \
        "[\"closed\",$((10002 + cps))]"
    assert_eq "$(jq -s -c 'map(select(.type == "issued")) | group_by(.sub) | map([.[0].sub, length])' led.jsonl)" \
        '[["alice",2500],["bob",2500],["carol",2500],["dave",2500]]'
    # never the token itself: its hash
    run -1 grep -c "$(sv-drm token sign --content-id movie --sub alice | cut -d. -f3)" led.jsonl
    assert_eq "$(jq -r 'select(.type == "issued") | .kids[0]' led.jsonl | sort -u)" "$KID"
}

# a small closed ledger (led.jsonl): 1 start, 2-6 issued, 7 checkpoint,
# 8-12 issued, 13 checkpoint, 14-15 issued, 16 stop, 17 checkpoint; made
# once for the file (a server start and stop is slow on a loaded machine)
setup_file() {
    keys
    mkdir -p "$BATS_FILE_TMPDIR/small" && cd "$BATS_FILE_TMPDIR/small"
    start_ledger --checkpoint-every 5
    issue_many 12 alice > codes
    stop_ledger
}

small_ledger() {
    cp "$BATS_FILE_TMPDIR/small/ks" "$BATS_FILE_TMPDIR/small/led.jsonl" .
    sv-drm ledger verify led.jsonl > /dev/null
}

# verify_bad FILE: runs verify, expecting status 1
verify_bad() {
    run -1 --separate-stderr sv-drm ledger verify "$1"
}

@test "ledger: an edited record is caught and named" {
    small_ledger
    sed '4s/"sub":"alice"/"sub":"mallory"/' led.jsonl > e.jsonl
    verify_bad e.jsonl
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    assert_eq "$stderr" "sv-drm: ledger 'e.jsonl': record 4 was changed: its SHA-256 is not the one record 5 holds"
    assert_eq "$(jq .first_bad <<<"$output")" 4
}

@test "ledger: a deleted record is caught and named" {
    small_ledger
    sed '6d' led.jsonl > d.jsonl
    verify_bad d.jsonl
    assert_eq "$stderr" "sv-drm: ledger 'd.jsonl': record 6 is missing: line 6 holds record 7 (deleted or moved)"
}

@test "ledger: an inserted record is caught and named" {
    small_ledger
    # a forged record chained onto record 3, with the next seq
    python3 - <<'PY'
import hashlib, json
lines = open("led.jsonl").read().split("\n")[:-1]
forged = json.loads(lines[3])
forged["sub"] = "mallory"
forged["seq"] = 4
forged["prev"] = hashlib.sha256(lines[2].encode()).hexdigest()
lines.insert(3, json.dumps(forged, separators=(",", ":")))
open("i.jsonl", "w").write("\n".join(lines) + "\n")
PY
    verify_bad i.jsonl
    assert_eq "$stderr" "sv-drm: ledger 'i.jsonl': line 4 was inserted: record 4 follows record 3"
    # a copy of an old record further on
    sed '9r /dev/stdin' led.jsonl <<<"$(sed -n 2p led.jsonl)" > c.jsonl
    verify_bad c.jsonl
    assert_eq "$stderr" "sv-drm: ledger 'c.jsonl': line 10 holds record 2 again, not 10 (inserted or moved)"
}

@test "ledger: reordered records are caught and named" {
    small_ledger
    awk 'NR == 7 { held = $0; next } { print } NR == 8 { print held }' \
        led.jsonl > r.jsonl
    verify_bad r.jsonl
    assert_eq "$stderr" "sv-drm: ledger 'r.jsonl': record 7 is missing: line 7 holds record 8 (deleted or moved)"
}

@test "ledger: a rewritten chain fails at its checkpoint's signature" {
    small_ledger
    # every hash recomputed after the edit, as a careful forger would
    python3 - <<'PY'
import hashlib, json
lines = open("led.jsonl").read().split("\n")[:-1]
recs = [json.loads(l) for l in lines]
recs[3]["sub"] = "mallory"
out, prev = [], "0" * 64
for r in recs:
    r["prev"] = prev
    t = json.dumps(r, separators=(",", ":"))
    prev = hashlib.sha256(t.encode()).hexdigest()
    out.append(t)
open("f.jsonl", "w").write("\n".join(out) + "\n")
PY
    verify_bad f.jsonl
    assert_eq "$stderr" "sv-drm: ledger 'f.jsonl': checkpoint 7 has a bad signature: records after checkpoint 0 and before it were rewritten, or it was"
}

@test "ledger: truncation is caught: a torn record, and cut records against a checkpoint" {
    small_ledger
    sv-drm ledger checkpoint led.jsonl -o cp.json
    assert_eq "$(stat -c %a cp.json)" 600
    run -1 --separate-stderr sv-drm ledger checkpoint led.jsonl -o cp.json
    assert_eq "$stderr" "sv-drm: cannot write 'cp.json': file exists"
    # cut inside the last record
    head -c -30 led.jsonl > t.jsonl
    run -4 --separate-stderr sv-drm ledger verify t.jsonl
    assert_match "$stderr" "^sv-drm: ledger 't.jsonl' verifies up to record 16, the last complete one; record 17 is torn: [0-9]+ bytes without an end of line"
    # whole records cut off: the file alone looks like a crash ...
    head -n 10 led.jsonl > c.jsonl
    run -3 --separate-stderr sv-drm ledger verify c.jsonl
    assert_eq "$(jq -r .state <<<"$output")" open
    # ... and the checkpoint published before says what is missing
    run -1 --separate-stderr sv-drm ledger verify --checkpoint cp.json c.jsonl
    assert_eq "$stderr" "sv-drm: ledger 'c.jsonl': the ledger ends after record 10 but checkpoint 'cp.json' seals record 17: records were cut off"
    run -0 sv-drm ledger verify --checkpoint cp.json led.jsonl
}

@test "ledger: a checkpoint verifies with only the public key, also with openssl" {
    small_ledger
    sv-drm ledger pubkey --store ks > pub.pem
    sv-drm ledger checkpoint led.jsonl > cp.json
    assert_eq "$(jq -c '[.format, .v, .seq]' cp.json)" \
        '["sv-drm-ledger-checkpoint",1,17]'
    run -0 sv-drm ledger verify --pubkey pub.pem --checkpoint cp.json
    assert_eq "$(jq -r .signature <<<"$output")" good
    # the signed text, as the man page describes it, checked by OpenSSL
    jq -j '"sv-drm ledger checkpoint v1\n\(.ledger)\n\(.seq)\n\(.time)\n\(.head)\n"' \
        cp.json > signed.txt
    jq -r .sig cp.json | base64 -d > sig.bin
    run -0 openssl pkeyutl -verify -pubin -inkey pub.pem -rawin \
        -in signed.txt -sigfile sig.bin
    # another key, or a changed checkpoint, fails
    openssl genpkey -algorithm ed25519 -out other.pem
    openssl pkey -in other.pem -pubout -out other.pub
    run -1 --separate-stderr sv-drm ledger verify --pubkey other.pub \
        --checkpoint cp.json
    assert_eq "$stderr" "sv-drm: checkpoint 'cp.json': the signature does not verify with this key"
    run -1 --separate-stderr sv-drm ledger verify --pubkey other.pub led.jsonl
    assert_eq "$stderr" "sv-drm: ledger 'led.jsonl': start record 1 names another signing key than --pubkey"
    jq '.seq = 16' cp.json > cp2.json
    run -1 sv-drm ledger verify --pubkey pub.pem --checkpoint cp2.json
}

@test "ledger: kill -9 during issuance leaves a ledger that verifies up to its last record and says so" {
    start_ledger --checkpoint-every 100
    issue_many 1500 alice > codes &
    local loader=$!
    # shellcheck disable=SC2016 # expanded by sh -c, on every try
    wait_for sh -c '[ "$(wc -l < led.jsonl)" -gt 300 ]'
    kill -9 "$(cat serve.pid)"
    rm -f serve.pid
    # status ignored: curl's own, after its server was killed under it
    wait "$loader" || true
    run -3 --separate-stderr sv-drm ledger verify led.jsonl
    local n; n=$(jq .records <<<"$output")
    assert_match "$stderr" "^sv-drm: warning: ledger 'led.jsonl' verifies up to record $n, the last complete one, but was not closed"
    # every licence answered is in the ledger (answers wait for the sync)
    local ok; ok=$(grep -c '^200$' codes)
    [ "$ok" -gt 0 ]
    [ "$ok" -le "$(grep -c '"type":"issued"' led.jsonl)" ]
    # the next server goes on from there, and closes it
    start_ledger
    issue_many 5 bob > codes
    stop_ledger
    run -0 sv-drm ledger verify led.jsonl
    assert_eq "$(grep -c '"type":"start"' led.jsonl)" 2
}

@test "ledger: serve refuses a torn or tampered ledger at start" {
    small_ledger
    head -c -30 led.jsonl > t.jsonl && cp t.jsonl led.jsonl
    run -1 --separate-stderr sv-drm serve --store ks --ledger led.jsonl \
        --listen "127.0.0.1:$(free_port)"
    assert_match "$stderr" "^sv-drm: ledger 'led.jsonl' ends in a torn record after record 16 \([0-9]+ bytes\): see sv-drm ledger verify"
    sed '3s/alice/eve/' t.jsonl > led.jsonl
    run -1 --separate-stderr sv-drm serve --store ks --ledger led.jsonl \
        --listen "127.0.0.1:$(free_port)"
    assert_eq "$stderr" "sv-drm: ledger 'led.jsonl' does not verify: record 3 was changed: its SHA-256 is not the one record 4 holds (see sv-drm ledger verify)"
}

@test "ledger show lists records as JSON lines since a seq or a time" {
    small_ledger
    run -0 sv-drm ledger show led.jsonl --since 15
    assert_eq "$(jq -c '[.seq, .type]' <<<"$output" | tr -d '\n')" \
        '[15,"issued"][16,"stop"][17,"checkpoint"]'
    local t; t=$(sed -n 10p led.jsonl | jq -r .time)
    run -0 sv-drm ledger show led.jsonl --since "$t"
    [ "$(jq -s 'map(.seq) | min' <<<"$output")" -le 10 ]
    assert_eq "$(jq -s 'map(.seq) | max' <<<"$output")" 17
    run -0 sv-drm ledger show led.jsonl
    assert_eq "${#lines[@]}" 17
    run -2 --separate-stderr sv-drm ledger show led.jsonl --since yesterday
    assert_eq "${stderr%%$'\n'*}" "sv-drm: bad --since 'yesterday': expected a record number or a UTC time (2026-11-21T16:23:01Z)"
}

@test "ledger: usage errors exit 2" {
    run -2 --separate-stderr sv-drm ledger
    assert_eq "${stderr%%$'\n'*}" "sv-drm: ledger needs verify, show, checkpoint or pubkey"
    run -2 --separate-stderr sv-drm ledger frobnicate x
    assert_eq "${stderr%%$'\n'*}" "sv-drm: unknown ledger command 'frobnicate'"
    run -2 --separate-stderr sv-drm ledger verify
    assert_eq "${stderr%%$'\n'*}" "sv-drm: ledger verify needs a ledger file"
    sv-drm keygen > k.json
    run -2 --separate-stderr sv-drm serve --key k.json --ledger l.jsonl
    assert_eq "${stderr%%$'\n'*}" "sv-drm: --ledger needs --store (the keystore keeps its signing key)"
    run -1 --separate-stderr sv-drm ledger verify nope.jsonl
    assert_eq "$stderr" "sv-drm: cannot open 'nope.jsonl': no such file or directory"
}
