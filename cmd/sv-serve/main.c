/* main.c -- sv-serve: serve a package directory over HTTP/1.1 and HTTP/2 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/parse.h"
#include "serve/serve.h"
#include "opts.h"

#define MAX_LISTEN 16
#define MAX_CORS 32

struct args {
    struct sv_serve_conf c;
    const char *listen[MAX_LISTEN];
    const char *cors[MAX_CORS];
};

static int
duration_ms(const char *name, const char *v, uint64_t *out)
{
    int64_t us;

    if (sv_parse_duration(v, &us) < 0 || us <= 0)
        return sv_opt_usage_error("bad --%s '%s': expected a duration above "
                                  "zero", name, v);
    *out = (uint64_t)(us + 999) / 1000;
    return 0;
}

static int
integer(const char *name, const char *v, int64_t min, int64_t max,
        int64_t *out)
{
    if (sv_parse_int(v, min, max, out) < 0)
        return sv_opt_usage_error("bad --%s '%s': expected an integer from "
                                  "%lld to %lld", name, v, (long long)min,
                                  (long long)max);
    return 0;
}

static int
on_opt(void *ud, int key, const char *v)
{
    struct args *a = ud;
    struct sv_serve_conf *c = &a->c;
    int64_t n;
    int rc = 0;

    switch (key) {
    case 'l':
        if (c->nlisten >= MAX_LISTEN)
            return sv_opt_usage_error("too many --listen: at most %d",
                                      MAX_LISTEN);
        a->listen[c->nlisten++] = v;
        break;
    case 'w':
        if (strcmp(v, "auto") == 0) {
            /* the CPUs this process may run on (cgroups, taskset) */
            cpu_set_t set;

            n = sched_getaffinity(0, sizeof(set), &set) == 0 ?
                CPU_COUNT(&set) : sysconf(_SC_NPROCESSORS_ONLN);
            c->workers = n > 0 ? (unsigned)(n < 256 ? n : 256) : 1;
        } else if ((rc = integer("workers", v, 1, 256, &n)) == 0) {
            c->workers = (unsigned)n;
        }
        break;
    case K_TLS_CERT:
        c->tls_cert = v;
        break;
    case K_TLS_KEY:
        c->tls_key = v;
        break;
    case K_INDEX:
        c->index = 1;
        break;
    case K_CORS:
        if (c->ncors >= MAX_CORS)
            return sv_opt_usage_error("too many --cors-origin: at most %d",
                                      MAX_CORS);
        a->cors[c->ncors++] = v;
        break;
    case K_TOKEN_KEY:
        c->token_key_file = v;
        break;
    case K_ACCESS_LOG:
        c->access_log = v;
        break;
    case K_BEACON_LOG:
        c->beacon_log = v;
        break;
    case K_BEACON_MAX:
        if (sv_parse_size(v, &n) < 0 || n < 64 || n > (1 << 20))
            return sv_opt_usage_error("bad --beacon-max '%s': expected a "
                                      "size from 64 to 1M", v);
        c->beacon_max = (size_t)n;
        break;
    case K_MAX_CONNS:
        if ((rc = integer("max-conns", v, 0, 1000000, &n)) == 0)
            c->max_conns = (unsigned)n;
        break;
    case K_RATE:
        if ((rc = integer("rate", v, 0, 1000000, &n)) == 0)
            c->rate = (double)n;
        break;
    case K_BURST:
        if ((rc = integer("burst", v, 1, 1000000, &n)) == 0)
            c->burst = (double)n;
        break;
    case K_MAX_URI:
        if ((rc = integer("max-uri", v, 64, 8192, &n)) == 0)
            c->max_uri = (size_t)n;
        break;
    case K_MAX_HEADERS:
        if (sv_parse_size(v, &n) < 0 || n < 1024 || n > (1 << 20))
            return sv_opt_usage_error("bad --max-headers '%s': expected a "
                                      "size from 1K to 1M", v);
        c->max_headers = (size_t)n;
        break;
    case K_HEADER_TIMEOUT:
        rc = duration_ms("header-timeout", v, &c->header_timeout_ms);
        break;
    case K_IDLE_TIMEOUT:
        rc = duration_ms("idle-timeout", v, &c->idle_timeout_ms);
        break;
    case K_STOP_TIMEOUT:
        rc = duration_ms("stop-timeout", v, &c->stop_timeout_ms);
        break;
    }
    return rc;
}

int
main(int argc, char **argv)
{
    static const char *default_listen[] = { "http://0.0.0.0:8080" };
    struct args a;
    struct sv_opt_result res;
    struct stat st;
    size_t i, https = 0;
    int rc;

    sv_log_init("sv-serve");
    memset(&a, 0, sizeof(a));
    a.c.workers = 1;
    a.c.max_conns = 256;
    a.c.burst = 100;
    a.c.max_uri = 2048;
    a.c.max_headers = 16 << 10;
    a.c.beacon_max = 16 << 10;
    a.c.header_timeout_ms = 10000;
    a.c.idle_timeout_ms = 60000;
    a.c.stop_timeout_ms = 10000;
    rc = sv_opt_parse(&sv_serve_tool, argc, argv, on_opt, &a, &res);
    if (rc < 0)
        return SV_EXIT_USAGE;
    if (res.done)
        return SV_EXIT_OK;
    if (res.argc != 1)
        return sv_opt_usage_error(res.argc == 0 ? "no directory to serve" :
                                  "too many operands: one directory"),
               SV_EXIT_USAGE;
    if ((a.c.tls_cert == NULL) != (a.c.tls_key == NULL)) {
        sv_opt_usage_error("--tls-cert and --tls-key go together");
        return SV_EXIT_USAGE;
    }
    for (i = 0; i < a.c.nlisten; i++)
        https += strncmp(a.listen[i], "https://", 8) == 0;
    if (https > 0 && a.c.tls_cert == NULL) {
        sv_opt_usage_error("an https:// --listen needs --tls-cert and "
                           "--tls-key");
        return SV_EXIT_USAGE;
    }
    if (https == 0 && a.c.tls_cert != NULL) {
        sv_opt_usage_error("--tls-cert needs an https:// --listen");
        return SV_EXIT_USAGE;
    }
    if (stat(res.argv[0], &st) < 0 || !S_ISDIR(st.st_mode)) {
        sv_log_error("cannot serve '%s': %s", res.argv[0],
                     stat(res.argv[0], &st) < 0 ? "no such directory" :
                     "not a directory");
        return SV_EXIT_FAIL;
    }
    a.c.root = res.argv[0];
    a.c.listen = a.c.nlisten > 0 ? a.listen : default_listen;
    if (a.c.nlisten == 0)
        a.c.nlisten = 1;
    a.c.cors = a.cors;
    if (a.c.token_key_file == NULL)
        a.c.token_key = getenv("SV_TOKEN_KEY");
    rc = sv_serve_run(&a.c);
    if (rc == SV_EUSAGE)
        return SV_EXIT_USAGE;
    return rc < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
}
