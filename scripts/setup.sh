#!/usr/bin/env bash
# Sets up nodetorch on Debian/Ubuntu: system packages (when root or with sudo), npm packages,
# and both builds (native addon + TypeScript). Idempotent: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# libopenblas0-openmp: the OpenBLAS build that runs on LibTorch's own OpenMP threads (see below)
packages=(libtorch-dev libgloo-dev libopenblas0-openmp cmake g++ ccache fonts-dejavu-core)
# NODETORCH_SETUP_TEST_TOOLS=1: also what the whole test suite drives (the browser test's Chromium,
# the pthreads OpenBLAS that test/threads.test.ts loads to check that nodetorch tames it, and
# Debian's Python torch 1.13 and torchvision, which write the TorchScript files LibTorch 1.13 reads,
# and clang-format, which npm run lint runs over native/, and doctest, which the engine's C++ tests
# use: test/native/)
if [ "${NODETORCH_SETUP_TEST_TOOLS:-}" = 1 ]; then packages+=(chromium libopenblas0-pthread python3-torch python3-torchvision libjemalloc2 clang-format doctest-dev); fi
missing=()
if command -v dpkg >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ -n "${LIBTORCH:-}${Torch_DIR:-}" ] && [ "${missing[*]}" = "libtorch-dev" ]; then
    say "LIBTORCH/Torch_DIR is set: not installing libtorch-dev"
  else
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
      if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
        say "missing system packages: ${missing[*]}"
        say "run as root: apt-get install -y ${missing[*]}"
        exit 1
      fi
    fi
    say "installing system packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
else
  say "system packages present: ${packages[*]}"
fi

# Debian's LibTorch does its CPU matrix products with the system's BLAS, which Debian picks through
# alternatives, preferring OpenBLAS's pthreads build when it is installed. That build keeps its own
# pool of threads beside LibTorch's OpenMP pool (nodetorch then holds it to one thread); the OpenMP
# build shares LibTorch's threads: 2 threads, batch 32, 1,484 against 1,976 samples/s here.
# Only alternatives in automatic mode are switched: a BLAS an administrator chose stays.
if command -v update-alternatives >/dev/null 2>&1; then
  for link in $(update-alternatives --get-selections 2>/dev/null | awk '$2 == "auto" && /^lib(blas|lapack|openblas)\.so\./ {print $1}'); do
    current=$(update-alternatives --query "$link" | awk '/^Value:/ {print $2}')
    openmp=$(update-alternatives --list "$link" | grep '/openblas-openmp/' | head -n1 || true)
    [ -n "$openmp" ] && [ "$current" != "$openmp" ] || continue
    hint="for faster CPU training, as root: update-alternatives --set $link $openmp"
    if [ "$(id -u)" -eq 0 ]; then
      say "selecting OpenBLAS's OpenMP build for $link"
      update-alternatives --quiet --set "$link" "$openmp" || say "could not; $hint"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      say "selecting OpenBLAS's OpenMP build for $link"
      sudo -n update-alternatives --quiet --set "$link" "$openmp" || say "could not; $hint"
    else
      say "$hint"
    fi
  done
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)"
  NODETORCH_SKIP_BUILD=1 npm ci --no-audit --no-fund
else
  say "npm packages up to date"
fi

say "LibTorch: $(node scripts/find-libtorch.js --cmake-dir)"
if [ "${NODETORCH_SETUP_NO_BUILD:-}" = 1 ]; then
  say "NODETORCH_SETUP_NO_BUILD=1: not building"
  exit 0
fi
say "building the native addon (cmake-js) and the TypeScript sources"
npm run --silent build
say "done: try 'npm run demo', 'npx nodetorch --help' or 'npm test'"
