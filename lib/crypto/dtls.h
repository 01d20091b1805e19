/* dtls.h -- DTLS 1.2 with the SRTP extension over memory, for WebRTC */
#ifndef SV_DTLS_H
#define SV_DTLS_H

#include <stddef.h>
#include <stdint.h>

/* the SRTP protection profiles (their IANA numbers, RFC 5764 / 7714) */
enum {
    SV_SRTP_AES128_CM_SHA1_80 = 0x0001,
    SV_SRTP_AEAD_AES_128_GCM = 0x0007,
};

/* "AB:CD:..." of a SHA-256 certificate digest, NUL included */
#define SV_DTLS_FP_LEN (32 * 3)

struct sv_dtls_ctx;
struct sv_dtls;

/*
 * A context with a fresh self-signed ECDSA P-256 certificate (what
 * browsers expect; the SDP fingerprint authenticates it, not a CA).
 * Returns 0, -ENOMEM or SV_EINTERNAL.
 */
int sv_dtls_ctx_new(struct sv_dtls_ctx **out);

/* The SHA-256 fingerprint of the context's certificate, "AB:CD:...". */
const char *sv_dtls_ctx_fingerprint(const struct sv_dtls_ctx *ctx);

void sv_dtls_ctx_free(struct sv_dtls_ctx *ctx);

/* sends one datagram to the peer; returns 0 or a negative code */
typedef int (*sv_dtls_send_fn)(void *ud, const uint8_t *p, size_t len);

/*
 * One association: server (setup:passive, waits for the ClientHello) or
 * client (sv_dtls_start sends it).  Records leave through send, one
 * datagram each, at most 1200 bytes.  ctx must outlive it.
 */
int sv_dtls_new(struct sv_dtls **out, struct sv_dtls_ctx *ctx, int server,
                sv_dtls_send_fn send, void *ud);

/* Client: sends the first flight.  0 or a negative code. */
int sv_dtls_start(struct sv_dtls *d);

/*
 * Feeds one datagram from the peer.  Returns 1 when this datagram
 * completed the handshake, 0 otherwise (more to come, or application
 * data after it, which WebRTC media does not use), SV_EPROTO when the
 * handshake failed or the peer sent an alert.
 */
int sv_dtls_feed(struct sv_dtls *d, const uint8_t *p, size_t len);

/* Milliseconds until the retransmission timer fires, or -1 when none. */
int sv_dtls_timeout_ms(struct sv_dtls *d);

/* The timer fired: retransmits if due.  0 or SV_EPROTO (gave up). */
int sv_dtls_handle_timeout(struct sv_dtls *d);

/* Nonzero once the handshake is done. */
int sv_dtls_done(const struct sv_dtls *d);

/* keying material of RFC 5764 4.2, split per side */
struct sv_dtls_srtp {
    int profile;                    /* SV_SRTP_* */
    int key_len, salt_len;          /* 16 and 14 (CM) or 12 (GCM) */
    uint8_t client_key[16], client_salt[14];
    uint8_t server_key[16], server_salt[14];
};

/* After the handshake: the profile and keys.  0, SV_EPROTO (no SRTP
 * profile agreed) or SV_EINTERNAL.  Wipe out with explicit_bzero. */
int sv_dtls_srtp_keys(struct sv_dtls *d, struct sv_dtls_srtp *out);

/* After the handshake: the peer certificate's SHA-256 fingerprint into
 * out (SV_DTLS_FP_LEN bytes).  0 or SV_EPROTO (no certificate). */
int sv_dtls_peer_fingerprint(struct sv_dtls *d, char *out);

void sv_dtls_free(struct sv_dtls *d);

#endif
