/* stun.h -- STUN messages for ICE (RFC 8489, 8445): parse, check, build */
#ifndef SV_STUN_H
#define SV_STUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum {
    SV_STUN_BINDING_REQUEST = 0x0001,
    SV_STUN_BINDING_SUCCESS = 0x0101,
    SV_STUN_BINDING_ERROR = 0x0111,
    SV_STUN_BINDING_INDICATION = 0x0011,
};

struct sv_stun_msg {
    uint16_t type;
    uint8_t txid[12];
    const char *username;       /* into the message, not NUL-terminated */
    size_t username_len;
    size_t integrity_off;       /* offset of MESSAGE-INTEGRITY, 0: none */
    int has_fingerprint;        /* present and correct */
    int use_candidate;
    int controlling, controlled;
    uint32_t priority;
    uint64_t tiebreaker;
    int have_mapped;            /* XOR-MAPPED-ADDRESS, in responses */
    struct sockaddr_storage mapped;
};

/* Nonzero when p looks like STUN (RFC 7983: first byte 0-3, the cookie). */
int sv_stun_is(const uint8_t *p, size_t len);

/*
 * Parses a STUN message into m (pointers into p).  A FINGERPRINT that does
 * not match, attributes after FINGERPRINT, or a truncated attribute are
 * SV_EFORMAT; attributes after MESSAGE-INTEGRITY other than FINGERPRINT
 * are ignored, as RFC 8489 says.  Returns 0 or SV_EFORMAT.
 */
int sv_stun_parse(const uint8_t *p, size_t len, struct sv_stun_msg *m);

/* 1 when m's MESSAGE-INTEGRITY is HMAC-SHA1 under key, else 0. */
int sv_stun_integrity_ok(const uint8_t *p, size_t len,
                         const struct sv_stun_msg *m, const void *key,
                         size_t keylen);

/*
 * Builds a Binding success response to txid carrying XOR-MAPPED-ADDRESS
 * of addr, MESSAGE-INTEGRITY under key and FINGERPRINT into out (size
 * bytes).  Returns its length, or SV_ELIMIT when it does not fit.
 */
int sv_stun_binding_response(uint8_t *out, size_t size,
                             const uint8_t txid[12],
                             const struct sockaddr *addr, const void *key,
                             size_t keylen);

/*
 * Builds a Binding request (the controlling agent's check) with USERNAME,
 * PRIORITY, ICE-CONTROLLING, USE-CANDIDATE when asked, MESSAGE-INTEGRITY
 * under key and FINGERPRINT.  Returns its length or SV_ELIMIT.
 */
int sv_stun_binding_request(uint8_t *out, size_t size,
                            const uint8_t txid[12], const char *username,
                            uint32_t priority, uint64_t tiebreaker,
                            int use_candidate, const void *key,
                            size_t keylen);

/* CRC-32 (ISO 3309, as zlib's), for FINGERPRINT. */
uint32_t sv_stun_crc32(const uint8_t *p, size_t len);

#endif
