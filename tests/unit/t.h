/* t.h -- a minimal TAP unit test harness for lib/ (one binary per module) */
#ifndef SV_T_H
#define SV_T_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_failed_;   /* failures in the current test */
static int t_count_;
static int t_bad_;

#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            printf("#   %s:%d: check failed: %s\n", __FILE__, __LINE__,    \
                   #cond);                                                 \
            t_failed_++;                                                   \
        }                                                                  \
    } while (0)

#define CHECK_INT(a, b)                                                    \
    do {                                                                   \
        long long a_ = (long long)(a), b_ = (long long)(b);                \
        if (a_ != b_) {                                                    \
            printf("#   %s:%d: %s == %lld, expected %lld\n", __FILE__,     \
                   __LINE__, #a, a_, b_);                                  \
            t_failed_++;                                                   \
        }                                                                  \
    } while (0)

#define CHECK_STR(a, b)                                                    \
    do {                                                                   \
        const char *a_ = (a), *b_ = (b);                                   \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0) {             \
            printf("#   %s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, \
                   __LINE__, #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)");  \
            t_failed_++;                                                   \
        }                                                                  \
    } while (0)

/* Runs fn as one TAP test point named after it. */
#define RUN(fn)                                                            \
    do {                                                                   \
        t_failed_ = 0;                                                     \
        fn();                                                              \
        t_count_++;                                                        \
        printf("%sok %d - %s\n", t_failed_ ? "not " : "", t_count_, #fn);  \
        if (t_failed_)                                                     \
            t_bad_++;                                                      \
    } while (0)

#define SKIP(fn, why)                                                      \
    do {                                                                   \
        t_count_++;                                                        \
        printf("ok %d - %s # skip %s\n", t_count_, #fn, why);              \
    } while (0)

/* Ends main(): prints the plan, returns the exit status. */
#define DONE()                                                             \
    (printf("1..%d\n", t_count_), fflush(stdout), t_bad_ ? 1 : 0)

#endif
