/* streamid.h -- stream identities: SRT stream ids and RTMP app/name */
#ifndef SV_STREAMID_H
#define SV_STREAMID_H

enum { SV_SID_PUBLISH = 0, SV_SID_REQUEST = 1 };

struct sv_streamid {
    char app[64];       /* "live" unless the resource names one */
    char name[128];     /* the stream name, query removed */
    char query[256];    /* after '?' (signed keys), "" if none */
    char user[64];      /* u= of the access-control form */
    int mode;           /* SV_SID_PUBLISH, SV_SID_REQUEST */
};

/*
 * Parses an SRT stream id: the access-control form
 * "#!::r=live/key,m=publish,u=user" or a plain "live/key" or "key".
 * Returns 0, or SV_EFORMAT for a malformed id, a missing resource, or
 * names with characters outside [A-Za-z0-9._-] (they end up in paths).
 */
int sv_streamid_parse(const char *s, struct sv_streamid *out);

/*
 * Splits an RTMP app and publish name ("key?exp=..&sig=..") into out.
 * Same checks and returns.
 */
int sv_streamid_from_rtmp(const char *app, const char *name,
                          struct sv_streamid *out);

/* Nonzero when s is a usable app or stream name. */
int sv_streamid_name_ok(const char *s);

#endif
