/* opt.c -- getopt_long, --help, man page parts and completions from a table */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/event.h"
#include "core/log.h"
#include "core/opt.h"
#include "core/parse.h"

#ifndef SV_VERSION
#define SV_VERSION "0.0.0"
#endif

enum {
    KEY_HELP = 'h',
    KEY_VERSION = 'V',
    KEY_QUIET = 'q',
    KEY_VERBOSE = 'v',
    KEY_COMPLETE = 0x7f00,
    KEY_MAN,
    KEY_ROW = 0x8000,       /* + index: a tool row without a short letter */
};

/* rows every tool has; appended after the tool's own */
static const struct sv_opt common[] = {
    SV_OPT_SECTION("General"),
    { .name = "quiet", .key = 'q', .help = "print errors only" },
    { .name = "verbose", .key = 'v', .help = "print more detail (repeat for "
      "more)", .flags = SV_OPT_REPEAT },
    { .name = "help", .key = 'h', .help = "show this help and exit" },
    { .name = "version", .key = 'V', .help = "show the version and exit" },
    { .name = "complete", .key = KEY_COMPLETE, .arg = "<shell>",
      .help = "print a completion script", .complete = "bash zsh fish",
      .flags = SV_OPT_HIDDEN },
    { .name = "man", .key = KEY_MAN, .arg = "<part>",
      .help = "print generated man page sections",
      .complete = "head options", .flags = SV_OPT_HIDDEN },
    SV_OPT_END,
};

const char *
sv_version(void)
{
    return SV_VERSION;
}

/* a short letter, and repeatable (lists always are) */
#define SHORT(o) ((o)->key > 0 && (o)->key < 256)
#define REPEATS(o) \
    (((o)->flags & SV_OPT_REPEAT) || (o)->type == SV_OPT_T_LIST)

static int
is_end(const struct sv_opt *o)
{
    return o->name == NULL && o->help == NULL;
}

/* Calls fn on every row (tool's then common), sections included. */
#define FOR_ROWS(t, o)                                                     \
    for (int pass_ = 0; pass_ < 2; pass_++)                                \
        for (const struct sv_opt *o = pass_ == 0 ? (t)->opts : common;     \
             o != NULL && !is_end(o); o++)

static int
applies(const struct sv_opt *o, const char *cmd)
{
    const char *p;
    size_t n;

    if (o->cmds == NULL || cmd == NULL)
        return 1;
    n = strlen(cmd);
    for (p = o->cmds; (p = strstr(p, cmd)) != NULL; p += n)
        if ((p == o->cmds || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    return 0;
}

int
sv_opt_usage_error(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: %s\n", sv_log_tool(), msg);
    fprintf(stderr, "Try '%s --help' for more information.\n", sv_log_tool());
    return SV_EUSAGE;
}

int
sv_opt_conflict(int have_a, const char *a, int have_b, const char *b)
{
    if (have_a && have_b)
        return sv_opt_usage_error("options --%s and --%s cannot be used "
                                  "together", a, b);
    return 0;
}

/* ---- --help ---------------------------------------------------------- */

static void
print_help(const struct sv_tool *t, const char *cmd)
{
    const struct sv_subcmd *c;
    const char *const *u;
    const char *heading = NULL;
    char left[96];
    int first = 1;

    if (cmd != NULL) {
        for (c = t->cmds; c->name != NULL; c++)
            if (strcmp(c->name, cmd) == 0)
                break;
        printf("usage: %s %s %s\n\n%s\n", t->name, cmd,
               c->name != NULL ? c->args : "", c->name != NULL ? c->help : "");
    } else {
        for (u = t->usage; u != NULL && *u != NULL; u++) {
            printf("%s %s %s\n", first ? "usage:" : "      ", t->name, *u);
            first = 0;
        }
        printf("\n%s\n", t->summary);
        if (t->cmds != NULL) {
            printf("\nCommands:\n");
            for (c = t->cmds; c->name != NULL; c++)
                printf("  %-28s %s\n", c->name, c->help);
        }
    }
    FOR_ROWS(t, o) {
        if (o->flags & SV_OPT_HIDDEN)
            continue;
        if (o->name == NULL) {
            heading = o->help;  /* printed with its first row that applies */
            continue;
        }
        if (!applies(o, cmd))
            continue;
        if (heading != NULL) {
            printf("\n%s:\n", heading);
            heading = NULL;
        }
        snprintf(left, sizeof(left), "%s%c%s--%s%s%s%s%s",
                 SHORT(o) ? "-" : "    ",
                 SHORT(o) ? o->key : ' ', SHORT(o) ? ", " : "",
                 o->name, o->arg == NULL ? "" : (o->flags & SV_OPT_OPTARG)
                                                    ? "[=" : " ",
                 o->arg == NULL ? "" : o->arg,
                 (o->flags & SV_OPT_OPTARG) ? "]" : "", "");
        /* "-o, --x" vs "    --x": drop the stray space of the letterless */
        if (!SHORT(o))
            memmove(left + 4, left + 5, strlen(left + 5) + 1);
        if (strlen(left) > 28)
            printf("  %s\n  %-28s %s", left, "", o->help);
        else
            printf("  %-28s %s", left, o->help);
        if (o->def != NULL)
            printf(" (default: %s)", o->def);
        if (o->type == SV_OPT_T_LIST)
            printf(" (repeatable)");
        printf("\n");
    }
    if (cmd == NULL && t->cmds != NULL)
        printf("\nRun '%s <command> --help' for a command's options.\n",
               t->name);
    printf("\nSee %s(1) for details and exit status.\n", t->name);
}

/* ---- man page parts ---------------------------------------------------- */

static void
roff(const char *s)
{
    /* escape what roff would take as a request or an escape */
    if (*s == '.' || *s == '\'')
        fputs("\\&", stdout);
    for (; *s != '\0'; s++) {
        if (*s == '\\')
            fputs("\\e", stdout);
        else if (*s == '-')
            fputs("\\-", stdout);
        else
            putchar(*s);
    }
}

static void
print_man(const struct sv_tool *t, const char *part)
{
    const struct sv_subcmd *c;
    const char *const *u;

    if (strcmp(part, "head") == 0) {
        printf(".\\\" generated from the option table by '%s --man=head';"
               " DO NOT EDIT\n", t->name);
        printf(".SH NAME\n%s \\- ", t->name);
        roff(t->summary);
        printf("\n.SH SYNOPSIS\n");
        for (u = t->usage; u != NULL && *u != NULL; u++) {
            printf(".B %s\n", t->name);
            roff(*u);
            printf("\n.br\n");
        }
        return;
    }
    printf(".\\\" generated from the option table by '%s --man=options';"
           " DO NOT EDIT\n", t->name);
    if (t->cmds != NULL) {
        printf(".SH COMMANDS\n");
        for (c = t->cmds; c->name != NULL; c++) {
            printf(".TP\n.B %s ", c->name);
            roff(c->args);
            printf("\n");
            roff(c->help);
            printf("\n");
        }
    }
    printf(".SH OPTIONS\n");
    FOR_ROWS(t, o) {
        if (o->flags & SV_OPT_HIDDEN)
            continue;
        if (o->name == NULL) {
            printf(".SS ");
            roff(o->help);
            printf("\n");
            continue;
        }
        printf(".TP\n");
        if (SHORT(o))
            printf("\\fB\\-%c\\fR, ", o->key);
        printf("\\fB\\-\\-");
        roff(o->name);
        printf("\\fR");
        if (o->arg != NULL) {
            printf((o->flags & SV_OPT_OPTARG) ? "[=\\fI" : " \\fI");
            roff(o->arg);
            printf((o->flags & SV_OPT_OPTARG) ? "\\fR]" : "\\fR");
        }
        printf("\n");
        roff(o->help);
        if (o->def != NULL) {
            printf(" (default: ");
            roff(o->def);
            printf(")");
        }
        if (o->cmds != NULL) {
            printf(" [");
            roff(o->cmds);
            printf("]");
        }
        if (REPEATS(o))
            printf("; may be repeated");
        printf(".\n");
    }
}

/* ---- completions ----------------------------------------------------- */

static void
ident(const char *name)
{
    for (; *name != '\0'; name++)
        putchar(*name == '-' ? '_' : *name);
}

/* prints s for use inside single quotes of the given shell */
static void
squote(const char *s, int zsh)
{
    for (; *s != '\0'; s++) {
        if (*s == '\'')
            fputs("'\\''", stdout);
        else if (zsh && (*s == '[' || *s == ']' || *s == ':'))
            printf("\\%c", *s);
        else
            putchar(*s);
    }
}

static void
complete_bash(const struct sv_tool *t)
{
    const struct sv_subcmd *c;

    printf("# bash completion for %s -- generated by '%s --complete=bash';"
           " DO NOT EDIT\n", t->name, t->name);
    printf("_");
    ident(t->name);
    printf("()\n{\n    local cur=${COMP_WORDS[COMP_CWORD]}"
           " prev=${COMP_WORDS[COMP_CWORD-1]}\n");
    printf("    case $prev in\n");
    FOR_ROWS(t, o) {
        if (o->name == NULL || (o->flags & SV_OPT_HIDDEN) || o->arg == NULL ||
            (o->flags & SV_OPT_OPTARG))
            continue;
        printf("    ");
        if (SHORT(o))
            printf("-%c|", o->key);
        printf("--%s)\n", o->name);
        if (o->complete == NULL)
            printf("        COMPREPLY=()\n");
        else if (strcmp(o->complete, "@file") == 0)
            printf("        COMPREPLY=($(compgen -f -- \"$cur\"))\n");
        else if (strcmp(o->complete, "@dir") == 0)
            printf("        COMPREPLY=($(compgen -d -- \"$cur\"))\n");
        else
            printf("        COMPREPLY=($(compgen -W '%s' -- \"$cur\"))\n",
                   o->complete);
        printf("        return ;;\n");
    }
    printf("    esac\n");
    printf("    if [[ $cur == -* ]]; then\n        COMPREPLY=($(compgen -W '");
    FOR_ROWS(t, o) {
        if (o->name != NULL && !(o->flags & SV_OPT_HIDDEN))
            printf("--%s ", o->name);
    }
    printf("' -- \"$cur\"))\n        return\n    fi\n");
    if (t->cmds != NULL) {
        printf("    if ((COMP_CWORD == 1)); then\n"
               "        COMPREPLY=($(compgen -W '");
        for (c = t->cmds; c->name != NULL; c++)
            printf("%s ", c->name);
        printf("' -- \"$cur\"))\n        return\n    fi\n");
    }
    printf("    COMPREPLY=($(compgen -f -- \"$cur\"))\n}\n");
    printf("complete -o filenames -F _");
    ident(t->name);
    printf(" %s\n", t->name);
}

static void
complete_zsh(const struct sv_tool *t)
{
    const struct sv_subcmd *c;

    printf("#compdef %s\n# zsh completion for %s -- generated by"
           " '%s --complete=zsh'; DO NOT EDIT\n", t->name, t->name, t->name);
    printf("_arguments -s -S \\\n");
    FOR_ROWS(t, o) {
        if (o->name == NULL || (o->flags & SV_OPT_HIDDEN))
            continue;
        printf("  ");
        if (REPEATS(o))
            printf("'*'");
        if (SHORT(o) && !REPEATS(o))
            printf("'(-%c --%s)'", o->key, o->name);
        if (SHORT(o))
            printf("{-%c%s,--%s%s}", o->key,
                   o->arg != NULL && !(o->flags & SV_OPT_OPTARG) ? "+" : "",
                   o->name,
                   o->arg == NULL ? "" : (o->flags & SV_OPT_OPTARG) ? "=-"
                                                                    : "=");
        else
            printf("'--%s%s'", o->name,
                   o->arg == NULL ? "" : (o->flags & SV_OPT_OPTARG) ? "=-"
                                                                    : "=");
        printf("'[");
        squote(o->help, 1);
        printf("]");
        if (o->arg != NULL) {
            printf(":");
            squote(o->arg, 1);
            printf(":");
            if (o->complete == NULL)
                printf(" ");
            else if (strcmp(o->complete, "@file") == 0)
                printf("_files");
            else if (strcmp(o->complete, "@dir") == 0)
                printf("_files -/");
            else
                printf("(%s)", o->complete);
        }
        printf("' \\\n");
    }
    if (t->cmds != NULL) {
        printf("  '1:command:((");
        for (c = t->cmds; c->name != NULL; c++) {
            printf("%s\\:\"", c->name);
            squote(c->help, 1);
            printf("\" ");
        }
        printf("))' \\\n");
    }
    printf("  '*:file:_files'\n");
}

static void
complete_fish(const struct sv_tool *t)
{
    const struct sv_subcmd *c;

    printf("# fish completion for %s -- generated by '%s --complete=fish';"
           " DO NOT EDIT\n", t->name, t->name);
    if (t->cmds != NULL) {
        for (c = t->cmds; c->name != NULL; c++) {
            printf("complete -c %s -n __fish_use_subcommand -f -a %s -d '",
                   t->name, c->name);
            squote(c->help, 0);
            printf("'\n");
        }
    }
    FOR_ROWS(t, o) {
        if (o->name == NULL || (o->flags & SV_OPT_HIDDEN))
            continue;
        printf("complete -c %s", t->name);
        if (o->cmds != NULL)
            printf(" -n '__fish_seen_subcommand_from %s'", o->cmds);
        if (SHORT(o))
            printf(" -s %c", o->key);
        printf(" -l %s", o->name);
        if (o->arg != NULL) {
            if (o->complete == NULL)
                printf(" -x");
            else if (strcmp(o->complete, "@file") == 0)
                printf(" -r -F");
            else if (strcmp(o->complete, "@dir") == 0)
                printf(" -x -a '(__fish_complete_directories)'");
            else
                printf(" -x -a '%s'", o->complete);
        }
        printf(" -d '");
        squote(o->help, 0);
        printf("'\n");
    }
}

/* ---- values ---------------------------------------------------------- */

/* "64K", "1M", or bytes: the largest binary unit that divides v */
static void
fmt_size(char *buf, size_t size, int64_t v)
{
    static const char units[] = "GMK";
    int64_t m = (int64_t)1 << 30;
    int i;

    for (i = 0; i < 3; i++, m >>= 10)
        if (v >= m && v % m == 0) {
            snprintf(buf, size, "%lld%c", (long long)(v / m), units[i]);
            return;
        }
    snprintf(buf, size, "%lld", (long long)v);
}

/* "8k", "5M", or bits per second */
static void
fmt_bitrate(char *buf, size_t size, int64_t v)
{
    if (v >= 1000000 && v % 1000000 == 0)
        snprintf(buf, size, "%lldM", (long long)(v / 1000000));
    else if (v >= 1000 && v % 1000 == 0)
        snprintf(buf, size, "%lldk", (long long)(v / 1000));
    else
        snprintf(buf, size, "%lld", (long long)v);
}

/* "100ms", "60s", "1h": the largest unit that divides v (microseconds) */
static void
fmt_duration(char *buf, size_t size, int64_t v)
{
    static const struct {
        const char *unit;
        int64_t us;
    } units[] = {
        { "h", 3600000000LL }, { "m", 60000000LL }, { "s", 1000000 },
        { "ms", 1000 }, { "us", 1 },
    };
    size_t i;

    for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (v >= units[i].us && v % units[i].us == 0) {
            snprintf(buf, size, "%lld%s", (long long)(v / units[i].us),
                     units[i].unit);
            return;
        }
    snprintf(buf, size, "%lld", (long long)v);
}

/* The one message for a value out of its kind or range. */
static int
bad_range(const struct sv_opt *o, const char *arg)
{
    void (*fmt)(char *, size_t, int64_t);
    const char *kind;
    char lo[32], hi[32];

    switch (o->type) {
    case SV_OPT_T_INT:
        if (o->max == INT64_MAX)
            return sv_opt_usage_error("bad --%s '%s': expected an integer "
                                      "of at least %lld", o->name, arg,
                                      (long long)o->min);
        return sv_opt_usage_error("bad --%s '%s': expected an integer from "
                                  "%lld to %lld", o->name, arg,
                                  (long long)o->min, (long long)o->max);
    case SV_OPT_T_SIZE:
        fmt = fmt_size;
        kind = "a size";
        break;
    case SV_OPT_T_BITRATE:
        fmt = fmt_bitrate;
        kind = "a bitrate";
        break;
    default:
        fmt = fmt_duration;
        kind = "a duration";
        break;
    }
    fmt(lo, sizeof(lo), o->min);
    fmt(hi, sizeof(hi), o->max);
    if (o->min <= 0 && o->max == INT64_MAX)
        return sv_opt_usage_error("bad --%s '%s': expected %s such as %s",
                                  o->name, arg, kind,
                                  o->type == SV_OPT_T_SIZE ? "64K or 8M"
                                  : o->type == SV_OPT_T_BITRATE
                                  ? "128k or 5M" : "500ms, 10s or 1h");
    if (o->min == 1 && o->max == INT64_MAX)
        return sv_opt_usage_error("bad --%s '%s': expected %s above zero",
                                  o->name, arg, kind);
    if (o->max == INT64_MAX)
        return sv_opt_usage_error("bad --%s '%s': expected %s of at least "
                                  "%s", o->name, arg, kind, lo);
    return sv_opt_usage_error("bad --%s '%s': expected %s from %s to %s",
                              o->name, arg, kind, lo, hi);
}

/* Index of arg among the space-separated words, or -1. */
static int
word_index(const char *words, const char *arg)
{
    size_t n = strlen(arg);
    const char *p = words;
    int i = 0;

    while (*p != '\0') {
        const char *e = strchr(p, ' ');
        size_t len = e != NULL ? (size_t)(e - p) : strlen(p);

        if (len == n && strncmp(p, arg, n) == 0)
            return i;
        i++;
        p += len;
        while (*p == ' ')
            p++;
    }
    return -1;
}

/* "bad --x 'y': expected a, b or c" */
static int
bad_word(const struct sv_opt *o, const char *arg)
{
    char list[512];
    size_t n = 0, len;
    const char *p = o->complete, *e, *last = strrchr(o->complete, ' ');

    while (*p != '\0' && n < sizeof(list) - 8) {
        e = strchr(p, ' ');
        len = e != NULL ? (size_t)(e - p) : strlen(p);
        if (n > 0)
            n += (size_t)snprintf(list + n, sizeof(list) - n, "%s",
                                  p - 1 == last ? " or " : ", ");
        n += (size_t)snprintf(list + n, sizeof(list) - n, "%.*s", (int)len,
                              p);
        p += len;
        while (*p == ' ')
            p++;
    }
    return sv_opt_usage_error("bad --%s '%s': expected %s", o->name, arg,
                              list);
}

static void
store_int(const struct sv_opt *o, int64_t v)
{
    if (o->size == sizeof(int))
        *(int *)o->dest = (int)v;
    else
        *(int64_t *)o->dest = v;
}

/* Parses arg by o's type and stores it; SV_EUSAGE after a message. */
static int
set_value(const struct sv_opt *o, const char *arg)
{
    int64_t v = 0;
    int rc = 0, i;

    if (o->cb != NULL) {
        rc = o->cb(o, arg);
        if (rc != 0 || o->type == SV_OPT_T_CALLBACK)
            return rc < 0 ? rc : 0;
    }
    switch (o->type) {
    case SV_OPT_T_FLAG:
        store_int(o, 1);
        return 0;
    case SV_OPT_T_INT:
        if (sv_parse_int(arg, o->min, o->max, &v) < 0)
            return bad_range(o, arg);
        store_int(o, v);
        return 0;
    case SV_OPT_T_SIZE:
        rc = sv_parse_size(arg, &v);
        break;
    case SV_OPT_T_BITRATE:
        rc = sv_parse_bitrate(arg, &v);
        break;
    case SV_OPT_T_DURATION:
        rc = sv_parse_duration(arg, &v);
        break;
    case SV_OPT_T_CHOICE:
    case SV_OPT_T_WORD:
        i = word_index(o->complete, arg);
        if (i < 0)
            return bad_word(o, arg);
        if (o->type == SV_OPT_T_CHOICE)
            store_int(o, i);
        else
            *(const char **)o->dest = arg;
        return 0;
    case SV_OPT_T_STRING:
        *(const char **)o->dest = arg;
        return 0;
    case SV_OPT_T_LIST:
        if (*o->count >= o->max)
            return sv_opt_usage_error("too many --%s (at most %lld)",
                                      o->name, (long long)o->max);
        ((const char **)o->dest)[(*o->count)++] = arg;
        return 0;
    default:
        return 0;
    }
    /* sizes, bitrates and durations */
    if (rc < 0 || v < o->min || v > o->max)
        return bad_range(o, arg);
    if (o->type == SV_OPT_T_DURATION && (o->flags & SV_OPT_MS))
        v = (v + 999) / 1000;
    store_int(o, v);
    return 0;
}

/* Sets every row's default; a default its row rejects is a bug. */
static int
set_defaults(const struct sv_tool *t)
{
    FOR_ROWS(t, o) {
        if (o->name == NULL || o->def == NULL || o->dest == NULL ||
            (o->flags & SV_OPT_DEFDOC) || o->type == SV_OPT_T_LIST)
            continue;
        if (set_value(o, o->def) < 0) {
            sv_log_error("internal error: bad default of --%s", o->name);
            return SV_EUSAGE;
        }
    }
    return 0;
}

int
sv_opt_events_open(const char *where)
{
    int rc = sv_event_open(where);

    if (rc == SV_EUSAGE)
        return sv_opt_usage_error("bad --events '%s': expected a path, fd:N "
                                  "or -", where);
    if (rc < 0)
        return sv_opt_usage_error("bad --events '%s': %s", where,
                                  sv_strerror(rc));
    return 0;
}

/* ---- parsing --------------------------------------------------------- */

/* The index in t->opts of the row with that short letter, or -1. */
static int
short_row(const struct sv_tool *t, int key)
{
    const struct sv_opt *o;

    for (o = t->opts; o != NULL && !is_end(o); o++)
        if (o->name != NULL && o->key == key)
            return (int)(o - t->opts);
    return -1;
}

static const struct sv_opt *
common_row(int key)
{
    const struct sv_opt *o;

    for (o = common; !is_end(o); o++)
        if (o->name != NULL && o->key == key)
            return o;
    return NULL;
}

int
sv_opt_given(const struct sv_opt_result *res, const char *name)
{
    const struct sv_opt *o;
    int i;

    for (o = res->tool->opts, i = 0; !is_end(o) && i < SV_OPT_MAX_ROWS;
         o++, i++)
        if (o->name != NULL && strcmp(o->name, name) == 0)
            return res->given[i];
    return 0;
}

int
sv_opt_parse(const struct sv_tool *t, int argc, char **argv,
             struct sv_opt_result *res)
{
    struct option *lopts = NULL;
    char shorts[256];
    const struct sv_opt *row;
    const struct sv_subcmd *c;
    const char *cmd = NULL;
    size_t n = 0, s = 0;
    int verbose = 0, quiet = 0, key, rc = 0, i, idx;

    memset(res, 0, sizeof(*res));
    res->tool = t;
    rc = set_defaults(t);
    if (rc < 0)
        return rc;
    if (t->cmds != NULL && argc > 1 && argv[1][0] != '-') {
        for (c = t->cmds; c->name != NULL; c++)
            if (strcmp(c->name, argv[1]) == 0)
                break;
        if (c->name == NULL)
            return sv_opt_usage_error("unknown command '%s'", argv[1]);
        cmd = c->name;
        argc--;
        argv++;
    }
    FOR_ROWS(t, o) {
        n++;
    }
    lopts = calloc(n + 1, sizeof(*lopts));
    if (lopts == NULL)
        return -ENOMEM;
    n = 0;
    i = 0;
    shorts[s++] = ':';
    FOR_ROWS(t, o) {
        if (pass_ == 0)
            i++;
        if (o->name == NULL)
            continue;
        lopts[n].name = o->name;
        lopts[n].has_arg = o->arg == NULL ? no_argument
                           : (o->flags & SV_OPT_OPTARG) ? optional_argument
                                                        : required_argument;
        /* the index of a tool row (given[] counts by it), else the key */
        lopts[n].val = pass_ == 0 ? KEY_ROW + i - 1 : o->key;
        n++;
        if (SHORT(o) && s < sizeof(shorts) - 3) {
            shorts[s++] = (char)o->key;
            if (o->arg != NULL)
                shorts[s++] = ':';
            if (o->flags & SV_OPT_OPTARG)
                shorts[s++] = ':';
        }
    }
    if (i > SV_OPT_MAX_ROWS) {
        sv_log_error("internal error: more than %d rows", SV_OPT_MAX_ROWS);
        rc = SV_EUSAGE;
        goto out;
    }
    shorts[s] = '\0';
    optind = 0;     /* full re-initialisation, so tests may parse twice */
    opterr = 0;
    while ((key = getopt_long(argc, argv, shorts, lopts, NULL)) != -1) {
        if (key == '?' || key == ':') {
            const char *arg = argv[optind - 1];
            if (key == ':')
                rc = sv_opt_usage_error("option '%s' needs a value", arg);
            else if (optopt != 0)
                rc = sv_opt_usage_error("unknown option '-%c'", optopt);
            else
                rc = sv_opt_usage_error("unknown option '%s'", arg);
            goto out;
        }
        idx = key >= KEY_ROW ? key - KEY_ROW : short_row(t, key);
        if (idx >= 0) {
            row = t->opts + idx;
            key = KEY_ROW;
        } else {
            row = common_row(key);
        }
        if (row != NULL && !applies(row, cmd)) {
            rc = sv_opt_usage_error("option '--%s' does not apply to '%s'",
                                    row->name, cmd);
            goto out;
        }
        switch (key) {
        case KEY_HELP:
            print_help(t, cmd);
            res->done = 1;
            goto out;
        case KEY_VERSION:
            printf("%s %s\n", t->name, sv_version());
            res->done = 1;
            goto out;
        case KEY_COMPLETE:
            if (strcmp(optarg, "bash") == 0)
                complete_bash(t);
            else if (strcmp(optarg, "zsh") == 0)
                complete_zsh(t);
            else if (strcmp(optarg, "fish") == 0)
                complete_fish(t);
            else {
                rc = sv_opt_usage_error("unknown shell '%s'", optarg);
                goto out;
            }
            res->done = 1;
            goto out;
        case KEY_MAN:
            if (strcmp(optarg, "head") != 0 && strcmp(optarg, "options") != 0) {
                rc = sv_opt_usage_error("unknown man part '%s'", optarg);
                goto out;
            }
            print_man(t, optarg);
            res->done = 1;
            goto out;
        case KEY_QUIET:
            quiet = 1;
            break;
        case KEY_VERBOSE:
            verbose++;
            break;
        default:
            if (res->given[idx] < 255)
                res->given[idx]++;
            rc = set_value(row, optarg);
            if (rc < 0)
                goto out;
        }
    }
    if (quiet && verbose) {
        rc = sv_opt_conflict(1, "quiet", 1, "verbose");
        goto out;
    }
    /* a list's default stands only when the list was not given */
    FOR_ROWS(t, o) {
        if (o->type == SV_OPT_T_LIST && o->def != NULL && *o->count == 0 &&
            !(o->flags & SV_OPT_DEFDOC))
            ((const char **)o->dest)[(*o->count)++] = o->def;
    }
    sv_log_set_level(quiet ? SV_LOG_QUIET : SV_LOG_INFO + verbose);
    if (t->cmds != NULL && cmd == NULL) {
        rc = sv_opt_usage_error("a command is required");
        goto out;
    }
    res->cmd = cmd;
    res->argc = argc - optind;
    res->argv = argv + optind;
    for (i = 0; i < res->argc; i++)
        if (res->argv[i][0] == '\0') {
            rc = sv_opt_usage_error("empty argument");
            goto out;
        }
out:
    free(lopts);
    return rc;
}
