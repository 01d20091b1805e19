/* run_protect.c -- `sv-drm encrypt` and `sv-drm decrypt` of a package */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/exit.h"
#include "core/log.h"
#include "core/sig.h"
#include "drm/key.h"
#include "drm/protect.h"
#include "drm/system.h"
#include "run.h"

static int
run(const struct sv_drm_opts *o, int encrypt)
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
sv_drm_run_encrypt(const struct sv_drm_opts *o)
{
    return run(o, 1);
}

int
sv_drm_run_decrypt(const struct sv_drm_opts *o)
{
    return run(o, 0);
}
