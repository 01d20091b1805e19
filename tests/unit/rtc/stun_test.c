/* stun_test.c -- lib/rtc/stun.c against RFC 5769's sample messages */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "core/err.h"
#include "rtc/stun.h"
#include "t.h"

/* RFC 5769 2.1 and 2.2, password "VOkJxbRl1RmTxUk/WvJxBt" */
static const char req_hex[] =
    "000100582112a442b7e7a701bc34d686fa87dfae802200105354554e2074657374"
    "20636c69656e74002400046e0001ff80290008932ff9b151263b36000600096576"
    "746a3a68367659202020000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571"
    "a280280004e57a3bcf";
static const char resp_hex[] =
    "0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f"
    "7220002000080001a147e112a643000800142b91f599fd9e90c38c7489f92af9ba53"
    "f06be7d780280004c07d4c96";
static const char pwd[] = "VOkJxbRl1RmTxUk/WvJxBt";

static size_t
unhex(const char *h, uint8_t *out)
{
    size_t i, n = strlen(h) / 2;

    for (i = 0; i < n; i++) {
        unsigned v;

        sscanf(h + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void
rfc5769_request(void)
{
    uint8_t p[256];
    size_t n = unhex(req_hex, p);
    struct sv_stun_msg m;

    CHECK_INT(sv_stun_parse(p, n, &m), 0);
    CHECK_INT(m.type, SV_STUN_BINDING_REQUEST);
    CHECK(m.has_fingerprint);
    CHECK_INT(m.username_len, 9);
    CHECK(memcmp(m.username, "evtj:h6vY", 9) == 0);
    CHECK_INT(m.priority, 0x6e0001ff);
    CHECK(m.controlled);
    CHECK(!m.use_candidate);
    CHECK_INT(sv_stun_integrity_ok(p, n, &m, pwd, strlen(pwd)), 1);
    CHECK_INT(sv_stun_integrity_ok(p, n, &m, "wrong", 5), 0);
    p[40] ^= 1;     /* a changed byte breaks the fingerprint */
    CHECK_INT(sv_stun_parse(p, n, &m), SV_EFORMAT);
}

static void
rfc5769_response(void)
{
    uint8_t p[256];
    size_t n = unhex(resp_hex, p);
    struct sv_stun_msg m;
    struct sockaddr_in *a;

    CHECK_INT(sv_stun_parse(p, n, &m), 0);
    CHECK_INT(m.type, SV_STUN_BINDING_SUCCESS);
    CHECK(m.have_mapped);
    a = (struct sockaddr_in *)&m.mapped;
    CHECK_INT(ntohs(a->sin_port), 32853);
    CHECK_INT(ntohl(a->sin_addr.s_addr), 0xc0000201);   /* 192.0.2.1 */
    CHECK_INT(sv_stun_integrity_ok(p, n, &m, pwd, strlen(pwd)), 1);
}

static void
response_round_trip(void)
{
    uint8_t txid[12] = "abcdefghijk", out[128];
    struct sockaddr_in a;
    struct sv_stun_msg m;
    int n;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons(50000);
    a.sin_addr.s_addr = htonl(0x7f000001);
    n = sv_stun_binding_response(out, sizeof(out), txid,
                                 (struct sockaddr *)&a, "pw", 2);
    CHECK(n > 0);
    CHECK_INT(sv_stun_parse(out, (size_t)n, &m), 0);
    CHECK(m.has_fingerprint && m.have_mapped);
    CHECK(memcmp(m.txid, txid, 12) == 0);
    CHECK_INT(ntohs(((struct sockaddr_in *)&m.mapped)->sin_port), 50000);
    CHECK_INT(sv_stun_integrity_ok(out, (size_t)n, &m, "pw", 2), 1);
    CHECK_INT(sv_stun_binding_response(out, 40, txid, (struct sockaddr *)&a,
                                       "pw", 2), SV_ELIMIT);
}

static void
request_round_trip(void)
{
    uint8_t txid[12] = "0123456789a", out[256];
    struct sv_stun_msg m;
    int n = sv_stun_binding_request(out, sizeof(out), txid, "ours:theirs",
                                    0x6e0001ff, 42, 1, "secret", 6);

    CHECK(n > 0);
    CHECK_INT(sv_stun_parse(out, (size_t)n, &m), 0);
    CHECK(m.use_candidate && m.controlling);
    CHECK_INT(m.tiebreaker, 42);
    CHECK_INT(m.username_len, 11);
    CHECK_INT(sv_stun_integrity_ok(out, (size_t)n, &m, "secret", 6), 1);
}

static void
refused(void)
{
    uint8_t p[256];
    size_t n = unhex(req_hex, p);
    struct sv_stun_msg m;

    CHECK_INT(sv_stun_parse(p, 19, &m), SV_EFORMAT);
    CHECK_INT(sv_stun_parse(p, n - 4, &m), SV_EFORMAT);    /* length */
    p[4] = 0;       /* no magic cookie */
    CHECK_INT(sv_stun_parse(p, n, &m), SV_EFORMAT);
    CHECK(!sv_stun_is(p, n));
    CHECK_INT(sv_stun_crc32((const uint8_t *)"123456789", 9), 0xcbf43926);
}

int
main(void)
{
    RUN(rfc5769_request);
    RUN(rfc5769_response);
    RUN(response_round_trip);
    RUN(request_round_trip);
    RUN(refused);
    return DONE();
}
