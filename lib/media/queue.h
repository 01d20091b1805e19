/* queue.h -- a bounded queue of pointers between threads */
#ifndef SV_QUEUE_H
#define SV_QUEUE_H

#include <pthread.h>

struct sv_queue {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    void **items;
    int cap, head, len;
    int closed;     /* the producer is done: pops drain then get NULL */
    int aborted;    /* give up: pushes and pops fail at once */
};

/* Returns 0 or -ENOMEM. */
int sv_queue_init(struct sv_queue *q, int cap);

/* Frees the ring; items still queued are the caller's to drain first. */
void sv_queue_release(struct sv_queue *q);

/*
 * Appends item, waiting while the queue is full.  Returns 0, or -ECANCELED
 * when the queue was aborted (item stays the caller's).
 */
int sv_queue_push(struct sv_queue *q, void *item);

/*
 * Takes the oldest item, waiting while the queue is empty and open.
 * Returns 0 with *item set, 1 at the end (closed and empty), or
 * -ECANCELED when aborted.
 */
int sv_queue_pop(struct sv_queue *q, void **item);

/*
 * Takes one item without waiting, even from an aborted queue (to drain
 * it): 0 with *item set, 1 when empty.
 */
int sv_queue_trypop(struct sv_queue *q, void **item);

void sv_queue_close(struct sv_queue *q);
void sv_queue_abort(struct sv_queue *q);

#endif
