/* fuzz_tracker.c -- tracker messages and swarm state (lib/serve/tracker*.c)
 *
 * The input is a script of records: one byte (the connection, 0-3; bit 7
 * set: that connection ends first and a new one takes its place), two bytes
 * of length (big-endian), then the message.  Every reply must be JSON; once
 * every connection ended, no peer and no swarm may remain.
 */
#include <stdint.h>
#include <stdlib.h>

#include "core/bytes.h"
#include "serve/tracker.h"

#define NCONN 4

static void
on_send(void *ud, const char *msg, size_t len)
{
    json_error_t err;
    json_t *j = json_loadb(msg, len, 0, &err);

    if (j == NULL || !json_is_object(j))
        __builtin_trap();
    json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv_tracker_conf conf = { 120, 3, 4, 42 };
    struct sv_tracker_conn *c[NCONN];
    struct sv_tracker_stats st;
    struct sv_tracker *t;
    size_t i = 0, k;

    if (sv_tracker_new(&conf, on_send, &t) < 0)
        return 0;
    for (k = 0; k < NCONN; k++)
        c[k] = sv_tracker_conn_new(t, NULL);
    while (i + 3 <= size) {
        unsigned sel = data[i];
        size_t len = sv_be16(data + i + 1);

        i += 3;
        if (len > size - i)
            len = size - i;
        k = sel % NCONN;
        if (sel & 0x80) {
            sv_tracker_conn_free(c[k]);
            c[k] = sv_tracker_conn_new(t, NULL);
        }
        if (c[k] != NULL)
            (void)sv_tracker_conn_msg(c[k], (const char *)data + i, len);
        i += len;
    }
    for (k = 0; k < NCONN; k++)
        sv_tracker_conn_free(c[k]);
    sv_tracker_stats(t, &st);
    if (st.peers != 0 || st.swarms != 0 || st.conns != 0)
        __builtin_trap();
    sv_tracker_free(t);
    return 0;
}
