#!/usr/bin/env bats
# docs.bats -- every tool's --help, man page and completions come from one
# option table and must not drift from it (like git's t0450).

load ../helpers

tools() {
    local d
    for d in "$SV_TOP"/cmd/sv-*; do [ -d "$d" ] && basename "$d"; done; true
}

@test "every tool has a man page, a bats file and three completions" {
    local t
    for t in $(tools); do
        [ -f "$SV_TOP/man/$t.1.in" ] || fail "$t: no man/$t.1.in"
        [ -f "$SV_TOP/man/$t.1" ] || fail "$t: no man/$t.1"
        [ -f "$SV_TOP/tests/cli/$t.bats" ] || fail "$t: no tests/cli/$t.bats"
        [ -f "$SV_TOP/completions/bash/$t" ] || fail "$t: no bash completion"
        [ -f "$SV_TOP/completions/zsh/_$t" ] || fail "$t: no zsh completion"
        [ -f "$SV_TOP/completions/fish/$t.fish" ] || fail "$t: no fish completion"
    done
}

@test "man pages match the option tables (run 'make man')" {
    local t
    for t in $(tools); do
        "$SV_TOP/scripts/mkman" "$SV_BUILD/bin/$t" "$SV_TOP/man/$t.1.in" \
            > "$BATS_TEST_TMPDIR/$t.1"
        diff -u "$SV_TOP/man/$t.1" "$BATS_TEST_TMPDIR/$t.1" ||
            fail "man/$t.1 is stale: run 'make man'"
    done
}

@test "completions match the option tables (run 'make completions')" {
    local t
    for t in $(tools); do
        diff -u "$SV_TOP/completions/bash/$t" <("$t" --complete=bash) &&
        diff -u "$SV_TOP/completions/zsh/_$t" <("$t" --complete=zsh) &&
        diff -u "$SV_TOP/completions/fish/$t.fish" <("$t" --complete=fish) ||
            fail "completions of $t are stale: run 'make completions'"
    done
}

@test "every option in --help is in the man page and the other way round" {
    local t
    for t in $(tools); do
        "$t" --help | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u \
            > "$BATS_TEST_TMPDIR/help"
        sed -n '/^\.SH OPTIONS/,/^\.SH [^O]/p' "$SV_TOP/man/$t.1" |
            grep -oE '^\\fB\\-\\-([a-z0-9]|\\-)+|^\\fB\\-.\\fR, \\fB\\-\\-([a-z0-9]|\\-)+' |
            sed -e 's/.*\\fB\\-\\-/--/' -e 's/\\-/-/g' | sort -u \
            > "$BATS_TEST_TMPDIR/man"
        diff -u "$BATS_TEST_TMPDIR/help" "$BATS_TEST_TMPDIR/man" ||
            fail "$t: --help and man page list different options"
    done
}

@test "man pages render without warnings" {
    command -v groff >/dev/null || skip "groff is not installed"
    local t out
    for t in $(tools); do
        out=$(groff -man -Tutf8 -ww -z "$SV_TOP/man/$t.1" 2>&1)
        [ -z "$out" ] || fail "$t.1: $out"
    done
}

@test "completion scripts load in their shells" {
    local t
    for t in $(tools); do
        bash -n "$SV_TOP/completions/bash/$t" || fail "bash: $t"
        bash -c "source '$SV_TOP/completions/bash/$t' && complete -p $t" \
            >/dev/null || fail "bash: $t not registered"
        if command -v zsh >/dev/null; then
            zsh -n "$SV_TOP/completions/zsh/_$t" || fail "zsh: $t"
        fi
        if command -v fish >/dev/null; then
            fish -n "$SV_TOP/completions/fish/$t.fish" || fail "fish: $t"
        fi
    done
}

@test "--version, --help succeed and an unknown option is a usage error" {
    local t
    for t in $(tools); do
        run "$t" --version
        [ "$status" -eq 0 ] || fail "$t --version: $status"
        assert_match "$output" "^$t [0-9]+\.[0-9]+\.[0-9]+"
        run "$t" --help
        [ "$status" -eq 0 ] || fail "$t --help: $status"
        assert_match "$output" "^usage: $t "
        run --separate-stderr "$t" --no-such-option
        [ "$status" -eq 2 ] || fail "$t --no-such-option: $status"
        # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
        assert_eq "$stderr" "$t: unknown option '--no-such-option'
Try '$t --help' for more information."
    done
}

@test "help of a subcommand shows only the sections that apply to it" {
    local t c
    for t in $(tools); do
        "$t" --help | grep -q '^Commands:' || continue
        for c in $("$t" --help | sed -n '/^Commands:/,/^$/p' |
                   awk 'NR > 1 && NF { print $1 }'); do
            run "$t" "$c" --help
            [ "$status" -eq 0 ] || fail "$t $c --help: $status"
            assert_match "${lines[0]}" "^usage: $t $c"
            # a heading ("Keys:") followed directly by another heading or
            # the end means an empty section
            awk '/^[A-Z][A-Za-z ]*:$/ { if (h) exit 1; h = 1; next }
                 NF { h = 0 } END { exit h }' <<< "$output" ||
                fail "$t $c --help has an empty section"
        done
    done
}
