"""What the tests and the benchmarks share, a module a concern: paths (the real data, the run cache), the
tiny random BERT, daphne start-up, the headless Chromium launcher, the JSON API as a script calls it,
training jobs (rows, launches, claims, their log) and the job page's WebSocket. Imported as
`tests.support` (the repository root is on sys.path: pytest's `pythonpath`, and each benchmark adds it)."""
