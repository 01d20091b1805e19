/* json.c -- JSON files and lines through jansson */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/afile.h"
#include "core/err.h"
#include "core/json.h"
#include "core/slurp.h"

int
sv_json_write_file(const char *path, const json_t *root, int pretty)
{
    size_t flags = pretty ? JSON_INDENT(2) : JSON_COMPACT;
    char *text;
    size_t len;
    int rc;

    text = json_dumps(root, flags | JSON_PRESERVE_ORDER);
    if (text == NULL)
        return -ENOMEM;
    len = strlen(text);
    text[len] = '\n';   /* the NUL becomes the newline */
    rc = sv_afile_put(path, text, len + 1, 0644);
    free(text);
    return rc;
}

int
sv_json_read_file(const char *path, size_t max, json_t **out, char *err,
                  size_t size)
{
    json_error_t jerr;
    char *buf = NULL;
    json_t *root;
    size_t got = 0;
    int fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        snprintf(err, size, "cannot open '%s': %s", path, sv_strerror(rc));
        return rc;
    }
    rc = sv_slurp_fd(fd, max, &buf, &got);
    if (rc == SV_ELIMIT) {
        snprintf(err, size, "'%s' is larger than %zu bytes", path, max);
        goto out;
    }
    if (rc == -ENOMEM) {
        snprintf(err, size, "out of memory reading '%s'", path);
        goto out;
    }
    if (rc < 0) {
        snprintf(err, size, "cannot read '%s': %s", path, sv_strerror(rc));
        goto out;
    }
    root = json_loadb(buf, got, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        rc = SV_EFORMAT;
        snprintf(err, size, "'%s' is not valid JSON: line %d: %s", path,
                 jerr.line, jerr.text);
        goto out;
    }
    *out = root;
    rc = 0;
out:
    free(buf);
    close(fd);
    return rc;
}

int
sv_json_write_line(int fd, const json_t *root)
{
    char *text;
    size_t len, off = 0;
    ssize_t n;
    int rc = 0;

    text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text == NULL)
        return -ENOMEM;
    len = strlen(text);
    text[len++] = '\n';
    while (off < len) {
        n = write(fd, text + off, len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
        off += (size_t)n;
    }
    free(text);
    return rc;
}
