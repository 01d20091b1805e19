/* exit.h -- the exit statuses every sv tool uses (see the man pages) */
#ifndef SV_EXIT_H
#define SV_EXIT_H

enum {
    SV_EXIT_OK = 0,       /* success */
    SV_EXIT_FAIL = 1,     /* the work failed */
    SV_EXIT_USAGE = 2,    /* usage error: bad option, argument or combination */
    SV_EXIT_PARTIAL = 3,  /* some of several independent jobs failed */
};

#endif
