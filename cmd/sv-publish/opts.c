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
                  "to this rtmp://, rtmps:// or srt:// destination, or to a "
                  "platform's live ingest by name (youtube, twitch, kick, "
                  "facebook); a comma list of these is several",
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
    SV_OPT_SECTION("Platforms"),
    { SV_OPT_STRING("platform", 0, "<list>", "upload the file to these "
                    "platforms at once (comma-separated: youtube, vimeo, "
                    "tiktok, dailymotion, rumble, facebook, instagram, "
                    "odysee)",
                    NULL, &O.platform),
      .complete = "youtube vimeo tiktok dailymotion rumble facebook "
                  "instagram odysee" },
    { SV_OPT_STRING("credentials", 0, "<file>", "the platforms' tokens "
                    "(mode 0600); default: $SV_PUBLISH_CREDENTIALS, else "
                    "~/.config/sv/credentials.json", NULL, &O.credentials),
      .complete = "@file" },
    { SV_OPT_LIST("api", 0, "<name=url>", "send all of a platform's API "
                  "calls to this http(s) host instead (a proxy, a test "
                  "server)", O.apis, &O.napis, MAX) },
    { SV_OPT_STRING("title", 0, "<text>", "the video's title (default: the "
                    "file's name)", NULL, &O.title) },
    { SV_OPT_STRING("description", 0, "<text>", "the video's description",
                    NULL, &O.description) },
    { SV_OPT_STRING("tags", 0, "<list>", "comma-separated tags", NULL,
                    &O.tags) },
    { SV_OPT_STRING("privacy", 0, "<word>", "public, unlisted or private "
                    "(default: private)", NULL, &O.privacy) },
    { SV_OPT_STRING("publish-at", 0, "<time>", "scheduled publishing, ISO "
                    "8601 (with --privacy private)", NULL, &O.publish_at) },
    { SV_OPT_WORD("for-kids", 0, "<yes|no>", "declare the video made for "
                  "children or not", NULL, "yes no", &O.for_kids) },
    { SV_OPT_STRING("thumbnail", 0, "<image>", "set this JPEG or PNG as "
                    "the thumbnail where the platform allows", NULL,
                    &O.thumbnail), .complete = "@file" },
    { SV_OPT_LIST("set", 0, "<p.field=value>", "one platform's own "
                  "metadata (dailymotion.category=news, "
                  "tiktok.privacy=FOLLOWER_OF_CREATOR)", O.sets, &O.nsets,
                  MAX) },
    { SV_OPT_SIZE("chunk-size", 0, "upload chunk (default: the platform's; "
                  "YouTube needs multiples of 256K)", NULL, 256 * 1024,
                  INT64_C(1) << 32, &O.chunk_size) },
    { SV_OPT_DURATION("processing-wait", 0, "poll the platform's "
                      "processing this long after the upload (0: do not)",
                      "10m", 0, INT64_MAX, &O.proc_wait) },
    { SV_OPT_DURATION("processing-poll", 0, "between processing polls",
                      "5s", 10000, 3600000000LL, &O.proc_poll) },
    { SV_OPT_FLAG("device", 0, "auth: the device flow (a code to enter on "
                  "another device) instead of the loopback redirect",
                  &O.device) },
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
    "--platform <list> [options] <file>",
    "auth [--device] <platform>",
    "status <platform>:<id>...",
    NULL,
};

const struct sv_tool sv_publish_tool = {
    "sv-publish",
    "put packages and live streams on storage, origins and platforms",
    usage,
    NULL,
    rows,
};
