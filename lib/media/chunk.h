/* chunk.h -- chunked encoding: parts of a title on the keyframe grid, split
 * plans and the names chunk files carry */
#ifndef SV_CHUNK_H
#define SV_CHUNK_H

#include <stddef.h>
#include <stdint.h>

#define SV_CHUNK_MAX 10000      /* --chunks N: the most parts of one title */
#define SV_CHUNK_OPEN (-1)      /* a range's end: to the end of the title */

/*
 * Parses --range "START-END" (seconds, decimals allowed; END may be empty:
 * to the end of the title).  Writes start and end (SV_CHUNK_OPEN when
 * empty) and returns 0; returns SV_EUSAGE with a message in err (size
 * bytes) when the text is bad or END is not after START.
 */
int sv_chunk_range_parse(const char *s, double *start, double *end,
                         char *err, size_t size);

/*
 * Part i of n of a title of frames frames (output rate), cut on the grid
 * of gop frames as evenly as whole GOPs allow: writes [*start, *end) in
 * frames, *end being SV_CHUNK_OPEN for the last part.  Returns 0, or
 * SV_EUSAGE when i is not in [0, n) or the title has fewer than n GOPs
 * (some part would be empty).
 */
int sv_chunk_bounds(int64_t frames, int64_t gop, int n, int i,
                    int64_t *start, int64_t *end);

/*
 * Scene-aware cut points for n parts: for each of the n - 1 inner cuts,
 * the grid point (a multiple of gop) nearest the even split, unless a
 * scene cut (score[f] > threshold, score of frame f against the one
 * before) falls on a grid point within a quarter of a part of it; then
 * the nearest such cut.  Writes bounds[0..n] (bounds[0] = 0, bounds[n] =
 * frames), strictly increasing, and cut[0..n] (1 where the bound is a
 * scene cut).  Returns 0 or SV_EUSAGE when the title has fewer than n GOPs.
 */
int sv_chunk_plan_cuts(const float *score, int64_t frames, int64_t gop,
                       int n, double threshold, int64_t *bounds, int *cut);

/*
 * Names the file of a chunk: "<rung>.chunk-<start>-<end>.<ext>" with
 * frames zero-padded to six digits and "end" for an open end.
 */
void sv_chunk_name(char *out, size_t size, const char *rung, int64_t start,
                   int64_t end, const char *ext);

/*
 * Reads a name made by sv_chunk_name(): writes the rung (at most rsize
 * bytes with its NUL), the frames and a pointer to the extension.
 * Returns 0, or -1 when name is not a chunk file's.
 */
int sv_chunk_name_parse(const char *name, char *rung, size_t rsize,
                        int64_t *start, int64_t *end, const char **ext);

#endif
