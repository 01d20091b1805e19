/* logs.c -- `sv-stats logs`: audiences and QoE from access logs, beacons */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/afile.h"
#include "core/err.h"
#include "core/exit.h"
#include "core/json.h"
#include "core/log.h"
#include "core/opt.h"
#include "stats/audience.h"
#include "stats/logline.h"
#include "stats/logread.h"
#include "verbs.h"

/* --since/--until: ISO 8601 with a zone, or seconds since the epoch */
static int
parse_time(const char *name, const char *s, int64_t *ms)
{
    char *end;
    long long x;

    if (s == NULL)
        return 0;
    if (sv_logline_time_iso(s, strlen(s), ms) == 0)
        return 0;
    errno = 0;
    x = strtoll(s, &end, 10);
    if (errno == 0 && end != s && *end == '\0' && x >= 0 &&
        x < 253402300800LL) {
        *ms = x * 1000;
        return 0;
    }
    return sv_opt_usage_error("bad --%s '%s': expected an ISO 8601 time "
                              "with a zone, or seconds since the epoch",
                              name, s);
}

static int
check(const struct sv_stats_opts *o)
{
    if (o->nargs < 1)
        return sv_opt_usage_error("logs needs at least one log file");
    if (o->prometheus != NULL && !o->follow)
        return sv_opt_usage_error("--prometheus needs --follow "
                                  "(without it, use --format prometheus)");
    if (o->follow && strcmp(o->format, "json") != 0)
        return sv_opt_usage_error("--follow writes JSON lines: "
                                  "--format %s does not apply", o->format);
    if (o->follow && o->output != NULL)
        return sv_opt_usage_error("--follow writes to stdout: "
                                  "-o does not apply");
    if (o->follow && strcmp(o->args[o->nargs - 1], "-") == 0)
        return sv_opt_usage_error("--follow needs a file, not stdin");
    if (o->clickhouse != NULL && strncmp(o->clickhouse, "http://", 7) != 0 &&
        strncmp(o->clickhouse, "https://", 8) != 0)
        return sv_opt_usage_error("bad --clickhouse '%s': expected an "
                                  "http:// or https:// URL", o->clickhouse);
    if (o->clickhouse_table[0] == '\0' ||
        strspn(o->clickhouse_table, "abcdefghijklmnopqrstuvwxyz"
               "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.") !=
        strlen(o->clickhouse_table))
        return sv_opt_usage_error("bad --clickhouse-table '%s': expected "
                                  "letters, digits, '_' and '.'",
                                  o->clickhouse_table);
    return 0;
}

/* the report in the asked format, into a malloc'd text */
static int
render(const struct sv_stats_opts *o, struct sv_agg *agg, char **text,
       size_t *len)
{
    json_t *root;
    FILE *f;
    int rc = 0;

    if (strcmp(o->format, "prometheus") == 0) {
        *text = sv_agg_prometheus(agg, len);
        return *text != NULL ? 0 : -ENOMEM;
    }
    f = open_memstream(text, len);
    if (f == NULL)
        return -errno;
    if (strcmp(o->format, "csv") == 0) {
        rc = sv_agg_csv(agg, f);
    } else {
        root = sv_agg_report(agg);
        if (root == NULL ||
            json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                             JSON_REAL_PRECISION(12)) < 0)
            rc = -ENOMEM;
        else
            fputc('\n', f);
        json_decref(root);
    }
    if (fclose(f) != 0 && rc == 0)
        rc = -errno;
    return rc;
}

static int
write_all(const char *path, const char *text, size_t len)
{
    size_t off = 0;
    ssize_t n;

    if (path != NULL && strcmp(path, "-") != 0)
        return sv_afile_put(path, text, len, 0644);
    while (off < len) {
        n = write(STDOUT_FILENO, text + off, len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        off += (size_t)n;
    }
    return 0;
}

int
sv_stats_cmd_logs(struct sv_stats_opts *o)
{
    struct sv_agg_conf ac;
    struct sv_audience_conf c;
    struct sv_agg *agg = NULL;
    struct sv_clickhouse *ch = NULL;
    struct sv_drm_geo *geo = NULL;
    char *text = NULL, gerr[512];
    size_t len = 0;
    int rc, partial = 0;

    memset(&ac, 0, sizeof(ac));
    ac.since_ms = INT64_MIN;
    ac.until_ms = INT64_MAX;
    if (check(o) < 0 || parse_time("since", o->since, &ac.since_ms) < 0 ||
        parse_time("until", o->until, &ac.until_ms) < 0)
        return SV_EXIT_USAGE;
    ac.interval_ms = o->interval_ms;
    ac.session_timeout_ms = o->session_timeout_ms;
    ac.group_by = o->group_by != NULL ? sv_agg_by_parse(o->group_by) : 0;
    ac.top = (size_t)o->top;
    ac.max_keys = (size_t)o->max_keys;
    ac.max_sessions = (size_t)o->max_sessions;
    ac.list_sessions = o->sessions;
    ac.follow = o->follow;
    if (o->geo != NULL && sv_drm_geo_load(o->geo, &geo, gerr,
                                          sizeof(gerr)) < 0) {
        sv_log_error("%s", gerr);
        return SV_EXIT_FAIL;
    }
    rc = sv_agg_new(&ac, &agg);
    if (rc < 0) {
        sv_log_error("cannot start: %s", sv_strerror(rc));
        sv_drm_geo_free(geo);
        return SV_EXIT_FAIL;
    }
    if (o->clickhouse != NULL) {
        rc = sv_clickhouse_new(&ch, o->clickhouse, o->clickhouse_table,
                               (size_t)o->clickhouse_batch);
        if (rc < 0)
            goto fail;
    }
    sv_logread_order(o->args, o->nargs);
    memset(&c, 0, sizeof(c));
    c.paths = o->args;
    c.npaths = o->nargs;
    c.agg = agg;
    c.ch = ch;
    c.geo = geo;
    c.window_ms = o->interval_ms;
    c.out = stdout;
    c.prometheus = o->prometheus;
    c.poll_ms = 200;
    if (o->follow) {
        rc = sv_audience_follow(&c);
        if (rc == SV_EUSAGE) {
            sv_agg_free(agg);
            sv_clickhouse_free(ch);
            sv_drm_geo_free(geo);
            return SV_EXIT_USAGE;
        }
        if (rc < 0)
            goto fail;
        goto done;
    }
    rc = sv_audience_read(&c);
    if (rc < 0)
        goto fail;
    if (rc == 2) {              /* no file could be read: said already */
        sv_clickhouse_free(ch);
        sv_agg_free(agg);
        return SV_EXIT_FAIL;
    }
    partial = rc;
    rc = render(o, agg, &text, &len);
    if (rc == 0)
        rc = write_all(o->output, text, len);
    free(text);
    if (rc < 0)
        goto fail;
done:
    if (ch != NULL)
        sv_log_debug("%llu rows sent to clickhouse",
                    (unsigned long long)sv_clickhouse_sent(ch));
    sv_clickhouse_free(ch);
    sv_agg_free(agg);
    sv_drm_geo_free(geo);
    return partial ? SV_EXIT_PARTIAL : SV_EXIT_OK;
fail:
    if (rc != SV_EPROTO)
        sv_log_error("logs failed: %s", sv_strerror(rc));
    sv_clickhouse_free(ch);
    sv_agg_free(agg);
    sv_drm_geo_free(geo);
    return SV_EXIT_FAIL;
}
