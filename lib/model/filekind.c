/* filekind.c -- the media type, cache policy and publish order of a file */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/filekind.h"

/* keep in step with sv-serve.1 and sv-publish.1 (CACHING) */
static const char *const types[][2] = {
    { "m3u8", "application/vnd.apple.mpegurl" },
    { "mpd", "application/dash+xml" },
    { "m4s", "video/iso.segment" },
    { "mp4", "video/mp4" },
    { "m4v", "video/mp4" },
    { "m4a", "audio/mp4" },
    { "cmfv", "video/mp4" },
    { "cmfa", "audio/mp4" },
    { "cmft", "application/mp4" },
    { "ts", "video/mp2t" },
    { "aac", "audio/aac" },
    { "vtt", "text/vtt" },
    { "webvtt", "text/vtt" },
    { "json", "application/json" },
    { "key", "application/octet-stream" },
    { "webm", "video/webm" },
    { "jpg", "image/jpeg" },
    { "jpeg", "image/jpeg" },
    { "png", "image/png" },
    /* a player page published or served with its package */
    { "html", "text/html" },
    { "htm", "text/html" },
    { "js", "application/javascript" },
    { "mjs", "application/javascript" },
    { "css", "text/css" },
    { "svg", "image/svg+xml" },
    { "txt", "text/plain" },
    { NULL, NULL },
};

const char *
sv_filekind_ext(const char *path)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');

    return dot != NULL && (slash == NULL || dot > slash) ? dot + 1 : "";
}

const char *
sv_filekind_type(const char *ext)
{
    int i;

    for (i = 0; types[i][0] != NULL; i++)
        if (strcmp(ext, types[i][0]) == 0)
            return types[i][1];
    return "application/octet-stream";
}

int
sv_filekind_pair(int i, const char **ext, const char **type)
{
    if (i < 0 || i >= (int)(sizeof(types) / sizeof(types[0])) - 1)
        return 0;
    *ext = types[i][0];
    *type = types[i][1];
    return 1;
}

int
sv_filekind_is_media(const char *e)
{
    static const char *const exts[] = {
        "m4s", "mp4", "m4a", "m4v", "ts", "aac", "ac3", "ec3", "mp3", "vtt",
        "webvtt", "cmfv", "cmfa", "cmft", "webm", "jpg", "jpeg", "png", NULL,
    };
    int i;

    for (i = 0; exts[i] != NULL; i++)
        if (strcmp(e, exts[i]) == 0)
            return 1;
    return 0;
}

/* Reads up to size - 1 bytes at off of path, NUL-terminated: the count. */
static ssize_t
read_at(const char *path, off_t off, char *buf, size_t size)
{
    ssize_t n;
    int fd;

    if (path == NULL)
        return -1;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (off < 0) {
        struct stat st;

        off = fstat(fd, &st) == 0 && st.st_size + off > 0 ?
            st.st_size + off : 0;
    }
    n = pread(fd, buf, size - 1, off);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return n;
}

/* A dynamic (live) MPD: type="dynamic" in its first 4 KiB. */
static int
mpd_is_live(const char *path)
{
    char buf[4097];

    return read_at(path, 0, buf, sizeof(buf)) > 0 &&
           strstr(buf, "type=\"dynamic\"") != NULL;
}

/* A live media playlist: a media playlist (EXT-X-TARGETDURATION is one of
 * its first tags) without EXT-X-ENDLIST, which comes last. */
static int
m3u8_is_live(const char *path)
{
    char buf[4097];

    if (read_at(path, 0, buf, sizeof(buf)) <= 0 ||
        strstr(buf, "#EXT-X-TARGETDURATION:") == NULL)
        return 0;
    return read_at(path, -64, buf, sizeof(buf)) > 0 &&
           strstr(buf, "#EXT-X-ENDLIST") == NULL;
}

const char *
sv_filekind_cache(const char *ext, const char *fspath)
{
    if (sv_filekind_is_media(ext))
        return "public, max-age=31536000, immutable";
    if (strcmp(ext, "mpd") == 0)
        /* no stale live MPD from a cache's grace period */
        return mpd_is_live(fspath) ?
            "public, max-age=1, stale-while-revalidate=0" :
            "public, max-age=86400";
    if (strcmp(ext, "json") == 0)
        return "no-cache";
    if (strcmp(ext, "key") == 0)
        return "private, no-store";
    /* a live media playlist changes every part: a second, as sv-serve
     * says of the ones it serves */
    if (strcmp(ext, "m3u8") == 0 && m3u8_is_live(fspath))
        return "public, max-age=1, stale-while-revalidate=0";
    return "public, max-age=300";
}

int
sv_filekind_rank(const char *path)
{
    const char *e = sv_filekind_ext(path);
    const char *base = strrchr(path, '/');

    base = base != NULL ? base + 1 : path;
    if (strcmp(e, "m3u8") == 0 || strcmp(e, "mpd") == 0 ||
        strcmp(base, "package.json") == 0)
        return 1;
    return 0;
}
