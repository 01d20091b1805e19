/* err.c -- messages and symbolic names for error codes */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"

static sv_strerror_fn fallback;

static const struct {
    int code;
    const char *name;
    const char *msg;
} own[] = {
    { SV_EUSAGE, "EUSAGE", "invalid usage" },
    { SV_EFORMAT, "EFORMAT", "not in a recognised format" },
    { SV_ETRUNC, "ETRUNC", "truncated input" },
    { SV_ENOMEDIA, "ENOMEDIA", "no usable media stream" },
    { SV_ECORRUPT, "ECORRUPT", "corrupt data" },
    { SV_ELIMIT, "ELIMIT", "limit reached" },
    { SV_ELADDER, "ELADDER", "impossible ladder" },
    { SV_ENOHW, "ENOHW", "hardware not usable" },
    { SV_EINTR, "EINTR", "interrupted" },
    { SV_EPROTO, "EPROTO", "protocol error" },
    { SV_EAUTH, "EAUTH", "not authorised" },
    { SV_EEXIST, "EEXIST", "already exists" },
    { SV_EINTERNAL, "EINTERNAL", "internal error" },
    { SV_EQUOTA, "EQUOTA", "quota spent" },
};

/* errno names worth a symbol in events; keep sorted by errno value */
static const struct {
    int err;
    const char *name;
} errnames[] = {
    { EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" },
    { EIO, "EIO" }, { E2BIG, "E2BIG" }, { EBADF, "EBADF" },
    { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" },
    { EEXIST, "EEXIST" }, { ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" },
    { EINVAL, "EINVAL" }, { EMFILE, "EMFILE" }, { EFBIG, "EFBIG" },
    { ENOSPC, "ENOSPC" }, { ESPIPE, "ESPIPE" }, { EROFS, "EROFS" },
    { EPIPE, "EPIPE" }, { ERANGE, "ERANGE" }, { ENAMETOOLONG, "ENAMETOOLONG" },
    { ENOSYS, "ENOSYS" }, { ENOTEMPTY, "ENOTEMPTY" }, { ELOOP, "ELOOP" },
    { EPROTO, "EPROTO" }, { EMSGSIZE, "EMSGSIZE" }, { ENOTSUP, "ENOTSUP" },
    { EADDRINUSE, "EADDRINUSE" }, { EADDRNOTAVAIL, "EADDRNOTAVAIL" },
    { ENETUNREACH, "ENETUNREACH" }, { ECONNABORTED, "ECONNABORTED" },
    { ECONNRESET, "ECONNRESET" }, { ETIMEDOUT, "ETIMEDOUT" },
    { ECONNREFUSED, "ECONNREFUSED" }, { EHOSTUNREACH, "EHOSTUNREACH" },
    { ECANCELED, "ECANCELED" },
};

void
sv_err_set_fallback(sv_strerror_fn fn)
{
    fallback = fn;
}

const char *
sv_strerror_r(int code, char *buf, unsigned size)
{
    size_t i;

    for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
        if (own[i].code == code)
            return own[i].msg;
    if (code < 0 && code > -4096) {
        /* strerror's capitalised sentences, lowered to our grammar */
        snprintf(buf, size, "%s", strerror(-code));
        if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
            buf[0] = (char)(buf[0] - 'A' + 'a');
        return buf;
    }
    if (fallback != NULL)
        return fallback(code, buf, size);
    snprintf(buf, size, "error %d", code);
    return buf;
}

const char *
sv_strerror(int code)
{
    static __thread char buf[256];

    return sv_strerror_r(code, buf, sizeof(buf));
}

const char *
sv_errname(int code)
{
    size_t i;

    for (i = 0; i < sizeof(own) / sizeof(own[0]); i++)
        if (own[i].code == code)
            return own[i].name;
    for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
        if (-errnames[i].err == code)
            return errnames[i].name;
    return code < 0 && code > -4096 ? "ESYSTEM" : "EMEDIA";
}
