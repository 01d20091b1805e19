/* opt.c -- getopt_long, --help, man page parts and completions from a table */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "core/opt.h"

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
};

/* rows every tool has; appended after the tool's own */
static const struct sv_opt common[] = {
    { NULL, 0, NULL, "General", NULL, NULL, NULL, 0 },
    { "quiet", 'q', NULL, "print errors only", NULL, NULL, NULL, 0 },
    { "verbose", 'v', NULL, "print more detail (repeat for more)", NULL, NULL,
      NULL, SV_OPT_REPEAT },
    { "help", 'h', NULL, "show this help and exit", NULL, NULL, NULL, 0 },
    { "version", 'V', NULL, "show the version and exit", NULL, NULL, NULL, 0 },
    { "complete", KEY_COMPLETE, "<shell>", "print a completion script",
      NULL, "bash zsh fish", NULL, SV_OPT_HIDDEN },
    { "man", KEY_MAN, "<part>", "print generated man page sections", NULL,
      "head options", NULL, SV_OPT_HIDDEN },
    { NULL, 0, NULL, NULL, NULL, NULL, NULL, 0 },
};

const char *
sv_version(void)
{
    return SV_VERSION;
}

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
                 o->key < 256 ? "-" : "    ",
                 o->key < 256 ? o->key : ' ', o->key < 256 ? ", " : "",
                 o->name, o->arg == NULL ? "" : (o->flags & SV_OPT_OPTARG)
                                                    ? "[=" : " ",
                 o->arg == NULL ? "" : o->arg,
                 (o->flags & SV_OPT_OPTARG) ? "]" : "", "");
        /* "-o, --x" vs "    --x": drop the stray space of the letterless */
        if (o->key >= 256)
            memmove(left + 4, left + 5, strlen(left + 5) + 1);
        if (strlen(left) > 28)
            printf("  %s\n  %-28s %s", left, "", o->help);
        else
            printf("  %-28s %s", left, o->help);
        if (o->def != NULL)
            printf(" (default: %s)", o->def);
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
        if (o->key < 256)
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
        if (o->flags & SV_OPT_REPEAT)
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
        if (o->key < 256)
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
        if (o->flags & SV_OPT_REPEAT)
            printf("'*'");
        if (o->key < 256 && !(o->flags & SV_OPT_REPEAT))
            printf("'(-%c --%s)'", o->key, o->name);
        if (o->key < 256)
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
        if (o->key < 256)
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

/* ---- parsing --------------------------------------------------------- */

static const struct sv_opt *
find_key(const struct sv_tool *t, int key)
{
    FOR_ROWS(t, o) {
        if (o->name != NULL && o->key == key)
            return o;
    }
    return NULL;
}

int
sv_opt_parse(const struct sv_tool *t, int argc, char **argv, sv_opt_cb cb,
             void *ud, struct sv_opt_result *res)
{
    struct option *lopts = NULL;
    char shorts[256];
    const struct sv_opt *row;
    const struct sv_subcmd *c;
    const char *cmd = NULL;
    size_t n = 0, s = 0;
    int verbose = 0, quiet = 0, key, rc = 0, i;

    memset(res, 0, sizeof(*res));
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
    shorts[s++] = ':';
    FOR_ROWS(t, o) {
        if (o->name == NULL)
            continue;
        lopts[n].name = o->name;
        lopts[n].has_arg = o->arg == NULL ? no_argument
                           : (o->flags & SV_OPT_OPTARG) ? optional_argument
                                                        : required_argument;
        lopts[n].val = o->key;
        n++;
        if (o->key < 256 && s < sizeof(shorts) - 3) {
            shorts[s++] = (char)o->key;
            if (o->arg != NULL)
                shorts[s++] = ':';
            if (o->flags & SV_OPT_OPTARG)
                shorts[s++] = ':';
        }
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
        row = find_key(t, key);
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
            rc = cb(ud, key, optarg);
            if (rc < 0)
                goto out;
        }
    }
    if (quiet && verbose) {
        rc = sv_opt_conflict(1, "quiet", 1, "verbose");
        goto out;
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
