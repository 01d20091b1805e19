/* opt.h -- one option table per tool: parsing, --help, man, completions */
#ifndef SV_OPT_H
#define SV_OPT_H

/* flags of a row */
enum {
    SV_OPT_HIDDEN = 1 << 0,   /* parsed, but not in --help/man/completions */
    SV_OPT_OPTARG = 1 << 1,   /* the value is optional (--name[=value]) */
    SV_OPT_REPEAT = 1 << 2,   /* may be given several times */
};

/*
 * One row per option.  A row with name NULL and help set starts a section
 * ("Output"); the table ends with a row whose name and help are NULL.
 */
struct sv_opt {
    const char *name;       /* long name, without "--" */
    int key;                /* short letter, or a value >= 256 */
    const char *arg;        /* value placeholder ("<dir>"); NULL: a flag */
    const char *help;       /* one line, lower case, no full stop */
    const char *def;        /* default shown in help and man; NULL: none */
    const char *complete;   /* "@file", "@dir", "word word ...", or NULL */
    const char *cmds;       /* subcommands it applies to ("a b"); NULL: all */
    unsigned flags;
};

struct sv_subcmd {
    const char *name;
    const char *args;       /* synopsis after the name: "[options] <dir>" */
    const char *help;       /* one line */
};

struct sv_tool {
    const char *name;                /* "sv-transcode" */
    const char *summary;             /* one line for NAME and --help */
    const char *const *usage;        /* synopsis lines without the name */
    const struct sv_subcmd *cmds;    /* {NULL}-terminated, or NULL */
    const struct sv_opt *opts;
};

/*
 * Called for every option in command-line order with the row's key and its
 * value (NULL for flags).  Returns 0, or a negative code after printing a
 * message with sv_opt_usage_error(), to stop parsing.
 */
typedef int (*sv_opt_cb)(void *ud, int key, const char *arg);

struct sv_opt_result {
    int argc;               /* operands left after the options */
    char **argv;            /* the operands (permuted to the end of argv) */
    const char *cmd;        /* the subcommand, for tools that have them */
    int done;               /* --help/--version/--complete/--man was served */
};

/*
 * Parses argv against t's table plus the common rows (-h/--help,
 * -V/--version, -q/--quiet, -v/--verbose, and the hidden --complete=SHELL
 * and --man=PART).  Sets the log level from -q/-v.  For tools with
 * subcommands, argv[1] names the subcommand.  Returns 0, or SV_EUSAGE after
 * printing one message on stderr (the caller exits with status 2).
 */
int sv_opt_parse(const struct sv_tool *t, int argc, char **argv,
                 sv_opt_cb cb, void *ud, struct sv_opt_result *res);

/*
 * Prints "<tool>: <message>" and a hint to run --help on stderr; returns
 * SV_EUSAGE so callers can "return sv_opt_usage_error(...)".
 */
int sv_opt_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Fails naming both options when a and b were both given. */
int sv_opt_conflict(int have_a, const char *a, int have_b, const char *b);

/* Version string of the toolkit ("0.1.0"). */
const char *sv_version(void);

#endif
