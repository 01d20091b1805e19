#!/usr/bin/env bats
# lint.bats -- shellcheck over tests/ and scripts/, and a check that every
# assertion of the bats suites can fail, which shellcheck does not see.
# `make lint` runs this file alone.

load ../helpers
bats_require_minimum_version 1.5.0

# sc FILES...: shellcheck in gcc's one-line format (file:line:col: ...)
sc() {
    run shellcheck -f gcc "$@"
    [ "$status" -eq 0 ] || fail "$output"
}

# sc_bats FILES...: bats files are bash where each @test runs in a subshell
# of its own, so that a variable set in one never reaches another is the
# design, not a mistake (SC2030, SC2031); and every function runs under
# set -e, so a cd that fails fails the test (SC2164).  run --separate-stderr
# sets $stderr and $stderr_lines: SC2154 on those is disabled in each file
# where they are first used.
sc_bats() {
    sc -s bash -e SC2030,SC2031,SC2164 "$@"
}

# the shell scripts directly in scripts/ (they have no extension)
scripts() {
    local f
    for f in "$SV_TOP"/scripts/*; do
        [ -f "$f" ] || continue
        head -1 "$f" | grep -Eq '^#!.*[/ ](ba)?sh$' && echo "$f"
    done
}

# assertions FILES...: what the bats suites must not do, as file:line:
# message; status 1 when there is any.  In a @test (and in any function,
# since bats runs them all under set -e):
#  - a `! cmd` that is not the last command: set -e ignores a negated
#    status, so it asserts nothing (`run ! cmd` does);
#  - `[ a ] && [ b ]` that is not the last command and has no `|| ...`
#    after it: set -e ignores a failure left of &&, so a is not checked;
#  - a command ending in `|| true` (or `|| :`): it can never fail.  Allowed
#    in teardown and teardown_file (cleanup of what may be gone), and where
#    the command, or a comment right above it, says "status ignored:" and
#    why.
# Heredoc bodies and lines inside multi-line strings are not commands.
assertions() {
    awk '
    function report(ln, msg) {
        printf "%s:%d: %s\n", FILENAME, ln, msg
        bad = 1
    }
    # the line without its comment and quoted text; updates the string
    # state (sq, dq) that carries over to the next line
    function code(s,    out, i, c, n) {
        out = ""
        n = length(s)
        for (i = 1; i <= n; i++) {
            c = substr(s, i, 1)
            if (sq) {
                if (c == "\047")
                    sq = 0
                continue
            }
            if (dq) {
                if (c == "\\") {
                    i++
                    continue
                }
                if (c == "\"")
                    dq = 0
                continue
            }
            if (c == "\\") {
                out = out c substr(s, i + 1, 1)
                i++
                continue
            }
            if (c == "\047") {
                sq = 1
                out = out "S"
                continue
            }
            if (c == "\"") {
                dq = 1
                out = out "S"
                continue
            }
            if (c == "#" && (i == 1 || substr(s, i - 1, 1) ~ /[ \t;(]/))
                break
            out = out c
        }
        return out
    }
    function analyse(    i, last, c, cmd) {
        last = 0
        for (i = 1; i <= ncmd; i++)
            if (ctext[i] !~ /^[ \t]*$/)
                last = i
        for (i = 1; i <= ncmd; i++) {
            cmd = ctext[i]
            if (i != last &&
                cmd ~ /(^|[;&|]|(^|[ \t])(then|do|else))[ \t]*![ \t]/)
                report(cline[i], "`! cmd` asserts nothing here: use `run ! cmd`")
            if (i != last &&
                cmd ~ /\][ \t]*&&[ \t]*\[/ && cmd !~ /\][ \t]*&&.*\|\|/ &&
                cmd !~ /^[ \t]*(if|elif|while|until)[ \t]/)
                report(cline[i], "the left of `[ a ] && [ b ]` is not checked: one test per line")
            if (cmd ~ /\|\|[ \t]*(true|:)[ \t]*([;)]|$)/ &&
                block !~ /^teardown(_file)?$/ && !cignored[i])
                report(cline[i], "a check ending in `|| true` cannot fail (or say \"status ignored:\" and why)")
        }
    }
    FNR == 1 { inblk = 0; heredoc = ""; sq = dq = 0 }
    # heredoc bodies are data
    heredoc != "" {
        t = $0
        if (hstrip)
            sub(/^\t+/, "", t)
        if (t == heredoc)
            heredoc = ""
        next
    }
    !inblk && /^@test .*\{[ \t]*$/ {
        inblk = 1; block = "@test"; ncmd = 0; cont = 0; ignored = 0
        next
    }
    !inblk && /^[A-Za-z_][A-Za-z0-9_]*\(\)[ \t]*\{[ \t]*$/ {
        inblk = 1; block = $0; sub(/\(.*/, "", block)
        ncmd = 0; cont = 0; ignored = 0
        next
    }
    inblk && /^\}/ && !sq && !dq {
        analyse()
        inblk = 0
        next
    }
    {
        instr = sq || dq
        c = code($0)
        if (!instr &&
            match($0, /(^|[^<])<<-?[ \t]*[\047"]?[A-Za-z_][A-Za-z0-9_]*/)) {
            heredoc = substr($0, RSTART, RLENGTH)
            sub(/^[^<]/, "", heredoc)
            hstrip = heredoc ~ /^<<-/
            sub(/^<<-?[ \t]*[\047"]?/, "", heredoc)
        }
        if (!inblk)
            next
        if ($0 ~ /status ignored:/)
            ignored = 1
        if (c ~ /^[ \t]*$/ && !instr) {
            # a comment line keeps "status ignored:" for what follows
            if ($0 !~ /^[ \t]*#/)
                ignored = 0
            next
        }
        if (cont || instr) {
            ctext[ncmd] = ctext[ncmd] " " c
            cignored[ncmd] = cignored[ncmd] || ignored
        } else {
            ncmd++
            ctext[ncmd] = c
            cline[ncmd] = FNR
            cignored[ncmd] = ignored
        }
        cont = c ~ /(\\|\||&&|\|\|)[ \t]*$/ || sq || dq
        if (!cont)
            ignored = 0
    }
    END { exit bad }
    ' "$@"
}

@test "shellcheck: scripts/*" {
    local files
    mapfile -t files < <(scripts)
    [ "${#files[@]}" -ge 5 ]
    sc "${files[@]}"
}

@test "shellcheck: scripts/bench/*.sh" {
    sc "$SV_TOP"/scripts/bench/*.sh
}

@test "shellcheck: examples/*.sh" {
    sc "$SV_TOP"/examples/*.sh
}

@test "shellcheck: tests/*.bash tests/e2e/*.bash" {
    sc -s bash "$SV_TOP"/tests/*.bash "$SV_TOP"/tests/e2e/*.bash
}

@test "shellcheck: tests/cli/*.bats" {
    sc_bats "$SV_TOP"/tests/cli/*.bats
}

@test "shellcheck: tests/e2e/*.bats" {
    sc_bats "$SV_TOP"/tests/e2e/*.bats
}

@test "every assertion in tests/ can fail" {
    run assertions "$SV_TOP"/tests/cli/*.bats "$SV_TOP"/tests/e2e/*.bats \
        "$SV_TOP"/tests/*.bash "$SV_TOP"/tests/e2e/*.bash
    [ "$status" -eq 0 ] || fail "$output"
}

@test "the assertion check finds what asserts nothing, and only that" {
    cd "$BATS_TEST_TMPDIR"
    # written as %test: bats would take an @test line here for a test
    sed 's/^%test/@test/' > bad.bats <<'EOF'
%test "one" {
    ! grep -q a f
    [ -e a ] && [ -e b ]
    grep -q a f || true
    for r in a b; do
        ! cmp -s "$r" x
    done
    cd d && ! grep -q a f
    true
}

helper() {
    ! pgrep x
    [ -n "$x" ] &&
        [ -n "$y" ]
    kill "$p" || :
    echo done
}
EOF
    sed 's/^%test/@test/' > good.bats <<'EOF'
%test "two" {
    run ! grep -q a f
    [ -e a ] && [ -e b ] || fail "no a or no b"
    if [ -e a ] && [ -e b ]; then
        echo "! not a command" "[ a ] && [ b ] || true"
    fi
    python3 - <<'PY'
! not shell
x = "[ a ] && [ b ]"
PY
    assert_eq "$(cat f)" "one
    ! two || true
three"
    # status ignored: only load
    timeout 5 ffmpeg -i x \
        -f null - || true
    local st=0
    wait "$p" || st=$?
    [ -e a ] && [ -e b ]
}

teardown() {
    kill "$p" 2>/dev/null || true
}

last() {
    [ -n "$a" ]
    ! pgrep x
}
EOF
    run assertions good.bats
    [ "$status" -eq 0 ] || fail "good.bats: $output"
    run -1 assertions bad.bats
    assert_eq "$output" "bad.bats:2: \`! cmd\` asserts nothing here: use \`run ! cmd\`
bad.bats:3: the left of \`[ a ] && [ b ]\` is not checked: one test per line
bad.bats:4: a check ending in \`|| true\` cannot fail (or say \"status ignored:\" and why)
bad.bats:6: \`! cmd\` asserts nothing here: use \`run ! cmd\`
bad.bats:8: \`! cmd\` asserts nothing here: use \`run ! cmd\`
bad.bats:13: \`! cmd\` asserts nothing here: use \`run ! cmd\`
bad.bats:14: the left of \`[ a ] && [ b ]\` is not checked: one test per line
bad.bats:16: a check ending in \`|| true\` cannot fail (or say \"status ignored:\" and why)"
}
