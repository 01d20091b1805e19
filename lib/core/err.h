/* err.h -- error codes shared by every module of libsv */
#ifndef SV_ERR_H
#define SV_ERR_H

/*
 * Functions return 0 on success and a negative code on failure.  Codes in
 * (-4096, 0) are negated errno values, as in libuv; FFmpeg's AVERROR values
 * pass through untouched.  The project's own codes sit in a range neither
 * uses.
 */
enum {
    SV_EUSAGE    = -0x5f5f0001,  /* bad option or argument */
    SV_EFORMAT   = -0x5f5f0002,  /* input is not in the expected format */
    SV_ETRUNC    = -0x5f5f0003,  /* input ends before it should */
    SV_ENOMEDIA  = -0x5f5f0004,  /* no usable stream in the input */
    SV_ECORRUPT  = -0x5f5f0005,  /* damaged data (with --strict) */
    SV_ELIMIT    = -0x5f5f0006,  /* a configured bound was reached */
    SV_ELADDER   = -0x5f5f0007,  /* the ladder cannot be built */
    SV_ENOHW     = -0x5f5f0008,  /* the hardware asked for is not usable */
    SV_EINTR     = -0x5f5f0009,  /* stopped by a signal */
    SV_EPROTO    = -0x5f5f000a,  /* peer broke the protocol */
    SV_EAUTH     = -0x5f5f000b,  /* refused by authentication */
    SV_EEXIST    = -0x5f5f000c,  /* the output already exists */
    SV_EINTERNAL = -0x5f5f000d,  /* a bug: an invariant did not hold */
    SV_EQUOTA    = -0x5f5f000e,  /* a service's quota for the period is
                                    spent */
};

typedef const char *(*sv_strerror_fn)(int code, char *buf, unsigned size);

/*
 * Returns a human message for code, lower case, no full stop.  The result
 * points at a static string or at buf (size bytes, may be truncated).
 */
const char *sv_strerror_r(int code, char *buf, unsigned size);

/* Same, with a thread-local buffer. */
const char *sv_strerror(int code);

/* Returns a symbolic name for code ("ENOENT", "EFORMAT"), never NULL. */
const char *sv_errname(int code);

/*
 * Installs the fallback used for codes err.c does not know (lib/media
 * registers av_strerror here, so this file needs no libav header).
 */
void sv_err_set_fallback(sv_strerror_fn fn);

#endif
