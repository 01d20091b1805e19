/* afile_test.c -- lib/core/afile.c and lib/core/json.c */
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/afile.h"
#include "core/err.h"
#include "core/json.h"
#include "t.h"

static char dir[] = "/tmp/sv-afile-XXXXXX";

static int
entries(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") != 0 &&
                                    strcmp(e->d_name, "..") != 0))
            n++;
    closedir(d);
    return n;
}

static void
commit_and_abort(void)
{
    struct sv_afile f = SV_AFILE_INIT;
    char path[256];
    struct stat st;

    snprintf(path, sizeof(path), "%s/a.txt", dir);
    CHECK_INT(sv_afile_open(&f, path, 0644), 0);
    CHECK_INT(sv_afile_write(&f, "hello", 5), 0);
    /* nothing under the final name until commit */
    CHECK(stat(path, &st) < 0);
    CHECK_INT(sv_afile_commit(&f, 1), 0);
    CHECK(stat(path, &st) == 0 && st.st_size == 5);

    CHECK_INT(sv_afile_open(&f, path, 0644), 0);
    CHECK_INT(sv_afile_write(&f, "x", 1), 0);
    sv_afile_abort(&f);
    sv_afile_abort(&f);
    CHECK(stat(path, &st) == 0 && st.st_size == 5);
    CHECK_INT(entries(), 1);
    unlink(path);
}

static void
json_round_trip(void)
{
    char path[256], err[256];
    json_t *in, *out = NULL;

    snprintf(path, sizeof(path), "%s/b.json", dir);
    in = json_pack("{s:i, s:[s]}", "a", 1, "b", "x");
    CHECK_INT(sv_json_write_file(path, in, 1), 0);
    CHECK_INT(sv_json_read_file(path, 1 << 20, &out, err, sizeof(err)), 0);
    CHECK(out != NULL && json_equal(in, out));
    json_decref(out);
    CHECK_INT(sv_json_read_file(path, 4, &out, err, sizeof(err)), SV_ELIMIT);
    CHECK_INT(sv_afile_put(path, "{bad", 4, 0644), 0);
    CHECK_INT(sv_json_read_file(path, 1 << 20, &out, err, sizeof(err)),
              SV_EFORMAT);
    CHECK(strstr(err, "is not valid JSON") != NULL);
    json_decref(in);
    unlink(path);
}

static void
mkdir_parents(void)
{
    char path[256];
    struct stat st;

    snprintf(path, sizeof(path), "%s/x/y/z", dir);
    CHECK_INT(sv_mkdir_p(path), 0);
    CHECK_INT(sv_mkdir_p(path), 0);
    CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
    rmdir(path);
    snprintf(path, sizeof(path), "%s/x/y", dir);
    rmdir(path);
    snprintf(path, sizeof(path), "%s/x", dir);
    rmdir(path);
}

int
main(void)
{
    if (mkdtemp(dir) == NULL)
        return 1;
    RUN(commit_and_abort);
    RUN(json_round_trip);
    RUN(mkdir_parents);
    rmdir(dir);
    return DONE();
}
