"""Reference blocks for the ModelFiles dequantizers and quantizers, computed by gguf-py
(the `gguf` package on PyPI, llama.cpp's Python reader/writer, numpy implementations of
ggml's block formats). Run from this folder: python3 make_quants.py > quants.json (needs `pip install gguf`).

- "dequantize": random block bytes (scale fields set to ordinary binary16 values) and
  gguf-py's `quants.dequantize` of them.
- "quantize": random floats and gguf-py's `quants.quantize` bytes.
"""
import importlib.metadata
import json
import sys

import gguf
import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import quants

rng = np.random.default_rng(20261123)


def half_bytes(values):
    return np.asarray(values, dtype=np.float16).view(np.uint8)


def random_blocks(qtype, nblocks):
    elements, size = gguf.GGML_QUANT_SIZES[qtype]
    raw = rng.integers(0, 256, size=(nblocks, size), dtype=np.uint8)
    scales = rng.uniform(0.001, 0.05, size=(nblocks, 2)) * rng.choice([-1, 1], size=(nblocks, 2))
    if qtype in (T.Q8_0, T.Q4_0, T.Q5_0):
        raw[:, 0:2] = half_bytes(scales[:, :1]).reshape(nblocks, 2)
    elif qtype in (T.Q4_1, T.Q4_K, T.Q5_K):
        # d (and dmin) positive, min of Q4_1 of either sign
        s = np.abs(scales) if qtype in (T.Q4_K, T.Q5_K) else np.stack([np.abs(scales[:, 0]), scales[:, 1]], axis=1)
        raw[:, 0:4] = half_bytes(s).reshape(nblocks, 4)
    elif qtype == T.Q6_K:
        raw[:, size - 2:size] = half_bytes(scales[:, :1]).reshape(nblocks, 2)
    return raw, elements


out = {"generator": f"gguf-py {importlib.metadata.version('gguf')}, numpy {np.__version__}", "dequantize": [], "quantize": []}
for qtype in (T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q4_K, T.Q5_K, T.Q6_K):
    nblocks = 3
    raw, elements = random_blocks(qtype, nblocks)
    values = quants.dequantize(raw.reshape(-1), qtype).astype(np.float32)
    assert values.size == nblocks * elements and np.all(np.isfinite(values))
    out["dequantize"].append({"type": qtype.name, "count": int(values.size), "bytes": raw.tobytes().hex(),
                              "values": [float(v) for v in values]})
for qtype in (T.Q8_0, T.Q4_0, T.Q4_1):
    x = (rng.standard_normal(32 * 4) * rng.uniform(0.01, 2.0)).astype(np.float32)
    x[32:64] = np.abs(x[32:64])  # a block of one sign
    x[64:96] = 0.0                # an all-zero block
    q = quants.quantize(x.reshape(4, 32), qtype)
    out["quantize"].append({"type": qtype.name, "values": [float(v) for v in x], "bytes": q.tobytes().hex()})
json.dump(out, sys.stdout, indent=1)
sys.stdout.write("\n")
