/* av_opus.h -- one stream's audio to Opus for WebRTC viewers: AAC (or any
 * audio libavcodec decodes) decoded, resampled to 48 kHz stereo and
 * encoded by libopus in 20 ms frames.  No libav header leaks out. */
#ifndef SV_AV_OPUS_H
#define SV_AV_OPUS_H

#include <stddef.h>
#include <stdint.h>

#include "media/av_ingest.h"

struct sv_av_opus;

/* one Opus packet; ts: its first sample, 48 kHz, rising by the frames */
typedef void (*sv_av_opus_fn)(void *ud, const uint8_t *p, size_t len,
                              uint32_t ts);

/*
 * A transcoder for the audio track t (codec configuration from its extra
 * or its demuxer parameters).  Returns 0, SV_EFORMAT for a track it cannot
 * decode, or another negative code.
 */
int sv_av_opus_new(struct sv_av_opus **out, const struct sv_ingest_track *t,
                   sv_av_opus_fn fn, void *ud);

/*
 * One compressed packet of the track, pts in microseconds: the Opus
 * packets it completes go to fn before this returns.  A packet that does
 * not decode is skipped (0: the stream goes on).  Returns 0 or < 0.
 */
int sv_av_opus_push(struct sv_av_opus *o, const uint8_t *data, size_t len,
                    int64_t pts_us);

/* frames decoded, packets encoded, packets that failed to decode */
void sv_av_opus_counts(const struct sv_av_opus *o, uint64_t *decoded,
                       uint64_t *encoded, uint64_t *bad);

void sv_av_opus_free(struct sv_av_opus *o);

#endif
