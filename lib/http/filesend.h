/* filesend.h -- whole regular files answered with sendfile(2) */
#ifndef SV_HTTP_FILESEND_H
#define SV_HTTP_FILESEND_H

#include <sys/stat.h>

#include "http/http_server.h"

/*
 * Answers a plain GET of a whole file on a cleartext HTTP/1.x connection:
 * 200 with Content-Type ctype, Last-Modified, an ETag, Accept-Ranges and
 * the headers set before, the body from fd (st: its fstat) by sendfile(2),
 * or by one read for a small file.  fd is taken on success and closed once
 * the response ends.  Returns 0 when req was answered, -1 (fd left open,
 * nothing sent) for a request it does not take: another method, a range
 * or a conditional request, TLS or HTTP/2, which h2o's file handler
 * answers with the same validators.
 */
int sv_http_send_file(h2o_req_t *req, int fd, const struct stat *st,
                      const char *ctype);

#endif
