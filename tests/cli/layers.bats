#!/usr/bin/env bats
# layers.bats -- the layer rule of lib/ (docs/architecture.md), checked by
# scripts/layers: includes only point down, engines never include each
# other, and each foreign library is used by the one folder that owns it.

load ../helpers

# a copy of the tree's sources to break on purpose
copy_tree() {
    local d=$BATS_TEST_TMPDIR/tree
    mkdir -p "$d"
    cp -r "$SV_TOP/lib" "$SV_TOP/cmd" "$d/"
    echo "$d"
}

@test "the tree keeps the layer rule" {
    run --separate-stderr "$SV_TOP/scripts/layers"
    [ "$output" = "" ]
    [ "$status" -eq 0 ]
}

@test "an include that points up a layer is refused" {
    local d
    d=$(copy_tree)
    printf '#include "model/model.h"\n' >> "$d/lib/container/box.h"
    run -1 --separate-stderr "$SV_TOP/scripts/layers" "$d"
    [ "$output" = "layers: lib/container/box.h includes \"model/model.h\": 'model' is above 'container'" ]
}

@test "an engine that includes another engine is refused" {
    local d
    d=$(copy_tree)
    printf '#include "pack/package.h"\n' >> "$d/lib/serve/serve.c"
    run -1 --separate-stderr "$SV_TOP/scripts/layers" "$d"
    [ "$output" = "layers: lib/serve/serve.c includes \"pack/package.h\": an engine includes another engine" ]
}

@test "a foreign library outside its folder is refused" {
    local d
    d=$(copy_tree)
    printf '#include <openssl/evp.h>\n' >> "$d/lib/drm/key.c"
    printf '#include <curl/curl.h>\n' >> "$d/lib/srt/srt_sock.c"
    printf '#include <libavformat/avformat.h>\n' >> "$d/lib/container/ts.c"
    run -1 --separate-stderr "$SV_TOP/scripts/layers" "$d"
    [ "${lines[0]}" = "layers: lib/container/ts.c includes <libavformat/avformat.h>: only lib/media/ may use that library" ]
    [ "${lines[1]}" = "layers: lib/drm/key.c includes <openssl/evp.h>: only lib/crypto/ may use that library" ]
    [ "${lines[2]}" = "layers: lib/srt/srt_sock.c includes <curl/curl.h>: only lib/http/ may use that library" ]
    [ "${#lines[@]}" -eq 3 ]
}

@test "libsrt outside lib/srt (ingest and publish share it) is refused" {
    local d
    d=$(copy_tree)
    printf '#include <srt/srt.h>\n' >> "$d/lib/ingest/ingest.c"
    run -1 --separate-stderr "$SV_TOP/scripts/layers" "$d"
    [ "$output" = "layers: lib/ingest/ingest.c includes <srt/srt.h>: only lib/srt/ may use that library" ]
}

@test "lib/srt may not include an engine" {
    local d
    d=$(copy_tree)
    printf '#include "ingest/ingest.h"\n' >> "$d/lib/srt/srt_sock.c"
    run -1 --separate-stderr "$SV_TOP/scripts/layers" "$d"
    [ "$output" = "layers: lib/srt/srt_sock.c includes \"ingest/ingest.h\": 'ingest' is above 'srt'" ]
}

@test "a binary that includes a foreign library is refused" {
    local d
    d=$(copy_tree)
    printf '#include <h2o.h>\n' >> "$d/cmd/sv-serve/main.c"
    run -1 --separate-stderr "$SV_TOP/scripts/layers" "$d"
    [ "$output" = "layers: cmd/sv-serve/main.c includes <h2o.h>: a binary calls lib/, not the library" ]
}

@test "libarchive outside lib/container/archive.c is refused" {
    local d
    d=$(copy_tree)
    printf '#include <archive.h>\n' >> "$d/lib/pack/out.c"
    run -1 --separate-stderr "$SV_TOP/scripts/layers" "$d"
    [ "$output" = "layers: lib/pack/out.c includes libarchive: only lib/container/archive.c may use it" ]
}

@test "a folder that is not a layer is refused" {
    local d
    d=$(copy_tree)
    mkdir "$d/lib/misc"
    printf '/* x */\n' > "$d/lib/misc/x.c"
    run -1 --separate-stderr "$SV_TOP/scripts/layers" "$d"
    [ "$output" = "layers: lib/misc/x.c: folder 'misc' is not a layer" ]
}
