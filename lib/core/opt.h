/* opt.h -- one option table per tool: parsing, --help, man, completions */
#ifndef SV_OPT_H
#define SV_OPT_H

#include <stddef.h>
#include <stdint.h>

/* flags of a row */
enum {
    SV_OPT_HIDDEN = 1 << 0,   /* parsed, but not in --help/man/completions */
    SV_OPT_OPTARG = 1 << 1,   /* the value is optional (--name[=value]) */
    SV_OPT_REPEAT = 1 << 2,   /* may be given several times (lists are) */
    SV_OPT_DEFDOC = 1 << 3,   /* def is prose for help, not a value to set */
    SV_OPT_MS = 1 << 4,       /* durations: store milliseconds, rounded up */
};

/* what a row's value is, and so how it is parsed and stored */
enum sv_opt_type {
    SV_OPT_T_NONE,      /* section heading, end, or a common row */
    SV_OPT_T_FLAG,      /* no value: *(int *)dest = 1 */
    SV_OPT_T_INT,       /* decimal in [min, max] into int or int64_t */
    SV_OPT_T_SIZE,      /* 64K, 2M, 1G (sv_parse_size) in [min, max] */
    SV_OPT_T_BITRATE,   /* 128k, 5M (sv_parse_bitrate) in [min, max] */
    SV_OPT_T_DURATION,  /* 500ms, 2s, 1h (sv_parse_duration), us in range */
    SV_OPT_T_CHOICE,    /* one of the words of complete: its index (int) */
    SV_OPT_T_WORD,      /* one of the words of complete: the string */
    SV_OPT_T_STRING,    /* any string: *(const char **)dest */
    SV_OPT_T_LIST,      /* repeatable string: dest[(*count)++], max items */
    SV_OPT_T_CALLBACK,  /* cb does all the work */
};

struct sv_opt;

/*
 * A row's custom handling.  On a CALLBACK row it parses and stores the
 * value; on a typed row it runs first, as a check: it returns 0 to let the
 * row store the value, 1 when it stored it itself, or a negative code after
 * printing a message with sv_opt_usage_error() to stop parsing.
 */
typedef int (*sv_opt_cb)(const struct sv_opt *o, const char *arg);

/*
 * One row per option.  A row with name NULL and help set starts a section
 * ("Output"); the table ends with a row whose name and help are NULL.  The
 * default, written once in def, is parsed into dest before the command line
 * (unless SV_OPT_DEFDOC) and shown by --help and the man page.
 */
struct sv_opt {
    const char *name;       /* long name, without "--" */
    int key;                /* short letter, or 0 */
    const char *arg;        /* value placeholder ("<dir>"); NULL: a flag */
    const char *help;       /* one line, lower case, no full stop */
    const char *def;        /* default value; NULL: none */
    const char *complete;   /* "@file", "@dir", "word word ...", or NULL */
    const char *cmds;       /* subcommands it applies to ("a b"); NULL: all */
    unsigned flags;
    enum sv_opt_type type;
    void *dest;             /* where the value goes */
    size_t size;            /* sizeof *dest (integers: 4 or 8 bytes) */
    int *count;             /* LIST: items in dest so far */
    int64_t min, max;       /* INT, SIZE, BITRATE, DURATION (us); LIST: max */
    sv_opt_cb cb;
};

/*
 * Row constructors, as git's OPT_INTEGER(): they name the fields they set,
 * so a row may add .complete, .cmds, .flags or .cb after them:
 *   { SV_OPT_STRING("key", 0, "<file>", "key document", NULL, &a.key),
 *     .complete = "@file" },
 */
#define SV_OPT_SECTION(title) { .help = (title) }
#define SV_OPT_END { .name = NULL }
#define SV_OPT_FLAG(l, s, h, d)                                            \
    .name = (l), .key = (s), .help = (h), .type = SV_OPT_T_FLAG,           \
    .dest = (d), .size = sizeof(*(d))
#define SV_OPT_INT(l, s, a, h, df, lo, hi, d)                              \
    .name = (l), .key = (s), .arg = (a), .help = (h), .def = (df),         \
    .type = SV_OPT_T_INT, .dest = (d), .size = sizeof(*(d)), .min = (lo),  \
    .max = (hi)
#define SV_OPT_SIZE(l, s, h, df, lo, hi, d)                                \
    .name = (l), .key = (s), .arg = "<size>", .help = (h), .def = (df),    \
    .type = SV_OPT_T_SIZE, .dest = (d), .size = sizeof(*(d)), .min = (lo), \
    .max = (hi)
#define SV_OPT_BITRATE(l, s, h, df, lo, hi, d)                             \
    .name = (l), .key = (s), .arg = "<rate>", .help = (h), .def = (df),    \
    .type = SV_OPT_T_BITRATE, .dest = (d), .size = sizeof(*(d)),           \
    .min = (lo), .max = (hi)
#define SV_OPT_DURATION(l, s, h, df, lo, hi, d)                            \
    .name = (l), .key = (s), .arg = "<duration>", .help = (h),             \
    .def = (df), .type = SV_OPT_T_DURATION, .dest = (d),                   \
    .size = sizeof(*(d)), .min = (lo), .max = (hi)
#define SV_OPT_CHOICE(l, s, a, h, df, words, d)                            \
    .name = (l), .key = (s), .arg = (a), .help = (h), .def = (df),         \
    .complete = (words), .type = SV_OPT_T_CHOICE, .dest = (d),             \
    .size = sizeof(*(d))
#define SV_OPT_WORD(l, s, a, h, df, words, d)                              \
    .name = (l), .key = (s), .arg = (a), .help = (h), .def = (df),         \
    .complete = (words), .type = SV_OPT_T_WORD, .dest = (d),               \
    .size = sizeof(*(d))
#define SV_OPT_STRING(l, s, a, h, df, d)                                   \
    .name = (l), .key = (s), .arg = (a), .help = (h), .def = (df),         \
    .type = SV_OPT_T_STRING, .dest = (d), .size = sizeof(*(d))
#define SV_OPT_LIST(l, s, a, h, d, n, most)                                \
    .name = (l), .key = (s), .arg = (a), .help = (h), .type = SV_OPT_T_LIST, \
    .dest = (d), .size = sizeof(*(d)), .count = (n), .max = (most)
#define SV_OPT_CALLBACK(l, s, a, h, df, fn, d)                             \
    .name = (l), .key = (s), .arg = (a), .help = (h), .def = (df),         \
    .type = SV_OPT_T_CALLBACK, .cb = (fn), .dest = (d),                    \
    .size = sizeof(*(d))

/*
 * --events, the same row in every tool that emits JSON events: where they
 * go (a path, fd:N, or - for stdout); d is a const char **.
 */
#define SV_OPT_EVENTS(df, d)                                               \
    SV_OPT_STRING("events", 0, "<path|fd:N|->",                            \
                  "write JSON events to a path, fd:N or - (stdout)", df, d), \
    .complete = "@file"

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

#define SV_OPT_MAX_ROWS 128

struct sv_opt_result {
    int argc;               /* operands left after the options */
    char **argv;            /* the operands (permuted to the end of argv) */
    const char *cmd;        /* the subcommand, for tools that have them */
    int done;               /* --help/--version/--complete/--man was served */
    const struct sv_tool *tool;
    unsigned char given[SV_OPT_MAX_ROWS];   /* times each row was given */
};

/*
 * Sets the defaults of t's rows, then parses argv against the rows plus the
 * common ones (-h/--help, -V/--version, -q/--quiet, -v/--verbose, and the
 * hidden --complete=SHELL and --man=PART), storing each value where its
 * row points.  Sets the log level from -q/-v.  For tools with subcommands,
 * argv[1] names the subcommand.  Returns 0, or SV_EUSAGE after printing one
 * message on stderr (the caller exits with status 2).
 */
int sv_opt_parse(const struct sv_tool *t, int argc, char **argv,
                 struct sv_opt_result *res);

/* How many times the option of that long name was on the command line. */
int sv_opt_given(const struct sv_opt_result *res, const char *name);

/*
 * Prints "<tool>: <message>" and a hint to run --help on stderr; returns
 * SV_EUSAGE so callers can "return sv_opt_usage_error(...)".
 */
int sv_opt_usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/*
 * Fails naming both options when a and b were both given; a and b are long
 * names without the dashes ("exec"), optionally with a value ("segments ts").
 */
int sv_opt_conflict(int have_a, const char *a, int have_b, const char *b);

/*
 * Opens the --events destination (sv_event_open()); a place that cannot
 * be opened is a usage error: "bad --events 'x': <reason>", SV_EUSAGE.
 */
int sv_opt_events_open(const char *where);

/* Version string of the toolkit ("0.1.0"). */
const char *sv_version(void);

#endif
