/* source.c -- the packager's inputs: MPEG-TS and MP4 files through our own
 * mapped readers, everything else through libavformat in a plugin
 *
 * Why a plugin: linking libavformat maps libavcodec and the hundred-odd
 * libraries it needs (x264, x265, libvpx, dav1d...) into every run, and
 * their relocations alone leave about 27 MiB resident before the first
 * byte of input, more than all of the packager's own work on a 600 s
 * 1080p input.  sv-package does not link libav; sv-demux.so (built from
 * media/av_demux.c) is dlopen'ed only for inputs our readers do not take:
 * other containers (on a pipe too: it is handed the bytes the probe read),
 * other codecs.  MP4 is ours progressive or fragmented.  A helper process would cost a
 * remux to a pipe and a second copy of each byte; the plugin keeps
 * libavformat's packets as they were.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "media/av_demux.h"
#include "pack/source.h"

#define PLUGIN_REL "/../lib/streamverse/sv-demux.so"

static const struct sv_demux_ops *plugin;

/* The plugin beside the program: <bin>/../lib/streamverse/sv-demux.so */
static int
plugin_path(char *buf, size_t size)
{
    const char *env = getenv("SV_DEMUX_PLUGIN");
    char exe[PATH_MAX];
    ssize_t n;
    char *slash;

    if (env != NULL && *env != '\0') {
        snprintf(buf, size, "%s", env);
        return 0;
    }
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return -errno;
    exe[n] = '\0';
    slash = strrchr(exe, '/');
    if (slash != NULL)
        *slash = '\0';
    if ((size_t)snprintf(buf, size, "%s%s", exe, PLUGIN_REL) >= size)
        return -ENAMETOOLONG;
    return 0;
}

static const char *
plugin_strerror(int code, char *buf, unsigned size)
{
    return plugin->strerror_r(code, buf, size);
}

static int
load_plugin(void)
{
    char path[PATH_MAX];
    const struct sv_demux_ops *ops;
    void *h;

    if (plugin != NULL)
        return 0;
    if (plugin_path(path, sizeof(path)) < 0) {
        sv_log_warn("cannot find libavformat's reader (sv-demux.so)");
        return -ELIBACC;
    }
    h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        sv_log_warn("cannot load libavformat's reader: %s", dlerror());
        return -ELIBACC;
    }
    ops = dlsym(h, "sv_demux_ops");
    if (ops == NULL || ops->version != SV_DEMUX_OPS_VERSION) {
        sv_log_warn("'%s' is not the reader of this sv-package", path);
        dlclose(h);
        return -ELIBACC;
    }
    /* kept loaded to the end: its streams' strings point into it */
    plugin = ops;
    sv_err_set_fallback(plugin_strerror);
    return 0;
}

static int
regular(const char *url)
{
    struct stat st;

    return strcmp(url, "-") != 0 && stat(url, &st) == 0 &&
           S_ISREG(st.st_mode);
}

/* Our readers, for a regular file they recognise; 0 when neither did. */
static int
open_own(struct sv__source *in, const char *url)
{
    int rc;

    rc = sv_tsread_open(&in->tr, url, NULL, 0);
    if (rc == 0) {
        rc = sv_tsprobe_scan(&in->tp, in->tr.p, in->tr.len, 0);
        if (rc == 0)
            rc = sv_tsread_init_streams(&in->tr, in->tp.st, in->tp.n);
        if (rc == 0) {
            in->kind = SV__SOURCE_TS;
            return 1;
        }
        sv_tsread_release(&in->tr);
    }
    rc = sv_mp4read_open(&in->mr, url);
    if (rc == 0) {
        in->kind = SV__SOURCE_MP4;
        return 1;
    }
    return 0;
}

/*
 * Standard input: read until the probe can tell (a live pipe does not
 * wait for more than that); MPEG-TS of our codecs goes on through our
 * reader, anything else to libavformat, the bytes read so far first.
 */
static int
open_pipe(struct sv__source *in, int fd, const char *format,
          volatile int *stop)
{
    size_t len = 0, cap = 1 << 16;
    uint8_t *b = NULL, *nb;
    ssize_t n;
    int rc = SV_ETRUNC, eof = 0;

    while (rc == SV_ETRUNC) {
        if (len == cap || b == NULL) {
            cap = b == NULL ? cap : cap * 2;
            nb = realloc(b, cap);
            if (nb == NULL) {
                free(b);
                return -ENOMEM;
            }
            b = nb;
        }
        n = read(fd, b + len, cap - len);
        if (n < 0 && errno == EINTR) {
            if (stop != NULL && *stop) {
                free(b);
                return SV_EINTR;
            }
            continue;
        }
        if (n < 0) {
            rc = -errno;
            free(b);
            return rc;
        }
        eof = n == 0;
        len += (size_t)n;
        if (len > 0 && b[0] != 0x47)
            break;              /* not MPEG-TS */
        if (len < 188 * 2 && !eof)
            continue;
        rc = sv_tsprobe_scan(&in->tp, b, len, !eof);
        if (eof && rc == SV_ETRUNC)
            rc = SV_ENOMEDIA;
    }
    if (rc == 0 && (format == NULL || strcmp(format, "mpegts") == 0)) {
        rc = sv_tsread_init_fd(&in->tr, fd, b, len, stop);
        if (rc == 0)
            rc = sv_tsread_init_streams(&in->tr, in->tp.st, in->tp.n);
        free(b);
        if (rc < 0) {
            sv_tsread_release(&in->tr);
            return rc;
        }
        in->kind = SV__SOURCE_TS;
        return 0;
    }
    rc = load_plugin();
    if (rc == 0)
        rc = plugin->open_fd(&in->d, fd, b, len, format);
    if (rc < 0) {
        free(b);
        return rc;
    }
    in->prefix = b;             /* libavformat reads it again */
    in->ops = plugin;
    in->kind = SV__SOURCE_AV;
    return 0;
}

int
sv__source_open(struct sv__source *in, const char *url, const char *format,
                volatile int *stop)
{
    const char *env = getenv("SV_PACKAGE_READER");
    int own = env == NULL || strcmp(env, "libav") != 0, rc;

    memset(in, 0, sizeof(*in));
    if (own && (format == NULL || strcmp(format, "mpegts") == 0 ||
                strcmp(format, "mp4") == 0) &&
        regular(url) && open_own(in, url))
        return 0;
    if (own && strcmp(url, "-") == 0)
        return open_pipe(in, STDIN_FILENO, format, stop);
    rc = load_plugin();
    if (rc < 0)
        return rc;
    rc = plugin->open(&in->d, url, format);
    if (rc < 0)
        return rc;
    in->ops = plugin;
    in->kind = SV__SOURCE_AV;
    return 0;
}

int
sv__source_count(const struct sv__source *in)
{
    switch (in->kind) {
    case SV__SOURCE_TS: return in->tp.n;
    case SV__SOURCE_MP4: return sv_mp4read_count(&in->mr);
    case SV__SOURCE_AV: return in->ops->count(in->d);
    }
    return 0;
}

const struct sv_demux_stream *
sv__source_stream(const struct sv__source *in, int i)
{
    switch (in->kind) {
    case SV__SOURCE_TS: return &in->tp.st[i];
    case SV__SOURCE_MP4: return sv_mp4read_stream(&in->mr, i);
    case SV__SOURCE_AV: return in->ops->stream(in->d, i);
    }
    return NULL;
}

int
sv__source_read(struct sv__source *in, struct sv_demux_packet *pkt,
               volatile int *stop)
{
    if (in->kind == SV__SOURCE_AV)
        return in->ops->read(in->d, pkt, stop);
    if (stop != NULL && *stop)
        return SV_EINTR;
    if (in->kind == SV__SOURCE_TS) {
        in->tr.stop = stop;
        return sv_tsread_next(&in->tr, pkt);
    }
    return sv_mp4read_next(&in->mr, pkt);
}

void
sv__source_hold(struct sv__source *in, const uint8_t *p)
{
    if (in->kind == SV__SOURCE_MP4)
        sv_mp4read_hold(&in->mr, p);
}

const char *
sv__source_format(const struct sv__source *in)
{
    switch (in->kind) {
    case SV__SOURCE_TS: return "mpegts";
    case SV__SOURCE_MP4: return "mp4";
    case SV__SOURCE_AV: return in->ops->format(in->d);
    }
    return "";
}

uint64_t
sv__source_bad(const struct sv__source *in)
{
    switch (in->kind) {
    case SV__SOURCE_TS: return in->tr.bad;
    case SV__SOURCE_MP4: return in->mr.bad;
    default: return 0;
    }
}

void
sv__source_close(struct sv__source *in)
{
    switch (in->kind) {
    case SV__SOURCE_TS:
        sv_tsread_release(&in->tr);
        break;
    case SV__SOURCE_MP4:
        sv_mp4read_release(&in->mr);
        break;
    case SV__SOURCE_AV:
        in->ops->close(in->d);
        free(in->prefix);
        break;
    }
    memset(in, 0, sizeof(*in));
}
