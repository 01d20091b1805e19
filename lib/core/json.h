/* json.h -- the one place libsv takes jansson from, plus small helpers */
#ifndef SV_JSON_H
#define SV_JSON_H

#include <jansson.h>

/*
 * Writes root to path atomically (temp name + rename), compact with a final
 * newline when pretty is 0, indented by 2 otherwise.  Does not steal root.
 * Returns 0 or a negative code.
 */
int sv_json_write_file(const char *path, const json_t *root, int pretty);

/*
 * Reads a JSON file of at most max bytes.  On success stores a new reference
 * in *out; on failure writes a message naming the file and the problem into
 * err (size bytes) and returns a negative code.
 */
int sv_json_read_file(const char *path, size_t max, json_t **out,
                      char *err, size_t size);

/* Writes root as one compact line to fd (one write call). */
int sv_json_write_line(int fd, const json_t *root);

#endif
