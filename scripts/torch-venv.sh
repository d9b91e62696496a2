#!/usr/bin/env bash
# Makes (or reuses) a Python venv with a PyTorch wheel, as a user's `pip install torch` would, and
# prints the venv's python on stdout (everything else goes to stderr).
#   bash scripts/torch-venv.sh DIR 'torch==2.13.0+cpu' [PACKAGE ...]
# PACKAGEs (e.g. safetensors tensorboard, which tests drive) are installed beside torch when missing.
# Where pip cannot resolve a dependency that only Python needs (no index has it), the wheel and every
# dependency that can be had are installed one by one and the missing ones are named: LibTorch's C++
# libraries do not use them.
set -euo pipefail
dir=$1 spec=$2
shift 2
want=${spec#torch==}
pip_install() { "$dir/bin/pip" install --quiet --retries 0 --timeout 1 --disable-pip-version-check "$@" >&2; }
installed() { "$dir/bin/python" -c 'import importlib.metadata as m; print(m.version("torch"))' 2>/dev/null; }

if [ -x "$dir/bin/python" ] && [ "$(installed)" = "$want" ]; then
  echo "torch-venv: $dir has torch $want" >&2
else
  echo "torch-venv: installing $spec into $dir" >&2
  python3 -m venv "$dir" >&2
  if ! pip_install "$spec" 2>/tmp/torch-venv.$$.err; then
    grep -m1 'ERROR' /tmp/torch-venv.$$.err >&2 || true
    echo "torch-venv: pip could not resolve every dependency; installing them one by one" >&2
    pip_install --no-deps "$spec"
    "$dir/bin/python" - <<'PY' | while IFS= read -r req; do
import importlib.metadata as m
from pip._vendor.packaging.requirements import Requirement
for r in m.requires("torch") or []:
    req = Requirement(r)
    if req.marker is None or req.marker.evaluate({"extra": ""}):
        print(str(req).split(";")[0])
PY
      pip_install "$req" 2>/dev/null || echo "torch-venv: not available here, skipped (Python-only for LibTorch): $req" >&2
    done
  fi
  rm -f /tmp/torch-venv.$$.err
  [ "$(installed)" = "$want" ] || { echo "torch-venv: torch $want did not install into $dir" >&2; exit 1; }
fi
for package in "$@"; do
  "$dir/bin/python" -c "import $package" 2>/dev/null && continue
  echo "torch-venv: installing $package into $dir" >&2
  # the venv's torch pinned, so that pip picks a release of the package made for it instead of
  # replacing torch
  pip_install "$package" "$spec" || echo "torch-venv: $package could not be installed; the tests that drive it are skipped" >&2
done
echo "$dir/bin/python"
