/* pssh.c -- Protection System Specific Header boxes for each DRM system */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "container/box.h"
#include "core/err.h"
#include "core/textenc.h"
#include "drm/pssh.h"

static int
varint(struct sv_buf *b, uint64_t v)
{
    int rc = 0;

    while (rc == 0 && v >= 0x80) {
        rc = sv_buf_u8(b, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    return rc ? rc : sv_buf_u8(b, (uint8_t)v);
}

/* WidevinePsshData: key_ids (2), content_id (4), protection_scheme (9). */
static int
widevine(struct sv_buf *d, const uint8_t kid[16], const char *cid, int cbcs)
{
    int rc;

    rc = sv_buf_u8(d, 0x12);
    rc = rc ? rc : sv_buf_u8(d, 16);
    rc = rc ? rc : sv_buf_append(d, kid, 16);
    if (rc == 0 && cid != NULL) {
        rc = sv_buf_u8(d, 0x22);
        rc = rc ? rc : varint(d, strlen(cid));
        rc = rc ? rc : sv_buf_append(d, cid, strlen(cid));
    }
    rc = rc ? rc : sv_buf_u8(d, 0x48);
    return rc ? rc : varint(d, cbcs ? SV_FOURCC('c', 'b', 'c', 's')
                                    : SV_FOURCC('c', 'e', 'n', 'c'));
}

/* A PlayReady Object holding one WRMHEADER record (UTF-16LE XML). */
static int
playready(struct sv_buf *d, const uint8_t kid[16], int cbcs)
{
    uint8_t guid[16];
    char k64[32], xml[512];
    size_t n, i;
    int rc;

    /* a GUID stores its first three fields little-endian */
    guid[0] = kid[3]; guid[1] = kid[2]; guid[2] = kid[1]; guid[3] = kid[0];
    guid[4] = kid[5]; guid[5] = kid[4]; guid[6] = kid[7]; guid[7] = kid[6];
    memcpy(guid + 8, kid + 8, 8);
    sv_b64_encode(guid, 16, k64, 0);
    if (cbcs)
        n = (size_t)snprintf(xml, sizeof(xml),
            "<WRMHEADER xmlns=\"http://schemas.microsoft.com/DRM/2007/03/"
            "PlayReadyHeader\" version=\"4.3.0.0\"><DATA><PROTECTINFO>"
            "<KIDS><KID ALGID=\"AESCBC\" VALUE=\"%s\"></KID></KIDS>"
            "</PROTECTINFO></DATA></WRMHEADER>", k64);
    else
        n = (size_t)snprintf(xml, sizeof(xml),
            "<WRMHEADER xmlns=\"http://schemas.microsoft.com/DRM/2007/03/"
            "PlayReadyHeader\" version=\"4.0.0.0\"><DATA><PROTECTINFO>"
            "<KEYLEN>16</KEYLEN><ALGID>AESCTR</ALGID></PROTECTINFO>"
            "<KID>%s</KID></DATA></WRMHEADER>", k64);
    /* little-endian: length, record count, record type 1, record length */
    rc = 0;
    {
        uint32_t total = (uint32_t)(10 + 2 * n);
        uint8_t h[10] = { (uint8_t)total, (uint8_t)(total >> 8),
                          (uint8_t)(total >> 16), (uint8_t)(total >> 24),
                          1, 0, 1, 0, (uint8_t)(2 * n),
                          (uint8_t)((2 * n) >> 8) };

        rc = sv_buf_append(d, h, sizeof(h));
    }
    for (i = 0; rc == 0 && i < n; i++) {
        rc = sv_buf_u8(d, (uint8_t)xml[i]);
        rc = rc ? rc : sv_buf_u8(d, 0);
    }
    return rc;
}

int
sv_drm_pssh(struct sv_buf *out, const struct sv_drm_system *s,
            const uint8_t kid[16], const char *content_id, int cbcs)
{
    struct sv_buf data = SV_BUF_INIT(1 << 16);
    struct sv_boxw w;
    uint8_t sid[16];
    int rc, v1 = strcmp(s->name, "clearkey") == 0;

    if (!s->pssh)
        return SV_EUSAGE;
    if (sv_uuid_parse(s->uuid, sid) < 0)
        return SV_EINTERNAL;
    if (strcmp(s->name, "widevine") == 0)
        rc = widevine(&data, kid, content_id, cbcs);
    else if (strcmp(s->name, "playready") == 0)
        rc = playready(&data, kid, cbcs);
    else
        rc = 0;
    if (rc < 0)
        return rc;
    sv_boxw_init(&w, out);
    sv_boxw_open_full(&w, SV_FOURCC('p', 's', 's', 'h'), v1 ? 1 : 0, 0);
    sv_boxw_bytes(&w, sid, 16);
    if (v1) {
        sv_boxw_u32(&w, 1);
        sv_boxw_bytes(&w, kid, 16);
    }
    sv_boxw_u32(&w, (uint32_t)data.len);
    sv_boxw_bytes(&w, data.data, data.len);
    sv_boxw_close(&w);
    sv_buf_release(&data);
    return sv_boxw_finish(&w);
}

int
sv_drm_pssh_clearkey(struct sv_buf *out, const uint8_t (*kids)[16],
                     size_t n)
{
    const struct sv_drm_system *s = sv_drm_system_by_name("clearkey");
    struct sv_boxw w;
    uint8_t sid[16];
    size_t i;

    if (s == NULL || n == 0 || n > SV_DRM_PSSH_MAX_KIDS)
        return SV_EUSAGE;
    if (sv_uuid_parse(s->uuid, sid) < 0)
        return SV_EINTERNAL;
    sv_boxw_init(&w, out);
    sv_boxw_open_full(&w, SV_FOURCC('p', 's', 's', 'h'), 1, 0);
    sv_boxw_bytes(&w, sid, 16);
    sv_boxw_u32(&w, (uint32_t)n);
    for (i = 0; i < n; i++)
        sv_boxw_bytes(&w, kids[i], 16);
    sv_boxw_u32(&w, 0);
    sv_boxw_close(&w);
    return sv_boxw_finish(&w);
}

int
sv_drm_pssh_check(const uint8_t *p, size_t len, uint8_t system[16])
{
    struct sv_box_iter it;
    struct sv_box b;
    struct sv_rd r;
    uint8_t v;
    uint32_t f;
    const uint8_t *sid;

    sv_box_iter_init(&it, p, len, 0);
    if (sv_box_next(&it, &b) != 1 || b.type != SV_FOURCC('p', 's', 's', 'h')
        || b.size != len || sv_box_full(&b, &r, &v, &f) < 0)
        return SV_EFORMAT;
    sid = sv_rd_bytes(&r, 16);
    if (sid == NULL)
        return SV_EFORMAT;
    memcpy(system, sid, 16);
    return 0;
}
