/* limit_test.c -- lib/http/limit.c: token buckets (burst, rate, refill over
 * the caller's clock) and connection counts, per address */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "core/err.h"
#include "http/limit.h"
#include "t.h"

static struct sockaddr_in
v4(const char *ip, int port)
{
    struct sockaddr_in a;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

static struct sockaddr_in6
v6(const char *ip)
{
    struct sockaddr_in6 a;

    memset(&a, 0, sizeof(a));
    a.sin6_family = AF_INET6;
    inet_pton(AF_INET6, ip, &a.sin6_addr);
    return a;
}

#define SA(a) ((const struct sockaddr *)&(a))

/* how many requests of sa pass at now_ms, out of at most max */
static int
passing(struct sv_limit *l, const struct sockaddr *sa, uint64_t now_ms,
        int max)
{
    int n = 0;

    while (n < max && sv_limit_request(l, sa, now_ms) == 0)
        n++;
    return n;
}

static void
a_burst_passes_then_the_bucket_is_empty(void)
{
    struct sv_limit *l = NULL;
    struct sockaddr_in a = v4("192.0.2.1", 1000);

    CHECK_INT(sv_limit_new(0, 10, 5, &l), 0);
    CHECK_INT(passing(l, SA(a), 1000, 100), 5);
    CHECK_INT(sv_limit_request(l, SA(a), 1000), SV_ELIMIT);
    sv_limit_free(l);
}

static void
tokens_come_back_at_the_rate_up_to_the_burst(void)
{
    struct sv_limit *l = NULL;
    struct sockaddr_in a = v4("192.0.2.1", 1000);
    struct sockaddr_in b = v4("192.0.2.2", 1000);

    CHECK_INT(sv_limit_new(0, 10, 5, &l), 0);
    CHECK_INT(passing(l, SA(a), 1000, 100), 5);
    CHECK_INT(passing(l, SA(b), 1000, 100), 5);
    /* 10 per second: none after 99 ms, one after 100 ms */
    CHECK_INT(passing(l, SA(a), 1099, 100), 0);
    CHECK_INT(passing(l, SA(b), 1100, 100), 1);
    /* half a second gives five */
    CHECK_INT(passing(l, SA(b), 1600, 100), 5);
    /* an hour idle fills the bucket to its burst, no more */
    CHECK_INT(passing(l, SA(b), 1600 + 3600 * 1000, 100), 5);
    sv_limit_free(l);
}

static void
a_clock_going_back_adds_nothing(void)
{
    struct sv_limit *l = NULL;
    struct sockaddr_in a = v4("192.0.2.1", 1000);

    CHECK_INT(sv_limit_new(0, 10, 2, &l), 0);
    CHECK_INT(passing(l, SA(a), 50000, 100), 2);
    CHECK_INT(passing(l, SA(a), 1000, 100), 0);
    sv_limit_free(l);
}

static void
each_address_has_its_own_bucket(void)
{
    struct sv_limit *l = NULL;
    struct sockaddr_in a = v4("192.0.2.1", 1000);
    struct sockaddr_in a2 = v4("192.0.2.1", 2000);
    struct sockaddr_in b = v4("192.0.2.2", 1000);
    struct sockaddr_in6 c = v6("2001:db8::1");
    struct sockaddr_in6 mapped = v6("::ffff:192.0.2.1");

    CHECK_INT(sv_limit_new(0, 1, 3, &l), 0);
    CHECK_INT(passing(l, SA(a), 1000, 100), 3);
    /* another port of the same host shares it, as does its v4-mapped
     * IPv6 form */
    CHECK_INT(passing(l, SA(a2), 1000, 100), 0);
    CHECK_INT(passing(l, SA(mapped), 1000, 100), 0);
    CHECK_INT(passing(l, SA(b), 1000, 100), 3);
    CHECK_INT(passing(l, SA(c), 1000, 100), 3);
    sv_limit_free(l);
}

static void
rate_zero_limits_nothing_and_burst_is_at_least_one(void)
{
    struct sv_limit *l = NULL;
    struct sockaddr_in a = v4("192.0.2.1", 1000);

    CHECK_INT(sv_limit_new(0, 0, 0, &l), 0);
    CHECK_INT(passing(l, SA(a), 1000, 1000), 1000);
    sv_limit_free(l);
    CHECK_INT(sv_limit_new(0, 1, 0, &l), 0);
    CHECK_INT(passing(l, SA(a), 1000, 100), 1);
    CHECK_INT(passing(l, SA(a), 2000, 100), 1);
    sv_limit_free(l);
}

static void
connections_are_counted_per_address(void)
{
    struct sv_limit *l = NULL;
    struct sockaddr_in a = v4("192.0.2.1", 1000);
    struct sockaddr_in a2 = v4("192.0.2.1", 1001);
    struct sockaddr_in b = v4("192.0.2.2", 1000);

    CHECK_INT(sv_limit_new(2, 0, 0, &l), 0);
    CHECK_INT(sv_limit_conn_open(l, SA(a)), 0);
    CHECK_INT(sv_limit_conn_open(l, SA(a2)), 0);
    CHECK_INT(sv_limit_conn_open(l, SA(a)), SV_ELIMIT);
    CHECK_INT(sv_limit_conn_open(l, SA(b)), 0);
    /* a refused connection was not counted: one close makes room */
    sv_limit_conn_close(l, SA(a));
    CHECK_INT(sv_limit_conn_open(l, SA(a)), 0);
    CHECK_INT(sv_limit_conn_open(l, SA(a)), SV_ELIMIT);
    /* closing more than was opened does not make room for more */
    sv_limit_conn_close(l, SA(b));
    sv_limit_conn_close(l, SA(b));
    CHECK_INT(sv_limit_conn_open(l, SA(b)), 0);
    CHECK_INT(sv_limit_conn_open(l, SA(b)), 0);
    CHECK_INT(sv_limit_conn_open(l, SA(b)), SV_ELIMIT);
    sv_limit_free(l);

    CHECK_INT(sv_limit_new(0, 0, 0, &l), 0);
    CHECK_INT(sv_limit_conn_open(l, SA(a)), 0);
    CHECK_INT(sv_limit_conn_open(l, SA(a)), 0);
    CHECK_INT(sv_limit_conn_open(l, SA(a)), 0);
    sv_limit_free(l);
    sv_limit_free(NULL);
}

/* 10.a.b.c for i: distinct addresses, more than the table has slots */
static struct sockaddr_in
nth(unsigned i)
{
    struct sockaddr_in a;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(0x0a000000u | i);
    return a;
}

#define CROWD 100000

static void
a_crowd_of_other_addresses_never_locks_a_fresh_one_out(void)
{
    struct sv_limit *l = NULL;
    struct sockaddr_in a, victim = v4("127.0.0.1", 1000);
    unsigned i, refused = 0;

    /* every other address holds a connection open */
    CHECK_INT(sv_limit_new(1, 0, 0, &l), 0);
    for (i = 0; i < CROWD; i++) {
        a = nth(i);
        if (sv_limit_conn_open(l, SA(a)) != 0)
            refused++;
    }
    CHECK_INT(refused, 0);
    CHECK_INT(sv_limit_conn_open(l, SA(victim)), 0);
    sv_limit_free(l);

    /* every other address has emptied its bucket */
    CHECK_INT(sv_limit_new(0, 0.001, 2, &l), 0);
    refused = 0;
    for (i = 0; i < CROWD; i++) {
        a = nth(i);
        if (passing(l, SA(a), 1000, 10) != 2)
            refused++;
    }
    CHECK_INT(refused, 0);
    /* the victim still has its own burst, and only that */
    CHECK_INT(passing(l, SA(victim), 1000, 100), 2);
    sv_limit_free(l);
}

static void
limits_still_hold_beside_a_crowd(void)
{
    struct sv_limit *l = NULL;
    struct sockaddr_in a, victim = v4("127.0.0.1", 1000);
    unsigned i;

    CHECK_INT(sv_limit_new(2, 0, 0, &l), 0);
    for (i = 0; i < 1000; i++) {
        a = nth(i);
        CHECK_INT(sv_limit_conn_open(l, SA(a)), 0);
    }
    CHECK_INT(sv_limit_conn_open(l, SA(victim)), 0);
    CHECK_INT(sv_limit_conn_open(l, SA(victim)), 0);
    CHECK_INT(sv_limit_conn_open(l, SA(victim)), SV_ELIMIT);
    sv_limit_free(l);
}

int
main(void)
{
    RUN(a_burst_passes_then_the_bucket_is_empty);
    RUN(tokens_come_back_at_the_rate_up_to_the_burst);
    RUN(a_clock_going_back_adds_nothing);
    RUN(each_address_has_its_own_bucket);
    RUN(rate_zero_limits_nothing_and_burst_is_at_least_one);
    RUN(connections_are_counted_per_address);
    RUN(a_crowd_of_other_addresses_never_locks_a_fresh_one_out);
    RUN(limits_still_hold_beside_a_crowd);
    return DONE();
}
