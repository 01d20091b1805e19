/* filekind_test.c -- lib/model/filekind.c: types, caching, publish order */
#include <stdio.h>
#include <unistd.h>

#include "model/filekind.h"
#include "t.h"

static void
types_and_caching_per_kind(void)
{
    CHECK_STR(sv_filekind_type("m3u8"), "application/vnd.apple.mpegurl");
    CHECK_STR(sv_filekind_type("m4s"), "video/iso.segment");
    CHECK_STR(sv_filekind_type("weird"), "application/octet-stream");
    CHECK_STR(sv_filekind_cache("m4s", NULL),
              "public, max-age=31536000, immutable");
    CHECK_STR(sv_filekind_cache("m3u8", NULL), "public, max-age=300");
    CHECK_STR(sv_filekind_cache("json", NULL), "no-cache");
    CHECK_STR(sv_filekind_cache("key", NULL), "private, no-store");
    CHECK_STR(sv_filekind_cache("mpd", NULL), "public, max-age=86400");
}

static void
a_live_mpd_is_cached_for_a_second(void)
{
    char path[] = "/tmp/filekind_test_XXXXXX";
    int fd = mkstemp(path);

    CHECK(fd >= 0);
    CHECK(write(fd, "<MPD type=\"dynamic\">", 20) == 20);
    close(fd);
    CHECK_STR(sv_filekind_cache("mpd", path), "public, max-age=1, stale-while-revalidate=0");
    unlink(path);
}

static void
a_live_media_playlist_is_cached_for_a_second(void)
{
    static const char live[] = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n"
                               "#EXTINF:2.0,\ns1.m4s\n";
    static const char master[] = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n"
                                 "v0.m3u8\n";
    char path[] = "/tmp/filekind_test_XXXXXX";
    int fd = mkstemp(path);

    CHECK(fd >= 0);
    CHECK(write(fd, live, sizeof(live) - 1) == (ssize_t)sizeof(live) - 1);
    CHECK_STR(sv_filekind_cache("m3u8", path),
              "public, max-age=1, stale-while-revalidate=0");
    CHECK(write(fd, "#EXT-X-ENDLIST\n", 15) == 15);
    CHECK_STR(sv_filekind_cache("m3u8", path), "public, max-age=300");
    CHECK(ftruncate(fd, 0) == 0);
    CHECK(pwrite(fd, master, sizeof(master) - 1, 0) ==
          (ssize_t)sizeof(master) - 1);
    CHECK_STR(sv_filekind_cache("m3u8", path), "public, max-age=300");
    close(fd);
    unlink(path);
}

static void
manifests_rank_after_media(void)
{
    CHECK_INT(sv_filekind_rank("v0/seg1.m4s"), 0);
    CHECK_INT(sv_filekind_rank("init.mp4"), 0);
    CHECK_INT(sv_filekind_rank("v0/index.m3u8"), 1);
    CHECK_INT(sv_filekind_rank("manifest.mpd"), 1);
    CHECK_INT(sv_filekind_rank("package.json"), 1);
    CHECK_INT(sv_filekind_rank("other.json"), 0);
    CHECK_STR(sv_filekind_ext("a.b/c"), "");
    CHECK_STR(sv_filekind_ext("a/c.ts"), "ts");
}

int
main(void)
{
    RUN(types_and_caching_per_kind);
    RUN(a_live_mpd_is_cached_for_a_second);
    RUN(a_live_media_playlist_is_cached_for_a_second);
    RUN(manifests_rank_after_media);
    return DONE();
}
