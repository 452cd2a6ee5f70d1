#!/usr/bin/env bash
# Model file loading speed: GGUF parse, dequantization of every tensor, Q8_0 quantization.
# Usage: scripts/bench-modelfiles.sh [GGUF]   (default: the base model; fetch it with rounds model fetch)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh
exec "$bench" model-load --model "${1:-policies/base/SmolLM2-135M-Instruct.Q4_1.gguf}"
