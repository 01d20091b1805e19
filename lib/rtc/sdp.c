/* sdp.c -- the SDP of WHIP/WHEP: offers in, ICE-lite answers out */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "rtc/sdp.h"

/* copies the rest of a line (n bytes) into dst, truncated to size */
static void
copy(char *dst, size_t size, const char *s, size_t n)
{
    if (n >= size)
        n = size - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* "prefix" at s (n bytes)? then *rest points after it */
static int
starts(const char *s, size_t n, const char *prefix, const char **rest,
       size_t *rn)
{
    size_t k = strlen(prefix);

    if (n < k || memcmp(s, prefix, k) != 0)
        return 0;
    *rest = s + k;
    *rn = n - k;
    return 1;
}

static struct sv_sdp_codec *
codec_of(struct sv_sdp_media *m, int pt, int add)
{
    int i;

    for (i = 0; i < m->ncodecs; i++)
        if (m->codecs[i].pt == pt)
            return &m->codecs[i];
    if (!add || m->ncodecs == SV_SDP_MAX_CODECS)
        return NULL;
    m->codecs[m->ncodecs].pt = pt;
    return &m->codecs[m->ncodecs++];
}

static int
parse_m(struct sv_sdp_media *m, const char *s, size_t n)
{
    char line[512], *save, *kind, *port, *proto, *tok;

    copy(line, sizeof(line), s, n);
    kind = strtok_r(line, " ", &save);
    port = strtok_r(NULL, " ", &save);
    proto = strtok_r(NULL, " ", &save);
    if (kind == NULL || port == NULL || proto == NULL)
        return SV_EFORMAT;
    m->kind = strcmp(kind, "audio") == 0 ? SV_SDP_AUDIO
              : strcmp(kind, "video") == 0 ? SV_SDP_VIDEO : SV_SDP_OTHER;
    m->port = atoi(port);
    copy(m->proto, sizeof(m->proto), proto, strlen(proto));
    m->chosen = -1;
    while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
        char *e;
        long pt = strtol(tok, &e, 10);

        if (*e == '\0' && pt >= 0 && pt < 128)
            (void)codec_of(m, (int)pt, 1);
    }
    return 0;
}

/* a=rtpmap:<pt> <name>/<clock>[/<channels>] */
static void
parse_rtpmap(struct sv_sdp_media *m, const char *s, size_t n)
{
    char line[256], name[32];
    int pt, clock = 0, ch = 0;
    struct sv_sdp_codec *c;

    copy(line, sizeof(line), s, n);
    if (sscanf(line, "%d %31[^/]/%d/%d", &pt, name, &clock, &ch) < 3)
        return;
    c = codec_of(m, pt, 0);
    if (c == NULL)
        return;
    copy(c->name, sizeof(c->name), name, strlen(name));
    c->clock = clock;
    c->channels = ch > 0 ? ch : 1;
}

static void
parse_pt_rest(struct sv_sdp_media *m, const char *s, size_t n, int fmtp)
{
    char line[300], *sp;
    struct sv_sdp_codec *c;
    int pt;

    copy(line, sizeof(line), s, n);
    pt = atoi(line);
    sp = strchr(line, ' ');
    if (sp == NULL || (line[0] < '0' || line[0] > '9'))
        return;
    c = codec_of(m, pt, 0);
    if (c == NULL)
        return;
    sp++;
    if (fmtp) {
        copy(c->fmtp, sizeof(c->fmtp), sp, strlen(sp));
        return;
    }
    if (strcmp(sp, "nack") == 0)
        c->fb |= SV_SDP_FB_NACK;
    else if (strcmp(sp, "nack pli") == 0)
        c->fb |= SV_SDP_FB_PLI;
    else if (strcmp(sp, "ccm fir") == 0)
        c->fb |= SV_SDP_FB_FIR;
    else if (strcmp(sp, "goog-remb") == 0)
        c->fb |= SV_SDP_FB_REMB;
    else if (strcmp(sp, "transport-cc") == 0)
        c->fb |= SV_SDP_FB_TWCC;
}

/* a=candidate:<foundation> <component> udp <priority> <addr> <port> ...:
 * the first UDP one of component 1 is kept */
static void
parse_candidate(struct sv_sdp_media *m, const char *s, size_t n)
{
    char line[256], found[33], proto[8], addr[64];
    unsigned comp, prio;
    int port;

    copy(line, sizeof(line), s, n);
    if (sscanf(line, "%32s %u %7s %u %63s %d", found, &comp, proto, &prio,
               addr, &port) != 6)
        return;
    if (comp != 1 || strcasecmp(proto, "udp") != 0 || port <= 0 ||
        port > 65535)
        return;
    copy(m->cand_addr, sizeof(m->cand_addr), addr, strlen(addr));
    m->cand_port = port;
}

/* attributes that may sit at session or media level */
static int
common_attr(const char *s, size_t n, char *ufrag, char *pwd, char *fp_alg,
            char *fp, char *setup)
{
    const char *r;
    size_t rn;

    if (starts(s, n, "a=ice-ufrag:", &r, &rn))
        copy(ufrag, 64, r, rn);
    else if (starts(s, n, "a=ice-pwd:", &r, &rn))
        copy(pwd, 128, r, rn);
    else if (starts(s, n, "a=setup:", &r, &rn))
        copy(setup, 16, r, rn);
    else if (starts(s, n, "a=fingerprint:", &r, &rn)) {
        const char *sp = memchr(r, ' ', rn);

        if (sp == NULL)
            return 1;
        copy(fp_alg, 16, r, (size_t)(sp - r));
        copy(fp, 128, sp + 1, rn - (size_t)(sp + 1 - r));
    } else {
        return 0;
    }
    return 1;
}

int
sv_sdp_parse(const char *text, size_t len, struct sv_sdp *out)
{
    char ufrag[64] = "", pwd[128] = "", fp_alg[16] = "", fp[128] = "",
         setup[16] = "";
    struct sv_sdp *d = calloc(1, sizeof(*d));
    struct sv_sdp_media *m = NULL;
    size_t off = 0, n, rn;
    const char *s, *r, *nl;
    int i, saw_v = 0;

    if (d == NULL)
        return -ENOMEM;
    while (off < len) {
        s = text + off;
        nl = memchr(s, '\n', len - off);
        n = nl != NULL ? (size_t)(nl - s) : len - off;
        off += n + (nl != NULL);
        if (n > 0 && s[n - 1] == '\r')
            n--;
        if (n == 0)
            continue;
        if (!saw_v) {
            if (n != 3 || memcmp(s, "v=0", 3) != 0)
                goto bad;
            saw_v = 1;
            continue;
        }
        if (starts(s, n, "m=", &r, &rn)) {
            if (d->nmedia == SV_SDP_MAX_MEDIA)
                goto bad;
            m = &d->m[d->nmedia++];
            if (parse_m(m, r, rn) < 0)
                goto bad;
            continue;
        }
        if (m == NULL) {
            if (starts(s, n, "a=group:BUNDLE ", &r, &rn))
                copy(d->bundle, sizeof(d->bundle), r, rn);
            else
                common_attr(s, n, ufrag, pwd, fp_alg, fp, setup);
            continue;
        }
        if (common_attr(s, n, m->ufrag, m->pwd, m->fp_alg, m->fp, m->setup))
            continue;
        if (starts(s, n, "a=mid:", &r, &rn))
            copy(m->mid, sizeof(m->mid), r, rn);
        else if (starts(s, n, "a=rtpmap:", &r, &rn))
            parse_rtpmap(m, r, rn);
        else if (starts(s, n, "a=fmtp:", &r, &rn))
            parse_pt_rest(m, r, rn, 1);
        else if (starts(s, n, "a=rtcp-fb:", &r, &rn))
            parse_pt_rest(m, r, rn, 0);
        else if (n == 12 && memcmp(s, "a=rtcp-mux", 10) == 0)
            ;   /* "a=rtcp-mux-only" and the like: not ours */
        else if (n == 10 && memcmp(s, "a=rtcp-mux", 10) == 0)
            m->rtcp_mux = 1;
        else if (n == 12 && memcmp(s, "a=rtcp-rsize", 12) == 0)
            m->rtcp_rsize = 1;
        else if (n == 13 && memcmp(s, "a=bundle-only", 13) == 0)
            m->bundle_only = 1;
        else if (n == 10 && memcmp(s, "a=sendonly", 10) == 0)
            m->dir = SV_SDP_SENDONLY;
        else if (n == 10 && memcmp(s, "a=recvonly", 10) == 0)
            m->dir = SV_SDP_RECVONLY;
        else if (n == 10 && memcmp(s, "a=inactive", 10) == 0)
            m->dir = SV_SDP_INACTIVE;
        else if (n == 10 && memcmp(s, "a=sendrecv", 10) == 0)
            m->dir = SV_SDP_SENDRECV;
        else if (starts(s, n, "a=ssrc:", &r, &rn) && m->ssrc == 0)
            m->ssrc = (uint32_t)strtoul(r, NULL, 10);
        else if (starts(s, n, "a=candidate:", &r, &rn) &&
                 m->cand_addr[0] == '\0')
            parse_candidate(m, r, rn);
    }
    if (!saw_v)
        goto bad;
    for (i = 0; i < d->nmedia; i++) {
        m = &d->m[i];
        if (m->ufrag[0] == '\0')
            memcpy(m->ufrag, ufrag, sizeof(ufrag));
        if (m->pwd[0] == '\0')
            memcpy(m->pwd, pwd, sizeof(pwd));
        if (m->fp[0] == '\0') {
            memcpy(m->fp_alg, fp_alg, sizeof(fp_alg));
            memcpy(m->fp, fp, sizeof(fp));
        }
        if (m->setup[0] == '\0')
            memcpy(m->setup, setup, sizeof(setup));
    }
    *out = *d;
    free(d);
    return 0;
bad:
    free(d);
    return SV_EFORMAT;
}

int
sv_sdp_fmtp_get(const char *fmtp, const char *key, char *out, size_t size)
{
    size_t k = strlen(key);
    const char *p = fmtp;

    while (*p != '\0') {
        const char *end = strchr(p, ';');
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);

        while (n > 0 && *p == ' ') {
            p++;
            n--;
        }
        if (n > k && strncasecmp(p, key, k) == 0 && p[k] == '=') {
            if (n - k - 1 >= size)
                return -ENOENT;
            memcpy(out, p + k + 1, n - k - 1);
            out[n - k - 1] = '\0';
            return 0;
        }
        if (end == NULL)
            break;
        p = end + 1;
    }
    return -ENOENT;
}

/* lower is better; -1: not usable */
static int
h264_rank(const struct sv_sdp_codec *c)
{
    char v[32];

    if (strcasecmp(c->name, "H264") != 0 || c->clock != 90000)
        return -1;
    if (sv_sdp_fmtp_get(c->fmtp, "packetization-mode", v, sizeof(v)) < 0 ||
        strcmp(v, "1") != 0)
        return -1;
    if (sv_sdp_fmtp_get(c->fmtp, "profile-level-id", v, sizeof(v)) < 0 ||
        strlen(v) != 6)
        return 5;
    if (strncasecmp(v, "42e01f", 6) == 0)
        return 0;
    if (strncasecmp(v, "42", 2) == 0)
        return 1;
    if (strncasecmp(v, "4d", 2) == 0)
        return 2;
    if (strncasecmp(v, "64", 2) == 0)
        return 3;
    return 4;
}

int
sv_sdp_choose(struct sv_sdp *offer)
{
    int i, j, taken = 0;

    for (i = 0; i < offer->nmedia; i++) {
        struct sv_sdp_media *m = &offer->m[i];
        int best = -1, rank = 100;

        m->chosen = -1;
        m->codec = 0;
        /* port 0 with a=bundle-only (RFC 8843 7.5.2) rides the
         * bundle's transport: taken, as webrtcbin's max-bundle sends */
        if ((m->port == 0 && !m->bundle_only) || !m->rtcp_mux ||
            strcmp(m->proto, "UDP/TLS/RTP/SAVPF") != 0)
            continue;
        for (j = 0; j < m->ncodecs; j++) {
            const struct sv_sdp_codec *c = &m->codecs[j];
            int r = -1;

            if (m->kind == SV_SDP_VIDEO)
                r = h264_rank(c);
            else if (m->kind == SV_SDP_AUDIO &&
                     strcasecmp(c->name, "opus") == 0 && c->clock == 48000)
                r = 0;
            if (r >= 0 && r < rank) {
                rank = r;
                best = j;
            }
        }
        if (best < 0)
            continue;
        m->chosen = best;
        m->codec = m->kind == SV_SDP_VIDEO ? SV_SDP_H264 : SV_SDP_OPUS;
        taken++;
    }
    return taken;
}

void
sv_sdp_codec_names(const struct sv_sdp_media *m, char *out, size_t size)
{
    static const char *const helpers[] = { "rtx", "red", "ulpfec",
                                           "flexfec-03" };
    size_t len = 0;
    int i, j, k;

    if (size == 0)
        return;
    out[0] = '\0';
    for (i = 0; i < m->ncodecs; i++) {
        const char *name = m->codecs[i].name;
        int skip = name[0] == '\0';
        int n;

        for (k = 0; k < 4 && !skip; k++)
            skip = strcasecmp(name, helpers[k]) == 0;
        for (j = 0; j < i && !skip; j++)
            skip = strcasecmp(name, m->codecs[j].name) == 0;
        if (skip)
            continue;
        n = snprintf(out + len, size - len, "%s%s", len > 0 ? ", " : "",
                     name);
        if (n < 0 || (size_t)n >= size - len) {
            out[len] = '\0';
            return;
        }
        len += (size_t)n;
    }
}

struct out {
    char *p;
    size_t size, len;
    int over;
};

static void
put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (o->over)
        return;
    va_start(ap, fmt);
    n = vsnprintf(o->p + o->len, o->size - o->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= o->size - o->len) {
        o->over = 1;
        return;
    }
    o->len += (size_t)n;
}

static const char *
dir_name(int d)
{
    static const char *const names[] = { "sendrecv", "sendonly", "recvonly",
                                         "inactive" };

    return names[d >= 0 && d < 4 ? d : 3];
}

int
sv_sdp_answer(const struct sv_sdp *offer, const struct sv_sdp_answer_conf *c,
              char *out, size_t size)
{
    struct out o = { out, size, 0, 0 };
    int i, k;

    if (size == 0)
        return SV_ELIMIT;
    put(&o, "v=0\r\no=- %llu 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
        "a=ice-lite\r\n", (unsigned long long)c->session_id);
    put(&o, "a=group:BUNDLE");
    for (i = 0; i < offer->nmedia; i++)
        if (offer->m[i].chosen >= 0)
            put(&o, " %s", offer->m[i].mid);
    put(&o, "\r\na=msid-semantic: WMS\r\n");
    for (i = 0; i < offer->nmedia; i++) {
        const struct sv_sdp_media *m = &offer->m[i];
        const struct sv_sdp_codec *cd;
        const char *kind = m->kind == SV_SDP_AUDIO ? "audio"
                           : m->kind == SV_SDP_VIDEO ? "video" : "application";

        if (m->chosen < 0) {
            /* refused: port 0, the first format echoed */
            put(&o, "m=%s 0 %s %d\r\nc=IN IP4 0.0.0.0\r\na=mid:%s\r\n"
                "a=inactive\r\n", kind, m->proto[0] ? m->proto : "RTP/AVP",
                m->ncodecs > 0 ? m->codecs[0].pt : 0, m->mid);
            continue;
        }
        cd = &m->codecs[m->chosen];
        put(&o, "m=%s 9 UDP/TLS/RTP/SAVPF %d\r\nc=IN IP4 0.0.0.0\r\n", kind,
            cd->pt);
        put(&o, "a=mid:%s\r\na=%s\r\na=rtcp-mux\r\n", m->mid,
            dir_name(c->dir));
        if (m->rtcp_rsize)
            put(&o, "a=rtcp-rsize\r\n");
        put(&o, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n"
            "a=fingerprint:sha-256 %s\r\na=setup:%s\r\n", c->ufrag,
            c->pwd, c->fingerprint, c->setup != NULL ? c->setup : "passive");
        if (cd->channels > 1)
            put(&o, "a=rtpmap:%d %s/%d/%d\r\n", cd->pt, cd->name, cd->clock,
                cd->channels);
        else
            put(&o, "a=rtpmap:%d %s/%d\r\n", cd->pt, cd->name, cd->clock);
        if (cd->fmtp[0] != '\0')
            put(&o, "a=fmtp:%d %s\r\n", cd->pt, cd->fmtp);
        if (m->kind == SV_SDP_VIDEO) {
            put(&o, "a=rtcp-fb:%d nack\r\n", cd->pt);
            put(&o, "a=rtcp-fb:%d nack pli\r\n", cd->pt);
            if (cd->fb & SV_SDP_FB_FIR)
                put(&o, "a=rtcp-fb:%d ccm fir\r\n", cd->pt);
            if (cd->fb & SV_SDP_FB_REMB)
                put(&o, "a=rtcp-fb:%d goog-remb\r\n", cd->pt);
        }
        if (c->send_ssrc != NULL && c->send_ssrc[i] != 0) {
            put(&o, "a=msid:sv %s\r\n", kind);
            put(&o, "a=ssrc:%u cname:sv\r\na=ssrc:%u msid:sv %s\r\n",
                c->send_ssrc[i], c->send_ssrc[i], kind);
        }
        for (k = 0; k < c->ncand; k++)
            put(&o, "a=candidate:%d 1 udp %u %s %d typ host\r\n", k + 1,
                2130706431u - (unsigned)k, c->cand_addr[k], c->port);
        put(&o, "a=end-of-candidates\r\n");
    }
    if (o.over)
        return SV_ELIMIT;
    return (int)o.len;
}

int
sv_sdp_offer(const struct sv_sdp_offer_conf *c, char *out, size_t size)
{
    struct out o = { out, size, 0, 0 };
    int i;

    if (size == 0)
        return SV_ELIMIT;
    put(&o, "v=0\r\no=- %llu 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
        "a=group:BUNDLE 0%s\r\na=msid-semantic: WMS\r\n",
        (unsigned long long)c->session_id, c->audio ? " 1" : "");
    for (i = 0; i < 1 + (c->audio != 0); i++) {
        if (i == 0)
            put(&o, "m=video 9 UDP/TLS/RTP/SAVPF 106\r\n");
        else
            put(&o, "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n");
        put(&o, "c=IN IP4 0.0.0.0\r\na=mid:%d\r\na=%s\r\n"
            "a=rtcp-mux\r\na=ice-ufrag:%s\r\na=ice-pwd:%s\r\n"
            "a=fingerprint:sha-256 %s\r\na=setup:actpass\r\n", i,
            dir_name(c->dir), c->ufrag, c->pwd, c->fingerprint);
        if (i == 0)
            put(&o, "a=rtpmap:106 H264/90000\r\n"
                "a=rtcp-fb:106 nack\r\na=rtcp-fb:106 nack pli\r\n"
                "a=fmtp:106 level-asymmetry-allowed=1;"
                "packetization-mode=1;profile-level-id=42e01f\r\n");
        else
            put(&o, "a=rtpmap:111 opus/48000/2\r\n"
                "a=fmtp:111 minptime=10;useinbandfec=1\r\n");
    }
    if (o.over)
        return SV_ELIMIT;
    return (int)o.len;
}
