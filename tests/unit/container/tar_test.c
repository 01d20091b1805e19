/* tar_test.c -- lib/container/tar.c: ustar headers (checksum, sizes,
 * names split into prefix and name, too long refused), data padded to
 * blocks, the end of the archive */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container/tar.h"
#include "t.h"

static long
field(const uint8_t *h, int off, int len)
{
    char buf[16];

    memcpy(buf, h + off, (size_t)len);
    buf[len] = '\0';
    return strtol(buf, NULL, 8);
}

static int
checksum_ok(const uint8_t *h)
{
    unsigned sum = 0;
    int i;

    for (i = 0; i < 512; i++)
        sum += i >= 148 && i < 156 ? ' ' : h[i];
    return (long)sum == field(h, 148, 7);
}

static void
writes_entries_in_blocks(void)
{
    char path[] = "/tmp/sv-tar-test.XXXXXX";
    char name[200], longer[300];
    struct iovec iov[2] = { { "hello ", 6 }, { "world\n", 6 } };
    struct sv_tar *t;
    uint8_t *b;
    long size;
    FILE *f;
    int fd = mkstemp(path);

    CHECK(fd >= 0);
    unlink(path);
    memset(name, 'n', sizeof(name));
    memcpy(name + 120, "/", 1);
    name[199] = '\0';           /* 120 + '/' + 78: prefix and name */
    memset(longer, 'x', sizeof(longer));
    longer[299] = '\0';         /* no slash: too long for ustar */
    CHECK_INT(sv_tar_open(&t, fd), 0);
    CHECK_INT(sv_tar_dir(t, "v0"), 0);
    CHECK_INT(sv_tar_add(t, "v0/a.txt", iov, 2), 0);
    CHECK_INT(sv_tar_add(t, name, iov, 1), 0);
    CHECK_INT(sv_tar_add(t, longer, iov, 1), -ENAMETOOLONG);
    CHECK_INT(sv_tar_close(t), 0);
    f = fdopen(fd, "rb");
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    /* dir header; header + 1 data block; header + 1 block; 2 zero blocks */
    CHECK_INT(size, 512 * 7);
    b = malloc((size_t)size);
    rewind(f);
    CHECK_INT(fread(b, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    CHECK_STR((char *)b, "v0/");
    CHECK_INT(b[156], '5');
    CHECK(checksum_ok(b));
    CHECK_STR((char *)b + 512, "v0/a.txt");
    CHECK_INT(field(b + 512, 124, 11), 12);
    CHECK_INT(field(b + 512, 100, 7), 0644);
    CHECK_INT(b[512 + 156], '0');
    CHECK(memcmp(b + 512 + 257, "ustar\0" "00", 8) == 0);
    CHECK(checksum_ok(b + 512));
    CHECK(memcmp(b + 1024, "hello world\n", 12) == 0);
    CHECK_INT(b[1024 + 12], 0);
    CHECK_INT(strlen((char *)b + 1536), 78);
    CHECK_INT(strlen((char *)b + 1536 + 345), 120);
    CHECK(checksum_ok(b + 1536));
    CHECK_INT(b[512 * 5], 0);
    CHECK_INT(b[512 * 7 - 1], 0);
    free(b);
}

static void
a_closed_pipe_is_epipe(void)
{
    struct iovec iov = { "x", 1 };
    struct sv_tar *t;
    int p[2];

    CHECK_INT(pipe(p), 0);
    close(p[0]);
    CHECK_INT(sv_tar_open(&t, p[1]), 0);
    CHECK_INT(sv_tar_add(t, "a", &iov, 1), -EPIPE);
    sv_tar_close(t);
    close(p[1]);
}

int
main(void)
{
    signal(SIGPIPE, SIG_IGN);
    RUN(writes_entries_in_blocks);
    RUN(a_closed_pipe_is_epipe);
    return DONE();
}
