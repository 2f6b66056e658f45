#!/usr/bin/env python3
"""Compare two `bulkhead assess --format json` reports of the same host and advisory database, ignoring
what changes from run to run (times, ages, the observation dates in evidence): prints every other
difference by its JSON path and exits 1 when there is one. Used to show that a faster advisory query
gives the same findings, open advisories and criterion-5 facts (Benchmarks/assess-advisories.sh)."""
import json, re, sys

VOLATILE = {"assessedAt", "observedAt", "ageDays", "lastImport", "durationSeconds", "seconds", "stale"}
DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def clean(v):
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items() if k not in VOLATILE}
    if isinstance(v, list):
        return [clean(x) for x in v]
    if isinstance(v, str):
        return DATE.sub("<time>", v)
    return v


def diff(a, b, path, out):
    if type(a) is not type(b):
        out.append(f"{path}: {str(a)[:120]} != {str(b)[:120]}")
    elif isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in {'second' if k in b else 'first'}")
            else:
                diff(a[k], b[k], f"{path}.{k}", out)
    elif isinstance(a, list):
        if len(a) != len(b):
            out.append(f"{path}: {len(a)} items != {len(b)} items")
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, f"{path}[{i}]", out)
    elif a != b:
        out.append(f"{path}: {str(a)[:120]} != {str(b)[:120]}")


a, b = (clean(json.load(open(p))) for p in sys.argv[1:3])
out = []
diff(a, b, "$", out)
opened = sum(len(v) for v in (a.get("openAdvisories") or {}).values())
if out:
    print(f"{len(out)} differences:")
    print("\n".join(out[:40]))
    sys.exit(1)
print(f"same report ({opened} open advisories, volatile fields ignored)")
