#!/usr/bin/env bats
# p2p-chromium.bats -- P2P offload with the real client: Chromium pages play
# one HLS stream with hls.js + p2p-media-loader (npm), which find each other
# through sv-serve's WebTorrent tracker (--tracker /announce) and fetch
# segments over WebRTC data channels, inside a network namespace holding
# only loopback.  Bytes from peers against bytes from the origin: the
# pages' p2p-media-loader events, and sv-serve's access log as the
# independent count.  The page is the demo one, examples/p2p-player.html.

load ../helpers

E2E=$SV_TOP/tests/e2e

setup() {
    [ -x /usr/bin/chromium ] || skip "chromium is not installed"
    [ -d "$E2E/node_modules/p2p-media-loader-core" ] ||
        skip "no p2p-media-loader in node_modules"
    unshare -n true 2> /dev/null ||
        skip "cannot make a network namespace (unshare -n needs root)"
    WWW=$BATS_TEST_TMPDIR/www
    mkdir -p "$WWW/vod"
    cp "$SV_TOP/examples/p2p-player.html" "$E2E/node_modules/hls.js/dist/hls.min.js" \
        "$WWW/"
    cp "$E2E/node_modules/p2p-media-loader-core/dist/p2p-media-loader-core.es.min.js" \
        "$WWW/p2pml-core.js"
    cp "$E2E/node_modules/p2p-media-loader-hlsjs/dist/p2p-media-loader-hlsjs.es.min.js" \
        "$WWW/p2pml-hlsjs.js"
    # 40 s VOD, 2 s fMP4 segments of about 200 KB
    _ff -f lavfi -i "testsrc2=size=640x360:rate=24:duration=40" \
        -c:v libx264 -preset ultrafast -b:v 800k -g 48 -keyint_min 48 \
        -sc_threshold 0 -pix_fmt yuv420p -f hls -hls_time 2 \
        -hls_playlist_type vod -hls_segment_type fmp4 \
        -hls_fmp4_init_filename init.mp4 -master_pl_name master.m3u8 \
        -hls_segment_filename "$WWW/vod/seg%d.m4s" "$WWW/vod/index.m3u8"
}

metric() { awk -v n="$1" '$1 == n { print $2 }' "$BATS_TEST_TMPDIR/metrics.txt"; }

@test "5 Chromium viewers with p2p-media-loader share segments through sv-serve's tracker" {
    local d=$BATS_TEST_TMPDIR n=5 out origin total share
    run unshare -n bash "$E2E/p2p-netns.bash" "$d" "$WWW" "$n" 4 12 100
    out=$(cat "$d/play.json")
    [ "$status" -eq 0 ] || fail "viewers: $output $out $(tail -5 "$d/play.err") $(tail -5 "$d/serve.err")"
    echo "# $(jq -c '[.viewers[] | {bytes, segments, peersConnected, played}]' <<< "$out")" >&3
    # every viewer played with no hls.js error, no tracker error
    jq -e --argjson n "$n" '(.viewers | length) == $n and
        all(.viewers[]; .fatal == null and (.errors | length) == 0 and
                        (.trackerErrors | length) == 0 and .played >= 12)' \
        <<< "$out"
    # the tracker relayed offers and answers between the pages
    [ "$(metric sv_serve_tracker_announces_total)" -ge "$n" ]
    [ "$(metric sv_serve_tracker_offers_total)" -ge 1 ]
    [ "$(metric sv_serve_tracker_answers_total)" -ge 1 ]
    # every viewer connected to a peer; later ones got segments over P2P,
    # and what was downloaded from peers was uploaded by peers
    jq -e 'all(.viewers[]; .peersConnected >= 1) and
           all(.viewers[1:][]; .segments.p2p >= 1) and
           .p2p > 0 and ([.viewers[].uploaded] | add) == .p2p' <<< "$out"
    # the independent count: media bytes sv-serve sent
    origin=$(jq -s '[.[].data | select(.path | test("^/vod/.*\\.(m4s|mp4)$"))
                    | .bytes] | add' "$d/access.jsonl")
    total=$(jq '.http + .p2p' <<< "$out")
    share=$(jq -n --argjson o "$origin" --argjson t "$total" \
        '(1 - $o / $t) * 1000 | round / 10')
    echo "# $n viewers: $total bytes received, $origin from the origin" \
         "(access log), offload ${share}%;" \
         "p2p-media-loader says p2p share $(jq .p2p_share <<< "$out")" >&3
    # the origin sent at least what the pages fetched over HTTP (aborted
    # requests may add), and less than all they received
    [ "$origin" -ge "$(jq .http <<< "$out")" ]
    [ "$origin" -lt "$total" ]
}
