/* scan.c -- the local files of a publish: walked, named, sorted */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/err.h"
#include "model/filekind.h"
#include "publish/publish.h"

#define SCAN_MAX_FILES 1000000
#define SCAN_MAX_DEPTH 32

static int
add(struct sv_publish_files *fl, int *cap, const char *path,
    const char *rel, int64_t size)
{
    struct sv_publish_file *f;

    if (fl->n == *cap) {
        int nc = *cap ? *cap * 2 : 64;
        void *p;

        if (nc > SCAN_MAX_FILES)
            return SV_ELIMIT;
        p = realloc(fl->f, nc * sizeof(*fl->f));
        if (p == NULL)
            return -ENOMEM;
        fl->f = p;
        *cap = nc;
    }
    f = &fl->f[fl->n];
    f->path = strdup(path);
    f->rel = strdup(rel);
    if (f->path == NULL || f->rel == NULL) {
        free(f->path);
        free(f->rel);
        return -ENOMEM;
    }
    f->size = size;
    f->rank = sv_filekind_rank(rel);
    fl->n++;
    return 0;
}

static int
walk(struct sv_publish_files *fl, int *cap, const char *dir,
     const char *rel, int depth, char *err, size_t size)
{
    char path[PATH_MAX], sub[PATH_MAX];
    struct dirent *d;
    struct stat sb;
    DIR *dp;
    int rc = 0;

    if (depth > SCAN_MAX_DEPTH) {
        snprintf(err, size, "'%s' is nested too deep", dir);
        return SV_ELIMIT;
    }
    dp = opendir(dir);
    if (dp == NULL) {
        rc = -errno;
        snprintf(err, size, "cannot read '%s': %s", dir, sv_strerror(rc));
        return rc;
    }
    while ((d = readdir(dp)) != NULL) {
        if (d->d_name[0] == '.')
            continue;       /* dotfiles: temporary files of writers */
        if (snprintf(path, sizeof(path), "%s/%s", dir, d->d_name) >=
                (int)sizeof(path) ||
            snprintf(sub, sizeof(sub), "%s%s%s", rel, rel[0] ? "/" : "",
                     d->d_name) >= (int)sizeof(sub)) {
            snprintf(err, size, "path too long in '%s'", dir);
            rc = SV_ELIMIT;
            break;
        }
        if (stat(path, &sb) < 0) {
            if (errno == ENOENT)
                continue;   /* removed while we looked */
            rc = -errno;
            snprintf(err, size, "cannot stat '%s': %s", path,
                     sv_strerror(rc));
            break;
        }
        if (S_ISDIR(sb.st_mode))
            rc = walk(fl, cap, path, sub, depth + 1, err, size);
        else if (S_ISREG(sb.st_mode))
            rc = add(fl, cap, path, sub, sb.st_size);
        if (rc < 0) {
            if (err[0] == '\0')
                snprintf(err, size, "cannot list '%s': %s", dir,
                         sv_strerror(rc));
            break;
        }
    }
    closedir(dp);
    return rc;
}

static int
file_cmp(const void *a, const void *b)
{
    return strcmp(((const struct sv_publish_file *)a)->rel,
                  ((const struct sv_publish_file *)b)->rel);
}

int
sv_publish_scan(char *const *paths, int n, struct sv_publish_files *out,
                char *err, size_t size)
{
    struct sv_publish_files fl = { NULL, 0 };
    struct stat sb;
    int i, cap = 0, rc = 0;

    err[0] = '\0';
    for (i = 0; i < n && rc == 0; i++) {
        char dir[PATH_MAX];
        const char *base;
        size_t len = strlen(paths[i]);

        if (stat(paths[i], &sb) < 0) {
            rc = -errno;
            snprintf(err, size, "cannot open '%s': %s", paths[i],
                     sv_strerror(rc));
            break;
        }
        if (S_ISDIR(sb.st_mode)) {
            snprintf(dir, sizeof(dir), "%s", paths[i]);
            while (len > 1 && dir[len - 1] == '/')
                dir[--len] = '\0';
            rc = walk(&fl, &cap, dir, "", 0, err, size);
        } else if (S_ISREG(sb.st_mode)) {
            base = strrchr(paths[i], '/');
            base = base != NULL ? base + 1 : paths[i];
            rc = add(&fl, &cap, paths[i], base, sb.st_size);
            if (rc < 0)
                snprintf(err, size, "cannot add '%s': %s", paths[i],
                         sv_strerror(rc));
        } else {
            rc = SV_EFORMAT;
            snprintf(err, size, "'%s' is not a file or a directory",
                     paths[i]);
        }
    }
    if (rc == 0 && fl.n > 1) {
        qsort(fl.f, fl.n, sizeof(*fl.f), file_cmp);
        for (i = 1; i < fl.n; i++)
            if (strcmp(fl.f[i - 1].rel, fl.f[i].rel) == 0) {
                snprintf(err, size, "'%s' and '%s' would both be '%s'",
                         fl.f[i - 1].path, fl.f[i].path, fl.f[i].rel);
                rc = SV_EUSAGE;
                break;
            }
    }
    if (rc < 0) {
        sv_publish_files_free(&fl);
        return rc;
    }
    *out = fl;
    return 0;
}

void
sv_publish_files_free(struct sv_publish_files *fl)
{
    int i;

    for (i = 0; i < fl->n; i++) {
        free(fl->f[i].path);
        free(fl->f[i].rel);
    }
    free(fl->f);
    fl->f = NULL;
    fl->n = 0;
}
