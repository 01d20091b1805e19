/* rtmp.h -- one RTMP publishing session, independent of the socket */
#ifndef SV_RTMP_H
#define SV_RTMP_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "rtmp/rtmp_flv.h"

struct sv_rtmp_sess;

struct sv_rtmp_cbs {
    /*
     * A publish command for app/name arrived (name as sent, query and
     * all).  The owner answers with sv_rtmp_sess_publish_result(), now or
     * later; media before the answer is dropped.
     */
    void (*publish)(void *ud, const char *app, const char *name,
                    const char *tcurl);
    /* an audio (track 1) or video (track 0) tag at ts (ms, 32 bits) */
    void (*media)(void *ud, int track, uint32_t ts,
                  const struct sv_flv_tag *tag);
    /* onMetaData (borrowed) */
    void (*meta)(void *ud, json_t *meta);
    /*
     * FCUnpublish/deleteStream/closeStream: the publisher is done; also
     * deleteStream/closeStream of a publish still waiting for its answer,
     * which the owner must then not give (the next publish asks anew).
     */
    void (*unpublish)(void *ud);
    /* bytes for the peer; returns 0 or a negative code */
    int (*send)(void *ud, const uint8_t *p, size_t len);
};

/* Creates a session awaiting C0+C1.  Returns 0 or -ENOMEM. */
int sv_rtmp_sess_new(struct sv_rtmp_sess **out, const struct sv_rtmp_cbs *cbs,
                     void *ud);

/* Frees the session and everything it holds.  NULL-safe. */
void sv_rtmp_sess_free(struct sv_rtmp_sess *s);

/*
 * Takes bytes from the peer: the handshake, then chunks.  Calls the
 * callbacks as messages complete, and cbs->send for replies.  Returns 0,
 * or a negative code after which the connection must be closed
 * (SV_EPROTO, SV_EFORMAT, SV_ELIMIT...).
 */
int sv_rtmp_sess_feed(struct sv_rtmp_sess *s, const uint8_t *p, size_t len);

/*
 * Answers the pending publish: ok sends NetStream.Publish.Start and lets
 * media through; otherwise NetStream.Publish.Denied (or BadName when
 * code is "badname") with why as description.
 */
int sv_rtmp_sess_publish_result(struct sv_rtmp_sess *s, int ok,
                                const char *code, const char *why);

/* Which handshake the peer used (SV_RTMP_HS_*), -1 before it is done. */
int sv_rtmp_sess_handshake(const struct sv_rtmp_sess *s);

/* Total bytes read from the peer. */
uint64_t sv_rtmp_sess_bytes(const struct sv_rtmp_sess *s);

#endif
