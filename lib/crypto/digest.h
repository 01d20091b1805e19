/* digest.h -- SHA-256 and MD5, one shot and incremental (OpenSSL, wrapped) */
#ifndef SV_DIGEST_H
#define SV_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define SV_SHA256_LEN 32
#define SV_MD5_LEN 16

enum sv_digest_alg { SV_DIGEST_SHA256, SV_DIGEST_MD5 };

/* An incremental digest; init, update any number of times, final once. */
struct sv_digest {
    void *ctx;                  /* OpenSSL's EVP_MD_CTX */
    enum sv_digest_alg alg;
};

/* Returns 0, -ENOMEM or SV_EINTERNAL; on failure nothing needs release. */
int sv_digest_init(struct sv_digest *d, enum sv_digest_alg alg);
int sv_digest_update(struct sv_digest *d, const void *p, size_t n);

/*
 * Writes the digest into out (SV_SHA256_LEN or SV_MD5_LEN bytes) and frees
 * the context; returns 0 or SV_EINTERNAL (the context is freed either way).
 */
int sv_digest_final(struct sv_digest *d, unsigned char *out);

/* Frees a context that will not be finished (NULL-safe on a zeroed one). */
void sv_digest_release(struct sv_digest *d);

/* One shot: 0 or a negative code. */
int sv_sha256(const void *p, size_t n, unsigned char out[SV_SHA256_LEN]);
int sv_md5(const void *p, size_t n, unsigned char out[SV_MD5_LEN]);

/*
 * Digests len bytes of fd from off (pread, 256 KiB at a time) with SHA-256
 * into sha (if not NULL) and MD5 into md5 (if not NULL).  Returns 0, a
 * negative errno, or SV_ETRUNC when the file ends before off + len.
 */
int sv_digest_fd(int fd, int64_t off, int64_t len,
                 unsigned char sha[SV_SHA256_LEN],
                 unsigned char md5[SV_MD5_LEN]);

#endif
