/* fuzz_stun.c -- STUN parsing, integrity and the responses built to it */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtc/stun.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv_stun_msg m;
    struct sockaddr_in a;
    uint8_t out[256];
    int n;

    if (sv_stun_parse(data, size, &m) != 0)
        return 0;
    if (m.username != NULL &&
        (m.username < (const char *)data ||
         m.username + m.username_len > (const char *)data + size))
        abort();    /* a username outside the message */
    if (m.integrity_off != 0 && m.integrity_off + 24 > size)
        abort();
    (void)sv_stun_integrity_ok(data, size, &m, "key", 3);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    n = sv_stun_binding_response(out, sizeof(out), m.txid,
                                 (struct sockaddr *)&a, "key", 3);
    if (n <= 0 || sv_stun_parse(out, (size_t)n, &m) != 0 ||
        !sv_stun_integrity_ok(out, (size_t)n, &m, "key", 3))
        abort();    /* what we build must parse and check */
    return 0;
}
