#!/usr/bin/env bash
# Installs this package into a new project as a user would (npm install <tarball>), then uses it.
# Run it with no prebuilds/ (or none that matches) to prove that npm's install hook builds the
# addon from source against the LibTorch on this machine (LIBTORCH / Torch_DIR / PYTHON apply).
#   bash scripts/check-npm-install.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)"
echo "check-npm-install: packed $(basename "$tarball") ($(du -h "$tarball" | cut -f1)); prebuilds in it: $(tar tzf "$tarball" | grep -c '^package/prebuilds/.*\.node$' || true)"
mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --foreground-scripts "$tarball"
node -e "
  const t = require('nodetorch');
  const info = t.libtorchInfo();
  console.log('check-npm-install: require(\"nodetorch\") works: LibTorch', info.version, 'from', info.library, '; ones(3).sum() =', t.ones([3]).sum().item());"
rm -rf "$work"
