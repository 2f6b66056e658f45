#!/usr/bin/env bash
# Advisory format parse time: AdvisoryParser.parse over the OSV, NVD 2.0 and KEV fixtures, repeated,
# next to Foundation's JSONSerialization (parse only) over the same bytes in the same run.
# The harness is compiled with `swiftc -O` with only the format sources (Model, Formats, Format*, JSONPull),
# so no release build of the package is needed.
# Usage: Benchmarks/formats-parse.sh [REV]   — with REV, the same harness also runs against that git
# revision's format sources first (e.g. `Benchmarks/formats-parse.sh e00d6f9` for the Codable decoders).
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="$(mktemp -d /tmp/bulkhead-formats-bench-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
FIXTURES="$PWD/Tests/AdvisoriesTests/Fixtures"
build() {  # $1: label, $2: directory holding the sources
    local files=()
    for f in "$2"/Model.swift "$2"/Formats.swift "$2"/Format*.swift "$2"/JSONPull.swift; do
        case "$f" in */Formats.swift) [[ " ${files[*]} " == *" $f "* ]] && continue;; esac
        if [ -f "$f" ]; then files+=("$f"); fi
    done
    swiftc -O -swift-version 6 -module-name Advisories Benchmarks/formats-parse/main.swift "${files[@]}" -o "$WORK/bench-$1"
}
if [ $# -ge 1 ]; then
    mkdir -p "$WORK/rev"
    for f in $(git ls-tree --name-only "$1" Sources/Advisories/); do
        case "$(basename "$f")" in Model.swift|Formats.swift|Format*.swift|JSONPull.swift) git show "$1:$f" > "$WORK/rev/$(basename "$f")";; esac
    done
    build rev "$WORK/rev"
    echo "== $1 =="
    "$WORK/bench-rev" "$FIXTURES"
fi
build head Sources/Advisories
echo "== working tree =="
"$WORK/bench-head" "$FIXTURES"
