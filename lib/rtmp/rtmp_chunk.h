/* rtmp_chunk.h -- RTMP chunk streams: reassembly in, chunking out */
#ifndef SV_RTMP_CHUNK_H
#define SV_RTMP_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* bounds that keep one connection's memory small whatever the peer sends */
#define SV_RTMP_MAX_CHUNK_STREAMS 64        /* distinct csids at once */
#define SV_RTMP_MAX_MESSAGE (16u << 20)     /* one message */
#define SV_RTMP_MAX_PENDING (32u << 20)     /* all partial messages */
#define SV_RTMP_MAX_CHUNK_SIZE (1u << 24)   /* set-chunk-size we accept */
/* AMF command and data messages at any time: decoded into JSON, they cost
 * several times their size */
#define SV_RTMP_MAX_COMMAND (64u << 10)
#define SV_RTMP_MAX_DATA (1u << 20)
/* what the session allows until a publish is authorised: commands only */
#define SV_RTMP_PREAUTH_MESSAGE (64u << 10)
#define SV_RTMP_PREAUTH_PENDING (256u << 10)

struct sv_rtmp_cs {
    uint32_t csid;
    uint32_t ts;         /* timestamp of the message being read (ms) */
    uint32_t ts_field;   /* the last header's field: absolute or delta */
    uint32_t len;        /* message length */
    uint32_t msid;
    uint8_t type;
    uint8_t ext;         /* the last header carried an extended timestamp */
    uint8_t have_hdr;
    struct sv_buf payload;
};

struct sv_rtmp_msg {
    uint32_t csid;
    uint8_t type;
    uint32_t msid;
    uint32_t ts;         /* milliseconds, 32 bits, wraps */
    const uint8_t *data; /* valid until the next call on the reader */
    uint32_t len;
};

struct sv_rtmp_reader {
    uint32_t chunk_size;         /* the peer's, 128 until it says */
    uint32_t max_message;        /* SV_RTMP_MAX_MESSAGE unless lowered */
    size_t max_pending;          /* SV_RTMP_MAX_PENDING unless lowered */
    size_t pending;              /* bytes held in partial messages */
    size_t ncs;
    struct sv_rtmp_cs cs[SV_RTMP_MAX_CHUNK_STREAMS];
    struct sv_rtmp_cs *done;     /* whose payload was last handed out */
};

void sv_rtmp_reader_init(struct sv_rtmp_reader *r);
void sv_rtmp_reader_release(struct sv_rtmp_reader *r);

/*
 * Sets the bounds on one message and on all partial messages (at most
 * SV_RTMP_MAX_MESSAGE and SV_RTMP_MAX_PENDING); they apply to messages
 * that start from now on.
 */
void sv_rtmp_reader_limit(struct sv_rtmp_reader *r, uint32_t max_message,
                          size_t max_pending);

/*
 * Reads one chunk from p (len bytes).  Stores the bytes it took in *used
 * (0 when a whole chunk is not there yet: call again with more).  Returns
 * 1 when the chunk completed a message (in *msg), 0 when it did not, or a
 * negative code: SV_EPROTO for a header that breaks the protocol, SV_ELIMIT
 * past the bounds above.
 */
int sv_rtmp_reader_chunk(struct sv_rtmp_reader *r, const uint8_t *p,
                         size_t len, size_t *used, struct sv_rtmp_msg *msg);

/* Drops the partial message of csid (the Abort message). */
void sv_rtmp_reader_abort(struct sv_rtmp_reader *r, uint32_t csid);

/*
 * Appends one message as chunks of chunk_size: a type 0 header, then type 3
 * continuations, with the extended timestamp where needed.
 */
int sv_rtmp_write_msg(struct sv_buf *out, uint32_t chunk_size, uint32_t csid,
                      uint8_t type, uint32_t msid, uint32_t ts,
                      const uint8_t *data, size_t len);

#endif
