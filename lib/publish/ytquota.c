/* ytquota.c -- YouTube quota: what each call costs, what a project spent
 * today (Pacific time), kept across runs in a small state file */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/json.h"
#include "core/time.h"
#include "publish/platform_int.h"
#include "publish/ytquota.h"

#define STATE_MAX (64 * 1024)   /* the file holds a few projects */

/* keep in the order of enum sv_ytq_call */
static const struct {
    const char *method;
    int64_t cost;               /* determine_quota_cost (platforms.md) */
} calls[SV_YTQ_NCALLS] = {
    { "videos.insert", 1 },
    { "videos.list", 1 },
    { "thumbnails.set", 50 },
    { "liveBroadcasts.insert", 50 },
    { "liveStreams.insert", 50 },
    { "liveBroadcasts.bind", 50 },
};

const char *
sv_ytq_method(enum sv_ytq_call call)
{
    return calls[call].method;
}

static int
count_of(const char *v, int64_t *out)
{
    char *end;
    long long n;

    if (v == NULL || *v < '0' || *v > '9')
        return -1;
    errno = 0;
    n = strtoll(v, &end, 10);
    if (errno != 0 || *end != '\0' || n > 1000000000LL)
        return -1;
    *out = n;
    return 0;
}

int
sv_ytq_costs(const struct sv_plat_conf *c, struct sv_ytq_costs *k,
             char *err, size_t size)
{
    static const char cost[] = "youtube.cost.";
    const char *v;
    int i, m;

    memset(k, 0, sizeof(*k));
    k->units = 10000;
    k->uploads = 100;
    for (m = 0; m < SV_YTQ_NCALLS; m++)
        k->cost[m] = calls[m].cost;
    v = sv__plat_meta(c, "youtube", "quota", NULL);
    if (v != NULL && count_of(v, &k->units) < 0) {
        snprintf(err, size, "youtube: quota is a count of units a day, "
                 "not '%s'", v);
        return SV_EUSAGE;
    }
    v = sv__plat_meta(c, "youtube", "quota_uploads", NULL);
    if (v != NULL && count_of(v, &k->uploads) < 0) {
        snprintf(err, size, "youtube: quota_uploads is a count of "
                 "videos.insert calls a day (0: they cost units), not "
                 "'%s'", v);
        return SV_EUSAGE;
    }
    v = sv__plat_meta(c, "youtube", "project", NULL);
    snprintf(k->project, sizeof(k->project), "%s", v != NULL ? v : "");
    for (i = 0; i < c->nsets; i++) {
        const char *s = c->sets[i], *eq = strchr(s, '=');

        if (strncmp(s, cost, sizeof(cost) - 1) != 0 || eq == NULL)
            continue;
        s += sizeof(cost) - 1;
        for (m = 0; m < SV_YTQ_NCALLS; m++)
            if (strlen(calls[m].method) == (size_t)(eq - s) &&
                strncmp(calls[m].method, s, (size_t)(eq - s)) == 0)
                break;
        if (m == SV_YTQ_NCALLS) {
            snprintf(err, size, "youtube: no cost for '%.*s' (the calls: "
                     "videos.insert videos.list thumbnails.set "
                     "liveBroadcasts.insert liveStreams.insert "
                     "liveBroadcasts.bind)", (int)(eq - s), s);
            return SV_EUSAGE;
        }
        if (count_of(eq + 1, &k->cost[m]) < 0) {
            snprintf(err, size, "youtube: the cost of %s is a count of "
                     "units, not '%s'", calls[m].method, eq + 1);
            return SV_EUSAGE;
        }
    }
    return 0;
}

/* ---- the Pacific day ---- */

static int64_t
floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* the first Sunday on or after day z (1970-01-01 was a Thursday) */
static int64_t
sunday_from(int64_t z)
{
    int64_t wd = ((z + 4) % 7 + 7) % 7;

    return z + (7 - wd) % 7;
}

/* UTC offset of Pacific time at t, in seconds */
static int64_t
pacific_offset(int64_t t)
{
    int64_t y, on, off;
    int m, d;

    sv_time_civil_from_days(floor_div(t, 86400), &y, &m, &d);
    /* 02:00 PST is 10:00 UTC; 02:00 PDT is 09:00 UTC */
    on = (sunday_from(sv_time_days_from_civil(y, 3, 1)) + 7) * 86400 +
         10 * 3600;
    off = sunday_from(sv_time_days_from_civil(y, 11, 1)) * 86400 +
          9 * 3600;
    return t >= on && t < off ? -7 * 3600 : -8 * 3600;
}

void
sv_ytq_day(int64_t t, char *day, int64_t *left_s)
{
    int64_t local = t + pacific_offset(t), z = floor_div(local, 86400);
    int64_t next, y;
    char buf[32];
    int m, d;

    sv_time_civil_from_days(z, &y, &m, &d);
    snprintf(buf, sizeof(buf), "%04d-%02d-%02d", (int)(y % 10000), m % 100,
             d % 100);
    memcpy(day, buf, 11);
    /* midnight after a change of offset is in the new offset */
    next = (z + 1) * 86400;
    next -= pacific_offset(next - pacific_offset(t));
    *left_s = next - t;
}

/* ---- the state file ---- */

int
sv_ytq_parse(const char *text, size_t len, const char *project,
             const char *day, int64_t *units, int64_t *uploads)
{
    json_t *o, *p;
    json_int_t u, n;

    *units = 0;
    *uploads = 0;
    if (len == 0)
        return 0;
    o = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return SV_EFORMAT;
    }
    p = json_object_get(o, project);
    if (json_is_object(p)) {
        const char *d = json_string_value(json_object_get(p, "day"));

        u = json_integer_value(json_object_get(p, "units"));
        n = json_integer_value(json_object_get(p, "uploads"));
        /* another day is nothing spent; damage is nothing spent */
        if (d != NULL && strcmp(d, day) == 0 && u >= 0 && n >= 0) {
            *units = u;
            *uploads = n;
        }
    }
    json_decref(o);
    return 0;
}

static int
read_all(int fd, char *buf, size_t size, size_t *len)
{
    ssize_t n;

    *len = 0;
    while (*len < size) {
        n = pread(fd, buf + *len, size - *len, (off_t)*len);
        if (n < 0)
            return -errno;
        if (n == 0)
            return 0;
        *len += (size_t)n;
    }
    return SV_ELIMIT;
}

static int
write_state(int fd, const char *text)
{
    size_t len = strlen(text), off = 0;
    ssize_t n;

    if (ftruncate(fd, 0) < 0)
        return -errno;
    while (off < len) {
        n = pwrite(fd, text + off, len - off, (off_t)off);
        if (n < 0)
            return -errno;
        off += (size_t)n;
    }
    return fsync(fd) < 0 ? -errno : 0;
}

int
sv_ytq_account(const char *path, const struct sv_ytq_costs *k,
               int64_t units, int64_t uploads, int charge, char *err,
               size_t size)
{
    const char *project = k->project[0] != '\0' ? k->project : "-";
    char day[11], *buf, *text;
    int64_t left_s, u = 0, n = 0;
    json_t *o = NULL;
    size_t len = 0;
    int fd, rc;

    sv_ytq_day(sv_time_now_ms() / 1000, day, &left_s);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = -errno;
        snprintf(err, size, "cannot open the quota state '%s': %s", path,
                 sv_strerror(rc));
        return rc;
    }
    buf = malloc(STATE_MAX);
    if (buf == NULL) {
        close(fd);
        return -ENOMEM;
    }
    /* runs at once (and the threads of one) take turns */
    rc = flock(fd, LOCK_EX) < 0 ? -errno : 0;
    if (rc == 0)
        rc = read_all(fd, buf, STATE_MAX, &len);
    if (rc < 0) {
        snprintf(err, size, "cannot read the quota state '%s': %s", path,
                 sv_strerror(rc));
        goto out;
    }
    if (sv_ytq_parse(buf, len, project, day, &u, &n) < 0)
        len = 0;                /* damaged: start the file again */
    if (!charge) {
        int64_t uleft = k->units - u, nleft = k->uploads - n;

        if (units > uleft || (uploads > 0 && uploads > nleft)) {
            char up[160] = "";

            if (k->uploads > 0)
                snprintf(up, sizeof(up), ", and %" PRId64 " of %" PRId64
                         " videos.insert calls (this needs %" PRId64 ")",
                         nleft > 0 ? nleft : 0, k->uploads, uploads);
            snprintf(err, size, "youtube: the quota would not last: project "
                     "'%s' has %" PRId64 " of %" PRId64 " units left today "
                     "(this needs %" PRId64 ")%s; it resets at midnight "
                     "Pacific time, in %" PRId64 "h%02" PRId64 "m",
                     project, uleft > 0 ? uleft : 0, k->units, units, up,
                     left_s / 3600, left_s % 3600 / 60);
            rc = SV_EQUOTA;
        }
        goto out;
    }
    o = len > 0 ? json_loadb(buf, len, 0, NULL) : NULL;
    if (!json_is_object(o)) {
        json_decref(o);
        o = json_object();
    }
    json_object_set_new(o, project, json_pack("{s:s,s:I,s:I}", "day", day,
                                              "units", (json_int_t)(u + units),
                                              "uploads",
                                              (json_int_t)(n + uploads)));
    text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    rc = text != NULL ? write_state(fd, text) : -ENOMEM;
    if (rc < 0)
        snprintf(err, size, "cannot write the quota state '%s': %s", path,
                 sv_strerror(rc));
    free(text);
    json_decref(o);
out:
    free(buf);
    close(fd);                  /* drops the lock */
    return rc;
}
