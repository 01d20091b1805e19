/* sdp.h -- WebRTC SDP: parse an offer, choose codecs, build the answer */
#ifndef SV_SDP_H
#define SV_SDP_H

#include <stddef.h>
#include <stdint.h>

#define SV_SDP_MAX_MEDIA 8
#define SV_SDP_MAX_CODECS 32

enum { SV_SDP_AUDIO = 1, SV_SDP_VIDEO = 2, SV_SDP_OTHER = 3 };
enum { SV_SDP_SENDRECV = 0, SV_SDP_SENDONLY, SV_SDP_RECVONLY,
       SV_SDP_INACTIVE };
/* rtcp-fb a codec offers */
enum { SV_SDP_FB_NACK = 1, SV_SDP_FB_PLI = 2, SV_SDP_FB_FIR = 4,
       SV_SDP_FB_REMB = 8, SV_SDP_FB_TWCC = 16 };
enum { SV_SDP_H264 = 1, SV_SDP_OPUS = 2 };

struct sv_sdp_codec {
    int pt;
    char name[16];          /* as written: "H264", "opus", "rtx" */
    int clock, channels;
    char fmtp[256];
    unsigned fb;            /* SV_SDP_FB_* */
};

struct sv_sdp_media {
    int kind;               /* SV_SDP_AUDIO, _VIDEO, _OTHER */
    int port;
    char proto[32];         /* "UDP/TLS/RTP/SAVPF" */
    char mid[32];
    int dir;                /* SV_SDP_SENDRECV... */
    int rtcp_mux, rtcp_rsize;
    int bundle_only;        /* a=bundle-only (its port is 0) */
    /* media level, or the session's when the media has none */
    char ufrag[64], pwd[128];
    char fp_alg[16], fp[128];
    char setup[16];
    uint32_t ssrc;          /* first a=ssrc, 0 if none */
    /* the first UDP candidate of component 1 (an answer's host
     * candidate, for the client role), "" and 0 if none */
    char cand_addr[64];
    int cand_port;
    struct sv_sdp_codec codecs[SV_SDP_MAX_CODECS];
    int ncodecs;
    int chosen;             /* index of the codec we take, -1: rejected */
    int codec;              /* SV_SDP_H264, SV_SDP_OPUS, 0 */
};

struct sv_sdp {
    char bundle[256];       /* mids of a=group:BUNDLE, space separated */
    struct sv_sdp_media m[SV_SDP_MAX_MEDIA];
    int nmedia;
};

/*
 * Parses an SDP (offer) of len bytes into out.  Lines may end in CRLF or
 * LF; unknown lines are skipped.  Returns 0, or SV_EFORMAT when it is not
 * an SDP (no v=0, an m= line that does not parse, too many media).
 */
int sv_sdp_parse(const char *text, size_t len, struct sv_sdp *out);

/*
 * The value of key in an fmtp string ("a=1;b=2") into out (size bytes).
 * Returns 0, or -ENOENT when absent (or too long).
 */
int sv_sdp_fmtp_get(const char *fmtp, const char *key, char *out,
                    size_t size);

/*
 * Chooses one codec per media: video H.264 with packetization-mode=1
 * (constrained baseline 42e01f first, then other baseline, main, high;
 * any profile is taken, since ingest does not decode), audio Opus
 * 48000/2.  Media without one, without rtcp-mux, or not UDP/TLS/RTP/SAVPF
 * get chosen -1.  Returns the number of media taken.
 */
int sv_sdp_choose(struct sv_sdp *offer);

/*
 * The media codecs m offers, by name, each once, in offer order and
 * comma separated ("VP8, VP9"), leaving out what carries no media of its
 * own (rtx, red, ulpfec, flexfec), into out (size bytes, NUL-terminated;
 * cut short when it does not fit).  For messages that say why a media
 * was refused.
 */
void sv_sdp_codec_names(const struct sv_sdp_media *m, char *out,
                        size_t size);

struct sv_sdp_answer_conf {
    const char *ufrag, *pwd;        /* ours */
    const char *fingerprint;        /* sha-256, "AB:CD:..." */
    const char *const *cand_addr;   /* host candidates: addresses */
    int ncand;
    int port;                       /* the one UDP port */
    int dir;                        /* ours: SV_SDP_RECVONLY for WHIP */
    uint64_t session_id;
    /* SV_SDP_SENDONLY (WHEP): the SSRC we send on each offered media
     * (indexed as offer->m), 0 for none; NULL: no a=ssrc lines */
    const uint32_t *send_ssrc;
    /* our DTLS role: NULL is "passive" (the server's); the client role
     * answering an offer (Janus offers, a viewer answers) says "active" */
    const char *setup;
};

/*
 * Writes the answer to offer (after sv_sdp_choose) into out (size bytes,
 * NUL-terminated): a=ice-lite, BUNDLE of the media taken, c->setup,
 * rtcp-mux, the chosen codec with its fmtp, and the rtcp-fb we implement.
 * Returns its length, or SV_ELIMIT.
 */
int sv_sdp_answer(const struct sv_sdp *offer,
                  const struct sv_sdp_answer_conf *c, char *out,
                  size_t size);

/* ---- the client role: a viewer's (or publisher's) offer ---- */

struct sv_sdp_offer_conf {
    const char *ufrag, *pwd;        /* ours */
    const char *fingerprint;        /* sha-256, "AB:CD:..." */
    int dir;                        /* SV_SDP_RECVONLY for WHEP */
    int audio;                      /* also an Opus m-line (mid 1) */
    uint64_t session_id;
};

/*
 * Writes an offer into out (size bytes, NUL-terminated): BUNDLE,
 * rtcp-mux, setup:actpass, H.264 packetization-mode=1 constrained
 * baseline as payload type 106 with nack and nack pli (mid 0), Opus
 * 48000/2 as 111 when asked (mid 1).  No candidates: ICE-lite servers
 * learn ours from our checks.  Returns its length, or SV_ELIMIT.
 */
int sv_sdp_offer(const struct sv_sdp_offer_conf *c, char *out, size_t size);

#endif
