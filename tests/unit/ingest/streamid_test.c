/* streamid_test.c -- lib/ingest/streamid.c */
#include "core/err.h"
#include "ingest/streamid.h"
#include "t.h"

static void
access_control_form(void)
{
    struct sv_streamid s;

    CHECK_INT(sv_streamid_parse("#!::r=live/cam1,m=publish", &s), 0);
    CHECK_STR(s.app, "live");
    CHECK_STR(s.name, "cam1");
    CHECK_STR(s.query, "");
    CHECK_INT(s.mode, SV_SID_PUBLISH);
    CHECK_INT(sv_streamid_parse("#!::u=alice,r=show/x?exp=5&sig=ab,h=h,"
                                "s=123,t=stream", &s), 0);
    CHECK_STR(s.app, "show");
    CHECK_STR(s.name, "x");
    CHECK_STR(s.query, "exp=5&sig=ab");
    CHECK_STR(s.user, "alice");
    CHECK_INT(sv_streamid_parse("#!::r=a/b,m=request", &s), 0);
    CHECK_INT(s.mode, SV_SID_REQUEST);
}

static void
plain_form(void)
{
    struct sv_streamid s;

    CHECK_INT(sv_streamid_parse("cam9", &s), 0);
    CHECK_STR(s.app, "live");
    CHECK_STR(s.name, "cam9");
    CHECK_INT(sv_streamid_parse("/studio/cam-2.hd", &s), 0);
    CHECK_STR(s.app, "studio");
    CHECK_STR(s.name, "cam-2.hd");
}

static void
refused(void)
{
    struct sv_streamid s;

    CHECK_INT(sv_streamid_parse("", &s), SV_EFORMAT);
    CHECK_INT(sv_streamid_parse("#!::m=publish", &s), SV_EFORMAT);
    CHECK_INT(sv_streamid_parse("#!::r=live/x,m=bidirectional", &s),
              SV_EFORMAT);
    CHECK_INT(sv_streamid_parse("#!::r=live/x,t=file", &s), SV_EFORMAT);
    CHECK_INT(sv_streamid_parse("#!::r", &s), SV_EFORMAT);
    CHECK_INT(sv_streamid_parse("live/../etc", &s), SV_EFORMAT);
    CHECK_INT(sv_streamid_parse("live/a/b", &s), SV_EFORMAT);
    CHECK_INT(sv_streamid_parse("live/a b", &s), SV_EFORMAT);
    CHECK_INT(sv_streamid_parse("live/", &s), SV_EFORMAT);
    CHECK_INT(sv_streamid_from_rtmp("live", "..", &s), SV_EFORMAT);
    CHECK_INT(sv_streamid_from_rtmp("li/ve", "x", &s), SV_EFORMAT);
    CHECK_INT(sv_streamid_from_rtmp("live", "k?token=1", &s), 0);
    CHECK_STR(s.name, "k");
    CHECK_STR(s.query, "token=1");
}

int
main(void)
{
    RUN(access_control_form);
    RUN(plain_form);
    RUN(refused);
    return DONE();
}
