# Sourced by every scripts/bench-*: builds rounds-bench in release (in .build-release, so the
# test suite's -enable-testing build in .build does not invalidate it), sets $bench to it, and
# prints what the figures were measured on (CPU, vector features, BLAS kernels and their sgemm
# rate; `rounds-bench machine`) to standard error, where it never mixes with --json output.
cd "$(dirname "${BASH_SOURCE[0]}")/.."
swift build -c release --scratch-path .build-release --product rounds-bench >&2
bench="$(swift build -c release --scratch-path .build-release --show-bin-path)/rounds-bench"
"$bench" machine >&2
