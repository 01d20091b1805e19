# sv-serve.vcl -- Varnish (7.x, Debian's) in front of sv-serve: a CDN edge
# for VOD and live HLS/DASH, LL-HLS blocking reloads and preload hints,
# LL-DASH chunked segments, purges from `sv-publish purge`.
#
#   varnishd -a 127.0.0.1:6081 -f /etc/varnish/sv-serve.vcl -s malloc,256m
#
# What it relies on from sv-serve (sv-serve(1), "BEHIND A CACHE"):
# - media segments and parts are immutable (a year); a hinted part or a
#   blocking reload (_HLS_msn/_HLS_part) is held at the origin until it
#   exists, then cached like any answer: Varnish's waiting list sends ONE
#   request to the origin and answers every viewer asking meanwhile.
# - live playlists and MPDs, and 404s, say max-age=1 with
#   stale-while-revalidate=0: never served stale past one second.
# - /steering, /beacon, /metrics, /healthz and /time are per viewer or per
#   moment (no-store) and pass straight through.
# Tokens: this VCL leaves signed-URL checks to the origin and so does not
# cache what carries a token (query "token=" or the sv_token cookie);
# checking them at the edge needs a vmod with HMAC-SHA256, not in Debian.

vcl 4.1;

import std;

backend origin {
    .host = "127.0.0.1";
    .port = "8080";
    # a held request (LL-HLS) waits up to three target durations
    .first_byte_timeout = 40s;
    # a low-latency DASH segment is sent chunk by chunk as it is made
    .between_bytes_timeout = 40s;
}

# who may purge and ban (sv-publish purge --to varnish://...)
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(405, "Not allowed"));
        }
        return (purge);
    }
    if (req.method == "BAN") {
        if (client.ip !~ purgers) {
            return (synth(405, "Not allowed"));
        }
        # X-Ban-Url: a regular expression over cached URLs (a prefix:
        # "^/live/"); lurker-friendly, it tests obj.http.x-url only
        if (!req.http.X-Ban-Url) {
            return (synth(400, "X-Ban-Url missing"));
        }
        ban("obj.http.x-url ~ " + req.http.X-Ban-Url);
        return (synth(200, "Banned"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/(steering|beacon|metrics|healthz|time)(\?|$)") {
        return (pass);
    }
    if (req.url ~ "[?&]token=" || req.http.Cookie ~ "(^|; *)sv_token=") {
        return (pass);
    }
    # CMCD data differ per viewer: they would make every URL unique
    set req.url = regsuball(req.url, "([?&])CMCD=[^&]*(&|$)", "\1");
    set req.url = regsub(req.url, "[?&]+$", "");
    # _HLS_msn=5&_HLS_part=2 and _HLS_part=2&_HLS_msn=5 are one object
    set req.url = std.querysort(req.url);
    unset req.http.Cookie;
    return (hash);
}

sub vcl_backend_response {
    # for bans, tested by the ban lurker without a request
    set beresp.http.x-url = bereq.url;
    # an origin that gave up holding (503) or failed: not a cached answer,
    # and no hit-for-miss that would stop the next viewers' collapsing
    if (beresp.status >= 500) {
        set beresp.ttl = 0s;
        set beresp.grace = 0s;
        return (deliver);
    }
    # playlists and MPDs change: never keep a stale one around
    if (bereq.url ~ "\.(m3u8|mpd)(\?|$)") {
        set beresp.grace = 0s;
    }
    # low-latency DASH: pass each chunk on as it arrives
    set beresp.do_stream = true;
    return (deliver);
}

sub vcl_deliver {
    unset resp.http.x-url;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
