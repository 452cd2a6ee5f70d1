#!/usr/bin/env python3
"""Reference values for Tests/FeedbackStoreTests/ConfidenceSequenceTests.swift
(`matchesTheAuthorsPackage`), from the betting confidence sequence of the paper's authors'
package confseq 0.0.11 (Waudby-Smith & Ramdas, "Estimating means of bounded random variables by
betting"). Its wheel needs a C++ build; its betting code is pure Python, so this reads the
source distribution directly. In a throwaway venv:
    python3 -m venv .venv-confseq && .venv-confseq/bin/pip install numpy scipy multiprocess
    .venv-confseq/bin/pip download --no-deps --no-binary :all: confseq==0.0.11 -d .venv-confseq
    tar xzf .venv-confseq/confseq-0.0.11.tar.gz -C .venv-confseq
    .venv-confseq/bin/python scripts/confseq-reference.py .venv-confseq/confseq-0.0.11/src
"""
import sys
import types

# betting.py imports matplotlib for plotting only, and misc.py names np.float_ (gone in NumPy 2).
sys.modules["matplotlib"] = types.ModuleType("matplotlib")
sys.modules["matplotlib.pyplot"] = types.ModuleType("matplotlib.pyplot")
import numpy as np

np.float_ = np.float64
sys.path.insert(0, sys.argv[1])
from confseq.betting import betting_cs, betting_mart

print("# hedged capital max(θK⁺, (1−θ)K⁻) after X = 1, 1, ½")
for m in [0.5, 0.1]:
    print(m, repr(float(betting_mart(np.array([1, 1, 0.5]), m, alpha=0.05, theta=0.5, trunc_scale=0.5)[-1])))

print("# interval (grid points one step of 1e-5 outside it) after the pattern repeated 2 and 4 times")
pattern = [1, 1, 0, 1, 0.5, 1, 0, 1, 1, 0]
lower, upper = betting_cs(np.array(pattern * 4), alpha=0.05, breaks=100000, running_intersection=False)
for t in [20, 40]:
    print(t, repr(float(lower[t - 1])), repr(float(upper[t - 1])))
