/* opts.c -- the option table of sv-publish, pointing into sv_publish_opts */
#include <stdint.h>

#include "core/opt.h"
#include "modes.h"

struct sv_publish_opts sv_publish_opts;

#define O sv_publish_opts
#define MAX SV_PUBLISH_MAX_REPEAT

static const struct sv_opt rows[] = {
    SV_OPT_SECTION("Storage"),
    { SV_OPT_STRING("endpoint", 0, "<url>", "S3 endpoint (http(s)://host"
                    "[:port]); default: the profile's endpoint_url, "
                    "AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or AWS",
                    NULL, &O.endpoint) },
    { SV_OPT_STRING("region", 0, "<name>", "S3 region to sign for; "
                    "default: AWS_REGION, AWS_DEFAULT_REGION, the profile, "
                    "us-east-1", NULL, &O.region) },
    { SV_OPT_STRING("profile", 0, "<name>", "profile of the AWS shared "
                    "credentials and config files (not the environment's "
                    "keys)", NULL, &O.profile) },
    { SV_OPT_CHOICE("addressing", 0, "<style>", "S3 URLs as host/bucket/key "
                    "or bucket.host/key", "path", "path virtual",
                    &O.addressing) },
    { SV_OPT_SIZE("part-size", 0, "multipart upload above this size, in "
                  "parts this large", "8M", 5 * 1024 * 1024,
                  INT64_C(5) * 1024 * 1024 * 1024, &O.part_size) },
    { SV_OPT_INT("jobs", 'j', "<n>", "transfers in flight at once", "4", 1,
                 64, &O.jobs) },
    { SV_OPT_INT("retries", 0, "<n>", "more tries of a request that met a "
                 "5xx, 429 or a lost connection", "5", 0, 20, &O.retries) },
    { SV_OPT_DURATION("timeout", 0, "give up on one request after", "5m", 1,
                      INT64_MAX, &O.timeout_us) },
    { SV_OPT_FLAG("delete", 0, "remove what the target holds under the "
                  "prefix that the paths do not", &O.delete_extra) },
    { SV_OPT_FLAG("dry-run", 'n', "say what would be sent and removed, "
                  "change nothing", &O.dry_run) },
    { SV_OPT_STRING("acl", 0, "<canned>", "S3 canned ACL of every object "
                    "sent (private, public-read, authenticated-read, "
                    "bucket-owner-read, bucket-owner-full-control); "
                    "default: the bucket's", NULL, &O.acl) },
    { SV_OPT_STRING("cors", 0, "<origin>", "first set the S3 bucket's CORS "
                    "rule so that pages from this origin (or *) may GET "
                    "and HEAD it, as web players need", NULL, &O.cors) },
    SV_OPT_SECTION("Live push"),
    { SV_OPT_FLAG("live", 0, "follow a live package directory as it is "
                  "written and push it until it ends", &O.live) },
    { SV_OPT_DURATION("poll", 0, "with --live: look at the directory this "
                      "often", "200ms", 10000, 10000000, &O.poll_us) },
    SV_OPT_SECTION("Live simulcast"),
    { SV_OPT_LIST("simulcast", 0, "<url>", "push the live MPEG-TS on stdin "
                  "to this rtmp://, rtmps:// or srt:// destination",
                  O.simulcast, &O.nsimulcast, MAX) },
    { SV_OPT_DURATION("slate-after", 0, "send the slate to every destination "
                      "once the input stalls this long (0: never)", "2s",
                      0, 3600000000LL, &O.slate_after) },
    { SV_OPT_STRING("slate", 0, "<image>", "the slate's picture (PNG, JPEG; "
                    "scaled to the stream), instead of colour bars", NULL,
                    &O.slate), .complete = "@file" },
    { SV_OPT_DURATION("simulcast-queue", 0, "media one destination may hold "
                      "before its queue is dropped to the next keyframe",
                      "5s", 100000, 600000000LL, &O.cast_queue) },
    { SV_OPT_DURATION("simulcast-timeout", 0, "connecting, or a send that "
                      "makes no progress, this long: the destination is "
                      "gone", "5s", 100000, 600000000LL, &O.cast_timeout) },
    { SV_OPT_DURATION("simulcast-retry-max", 0, "the longest wait between "
                      "reconnects (from 250ms, doubling)", "8s", 250000,
                      3600000000LL, &O.cast_retry_max) },
    { SV_OPT_DURATION("simulcast-stats", 0, "between live.simulcast.stats "
                      "events (0: none)", "5s", 0, 3600000000LL,
                      &O.cast_stats) },
    { SV_OPT_STRING("rtmps-ca", 0, "<file>", "trusted roots for rtmps:// "
                    "(PEM; default: the system's)", NULL, &O.rtmps_ca),
      .complete = "@file" },
    { SV_OPT_FLAG("rtmps-insecure", 0, "do not verify rtmps:// certificates",
                  &O.rtmps_insecure) },
    { SV_OPT_INT("srt-latency", 0, "<ms>", "SRT latency, unless the URL has "
                 "?latency=", "120", 20, 10000, &O.srt_latency) },
    SV_OPT_SECTION("Cache purge"),
    { SV_OPT_LIST("purge", 0, "<target>", "tell this cache to drop the "
                  "paths: varnish://host:port, cloudflare://ZONE, "
                  "fastly://SERVICE, cloudfront://DISTRIBUTION (see PURGE)",
                  O.purge, &O.npurge, MAX) },
    { SV_OPT_STRING("purge-site", 0, "<url>", "where viewers fetch the "
                    "paths (https://cdn.example.com), for Cloudflare and "
                    "Fastly", NULL, &O.purge_site) },
    SV_OPT_SECTION("Webhooks"),
    { SV_OPT_LIST("webhook", 0, "<url>", "also POST every JSON event to this "
                  "http:// or https:// URL, signed with $SV_WEBHOOK_SECRET "
                  "(see WEBHOOKS)", O.webhooks, &O.nwebhooks, MAX) },
    SV_OPT_SECTION("Events"),
    { SV_OPT_EVENTS("-", &O.events) },
    SV_OPT_END,
};

static const char *const usage[] = {
    "[options] <target> <path>...",
    "--live [options] <target> <dir>",
    "--simulcast <url> [--simulcast <url>]... [options] < live.ts",
    "--purge <target> [--purge <target>]... [options] <path>...",
    NULL,
};

const struct sv_tool sv_publish_tool = {
    "sv-publish",
    "put packages and live streams on storage, origins and platforms",
    usage,
    NULL,
    rows,
};
