#!/usr/bin/env bash
# `bulkhead assess` with a full advisory database: wall time and peak RSS of a release build, N runs,
# and (with BEFORE=BINARY) the same runs of another build on the same database and host snapshot, whose
# reports must agree (Benchmarks/assess_compare.py: findings, open advisories, criterion-5 facts).
# Usage: Benchmarks/assess-advisories.sh DB [N]          — live host
#        SNAPSHOT=FILE BEFORE=/path/to/old/bulkhead Benchmarks/assess-advisories.sh DB [N]
#        AFTER=/path/to/bulkhead … — measure that build instead of building this tree (release builds of a
#        shared tree belong in a copy of it); runs alternate before/after so both see the same load.
# Make DB with `bulkhead advisories import --db DB CORPUS` (CORPUS from Benchmarks/advisories_corpus.py,
# `--mix cvelist` for cvelistV5's product mix). An older build may not open a database a newer one migrated:
# give BEFORE a copy made before (BEFORE_DB=COPY; the reports are compared with each database's path as DB).
set -euo pipefail
cd "$(dirname "$0")/.."
DB="$1"
N="${2:-3}"
if [ -n "${AFTER:-}" ]; then
    BIN="$AFTER"
else
    swift build -c release --product bulkhead >/dev/null
    BIN="$(swift build -c release --show-bin-path)/bulkhead"
fi
WORK="$(mktemp -d /tmp/bulkhead-assess-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
HOST=()
if [ -n "${SNAPSHOT:-}" ]; then HOST=(--snapshot "$SNAPSHOT"); fi
run() {  # label binary db run
    /usr/bin/time -f "%e %U %S %M" -o "$WORK/t" "$2" assess "${HOST[@]}" --advisory-database "$3" --no-store --format json > "$WORK/$1.raw"
    # The database's path is in the report: a BEFORE_DB copy compares as the same database.
    sed "s#$3#DB#g" "$WORK/$1.raw" > "$WORK/$1.json"
    read -r T U S RSS < "$WORK/t"
    echo "$1 run $4: ${T} s wall, $(echo "$U + $S" | bc) s CPU (user $U + sys $S), peak RSS $((RSS / 1024)) MiB"
}
uptime
for i in $(seq "$N"); do
    if [ -n "${BEFORE:-}" ]; then run before "$BEFORE" "${BEFORE_DB:-$DB}" "$i"; fi
    run after "$BIN" "$DB" "$i"
done
uptime
if [ -n "${BEFORE:-}" ]; then python3 Benchmarks/assess_compare.py "$WORK/before.json" "$WORK/after.json"; fi
