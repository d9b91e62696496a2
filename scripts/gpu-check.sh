#!/usr/bin/env bash
# The CUDA check, as one script, for a machine with an NVIDIA GPU, Python torch built with CUDA,
# cmake and a C++ compiler. Node may be absent there: set NODE=/path/to/node, or carry a Node binary
# as .gpu/node/bin/node; node_modules must be carried too (nothing is downloaded).
#   MNIST_DIR=/path/to/mnist bash scripts/gpu-check.sh             # on the GPU machine, ~5 min
#   bash scripts/gpu-check.sh --dry-run                            # every step on the CPU (CI runs it)
# Steps: build the addon against the Python torch's LibTorch (PYTHON, else python3), run the CUDA
# tests, train one full-size MNIST epoch with -type cuda and a second one resumed from its
# checkpoint, run the benchmark on CUDA beside plain LibTorch C++ and PyTorch, then print one
# summary table. --dry-run does the same on the CPU with small epochs and a short benchmark, to
# prove the script wherever there is no GPU.
set -uo pipefail
cd "$(dirname "$0")/.."
dry=0
[ "${1:-}" = --dry-run ] && dry=1

NODE=${NODE:-}
[ -z "$NODE" ] && [ -x .gpu/node/bin/node ] && NODE=$PWD/.gpu/node/bin/node
[ -z "$NODE" ] && NODE=$(command -v node || true)
[ -x "$NODE" ] || { echo "gpu-check: no Node found: set NODE=/path/to/node or carry one as .gpu/node/bin/node"; exit 1; }
export PATH="$(dirname "$NODE"):$PATH"
export PYTHON=${PYTHON:-python3}
export MNIST_DIR=${MNIST_DIR:-$PWD/.gpu/mnist}
out=${GPU_CHECK_OUT:-$(mktemp -d)}
mkdir -p "$out"
summary=()
failed=0

# step NAME COMMAND...: runs one step with its output in $out/NAME.log, and records its outcome.
step() {
  local name=$1
  shift
  local start=$SECONDS
  echo "== $name"
  if "$@" >"$out/$name.log" 2>&1; then status=ok; else status=FAILED; failed=1; fi
  tail -n 25 "$out/$name.log"
  summary+=("| $name | $status | $((SECONDS - start)) s |")
}

device=cuda type=cuda size=full bench_samples=${BENCH_SAMPLES:-}
if [ $dry = 1 ]; then device=cpu type=float size=small bench_samples=${BENCH_SAMPLES:-200}; fi

step torch "$PYTHON" -c '
import torch, sys
print("PyTorch", torch.__version__, "CUDA", torch.version.cuda, "GPUs", torch.cuda.device_count())
sys.exit(0 if torch.cuda.is_available() or sys.argv[1] == "1" else 1)' $dry

# GPU_CHECK_BUILT=1 (CI, which has just built and tested this addon) uses the build that is there.
build() {
  echo "LibTorch: $("$NODE" scripts/find-libtorch.js --cmake-dir)" &&
    if [ "${GPU_CHECK_BUILT:-}" != 1 ]; then
      rm -rf build && "$NODE" node_modules/cmake-js/bin/cmake-js compile --CDCMAKE_BUILD_TYPE=Release -p "$(nproc)"
    fi &&
    "$NODE" node_modules/typescript/bin/tsc -p tsconfig.json &&
    "$NODE" -e "const t = require('./dist/lib'); console.log(JSON.stringify(t.libtorchInfo()), 'cuda built:', t.cuda.isBuilt(), 'GPUs:', t.cuda.deviceCount())"
}
step build build

step cuda-tests "$NODE" node_modules/jest/bin/jest.js test/cuda.test.ts test/loader.test.ts --ci

# One epoch with momentum, then one more resumed from its checkpoint: the optimizer's state (the
# momentum buffer, saved from the CPU) must go back to the model's device.
epoch() {
  local run=("$NODE" dist/lib/cli/main.js mnist -type "$type" -size "$size" -epochs 1 -batchSize 32
    -learningRate 0.05 -momentum 0.9 -save "$out/mnist" -quiet)
  rm -rf "$out/mnist" && "${run[@]}" && "${run[@]}" -resume "$out/mnist/checkpoint" && cat "$out/mnist/test.log"
}
step mnist-epoch epoch

# Data-parallel: 2 ranks sharing the device, their CUDA gradients reduced by Gloo through the CPU
# (NCCL takes one GPU per rank; test/cuda.test.ts runs it on a group of one).
step distributed "$NODE" dist/lib/cli/main.js mnist -nproc 2 -distBackend gloo -type "$type" -size small -epochs 1 \
  -batchSize 16 -learningRate 0.05 -momentum 0.9 -save "$out/mnist-dist" -quiet

step bench env BENCH_PYTHON="$PYTHON" "$NODE" dist/scripts/bench.js --device "$device" ${bench_samples:+--samples "$bench_samples"} \
  ${BENCH_RUNS:+--runs "$BENCH_RUNS"} --json "$out/bench.json"

echo
echo "## gpu-check summary ($([ $dry = 1 ] && echo 'dry run on the CPU' || echo CUDA))"
echo "| step | result | time |"
echo "| --- | --- | ---: |"
printf '%s\n' "${summary[@]}"
grep -h 'PyTorch .* CUDA' "$out/torch.log" | sed 's/^/- /'
grep -h '^{' "$out/build.log" | sed 's/^/- LibTorch: /'
grep -h 'Tests:' "$out/cuda-tests.log" | sed 's/^/- tests: /'
tail -n 2 "$out/mnist/test.log" 2>/dev/null | awk '{ printf "- test accuracy after epoch %d: %.2f%%%s\n", NR, $1, NR == 2 ? " (resumed from the checkpoint)" : "" }'
grep -h '^|' "$out/bench.log"
echo "(logs in $out)"
exit $failed
