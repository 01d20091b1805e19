#!/bin/sh
# protect.sh -- encrypt a package with CENC (cbcs) under keys kept in an
# encrypted keystore, and hand out ClearKey licenses to token holders.
#   SV_DRM_MASTER_KEY=$(openssl rand -hex 32) examples/protect.sh www/movie
set -eu
pkg=$1
: "${SV_DRM_MASTER_KEY:?set SV_DRM_MASTER_KEY (64 hex digits)}"
[ -f keys.store ] || sv-drm keygen --store keys.store --content-id movie \
    --label video --label audio
sv-drm encrypt --scheme cbcs --store keys.store --content-id movie \
    --systems widevine,playready,fairplay,clearkey "$pkg"
echo "encrypted $pkg; see sv-drm(1) for 'sv-drm serve' and tokens" >&2
