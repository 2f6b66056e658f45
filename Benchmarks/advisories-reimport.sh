#!/usr/bin/env bash
# Zip re-import benchmark (issue 18): a CVE 5 corpus generated from the real records
# (advisories_corpus.py) packed like the cvelistV5 release zip — release.zip holding cves.zip holding
# cves/<year>/<n>xxx/CVE-….json — imported by Benchmarks/advisories-bench (the code path of
# `bulkhead advisories import`) into a fresh database, then:
#   1. the same zip imported again (nothing should be decompressed or parsed);
#   2. the zip rebuilt with 1,000 records edited (their English description), imported again — the
#      rows that changed are counted from the database (exactly 1,000 expected).
# Usage: Benchmarks/advisories-reimport.sh [N]      (default 300000; everything lives in a temp dir)
#        BUILD=debug Benchmarks/advisories-reimport.sh N   (use the debug build, say so with the figures)
#        BIN=PATH Benchmarks/advisories-reimport.sh N      (an advisories-bench built elsewhere)
#        CORPUS=DIR Benchmarks/advisories-reimport.sh      (a copy of a corpus advisories_corpus.py generated before, e.g. the
#                                                           one Benchmarks/advisories.sh keeps with CORPUS=; DIR is not changed)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-300000}"
BUILD="${BUILD:-release}"
if [ -z "${BIN:-}" ]; then
    swift build -c "$BUILD" --product advisories-bench >/dev/null
    BIN="$(swift build -c "$BUILD" --show-bin-path)/advisories-bench"
fi
WORK="$(mktemp -d /tmp/bulkhead-reimport-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
C="$WORK/tree"
if [ -n "${CORPUS:-}" ]; then
    # The edits below change the tree: they go to a copy.
    cp -r "$CORPUS" "$C"
    N=$(find "$C" -name '*.json' | wc -l)
else
    echo "generating $N records …"
    python3 Benchmarks/advisories_corpus.py Tests/AdvisoriesTests/Fixtures/cve5 "$C" "$N"
fi
(cd "$C" && zip -q -r -X cves.zip cves && zip -q -0 -X "$WORK/release.zip" cves.zip)
echo "release.zip: $(($(stat -c %s "$WORK/release.zip") / 1048576)) MiB ($N records, $BUILD build)"
snapshot() {
    python3 - "$WORK/db.sqlite" "$1" <<'PY'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
with open(sys.argv[2], "w") as out:
    for n, i, s, b in db.execute("SELECT n, id, summary, body FROM advisories ORDER BY id"):
        out.write(f"{i} {n} {hashlib.sha1((s + b).encode()).hexdigest()}\n")
PY
}
run() {
    /usr/bin/time -f "%e %M" -o "$WORK/time" "$BIN" "$WORK/db.sqlite" "$WORK/release.zip" > "$WORK/report.json"
    read -r T RSS < "$WORK/time"
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(f\"{sys.argv[2]:<34} {float(sys.argv[3]):6.2f} s  peak RSS {int(sys.argv[4])//1024} MiB  parsed {int(r['filesImported'])} members, unchanged {int(r['membersUnchanged'])}, {int(r['advisories'])} advisories written, {int(r['problems'])} problems\")" "$WORK/report.json" "$1" "$T" "$RSS"
}
run "first import"
snapshot "$WORK/s1"
run "same zip again"
snapshot "$WORK/s2"
echo "rows changed by the re-import: $(diff "$WORK/s1" "$WORK/s2" | grep -c '^>' || true)"
python3 - "$C" 1000 <<'PY'
import json, os, sys
root, k = sys.argv[1], int(sys.argv[2])
paths = sorted(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(root, "cves")) for f in fs if f.endswith(".json"))
step = max(1, len(paths) // k)
for p in paths[::step][:k]:
    with open(p, encoding="utf-8") as fh:
        r = json.load(fh)
    r["containers"]["cna"]["descriptions"] = [{"lang": "en", "value": "Edited for the re-import benchmark: " + r["cveMetadata"]["cveId"]}]
    with open(p, "w", encoding="utf-8") as fh:
        json.dump(r, fh)
PY
# zip updates the changed members of cves.zip in place (by mtime), then the release zip is rebuilt.
(cd "$C" && sleep 1 && touch -d '+2 seconds' $(grep -rl "Edited for the re-import benchmark" cves) && zip -q -r -u -X cves.zip cves && rm -f "$WORK/release.zip" && zip -q -0 -X "$WORK/release.zip" cves.zip)
run "zip with 1,000 records changed"
snapshot "$WORK/s3"
echo "rows changed by that import: $(diff "$WORK/s2" "$WORK/s3" | grep -c '^>' || true) (expected 1000)"
