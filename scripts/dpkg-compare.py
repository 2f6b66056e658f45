#!/usr/bin/env python3
"""Compare Bulkhead's Debian version ordering with `dpkg --compare-versions`.

Builds at least --pairs version pairs from this machine's package lists (/var/lib/apt/lists/*Packages*,
decompressed with apt-helper, and /var/lib/dpkg/status), asks dpkg for each pair's order and Bulkhead
(`bulkhead advisories compare-versions --scheme debian`, pairs on stdin) for the same, and fails on any
disagreement. Usage: scripts/dpkg-compare.py [--bulkhead .build/debug/bulkhead] [--pairs 10000]
"""
import argparse, concurrent.futures, glob, os, random, subprocess, sys


def versions_from(text, out):
    name = None
    for line in text.splitlines():
        if line.startswith("Package: "):
            name = line[9:].strip()
        elif line.startswith("Version: ") and name:
            out.setdefault(name, set()).add(line[9:].strip())


def collect():
    by_pkg = {}
    lists = [p for p in glob.glob("/var/lib/apt/lists/*Packages*") if not p.endswith(".diff_Index")]
    for p in lists:
        r = subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", p], capture_output=True, text=True, errors="replace")
        if r.returncode == 0:
            versions_from(r.stdout, by_pkg)
    if os.path.exists("/var/lib/dpkg/status"):
        with open("/var/lib/dpkg/status", errors="replace") as f:
            versions_from(f.read(), by_pkg)
    return by_pkg, lists


def build_pairs(by_pkg, n):
    rng = random.Random(1460)
    pairs = set()
    # Same package, different versions (the comparisons that matter for backports).
    for vs in by_pkg.values():
        vs = sorted(vs)
        for i in range(len(vs)):
            for j in range(i + 1, len(vs)):
                pairs.add((vs[i], vs[j]))
    allv = sorted({v for vs in by_pkg.values() for v in vs})
    # Neighbours in string order (near-equal versions: ~, +, epochs, revisions).
    for a, b in zip(allv, allv[1:]):
        pairs.add((a, b))
    # Random pairs across packages, and identical pairs.
    while len(pairs) < n and len(allv) > 1:
        a, b = rng.choice(allv), rng.choice(allv)
        pairs.add((a, b))
    for v in allv[:200]:
        pairs.add((v, v))
    return sorted(pairs), len(allv)


def dpkg_order(pair):
    a, b = pair
    if subprocess.run(["dpkg", "--compare-versions", a, "lt", b]).returncode == 0:
        return -1
    if subprocess.run(["dpkg", "--compare-versions", a, "eq", b]).returncode == 0:
        return 0
    return 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bulkhead", default=".build/debug/bulkhead")
    ap.add_argument("--pairs", type=int, default=10000)
    args = ap.parse_args()
    by_pkg, lists = collect()
    pairs, nversions = build_pairs(by_pkg, args.pairs)
    if len(pairs) < args.pairs:
        print(f"dpkg-compare: only {len(pairs)} pairs from {nversions} versions (lists: {len(lists)}); run apt-get update", file=sys.stderr)
        return 2
    stdin = "".join(f"{a} {b}\n" for a, b in pairs)
    r = subprocess.run([args.bulkhead, "advisories", "compare-versions", "--scheme", "debian"], input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        print(f"dpkg-compare: bulkhead failed: {r.stderr}", file=sys.stderr)
        return 2
    ours = r.stdout.split("\n")[: len(pairs)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
        theirs = list(ex.map(dpkg_order, pairs, chunksize=64))
    bad = [(p, o, t) for p, o, t in zip(pairs, ours, theirs) if o != str(t)]
    print(f"dpkg-compare: {len(pairs)} pairs from {nversions} distinct versions ({len(lists)} apt lists + dpkg status): {len(bad)} disagreements")
    for (a, b), o, t in bad[:20]:
        print(f"  {a} vs {b}: bulkhead {o}, dpkg {t}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
