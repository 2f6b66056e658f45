#!/usr/bin/env bash
# Advisory import benchmark: a 300,000-record CVE 5 corpus generated from the real records (new ids),
# imported by the Advisories importer (release build of Benchmarks/advisories-bench, the code path of
# `bulkhead advisories import`) next to a Python json.load parse-only
# baseline over the same files, in the same run. Prints records/s and peak memory for both.
# Usage: Benchmarks/advisories.sh [N]   (default 300000; the corpus lives in a temp dir and is removed)
#        CORPUS=DIR Benchmarks/advisories.sh   (reuse a corpus generated before by advisories_corpus.py)
#        BIN=PATH Benchmarks/advisories.sh     (an advisories-bench built elsewhere, e.g. a release copy of the tree)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-300000}"
if [ -z "${BIN:-}" ]; then
    swift build -c release --product advisories-bench >/dev/null
    BIN="$(swift build -c release --show-bin-path)/advisories-bench"
fi
WORK="$(mktemp -d /tmp/bulkhead-bench-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
if [ -n "${CORPUS:-}" ]; then
    C="$CORPUS"
    N=$(find "$C" -name '*.json' | wc -l)
else
    C="$WORK/corpus"
    echo "generating $N records in $C …"
    python3 Benchmarks/advisories_corpus.py Tests/AdvisoriesTests/Fixtures/cve5 "$C" "$N"
fi
SIZE=$(du -sb "$C" | cut -f1)
echo "corpus: $N files, $((SIZE / 1048576)) MiB"
sync
# The page cache is warmed equally for both: every file is read once before either is timed (this
# machine's memory manager evicts cold pages, so a corpus written minutes ago may be on disk again).
find "$C" -name '*.json' -print0 | xargs -0 cat > /dev/null
read -r PYN PYT PYRSS < <(python3 Benchmarks/advisories_python_baseline.py "$C")
find "$C" -name '*.json' -print0 | xargs -0 cat > /dev/null
/usr/bin/time -f "%e %M" -o "$WORK/time" "$BIN" "$WORK/bench.sqlite" "$C" > "$WORK/report.json"
read -r BT BRSS < "$WORK/time"
find "$C" -name '*.json' -print0 | xargs -0 cat > /dev/null
"$BIN" --floor "$C" > "$WORK/floor.json"
BREC=$(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(int(r['advisories']), int(r['problems']))" "$WORK/report.json")
python3 - "$N" "$BT" "$BRSS" "$PYN" "$PYT" "$PYRSS" "$BREC" "$WORK/floor.json" <<'PY'
import json, sys
n, bt, brss, pyn, pyt, pyrss, brec = sys.argv[1:8]
recs, probs = brec.split()
bt, pyt = float(bt), float(pyt)
print(f"bulkhead import : {recs} records ({probs} problems) in {bt:.1f} s = {int(recs)/bt:,.0f} records/s, peak RSS {int(brss)//1024} MiB (parse + normalise + SQLite)")
print(f"python json.load: {pyn} files in {pyt:.1f} s = {int(pyn)/pyt:,.0f} records/s, peak RSS {pyrss} MiB (parse only)")
print(f"speed-up vs python: {pyt/bt:.2f}x   goal: >= 1.0x (the whole import no slower than Python parsing alone), peak <= 150 MiB")
fl = json.load(open(sys.argv[8]))
print(f"floor (read + validate every byte with JSONPull on all cores, nothing decoded or stored): {fl['seconds']:.1f} s = {pyt/fl['seconds']:.2f}x python")
PY
