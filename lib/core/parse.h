/* parse.h -- option values: durations, bitrates, sizes, integers */
#ifndef SV_PARSE_H
#define SV_PARSE_H

#include <stdint.h>

/*
 * "2s", "500ms", "1.5", "1m", "1h30m", "90us": a duration in microseconds
 * (a bare number is seconds).  Returns 0 or SV_EUSAGE.
 */
int sv_parse_duration(const char *s, int64_t *us);

/* "5000k", "5M", "800000": bits per second.  Returns 0 or SV_EUSAGE. */
int sv_parse_bitrate(const char *s, int64_t *bps);

/* "64K", "2M", "1G", "512": bytes (binary multiples). */
int sv_parse_size(const char *s, int64_t *bytes);

/* A decimal integer in [min, max].  Returns 0 or SV_EUSAGE. */
int sv_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);

#endif
