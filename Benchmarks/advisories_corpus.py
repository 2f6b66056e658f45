#!/usr/bin/env python3
"""Generate a cvelistV5-layout corpus of N CVE 5 records from the real records in
Tests/AdvisoriesTests/Fixtures/cve5, each with a new id (CVE-<year>-<9000000+i>), cycling through them."""
import json, os, sys

src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
records = []
for f in sorted(os.listdir(src)):
    if f.endswith(".json"):
        with open(os.path.join(src, f), encoding="utf-8") as fh:
            records.append(json.load(fh))
for i in range(n):
    rec = records[i % len(records)]
    year = rec["cveMetadata"]["cveId"].split("-")[1]
    num = 9000000 + i
    cid = f"CVE-{year}-{num}"
    rec["cveMetadata"]["cveId"] = cid
    d = os.path.join(out, "cves", year, f"{num // 1000}xxx")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, cid + ".json"), "w", encoding="utf-8") as fh:
        json.dump(rec, fh, ensure_ascii=False, indent=2)
