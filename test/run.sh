#!/usr/bin/env bash
# Runs every test under test/ with Node's own runner (globstar expands the nested folders;
# Node 20 does not expand a quoted glob itself).
set -euo pipefail
shopt -s globstar nullglob
cd "$(dirname "$0")/.."
files=(test/**/*.test.ts)
if [ ${#files[@]} -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
exec node --import tsx --test --test-concurrency=2 "$@" "${files[@]}"
