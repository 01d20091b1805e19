/* probe_out.c -- where probe's and quality's documents go: stdout, or a
 * file replaced atomically */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/afile.h"
#include "core/err.h"
#include "core/log.h"
#include "stats/probe_out.h"

int
sv_probe_out_write(const char *path, const char *text, size_t len)
{
    size_t off = 0;
    ssize_t n;
    int rc;

    if (path == NULL || strcmp(path, "-") == 0) {
        while (off < len) {
            n = write(STDOUT_FILENO, text + off, len - off);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                rc = -errno;
                if (rc != -EPIPE)
                    sv_log_error("cannot write to stdout: %s",
                                 sv_strerror(rc));
                return rc;
            }
            off += (size_t)n;
        }
        return 0;
    }
    rc = sv_afile_put(path, text, len, 0644);
    if (rc < 0)
        sv_log_error("cannot write '%s': %s", path, sv_strerror(rc));
    return rc;
}

int
sv_probe_out_json(const char *path, const json_t *doc)
{
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                             JSON_REAL_PRECISION(12));
    size_t len;
    int rc;

    if (text == NULL) {
        sv_log_error("cannot write the result: %s", sv_strerror(-ENOMEM));
        return -ENOMEM;
    }
    len = strlen(text);
    /* dumps leaves no final newline: add one over the NUL */
    text[len] = '\n';
    rc = sv_probe_out_write(path, text, len + 1);
    free(text);
    return rc;
}
