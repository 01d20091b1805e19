/* dtls_test.c -- lib/crypto/dtls.c: a client and a server in memory */
#include "core/err.h"
#include "crypto/dtls.h"
#include "t.h"

struct q {
    uint8_t d[64][1500];
    size_t len[64];
    int n;
    size_t biggest;
};

static int
to_q(void *ud, const uint8_t *p, size_t len)
{
    struct q *q = ud;

    if (q->n == 64 || len > 1500)
        return SV_ELIMIT;
    memcpy(q->d[q->n], p, len);
    q->len[q->n++] = len;
    if (len > q->biggest)
        q->biggest = len;
    return 0;
}

static struct q to_server, to_client;

/* delivers every queued datagram; the done flags as they change */
static void
pump(struct sv_dtls *c, struct sv_dtls *s, int *cdone, int *sdone)
{
    int round, i;

    for (round = 0; round < 20; round++) {
        struct q a = to_server, b = to_client;

        to_server.n = to_client.n = 0;
        for (i = 0; i < a.n; i++)
            if (sv_dtls_feed(s, a.d[i], a.len[i]) == 1)
                *sdone = 1;
        for (i = 0; i < b.n; i++)
            if (sv_dtls_feed(c, b.d[i], b.len[i]) == 1)
                *cdone = 1;
        if (to_server.n == 0 && to_client.n == 0)
            break;
    }
}

static void
handshake_exports_the_same_keys(void)
{
    struct sv_dtls_ctx *cc, *sc;
    struct sv_dtls *c, *s;
    struct sv_dtls_srtp ck, sk;
    char fp[SV_DTLS_FP_LEN];
    int cdone = 0, sdone = 0;

    CHECK_INT(sv_dtls_ctx_new(&cc), 0);
    CHECK_INT(sv_dtls_ctx_new(&sc), 0);
    CHECK_INT(strlen(sv_dtls_ctx_fingerprint(sc)), 95);
    CHECK(strcmp(sv_dtls_ctx_fingerprint(sc), sv_dtls_ctx_fingerprint(cc))
          != 0);
    CHECK_INT(sv_dtls_new(&c, cc, 0, to_q, &to_server), 0);
    CHECK_INT(sv_dtls_new(&s, sc, 1, to_q, &to_client), 0);
    CHECK_INT(sv_dtls_start(c), 0);
    CHECK_INT(to_server.n, 1);      /* the ClientHello */
    pump(c, s, &cdone, &sdone);
    CHECK(cdone && sdone);
    CHECK(sv_dtls_done(c) && sv_dtls_done(s));
    CHECK(to_client.biggest <= 1200);
    CHECK_INT(sv_dtls_timeout_ms(s), -1);
    CHECK_INT(sv_dtls_srtp_keys(c, &ck), 0);
    CHECK_INT(sv_dtls_srtp_keys(s, &sk), 0);
    CHECK_INT(ck.profile, SV_SRTP_AEAD_AES_128_GCM);
    CHECK_INT(sk.salt_len, 12);
    CHECK(memcmp(&ck, &sk, sizeof(ck)) == 0);
    CHECK(memcmp(ck.client_key, ck.server_key, 16) != 0);
    /* each side sees the other's certificate: the SDP check */
    CHECK_INT(sv_dtls_peer_fingerprint(s, fp), 0);
    CHECK_STR(fp, sv_dtls_ctx_fingerprint(cc));
    CHECK_INT(sv_dtls_peer_fingerprint(c, fp), 0);
    CHECK_STR(fp, sv_dtls_ctx_fingerprint(sc));
    sv_dtls_free(c);
    sv_dtls_free(s);
    sv_dtls_ctx_free(cc);
    sv_dtls_ctx_free(sc);
}

static void
garbage_fails_the_handshake(void)
{
    struct sv_dtls_ctx *sc;
    struct sv_dtls *s;
    static const uint8_t junk[] = { 22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0,
                                    0, 5, 1, 2, 3, 4, 5 };
    struct sv_dtls_srtp k;
    int rc;

    CHECK_INT(sv_dtls_ctx_new(&sc), 0);
    CHECK_INT(sv_dtls_new(&s, sc, 1, to_q, &to_client), 0);
    rc = sv_dtls_feed(s, junk, sizeof(junk));
    CHECK(rc == 0 || rc == SV_EPROTO);
    CHECK(!sv_dtls_done(s));
    CHECK_INT(sv_dtls_srtp_keys(s, &k), SV_EPROTO);
    sv_dtls_free(s);
    sv_dtls_ctx_free(sc);
}

int
main(void)
{
    RUN(handshake_exports_the_same_keys);
    RUN(garbage_fails_the_handshake);
    return DONE();
}
