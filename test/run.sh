#!/usr/bin/env bash
# npm test: every test under test/ on SQLite and, at the same time, the route, service and CLI
# tests (those that open a database: makeApp, the CLI helper) again on PostgreSQL, on a throw-away
# cluster started here (scripts/pg-cluster.mjs: initdb in a temporary folder, a free port, removed at the end).
# Where no PostgreSQL server can be started (no binaries), the second run is skipped with a
# message; with RECTIFY_REQUIRE_PG=1 (CI sets it) that is a failure instead.
# RECTIFY_TEST_ENGINES=sqlite or =postgres runs one of the two.
# Node's own runner; globstar expands the nested folders (Node 20 does not expand a quoted glob itself).
set -euo pipefail
shopt -s globstar nullglob
cd "$(dirname "$0")/.."
files=(test/**/*.test.ts)
if [ ${#files[@]} -eq 0 ]; then echo "no test files found" >&2; exit 1; fi
engines="${RECTIFY_TEST_ENGINES:-sqlite postgres}"
status=0
cleanup=()
trap 'for c in "${cleanup[@]}"; do eval "$c"; done' EXIT

# Each half's files run in a few processes, several files one after another in each (test/groups.mjs:
# a process per file spent more CPU loading tsx and the app than most files spend testing);
# RECTIFY_TEST_ISOLATE=1 runs every file in a process of its own instead.
groups() { # NAME COUNT FILE…: the group files' paths, one a line
  local name=$1 count=$2
  shift 2
  if [ "${RECTIFY_TEST_ISOLATE:-}" = "1" ]; then count=$#; fi
  node test/groups.mjs "$RECTIFY_TEST_RUN/groups" "$name" "$count" "$@"
}
need_groups() { if [ "$1" -eq 0 ]; then echo "test/groups.mjs made no groups" >&2; exit 1; fi; }

# made once for both halves in a folder of this run: the command line the CLI tests run
# (test/helpers/cli.ts: built into cli/), and makeApp's organisation on SQLite (test/helpers/app.ts: org.db)
mkdir -p test-results
export RECTIFY_TEST_RUN="$(mktemp -d "$PWD/test-results/run-XXXXXX")"
cleanup+=('rm -rf "$RECTIFY_TEST_RUN"')
node scripts/build.mjs --cli --quiet --outdir "$RECTIFY_TEST_RUN/cli"

# The two halves run at the same time (each runs two files at a time): either alone leaves the
# cores idle while its files wait (on Chromium, a mail server, PostgreSQL). The PostgreSQL half's
# report is kept and printed after the SQLite half's.
pg_log=""
if [[ " $engines " == *" postgres "* ]]; then
  pg_files=()
  for f in "${files[@]}"; do
    case "$f" in test/e2e/*) continue ;; esac
    if grep -qE "makeApp|helpers/cli\.ts|freshDatabaseEnv|TEST_DATABASE_URL" "$f"; then pg_files+=("$f"); fi
  done
  cluster="$(mktemp -d /tmp/rectify-pg-XXXXXX)"
  if url="$(node scripts/pg-cluster.mjs start "$cluster" 2>"$cluster.err")"; then
    cleanup+=('node scripts/pg-cluster.mjs stop "$cluster" >/dev/null 2>&1 || true; rm -rf "$cluster" "$cluster.err"')
    pg_log="$RECTIFY_TEST_RUN/postgres.log"
    mapfile -t pg_groups < <(groups postgres 8 "${pg_files[@]}")
    need_groups ${#pg_groups[@]}
    echo "── PostgreSQL ($url): ${#pg_files[@]} test files (routes, services, the CLI) in ${#pg_groups[@]} processes" >"$pg_log"
    TEST_DATABASE_URL="$url" node --import tsx --test --test-concurrency=2 "$@" "${pg_groups[@]}" >>"$pg_log" 2>&1 &
    pg_pid=$!
  else
    msg="PostgreSQL 测试已跳过：无法启动临时 PostgreSQL 服务器（$(head -c 300 "$cluster.err")）。安装 postgresql postgresql-contrib 后再运行。"
    rm -rf "$cluster" "$cluster.err"
    if [ "${RECTIFY_REQUIRE_PG:-}" = "1" ]; then echo "$msg" >&2; exit 1; fi
    echo "── $msg"
  fi
fi

if [[ " $engines " == *" sqlite "* ]]; then
  mapfile -t sqlite_groups < <(groups sqlite 10 "${files[@]}")
  need_groups ${#sqlite_groups[@]}
  echo "── SQLite: ${#files[@]} test files in ${#sqlite_groups[@]} processes"
  node --import tsx --test --test-concurrency=2 "$@" "${sqlite_groups[@]}" || status=$?
fi

if [ -n "$pg_log" ]; then
  pg_status=0
  wait "$pg_pid" || pg_status=$?
  cat "$pg_log"
  if [ "$pg_status" -ne 0 ]; then status=$pg_status; fi
fi
exit $status
