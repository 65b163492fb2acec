"""What the tests and the benchmarks share: paths (the real data, the run cache), the tiny random BERT,
daphne start-up and the headless Chromium launcher. Imported as `tests.support` (the repository root
is on sys.path: pytest's `pythonpath`, and each benchmark adds it)."""
