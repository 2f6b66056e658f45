#!/usr/bin/env bash
# Advisory format parse time: AdvisoryParser.parse over the OSV, NVD 2.0 and KEV fixtures, repeated,
# next to Foundation's JSONSerialization (parse only) over the same bytes in the same run.
# The harness is compiled with `swiftc -O` with only the format sources (Model, Formats, Format*, JSONPull, BulkheadError),
# so no release build of the package is needed.
# Usage: Benchmarks/formats-parse.sh [REV]   — with REV, the same harness also runs against that git
# revision's format sources first (e.g. `Benchmarks/formats-parse.sh e00d6f9` for the Codable decoders).
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="$(mktemp -d /tmp/bulkhead-formats-bench-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
FIXTURES="$PWD/Tests/AdvisoriesTests/Fixtures"
# The sources one harness module needs: the advisory model and format readers (Sources/Advisories), the JSON
# pull reader (Sources/Formats/JSONPull.swift; Sources/Advisories in older revisions) and BulkheadError
# (Sources/BulkheadModel). Compiled as one module, so their `import Formats` / `import BulkheadModel` go.
SOURCES=(Sources/Advisories/Model.swift Sources/Advisories/Formats.swift Sources/Advisories/Format*.swift
    Sources/Formats/JSONPull.swift Sources/Advisories/JSONPull.swift Sources/BulkheadModel/BulkheadError.swift)
stage() {  # $1: directory to fill, $2: git revision (empty: the working tree)
    mkdir -p "$1"
    local f
    if [ -n "$2" ]; then
        for f in $(git ls-tree --name-only "$2" Sources/Advisories/ Sources/Formats/JSONPull.swift Sources/BulkheadModel/BulkheadError.swift); do
            case "$(basename "$f")" in Model.swift|Formats.swift|Format*.swift|JSONPull.swift|BulkheadError.swift)
                git show "$2:$f" | sed -E '/^(public |internal )?import (Formats|BulkheadModel)$/d' > "$1/$(basename "$f")";; esac
        done
    else
        for f in "${SOURCES[@]}"; do
            if [ -f "$f" ]; then sed -E '/^(public |internal )?import (Formats|BulkheadModel)$/d' "$f" > "$1/$(basename "$f")"; fi
        done
    fi
}
build() {  # $1: label, $2: staged directory
    swiftc -O -swift-version 6 -module-name Advisories Benchmarks/formats-parse/main.swift "$2"/*.swift -o "$WORK/bench-$1"
}
if [ $# -ge 1 ]; then
    stage "$WORK/rev" "$1"
    build rev "$WORK/rev"
    echo "== $1 =="
    "$WORK/bench-rev" "$FIXTURES"
fi
stage "$WORK/head" ""
build head "$WORK/head"
echo "== working tree =="
"$WORK/bench-head" "$FIXTURES"
