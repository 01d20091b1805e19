#!/bin/sh
# protect.sh -- encrypt a package with CENC (cbcs) under keys kept in an
# encrypted keystore, and hand out ClearKey licenses to token holders.
#   SV_DRM_MASTER_KEY=$(openssl rand -hex 32) examples/protect.sh www/movie
# The first run makes the keystore and the keys; later runs reuse them.
# Environment (defaults in brackets):
#   SV_DRM_MASTER_KEY       the keystore's master key (64 hex digits), required
#   SV_PROTECT_STORE        the keystore file [keys.store]
#   SV_PROTECT_CONTENT_ID   the content id of the keys [movie]
set -eu
pkg=$1
: "${SV_DRM_MASTER_KEY:?set SV_DRM_MASTER_KEY (64 hex digits)}"
store=${SV_PROTECT_STORE:-keys.store}
cid=${SV_PROTECT_CONTENT_ID:-movie}
[ -f "$store" ] || sv-drm keygen --store "$store" --content-id "$cid" \
    --label video --label audio
sv-drm encrypt --scheme cbcs --store "$store" --content-id "$cid" \
    --systems widevine,playready,fairplay,clearkey "$pkg"
echo "encrypted $pkg; see sv-drm(1) for 'sv-drm serve' and tokens" >&2
