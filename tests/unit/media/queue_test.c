/* queue_test.c -- lib/media/queue.c: order, bounds, close and abort */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>

#include "media/queue.h"
#include "t.h"

static struct sv_queue q;

static void *
producer(void *arg)
{
    intptr_t i;

    for (i = 1; i <= 1000; i++)
        if (sv_queue_push(&q, (void *)i) < 0)
            break;
    sv_queue_close(&q);
    return NULL;
}

static void
keeps_order_across_threads(void)
{
    pthread_t t;
    void *item;
    intptr_t want = 1;
    int rc;

    CHECK_INT(sv_queue_init(&q, 4), 0);
    pthread_create(&t, NULL, producer, NULL);
    while ((rc = sv_queue_pop(&q, &item)) == 0) {
        CHECK_INT((intptr_t)item, want);
        want++;
    }
    CHECK_INT(rc, 1);
    CHECK_INT(want, 1001);
    pthread_join(t, NULL);
    sv_queue_release(&q);
}

static void *
blocked_pusher(void *arg)
{
    int *rc = arg;

    *rc = sv_queue_push(&q, (void *)3);
    return NULL;
}

static void
abort_wakes_a_full_queue(void)
{
    pthread_t t;
    void *item;
    int rc = 0;

    CHECK_INT(sv_queue_init(&q, 2), 0);
    CHECK_INT(sv_queue_push(&q, (void *)1), 0);
    CHECK_INT(sv_queue_push(&q, (void *)2), 0);
    pthread_create(&t, NULL, blocked_pusher, &rc);
    sv_queue_abort(&q);
    pthread_join(t, NULL);
    CHECK_INT(rc, -ECANCELED);
    CHECK_INT(sv_queue_pop(&q, &item), -ECANCELED);
    /* what is left can still be drained */
    CHECK_INT(sv_queue_trypop(&q, &item), 0);
    CHECK_INT((intptr_t)item, 1);
    CHECK_INT(sv_queue_trypop(&q, &item), 0);
    CHECK_INT(sv_queue_trypop(&q, &item), 1);
    sv_queue_release(&q);
}

int
main(void)
{
    RUN(keeps_order_across_threads);
    RUN(abort_wakes_a_full_queue);
    return DONE();
}
