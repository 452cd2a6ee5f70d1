#!/usr/bin/env bash
# Set up this machine, then run the main job of Rounds on the bundled defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
