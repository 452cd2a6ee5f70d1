#!/usr/bin/env bash
# Set up a fresh machine for Rounds: system libraries, a release build of `rounds`,
# and the base model. Safe to run again: each step skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pkg in libopenblas-dev libsqlite3-dev pkg-config; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ "${ROUNDS_SKIP_BUILD:-0}" != 1 ]; then
    echo "setup: building rounds (release)"
    swift build -c release --product rounds
fi

scripts/fetch-model.sh
