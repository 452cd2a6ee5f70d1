// Benchmarks of Rounds (release builds only): see scripts/bench-*.
print("rounds-bench: no benchmark yet")
