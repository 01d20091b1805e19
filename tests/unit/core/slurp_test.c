/* slurp_test.c -- lib/core/slurp.c: the cap, files that are not regular */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/slurp.h"
#include "t.h"

static char dir[] = "/tmp/sv-slurp-XXXXXX";
static char path[64];

static void
put(const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    CHECK(fd >= 0);
    CHECK_INT(write(fd, text, strlen(text)), strlen(text));
    close(fd);
}

static void
reads_up_to_the_cap(void)
{
    char *p = NULL;
    size_t len = 99;

    put("hello");
    CHECK_INT(sv_slurp(path, 5, &p, &len), 0);
    CHECK_INT(len, 5);
    CHECK_STR(p, "hello");
    free(p);
    p = NULL;
    len = 99;
    CHECK_INT(sv_slurp(path, 4, &p, &len), SV_ELIMIT);
    CHECK(p == NULL);
    CHECK_INT(len, 99);
}

static void
an_empty_file_is_an_empty_string(void)
{
    char *p = NULL;
    size_t len = 99;

    put("");
    CHECK_INT(sv_slurp(path, 0, &p, &len), 0);
    CHECK_INT(len, 0);
    CHECK(p != NULL && p[0] == '\0');
    free(p);
}

static void
refuses_what_is_not_a_regular_file(void)
{
    char fifo[80], *p = NULL;
    size_t len = 0;
    int fd;

    CHECK_INT(sv_slurp(dir, 1 << 20, &p, &len), -EISDIR);
    snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
    CHECK_INT(mkfifo(fifo, 0600), 0);
    fd = open(fifo, O_RDONLY | O_NONBLOCK);
    CHECK(fd >= 0);
    CHECK_INT(sv_slurp_fd(fd, 1 << 20, &p, &len), SV_EFORMAT);
    close(fd);
    unlink(fifo);
    CHECK_INT(sv_slurp("/dev/null", 1 << 20, &p, &len), SV_EFORMAT);
    CHECK_INT(sv_slurp("/nonexistent/file", 1 << 20, &p, &len), -ENOENT);
    CHECK(p == NULL);
}

int
main(void)
{
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(path, sizeof(path), "%s/f", dir);
    RUN(reads_up_to_the_cap);
    RUN(an_empty_file_is_an_empty_string);
    RUN(refuses_what_is_not_a_regular_file);
    unlink(path);
    rmdir(dir);
    return DONE();
}
