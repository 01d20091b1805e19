/* filekind.h -- what a package file is: its media type, cache policy, rank */
#ifndef SV_FILEKIND_H
#define SV_FILEKIND_H

/*
 * One policy for every tool that hands package files to the web (sv-serve
 * answers with it, sv-publish stores objects with it), so a bucket behind
 * a CDN and sv-serve tell caches the same thing.
 */

/* The extension of path's last component without the dot, or "". */
const char *sv_filekind_ext(const char *path);

/* Content-Type for an extension; "application/octet-stream" if unknown. */
const char *sv_filekind_type(const char *ext);

/*
 * The i-th (extension, type) pair of the table, for servers that build their
 * own map; returns 0 past the end.
 */
int sv_filekind_pair(int i, const char **ext, const char **type);

/*
 * Cache-Control for a file: media segments are immutable for a year, a
 * static MPD a day, a live one (type="dynamic" in its first 4 KiB of
 * fspath; NULL: static) a second, JSON no-cache, keys private, no-store,
 * anything else (playlists) 300 s.
 */
const char *sv_filekind_cache(const char *ext, const char *fspath);

/* Nonzero for media segments and init files (immutable, named once). */
int sv_filekind_is_media(const char *ext);

/*
 * The order files are published in: 0 for media and anything else, 1 for
 * playlists and manifests (m3u8, mpd) and package.json, which name the
 * media and so go after it.
 */
int sv_filekind_rank(const char *path);

#endif
