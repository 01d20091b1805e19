/* srtp.h -- SRTP/SRTCP contexts (RFC 3711, RFC 7714) keyed from DTLS-SRTP */
#ifndef SV_SRTP_H
#define SV_SRTP_H

#include <stddef.h>
#include <stdint.h>

/* bytes protect may add after a packet */
#define SV_SRTP_TRAILER 144

struct sv_srtp;

/*
 * A context for one direction: inbound (unprotects what the peer sent,
 * any SSRC) or outbound (protects ours; re-protecting a sequence number,
 * as a NACK answer does, is allowed).  profile is SV_SRTP_* of
 * crypto/dtls.h; key and salt its lengths.  Returns 0, SV_EUSAGE for an
 * unknown profile, or SV_EINTERNAL when OpenSSL fails.  Each context
 * tracks up to 16 SSRCs (rollover counter, 64-packet replay window); a
 * 17th takes the place of the oldest.
 */
int sv_srtp_new(struct sv_srtp **out, int profile, const uint8_t *key,
                size_t key_len, const uint8_t *salt, size_t salt_len,
                int inbound);

/*
 * In place: *len bytes at p become the plain packet (unprotect) or the
 * protected one (protect: p must have SV_SRTP_TRAILER more bytes of room).
 * Returns 0, SV_EAUTH (authentication failed or a replay), or SV_EFORMAT.
 */
int sv_srtp_unprotect(struct sv_srtp *s, uint8_t *p, size_t *len);
int sv_srtp_unprotect_rtcp(struct sv_srtp *s, uint8_t *p, size_t *len);
int sv_srtp_protect(struct sv_srtp *s, uint8_t *p, size_t *len);
int sv_srtp_protect_rtcp(struct sv_srtp *s, uint8_t *p, size_t *len);

void sv_srtp_free(struct sv_srtp *s);

#endif
