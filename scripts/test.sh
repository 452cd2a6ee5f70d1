#!/usr/bin/env bash
# Run every test of Rounds. Installs the system libraries and fetches the base model
# first (the parity tests compare against numbers from that exact file).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS_SKIP_BUILD=1 scripts/setup.sh
# The bundled seed data must stay well-formed (roles, formats, lengths, no duplicates).
python3 scripts/check-seed.py
# Release build: the model parity tests run the 135M model; -enable-testing keeps
# @testable imports working in release. ROUNDS_CHECKED=1 keeps bounds and overflow checks in
# the numeric layers (the shipped binary drops them; see Package.swift).
ROUNDS_CHECKED=1 swift test -c release -Xswiftc -enable-testing "$@"
