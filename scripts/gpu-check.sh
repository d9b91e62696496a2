#!/usr/bin/env bash
# CUDA check, for a machine with an NVIDIA GPU and the PyTorch wheel (its LibTorch is used):
# builds the addon against it, runs the CUDA tests and a one-epoch CUDA training on MNIST.
#   MNIST_DIR=/path/to/mnist bash scripts/gpu-check.sh
# On a machine without Node, carry one: a folder .gpu/node (a Node distribution) is put on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .gpu/node/bin/node ] && export PATH="$PWD/.gpu/node/bin:$PATH"
command -v node >/dev/null || { echo "gpu-check: no node on PATH (carry one in .gpu/node)"; exit 1; }
export MNIST_DIR="${MNIST_DIR:-$PWD/.gpu/mnist}"

python3 -c 'import torch; print("PyTorch", torch.__version__, "CUDA", torch.version.cuda, "GPUs", torch.cuda.device_count())'
echo "== LibTorch: $(node scripts/find-libtorch.js --cmake-dir)"
rm -rf build
node node_modules/cmake-js/bin/cmake-js compile --CDCMAKE_BUILD_TYPE=Release -p "$(nproc)"
[ -d dist ] || node node_modules/typescript/bin/tsc -p tsconfig.json

echo "== CUDA tests"
node node_modules/jest/bin/jest.js test/cuda.test.ts test/tensor-math.test.ts --ci

echo "== one epoch of MNIST on the GPU"
node dist/lib/cli/main.js mnist -type cuda -size full -epochs 1 -batchSize 32 -learningRate 0.05 -save /tmp/gpu-results -quiet
cat /tmp/gpu-results/test.log
