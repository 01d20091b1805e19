/* digest_test.c -- lib/crypto/digest.c: FIPS 180 / RFC 1321 vectors, fd */
#include <stdio.h>
#include <unistd.h>

#include "core/err.h"
#include "core/textenc.h"
#include "crypto/digest.h"
#include "t.h"

static void
one_shot_vectors(void)
{
    unsigned char d[SV_SHA256_LEN];
    char s[2 * SV_SHA256_LEN + 1];

    CHECK_INT(sv_sha256("abc", 3, d), 0);
    sv_hex_encode(d, SV_SHA256_LEN, s);
    CHECK_STR(s, "ba7816bf8f01cfea414140de5dae2223"
              "b00361a396177a9cb410ff61f20015ad");
    CHECK_INT(sv_md5("abc", 3, d), 0);
    sv_hex_encode(d, SV_MD5_LEN, s);
    CHECK_STR(s, "900150983cd24fb0d6963f7d28e17f72");
}

static void
a_range_of_a_file(void)
{
    char path[] = "/tmp/digest_test_XXXXXX";
    unsigned char sha[SV_SHA256_LEN], md5[SV_MD5_LEN];
    char s[2 * SV_SHA256_LEN + 1];
    int fd = mkstemp(path);

    CHECK(fd >= 0);
    CHECK(write(fd, "xxabcyy", 7) == 7);
    CHECK_INT(sv_digest_fd(fd, 2, 3, sha, md5), 0);
    sv_hex_encode(sha, SV_SHA256_LEN, s);
    CHECK_STR(s, "ba7816bf8f01cfea414140de5dae2223"
              "b00361a396177a9cb410ff61f20015ad");
    sv_hex_encode(md5, SV_MD5_LEN, s);
    CHECK_STR(s, "900150983cd24fb0d6963f7d28e17f72");
    CHECK_INT(sv_digest_fd(fd, 5, 3, sha, NULL), SV_ETRUNC);
    close(fd);
    unlink(path);
}

int
main(void)
{
    RUN(one_shot_vectors);
    RUN(a_range_of_a_file);
    return DONE();
}
