/* rung.c -- the encoder threads: one per rung, fed by a bounded queue */
#include <errno.h>
#include <math.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "media/job.h"

int
sv__drain_packets(struct job *j, AVCodecContext *enc, int rung, int64_t *bytes,
              int64_t *frames)
{
    AVPacket *pkt = av_packet_alloc();
    int rc;

    if (pkt == NULL)
        return AVERROR(ENOMEM);
    for (;;) {
        rc = avcodec_receive_packet(enc, pkt);
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) {
            rc = 0;
            break;
        }
        if (rc < 0)
            break;
        if (rung >= 0 && j->ranged && (pkt->pts < j->r_start ||
            (j->r_end != SV_CHUNK_OPEN && pkt->pts >= j->r_end))) {
            /* pre- and post-roll: encoded so the rate control sees what
             * a whole run sees around the chunk, not kept */
            av_packet_unref(pkt);
            continue;
        }
        *bytes += pkt->size;
        (*frames)++;
        if (j->pass == 1) {
            av_packet_unref(pkt);       /* the first pass only analyses */
            continue;
        }
        rc = sv__mux_write(&j->mux, rung, pkt, enc->time_base);
        if (rc < 0)
            break;
    }
    av_packet_free(&pkt);
    return rc;
}

static void *
rung_main(void *arg)
{
    struct rung *r = arg;
    struct job *j = r->job;
    void *item;
    AVFrame *f;
    int rc, end;

    for (;;) {
        rc = sv_queue_pop(&r->q, &item);
        if (rc < 0)
            break;
        end = rc == 1;
        f = end ? NULL : item;
        if (f != NULL) {
            rc = sv__hw_upload(r->enc, f, &f);
            if (rc < 0) {
                av_frame_free(&f);
                goto fail;
            }
        }
        rc = avcodec_send_frame(r->enc, f);
        av_frame_free(&f);
        if (rc < 0)
            goto fail;
        rc = sv__drain_packets(j, r->enc, r->idx, &r->bytes, &r->frames);
        if (rc < 0)
            goto fail;
        if (end)
            break;
    }
    return NULL;
fail:
    if (rc != AVERROR(EPIPE))
        sv_log_error("encoding rung %s failed: %s", j->lad.r[r->idx].name,
                     sv_strerror(rc));
    sv__job_fail(j, rc);
    /* unblock the producer; it sees the failure and stops */
    sv_queue_abort(&r->q);
    return NULL;
}

/*
 * Encoder threads of a rung when left to us.  Every rung encodes at once,
 * so each encoder's own threading (x264's default is 1.5 per core) would
 * oversubscribe the cores many times over; each rung instead gets threads
 * in proportion to its share of the ladder's pixels, twice over so the
 * largest rung never waits on one core, and at least one.
 */
int
sv__rung_threads(int w, int h, double pixels)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    double share = (double)w * h / pixels;
    int n;

    if (cores < 1)
        cores = 1;
    n = (int)ceil(2.0 * (double)cores * share - 0.01);
    return n < 1 ? 1 : n > 16 ? 16 : n;
}

int
sv__rungs_start(struct job *j)
{
    int i, rc;

    for (i = 0; i < j->nrungs; i++) {
        rc = sv_queue_init(&j->r[i].q, RUNG_QUEUE);
        if (rc < 0)
            return rc;
        rc = -pthread_create(&j->r[i].thread, NULL, rung_main, &j->r[i]);
        if (rc < 0) {
            sv_queue_release(&j->r[i].q);
            return rc;
        }
        j->r[i].started = 1;
    }
    return 0;
}

void
sv__rungs_end(struct job *j, int ok)
{
    int i;

    for (i = 0; i < j->nrungs; i++) {
        if (!j->r[i].started)
            continue;
        if (ok)
            sv_queue_close(&j->r[i].q);
        else
            sv_queue_abort(&j->r[i].q);
    }
}

void
sv__rungs_join(struct job *j)
{
    int i;

    for (i = 0; i < j->nrungs; i++) {
        void *item;

        if (!j->r[i].started)
            continue;
        pthread_join(j->r[i].thread, NULL);
        while (sv_queue_trypop(&j->r[i].q, &item) == 0) {
            AVFrame *f = item;

            av_frame_free(&f);
        }
        sv_queue_release(&j->r[i].q);
        j->r[i].started = 0;
    }
}
