/* promtext.h -- the Prometheus text exposition format (0.0.4), written */
#ifndef SV_STATS_PROMTEXT_H
#define SV_STATS_PROMTEXT_H

#include <stddef.h>

/* a growing text; on allocation failure it stops growing and says so */
struct sv_promtext {
    char *buf;
    size_t len, cap;
    int failed;
};

/* # HELP and # TYPE lines of a metric family (type: counter, gauge) */
void sv_promtext_family(struct sv_promtext *p, const char *name,
                        const char *type, const char *help);

/*
 * One sample: name{label="value"} v, the label value escaped (\\, \", \n);
 * label NULL: no labels.
 */
void sv_promtext_sample(struct sv_promtext *p, const char *name,
                        const char *label, const char *value, double v);

/* Hands the text over (NUL-terminated), or NULL after a failure. */
char *sv_promtext_take(struct sv_promtext *p, size_t *len);

#endif
