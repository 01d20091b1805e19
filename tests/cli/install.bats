#!/usr/bin/env bats
# install.bats -- `make install` puts binaries, sv-package's plugin, man
# pages and completions under PREFIX inside DESTDIR, and `make uninstall`
# takes them away.

load ../helpers

@test "make install and uninstall with PREFIX and DESTDIR" {
    local d=$BATS_TEST_TMPDIR/root t
    make -s -C "$SV_TOP" BUILD="$SV_BUILD" PREFIX=/usr DESTDIR="$d" install
    for t in "$SV_TOP"/cmd/sv-*; do
        t=$(basename "$t")
        [ -x "$d/usr/bin/$t" ] || fail "no $t"
        "$d/usr/bin/$t" --version | grep -q "^$t " || fail "$t --version"
        [ -f "$d/usr/share/man/man1/$t.1" ] || fail "no $t.1"
        [ -f "$d/usr/share/bash-completion/completions/$t" ] || fail "no bash"
        [ -f "$d/usr/share/zsh/vendor-completions/_$t" ] || fail "no zsh"
        [ -f "$d/usr/share/fish/vendor_completions.d/$t.fish" ] || fail "no fish"
    done
    [ -f "$d/usr/share/man/man7/sv.7" ]
    # sv-package's libavformat reader, beside bin/ as it looks for it
    [ -f "$d/usr/lib/streamverse/sv-demux.so" ] || fail "no sv-demux.so"
    make -s -C "$SV_TOP" BUILD="$SV_BUILD" PREFIX=/usr DESTDIR="$d" uninstall
    [ -z "$(find "$d" -type f)" ] || fail "left behind: $(find "$d" -type f)"
}
