/* queue.c -- bounded pointer queue (mutex + condition variable) */
#include <errno.h>
#include <stdlib.h>

#include "media/queue.h"

int
sv_queue_init(struct sv_queue *q, int cap)
{
    q->items = calloc((size_t)cap, sizeof(void *));
    if (q->items == NULL)
        return -ENOMEM;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
    q->cap = cap;
    q->head = q->len = 0;
    q->closed = q->aborted = 0;
    return 0;
}

void
sv_queue_release(struct sv_queue *q)
{
    if (q->items == NULL)
        return;
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->cond);
    free(q->items);
    q->items = NULL;
}

int
sv_queue_push(struct sv_queue *q, void *item)
{
    int rc = 0;

    pthread_mutex_lock(&q->lock);
    while (q->len == q->cap && !q->aborted)
        pthread_cond_wait(&q->cond, &q->lock);
    if (q->aborted) {
        rc = -ECANCELED;
    } else {
        q->items[(q->head + q->len) % q->cap] = item;
        q->len++;
        pthread_cond_broadcast(&q->cond);
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

static int
take(struct sv_queue *q, void **item, int wait)
{
    int rc;

    pthread_mutex_lock(&q->lock);
    while (wait && q->len == 0 && !q->closed && !q->aborted)
        pthread_cond_wait(&q->cond, &q->lock);
    if (q->aborted && wait) {
        rc = -ECANCELED;
    } else if (q->len == 0) {
        rc = 1;
    } else {
        *item = q->items[q->head];
        q->head = (q->head + 1) % q->cap;
        q->len--;
        pthread_cond_broadcast(&q->cond);
        rc = 0;
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

int
sv_queue_pop(struct sv_queue *q, void **item)
{
    return take(q, item, 1);
}

int
sv_queue_trypop(struct sv_queue *q, void **item)
{
    return take(q, item, 0);
}

void
sv_queue_close(struct sv_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = 1;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

void
sv_queue_abort(struct sv_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->aborted = 1;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
}
