#!/usr/bin/env bash
# Lists the compiler warnings from Bulkhead's own files in build output: the files given as arguments (or
# standard input) are searched for diagnostics `PATH:LINE:COLUMN: warning: ...` whose PATH is under Sources/,
# Tests/, Benchmarks/ or Fuzz/ (absolute, as SwiftPM prints them, or relative, as Fuzz/run's swiftc does), and
# for warnings inside a macro expansion (`macro expansion #expect:1:67: warning: ...`), which are charged to the
# file named by the next "expanded code originates here" note. The dependencies' warnings (anything under a
# .build directory, such as .build/checkouts) and the linker's notes are not ours. Prints each warning once,
# its path from the package root, sorted. Exit status: 0 when there is none, 1 when there is at least one.
# Usage: swift build --build-tests 2>&1 | tee build.log; scripts/own-warnings.sh build.log
# .ci/run fails on them; docs/security.md ("Compiler warnings") says how they are counted. Only a build that
# compiles every file prints every warning (a fresh clone, or an empty scratch path): an incremental build
# prints those of the files it recompiled.
set -euo pipefail
own='^([^ :]*/)?(Sources|Tests|Benchmarks|Fuzz)/[^:]*:[0-9]+:[0-9]+: warning: '
[ $# -gt 0 ] || set -- -
found=$(
    for log in "$@"; do
        { [ "$log" = - ] || [ -r "$log" ]; } || continue
        awk '
            /^macro expansion [^:]*:[0-9]+:[0-9]+: warning: / { pending = $0; sub(/^macro expansion [^:]*:[0-9]+:[0-9]+: /, "", pending); next }
            pending != "" && /: note: expanded code originates here/ {
                origin = $0; sub(/^.*`- /, "", origin); sub(/: note: expanded code originates here.*$/, "", origin)
                print origin ": " pending " (in a macro expansion)"; pending = ""; next
            }
            { print }
        ' "$log"
    done | grep -aE "$own" | grep -avE '(^|/)\.build[^/]*/' | sed -E 's#^([^ :]*/)?((Sources|Tests|Benchmarks|Fuzz)/)#\2#' | sort -u || true
)
[ -z "$found" ] && exit 0
printf '%s\n' "$found"
exit 1
