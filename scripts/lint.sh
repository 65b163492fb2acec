#!/usr/bin/env bash
# The gates that `make lint` and .ci/run run before the tests; each runs, then the failed ones are named.
#
#   ruff check .             lint (rules in pyproject.toml [tool.ruff])
#   ruff format --check .    formatting (`ruff format .` fixes it); one line a file here
#   mypy                     types of ml/ ([tool.mypy]: files = ["ml"])
#   duplicates               no more repeated blocks than .ci/duplicates-baseline records (migrations apart)
set -uo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
failed=()

gate() {
  local name=$1
  shift
  echo "== $name"
  "$@" || failed+=("$name")
}

duplicates_gate() {
  # A shared tool of the development and CI machines (it writes nothing and always exits 0); not vendored.
  if ! command -v duplicates >/dev/null 2>&1; then
    echo "skipped: the duplicates command is not installed here"
    return 0
  fi
  local baseline report rows count
  baseline=$(grep -v '^#' .ci/duplicates-baseline | tr -d '[:space:]')
  report=$(duplicates --most 200 --seconds 120)
  # Pairs of two migrations are not counted: makemigrations writes them, and each must stay frozen as
  # written (sharing code between them would change history when the shared code changes).
  rows=$(grep -E '^D[0-9]+ ' <<<"$report" | grep -vE '^D[0-9]+ [^ ]*/migrations/[^ ]* ~ [^ ]*/migrations/' || true)
  count=$(grep -c . <<<"$rows" || true)
  grep '^incomplete:' <<<"$report" && echo "warning: duplicates did not read the whole tree"
  grep -q '^(+[0-9]* more pairs)' <<<"$report" && echo "warning: more than 200 pairs; only the first 200 were counted"
  if ((count > baseline)); then
    echo "$rows"
    echo "$count repeated blocks, baseline $baseline: share the new copy instead (\`duplicates --change --base main\`"
    echo "lists what a branch added), or, if the repetition is right, raise .ci/duplicates-baseline"
    return 1
  fi
  ((count < baseline)) && echo "$count repeated blocks, baseline $baseline: lower .ci/duplicates-baseline to $count"
  echo "$count repeated blocks (baseline $baseline)"
}

gate "ruff check" "$VENV/bin/ruff" check .
gate "ruff format" "$VENV/bin/ruff" format --check --output-format concise .
gate "mypy" "$VENV/bin/mypy"
gate "duplicates" duplicates_gate

if ((${#failed[@]})); then
  echo "failed: ${failed[*]}"
  exit 1
fi
echo "all gates passed"
