# drm.bash -- helpers of the encryption tests (drm-*.bats, package-encrypt);
# load after ../helpers.  They work in the current directory, which the
# tests set to $BATS_TEST_TMPDIR/w.

# track DIR REND: the init segment and the whole media segments (not LL-HLS
# parts), in order, as one fragmented MP4 on stdout
track() {
    # the names are seg-N.m4s (no spaces) and sort -V orders them by N,
    # which a glob does not
    # shellcheck disable=SC2010,SC2046
    cat "$1/$2/init.mp4" $(ls "$1/$2"/seg-*.m4s | grep -v '\.[0-9]*\.m4s$' |
        sort -V)
}

# frames_of DIR REND [KEY]: ffmpeg's framemd5 of a track (read as a stream:
# ffmpeg 5.1 mixes up per-fragment encryption info when it can seek ahead)
frames_of() {
    track "$1" "$2" | ffmpeg -nostdin -v error ${3:+-decryption_key $3} \
        -i - -f framemd5 - | grep -v '^#'
}

# servers_up: sv-serve on www/ (WPORT) and sv-drm serve with key.json
# (LPORT, events in events.jsonl), pid files for stop_servers
servers_up() {
    WPORT=$(free_port)
    sv-serve www --listen "127.0.0.1:$WPORT" 2> www.err 3>&- &
    echo $! > www.pid
    LPORT=$(free_port)
    sv-drm serve --key key.json --listen "127.0.0.1:$LPORT" \
        --events events.jsonl 2> license.err 3>&- &
    echo $! > license.pid
    wait_for curl -s -o /dev/null "http://127.0.0.1:$WPORT/" ||
        fail "sv-serve did not start"
    wait_for curl -s -o /dev/null "http://127.0.0.1:$LPORT/" ||
        fail "sv-drm serve did not start"
}

# stop_servers: what servers_up started
stop_servers() {
    local f
    for f in "$BATS_TEST_TMPDIR"/w/*.pid; do
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
    done
    true
}
