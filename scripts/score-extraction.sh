#!/usr/bin/env bash
# Scores the report parser with the shared scorer (../shared/tools/score-extraction.mjs) on every
# batch of hand-written texts, the way issue 15 asks:
#   shared fixtures · the project's own fixtures · narrative-tuning (what the rules were tuned on)
#   · narrative-unseen (written before the parser's rules were read; never tuned on) and its
#   meeting-news-and-commentary part (the files listed in narrative-unseen/NEWS).
# Usage: scripts/score-extraction.sh [-v]   (-v prints every file's line, not only the totals)
set -euo pipefail
cd "$(dirname "$0")/.."
SCORER=../shared/tools/score-extraction.mjs
CMD=(npm run --silent cli -- extract)
verbose=${1:-}
run() {
  local label=$1 dir=$2
  local out
  out=$(node "$SCORER" "$dir" -- "${CMD[@]}")
  if [ "$verbose" = "-v" ]; then echo "$out" | sed 's/^/  /'; fi
  printf '%-32s %s\n' "$label" "$(echo "$out" | tail -1)"
}
if [ -d ../shared/fixtures/reports ]; then run "shared fixtures" ../shared/fixtures/reports; fi
run "own fixtures" test/fixtures/reports
run "narrative-tuning" test/fixtures/narrative-tuning
run "narrative-unseen" test/fixtures/narrative-unseen
news=$(mktemp -d)
trap 'rm -rf "$news"' EXIT
while read -r name; do
  [ -n "$name" ] || continue
  cp "test/fixtures/narrative-unseen/$name.txt" "test/fixtures/narrative-unseen/$name.expected.json" "$news/"
done < test/fixtures/narrative-unseen/NEWS
run "narrative-unseen: news, comment" "$news"
