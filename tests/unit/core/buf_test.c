/* buf_test.c -- lib/core/buf.c */
#include "core/buf.h"
#include "core/err.h"
#include "t.h"

static void
append_and_take(void)
{
    struct sv_buf b = SV_BUF_INIT(1024);
    uint8_t *p;
    size_t len;

    CHECK_INT(sv_buf_append(&b, "abc", 3), 0);
    CHECK_INT(sv_buf_be32(&b, 0x01020304), 0);
    CHECK_INT(sv_buf_printf(&b, "%d", 42), 0);
    CHECK_INT(b.len, 9);
    CHECK(memcmp(b.data, "abc\x01\x02\x03\x04" "42", 9) == 0);
    p = sv_buf_take(&b, &len);
    CHECK_INT(len, 9);
    CHECK(b.data == NULL && b.len == 0);
    free(p);
}

static void
cap_releases(void)
{
    struct sv_buf b = SV_BUF_INIT(8);

    CHECK_INT(sv_buf_append(&b, "12345678", 8), 0);
    CHECK_INT(sv_buf_append(&b, "9", 1), SV_ELIMIT);
    /* failing append frees: nothing leaks on the error path */
    CHECK(b.data == NULL && b.len == 0);
    CHECK_INT(sv_buf_be64(&b, 1), 0);
    CHECK_INT(b.len, 8);
    sv_buf_release(&b);
    sv_buf_release(NULL);
}

int
main(void)
{
    RUN(append_and_take);
    RUN(cap_releases);
    return DONE();
}
