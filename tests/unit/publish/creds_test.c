/* creds_test.c -- lib/publish/creds.c: the platforms' credentials file */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/json.h"
#include "publish/creds.h"
#include "t.h"

static char dir[] = "/tmp/creds_test.XXXXXX";
static char path[256];

static void
write_file(const char *text, int mode)
{
    FILE *f = fopen(path, "w");

    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static void
a_missing_file_is_empty_and_is_created_0600_on_update(void)
{
    struct sv_creds *s = NULL;
    char err[512], buf[64];
    struct stat sb;
    json_t *o;

    unlink(path);
    CHECK_INT(sv_creds_open(path, &s, err, sizeof(err)), 0);
    CHECK_INT(sv_creds_get(s, "youtube", "access_token", buf, sizeof(buf)),
              -ENOENT);
    CHECK_INT(sv_creds_update(s, "youtube", json_pack("{s:s,s:I}",
                                                      "refresh_token", "r1",
                                                      "expires_at",
                                                      (json_int_t)42),
                              err, sizeof(err)), 0);
    CHECK_INT(sv_creds_get(s, "youtube", "refresh_token", buf, sizeof(buf)),
              0);
    CHECK_STR(buf, "r1");
    CHECK(sv_creds_get_int(s, "youtube", "expires_at") == 42);
    sv_creds_free(s);
    CHECK_INT(stat(path, &sb), 0);
    CHECK_INT((int)(sb.st_mode & 0777), 0600);
    CHECK_INT(sv_json_read_file(path, 4096, &o, err, sizeof(err)), 0);
    CHECK_STR(json_string_value(json_object_get(json_object_get(o, "youtube"),
                                                "refresh_token")), "r1");
    json_decref(o);
}

static void
an_update_keeps_other_fields_and_platforms(void)
{
    struct sv_creds *s = NULL;
    char err[512], buf[64];

    write_file("{\"tiktok\":{\"client_id\":\"k\",\"refresh_token\":\"old\"},"
               "\"vimeo\":{\"access_token\":\"v\"}}", 0600);
    CHECK_INT(sv_creds_open(path, &s, err, sizeof(err)), 0);
    CHECK_INT(sv_creds_update(s, "tiktok", json_pack("{s:s}", "refresh_token",
                                                     "new"),
                              err, sizeof(err)), 0);
    sv_creds_free(s);
    /* read back from disk, as the next run does */
    CHECK_INT(sv_creds_open(path, &s, err, sizeof(err)), 0);
    CHECK_INT(sv_creds_get(s, "tiktok", "refresh_token", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "new");
    CHECK_INT(sv_creds_get(s, "tiktok", "client_id", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "k");
    CHECK_INT(sv_creds_get(s, "vimeo", "access_token", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "v");
    CHECK_INT(sv_creds_get(s, "tiktok", "client_id", buf, 1), SV_ELIMIT);
    sv_creds_free(s);
}

static void
the_environment_wins_over_the_file(void)
{
    struct sv_creds *s = NULL;
    char err[512], buf[64];

    write_file("{\"vimeo\":{\"client_secret\":\"file\"}}", 0600);
    setenv("SV_VIMEO_CLIENT_SECRET", "env", 1);
    CHECK_INT(sv_creds_open(path, &s, err, sizeof(err)), 0);
    CHECK_INT(sv_creds_get(s, "vimeo", "client_secret", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "env");
    unsetenv("SV_VIMEO_CLIENT_SECRET");
    CHECK_INT(sv_creds_get(s, "vimeo", "client_secret", buf, sizeof(buf)), 0);
    CHECK_STR(buf, "file");
    sv_creds_free(s);
}

static void
refuses_files_others_can_read_and_bad_json(void)
{
    struct sv_creds *s = NULL;
    char err[512];

    write_file("{}", 0640);
    CHECK_INT(sv_creds_open(path, &s, err, sizeof(err)), SV_EAUTH);
    CHECK(strstr(err, "readable by others (mode 640)") != NULL);
    write_file("[1]", 0600);
    CHECK_INT(sv_creds_open(path, &s, err, sizeof(err)), SV_EFORMAT);
    write_file("{", 0600);
    CHECK(sv_creds_open(path, &s, err, sizeof(err)) < 0);
    CHECK(s == NULL);
}

int
main(void)
{
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(path, sizeof(path), "%s/sub/creds.json", dir);
    RUN(a_missing_file_is_empty_and_is_created_0600_on_update);
    snprintf(path, sizeof(path), "%s/creds.json", dir);
    RUN(an_update_keeps_other_fields_and_platforms);
    RUN(the_environment_wins_over_the_file);
    RUN(refuses_files_others_can_read_and_bad_json);
    unlink(path);
    snprintf(path, sizeof(path), "%s/sub/creds.json", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/sub", dir);
    rmdir(path);
    rmdir(dir);
    return DONE();
}
