/* logline.h -- one access-log or beacon line into one record */
#ifndef SV_STATS_LOGLINE_H
#define SV_STATS_LOGLINE_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"

/* the longest line read; longer ones are skipped */
#define SV_LOGLINE_MAX 16384

enum sv_logline_kind {
    SV_LOGLINE_SKIP = 0,        /* valid, but nothing to count (an event) */
    SV_LOGLINE_REQUEST = 1,     /* one HTTP request */
    SV_LOGLINE_BEACON = 2,      /* one player beacon (POST /beacon body) */
};

/* what sv-stats knows of one line; -1 in a number: absent */
struct sv_logrec {
    int kind;
    int64_t ts_ms;              /* ms since the epoch, UTC */
    char addr[64];
    char method[16];
    char path[1024];            /* up to the '?', as sent */
    char ua[512];
    char country[8];            /* "" when the log does not say */
    int status;
    int64_t bytes;
    int cache;                  /* -1 unknown, 0 miss, 1 hit */
    /* CMCD (CTA-5004), from the query, headers or the log's "cmcd" */
    char sid[128];              /* session id ("" absent) */
    char cid[128];              /* content id ("" absent) */
    char ot[8];                 /* object type: m a v av i c tt k o */
    int64_t br, bl, mtp, d, tb; /* kbps, ms, kbps, ms, kbps */
    int su, bs;                 /* startup/urgent, buffer starvation */
    /* beacon */
    char event[32];
    int64_t startup_ms, stall_ms, played_ms, bitrate;
    int error;
};

/*
 * Parses one line (without its newline) of any of the known shapes, found
 * by its first byte: sv-serve's JSON lines ({"event":"serve.request"} and
 * {"event":"serve.beacon"}), or an nginx/Apache combined log line with
 * optional quoted fields after the user agent (a cache status word, CMCD
 * header values, a two-letter country).  Fills r and returns its kind, or
 * SV_EFORMAT when the line is none of them.  Bounded: no allocation grows
 * with the input beyond SV_LOGLINE_MAX.
 */
int sv_logline_parse(const char *line, size_t len, struct sv_logrec *r);

/* The same for one shape only. */
int sv_logline_parse_json(const char *line, size_t len, struct sv_logrec *r);
int sv_logline_parse_combined(const char *line, size_t len,
                              struct sv_logrec *r);

/*
 * Reads a beacon body (a JSON object as POST /beacon stores it) into the
 * beacon fields of r: sid (or session_id), event, startup_ms, stall_ms
 * (or ms with event "stall"/"rebuffer"), played_ms, bitrate (kbps), error.
 * Returns 0 or SV_EFORMAT.
 */
int sv_logline_beacon(const json_t *b, struct sv_logrec *r);

/* Fills r's CMCD fields from a CMCD object (sv_cmcd_parse's). */
void sv_logline_cmcd(const json_t *o, struct sv_logrec *r);

/*
 * Parses an ISO 8601 UTC time (2026-12-02T12:38:55.123Z, or with +hh:mm)
 * or a combined log's 10/Oct/2026:13:55:36 +0000 into ms since the epoch.
 * Returns 0 or SV_EFORMAT.
 */
int sv_logline_time_iso(const char *s, size_t len, int64_t *ms);
int sv_logline_time_clf(const char *s, size_t len, int64_t *ms);

#endif
