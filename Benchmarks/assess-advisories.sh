#!/usr/bin/env bash
# `bulkhead assess` with a full advisory database: wall time and peak RSS of a release build, N runs,
# and (with BEFORE=BINARY) the same runs of another build on the same database and host snapshot, whose
# reports must agree (Benchmarks/assess_compare.py: findings, open advisories, criterion-5 facts).
# Usage: Benchmarks/assess-advisories.sh DB [N]          — live host
#        SNAPSHOT=FILE BEFORE=/path/to/old/bulkhead Benchmarks/assess-advisories.sh DB [N]
# Make DB with `bulkhead advisories import --db DB CORPUS` (CORPUS from Benchmarks/advisories_corpus.py,
# `--mix cvelist` for cvelistV5's product mix). An older build may not open a database a newer one migrated:
# give BEFORE a copy made before.
set -euo pipefail
cd "$(dirname "$0")/.."
DB="$1"
N="${2:-3}"
swift build -c release --product bulkhead >/dev/null
BIN="$(swift build -c release --show-bin-path)/bulkhead"
WORK="$(mktemp -d /tmp/bulkhead-assess-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
HOST=()
if [ -n "${SNAPSHOT:-}" ]; then HOST=(--snapshot "$SNAPSHOT"); fi
run() {  # label binary db
    for i in $(seq "$N"); do
        /usr/bin/time -f "%e %M" -o "$WORK/t" "$2" assess "${HOST[@]}" --advisory-database "$3" --no-store --format json > "$WORK/$1.json"
        read -r T RSS < "$WORK/t"
        echo "$1 run $i: ${T} s, peak RSS $((RSS / 1024)) MiB"
    done
}
if [ -n "${BEFORE:-}" ]; then run before "$BEFORE" "${BEFORE_DB:-$DB}"; fi
run after "$BIN" "$DB"
if [ -n "${BEFORE:-}" ]; then python3 Benchmarks/assess_compare.py "$WORK/before.json" "$WORK/after.json"; fi
