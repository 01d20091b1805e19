/* keys.c -- `sv-drm keys`: export keys from a keystore or key document */
#include "core/err.h"
#include "core/exit.h"
#include "core/log.h"
#include "drm/key.h"
#include "verbs.h"

int
sv_drm_cmd_keys(struct sv_drm_opts *o)
{
    json_t *doc;
    int rc;

    if (sv__drm_check_keys(o, "keys") < 0)
        return SV_EXIT_USAGE;
    rc = sv__drm_load_keys(o, &doc);
    if (rc < 0)
        return rc == SV_EUSAGE ? SV_EXIT_USAGE : SV_EXIT_FAIL;
    if (json_array_size(json_object_get(doc, "keys")) == 0) {
        sv_log_error("no key in '%s' matches", o->store != NULL ? o->store
                                                              : o->key_file);
        json_decref(doc);
        return SV_EXIT_FAIL;
    }
    rc = sv__drm_output(o, doc, 0600);
    sv_drm_keydoc_wipe(doc);
    json_decref(doc);
    return rc < 0 ? SV_EXIT_FAIL : SV_EXIT_OK;
}
