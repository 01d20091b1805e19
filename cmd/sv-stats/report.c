/* report.c -- `sv-stats report --html`: the page a sysadmin leaves open */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/afile.h"
#include "core/err.h"
#include "core/event.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/sig.h"
#include "stats/html.h"
#include "stats/series.h"
#include "verbs.h"

#define REPORT_ROWS 12

static int
render(struct sv_stats_opts *o, struct sv_stats_series *s)
{
    struct sv_stats_html h = { 0 };
    struct sv_buf b = SV_BUF_INIT(512 << 20);
    int rc;

    h.title = o->title;
    h.refresh_s = o->follow ? (int)(o->refresh_us / 1000000) : 0;
    h.width = o->width;
    h.height = o->height;
    h.last = REPORT_ROWS;
    sv_stats_series_finish(s);
    rc = sv_stats_html_report(s, &h, &b);
    if (rc == 0)
        rc = sv_afile_put(o->output, b.data, b.len, 0644);
    if (rc < 0)
        sv_log_error("cannot write '%s': %s", o->output, sv_strerror(rc));
    else
        sv_event_emit("report", json_pack("{s:s,s:I,s:I}", "path", o->output,
                                          "points", (json_int_t)s->n,
                                          "bytes", (json_int_t)b.len));
    sv_buf_release(&b);
    return rc;
}

/*
 * --follow: JSON lines on stdin, one window each; the page is rewritten
 * whenever stdin has nothing more to give at once, and at its end.
 */
static int
follow(struct sv_stats_opts *o, struct sv_stats_series *s)
{
    size_t cap = 1 << 16, len = 0, lineno = 0, skipped = 0;
    char *buf = malloc(cap), err[512];
    int dirty = 1, eof = 0, discard = 0, rc = 0;

    if (buf == NULL)
        return -ENOMEM;
    sv_sig_install();
    while (!eof && !sv_sig_stop) {
        struct pollfd p = { 0, POLLIN, 0 };
        ssize_t r;
        char *nl, *start;
        int ready = poll(&p, 1, dirty ? 0 : -1);

        if (ready < 0 && errno == EINTR)
            continue;
        if (ready == 0) {
            /* a pause in the input: show what has come */
            rc = render(o, s);
            if (rc < 0)
                break;
            dirty = 0;
            continue;
        }
        if (len == cap) {
            if (cap >= SV_STATS_MAX_LINE) {
                /* a line too long: drop it up to its end */
                if (!discard) {
                    sv_log_warn("stdin line %zu: longer than %d bytes; "
                                "skipped", lineno + 1, SV_STATS_MAX_LINE);
                    skipped++;
                }
                discard = 1;
                len = 0;
            } else {
                char *nb = realloc(buf, cap * 2);
                if (nb == NULL) {
                    rc = -ENOMEM;
                    break;
                }
                buf = nb;
                cap *= 2;
            }
        }
        r = read(0, buf + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = -errno;
            sv_log_error("cannot read stdin: %s", sv_strerror(rc));
            break;
        }
        if (r == 0) {
            eof = 1;
            if (len == 0 || discard)
                break;
            buf[len++] = '\n';      /* the last line, without its newline */
        } else {
            len += (size_t)r;
        }
        start = buf;
        while ((nl = memchr(start, '\n', len - (size_t)(start - buf)))) {
            lineno++;
            if (discard) {
                discard = 0;
            } else if (sv_stats_series_line(s, start, (size_t)(nl - start),
                                            err, sizeof(err)) < 0) {
                sv_log_warn("stdin line %zu: %s; skipped", lineno, err);
                skipped++;
            } else {
                dirty = 1;
            }
            start = nl + 1;
        }
        len -= (size_t)(start - buf);
        memmove(buf, start, len);
    }
    free(buf);
    if (rc == 0)
        rc = render(o, s);
    if (rc < 0)
        return rc;
    return skipped > 0 ? 1 : 0;
}

int
sv_stats_cmd_report(struct sv_stats_opts *o)
{
    struct sv_stats_series s;
    const char *in;
    char err[512];
    int rc;

    rc = sv__stats_input(o, &in);
    if (rc != 0)
        return rc;
    if (!o->html) {
        sv_opt_usage_error("report needs --html (its one format)");
        return SV_EXIT_USAGE;
    }
    if (o->output == NULL || strcmp(o->output, "-") == 0) {
        sv_opt_usage_error("report needs -o <file.html>");
        return SV_EXIT_USAGE;
    }
    if (o->follow && strcmp(in, "-") != 0) {
        sv_opt_usage_error("--follow reads windows from stdin, not '%s'",
                           in);
        return SV_EXIT_USAGE;
    }
    sv_stats_series_init(&s, o->follow ? (size_t)o->keep : 0);
    if (o->follow) {
        rc = follow(o, &s);
        sv_stats_series_free(&s);
        return rc < 0 ? SV_EXIT_FAIL : rc > 0 ? SV_EXIT_PARTIAL : SV_EXIT_OK;
    }
    rc = sv_stats_series_load(&s, in, err, sizeof(err));
    if (rc < 0)
        sv_log_error("%s", err);
    else
        rc = render(o, &s);
    sv_stats_series_free(&s);
    return rc < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
}
