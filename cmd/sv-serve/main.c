/* main.c -- sv-serve: serve a package directory over HTTP/1.1 and HTTP/2 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "serve/serve.h"
#include "opts.h"

int
main(int argc, char **argv)
{
    struct sv_serve_args *a = &sv_serve_args;
    struct sv_opt_result res;
    struct stat st;
    int i, https = 0, rc;

    sv_log_init("sv-serve");
    if (sv_opt_parse(&sv_serve_tool, argc, argv, &res) < 0)
        return SV_EXIT_USAGE;
    if (res.done)
        return SV_EXIT_OK;
    if (res.argc != 1)
        return sv_opt_usage_error(res.argc == 0 ? "no directory to serve" :
                                  "too many operands: one directory"),
               SV_EXIT_USAGE;
    if ((a->c.tls_cert == NULL) != (a->c.tls_key == NULL)) {
        sv_opt_usage_error("--tls-cert and --tls-key go together");
        return SV_EXIT_USAGE;
    }
    for (i = 0; i < a->nlisten; i++)
        https += strncmp(a->listen[i], "https://", 8) == 0;
    if (https > 0 && a->c.tls_cert == NULL) {
        sv_opt_usage_error("an https:// --listen needs --tls-cert and "
                           "--tls-key");
        return SV_EXIT_USAGE;
    }
    if (https == 0 && a->c.tls_cert != NULL) {
        sv_opt_usage_error("--tls-cert needs an https:// --listen");
        return SV_EXIT_USAGE;
    }
    if (a->c.tracker != NULL) {
        if (a->c.tracker[0] != '/') {
            sv_opt_usage_error("bad --tracker '%s': a path starting with /",
                               a->c.tracker);
            return SV_EXIT_USAGE;
        }
        if (a->c.workers != 1) {
            sv_opt_usage_error("--tracker keeps its swarms on one event "
                               "loop: it needs --workers 1");
            return SV_EXIT_USAGE;
        }
        if (a->c.tracker_idle_ms <= a->c.tracker_interval_ms) {
            sv_opt_usage_error("--tracker-idle must be longer than "
                               "--tracker-interval (peers announce once per "
                               "interval)");
            return SV_EXIT_USAGE;
        }
    } else if (a->ntracker_origins > 0) {
        sv_opt_usage_error("--tracker-origin needs --tracker");
        return SV_EXIT_USAGE;
    }
    if (stat(res.argv[0], &st) < 0 || !S_ISDIR(st.st_mode)) {
        sv_log_error("cannot serve '%s': %s", res.argv[0],
                     stat(res.argv[0], &st) < 0 ? "no such directory" :
                     "not a directory");
        return SV_EXIT_FAIL;
    }
    a->c.root = res.argv[0];
    a->c.listen = a->listen;
    a->c.nlisten = (size_t)a->nlisten;
    a->c.cors = a->cors;
    a->c.ncors = (size_t)a->ncors;
    a->c.tracker_origins = a->tracker_origins;
    a->c.ntracker_origins = (size_t)a->ntracker_origins;
    a->c.rate = (double)a->rate;
    a->c.burst = (double)a->burst;
    if (a->c.token_key_file == NULL)
        a->c.token_key = getenv("SV_TOKEN_KEY");
    if (a->c.watermark_key_file == NULL)
        a->c.watermark_key_file = getenv("SV_WATERMARK_KEY_FILE");
    if (a->c.watermark_key_file != NULL && a->c.token_key_file == NULL &&
        a->c.token_key == NULL) {
        sv_opt_usage_error("--watermark-key needs --token-key (viewers are "
                           "told apart by their tokens)");
        return SV_EXIT_USAGE;
    }
    rc = sv_serve_run(&a->c);
    if (rc == SV_EUSAGE)
        return SV_EXIT_USAGE;
    return rc < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
}
