#!/usr/bin/env python3
"""Reference values for Tests/FeedbackStoreTests/StatisticsTests.swift, computed with
established libraries (statsmodels, scikit-learn, krippendorff). Run in a throwaway venv:
    python3 -m venv .venv-stats && .venv-stats/bin/pip install statsmodels scikit-learn krippendorff
    .venv-stats/bin/python scripts/stats-reference.py
"""
import numpy as np
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.inter_rater import fleiss_kappa
from sklearn.metrics import cohen_kappa_score
from sklearn.linear_model import LogisticRegression
import krippendorff

print("# Wilson 95% (statsmodels proportion_confint method='wilson')")
for count, nobs in [(0, 10), (7, 10), (45, 50), (1234, 2000), (1, 1)]:
    lo, hi = proportion_confint(count, nobs, alpha=0.05, method="wilson")
    print(f"({count}, {nobs}, {lo!r}, {hi!r}),")

print("# Cohen's kappa (sklearn cohen_kappa_score)")
# Wikipedia "Cohen's kappa" worked example: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no.
a = ["yes"] * 25 + ["no"] * 25
b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
print("wikipedia", repr(cohen_kappa_score(a, b)))
r1 = [0, 1, 2, 2, 1, 0, 3, 3, 2, 1, 0, 0, 2, 3, 1]
r2 = [0, 1, 2, 1, 1, 0, 3, 2, 2, 1, 1, 0, 2, 3, 0]
print("four categories", repr(cohen_kappa_score(r1, r2)))

print("# Fleiss' kappa (statsmodels fleiss_kappa), Wikipedia/Fleiss example table")
table = np.array([
    [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]])
print(repr(fleiss_kappa(table, method="fleiss")))

print("# Krippendorff's alpha nominal (krippendorff.alpha), Krippendorff 2011 section C data")
nan = np.nan
data = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
]
print(repr(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")))

print("# Bradley-Terry (sklearn LogisticRegression as in Chatbot Arena compute_mle_elo)")
# (i, j, wins of i, wins of j, ties incl. both bad)
pairs = [(0, 1, 30, 20, 10), (0, 2, 25, 25, 5), (1, 2, 18, 12, 10),
         (0, 3, 10, 30, 2), (1, 3, 8, 22, 0), (2, 3, 15, 15, 3)]
X, y, w = [], [], []
for i, j, wi, wj, t in pairs:
    row = np.zeros(4); row[i] = np.log(10); row[j] = -np.log(10)
    X += [row, row]; y += [1, 0]; w += [wi + 0.5 * t, wj + 0.5 * t]
lr = LogisticRegression(fit_intercept=False, C=np.inf, solver="newton-cg", tol=1e-12, max_iter=100000)
lr.fit(np.array(X), np.array(y), sample_weight=np.array(w))
coef = lr.coef_[0] - lr.coef_[0].mean()
print(repr(list(400 * coef + 1000)))
