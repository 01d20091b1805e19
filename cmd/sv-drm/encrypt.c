/* encrypt.c -- `sv-drm encrypt`: CENC or HLS AES-128 over a package */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/sig.h"
#include "drm/key.h"
#include "drm/protect.h"
#include "drm/system.h"
#include "verbs.h"

int
sv__drm_protect(const struct sv_drm_opts *o, int encrypt)
{
    struct sv_drm_protect p;
    json_t *keys = NULL, *summary = NULL;
    char err[1024], bad[32];
    int rc;

    memset(&p, 0, sizeof(p));
    p.dir = o->args[0];
    p.encrypt = encrypt;
    p.scheme = o->scheme;
    p.key_uri = o->key_uri;
    p.rotate = o->rotate;
    p.crypto_period = o->crypto_period;
    if (sv_drm_systems_parse(o->systems, &p.systems, bad, sizeof(bad)) < 0) {
        sv_log_error("bad --systems '%s': unknown system '%s'", o->systems,
                     bad);
        return SV_EXIT_USAGE;
    }
    rc = sv__drm_load_keys(o, &keys);
    if (rc < 0)
        return rc == SV_EUSAGE ? SV_EXIT_USAGE : SV_EXIT_FAIL;
    if (json_array_size(json_object_get(keys, "keys")) == 0) {
        sv_log_error("no key in '%s' matches", o->store != NULL ? o->store
                                                              : o->key_file);
        rc = SV_EUSAGE;
        goto done;
    }
    p.keys = keys;
    sv_sig_install();
    rc = sv_drm_protect_run(&p, &summary, err, sizeof(err));
    if (rc < 0) {
        sv_log_error("%s", err);
        goto done;
    }
    rc = sv_json_write_line(STDOUT_FILENO, summary);
done:
    sv_drm_keydoc_wipe(keys);
    json_decref(keys);
    json_decref(summary);
    return rc < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
}

int
sv_drm_cmd_encrypt(struct sv_drm_opts *o)
{
    if (o->nargs != 1) {
        sv_opt_usage_error("encrypt needs one package directory");
        return SV_EXIT_USAGE;
    }
    if (o->store == NULL && o->key_file == NULL) {
        sv_opt_usage_error("encrypt needs --store or --key");
        return SV_EXIT_USAGE;
    }
    if (!o->scheme_set) {
        sv_opt_usage_error("encrypt needs --scheme");
        return SV_EXIT_USAGE;
    }
    if (strcmp(o->scheme, "aes-128") == 0 && o->key_uri == NULL) {
        sv_opt_usage_error("--scheme aes-128 needs --key-uri");
        return SV_EXIT_USAGE;
    }
    if (o->rotate > 0 && strcmp(o->scheme, "aes-128") != 0) {
        sv_opt_usage_error("--rotate applies to --scheme aes-128");
        return SV_EXIT_USAGE;
    }
    if (o->crypto_period > 0 && strcmp(o->scheme, "aes-128") == 0) {
        sv_opt_usage_error("--crypto-period applies to --scheme cenc and "
                           "cbcs (aes-128 rotates with --rotate)");
        return SV_EXIT_USAGE;
    }
    return sv__drm_protect(o, 1);
}
