#!/usr/bin/env python3
"""Generate a cvelistV5-layout corpus of N CVE 5 records from the real records in
Tests/AdvisoriesTests/Fixtures/cve5, each with a new id (CVE-<year>-<9000000+i>).

Usage: advisories_corpus.py FIXTURES OUT N [--mix fixtures|cvelist]

--mix fixtures (default): cycles through the fixture records, so every record names an isolation
  product (about 1 in 7 maps to QEMU) — the worst case for a per-product query.
--mix cvelist: the product mix of cvelistV5 — 1 % isolation-product records (the fixtures, cycled),
  10 % Linux kernel records in the kernel CNA's shape (vendor/product `Linux`, a `git` entry and a
  `semver` entry with `defaultStatus: affected`, unaffected below the introducing release and from
  each stable fix on; they map to KVM), and 89 % records of other vendors' products (a fixture's
  body with the vendor, product, package and CPE names replaced and a description naming no
  isolation product)."""
import copy, json, os, sys

src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
mix = sys.argv[5] if len(sys.argv) > 5 and sys.argv[4] == "--mix" else "fixtures"
records = []
for f in sorted(os.listdir(src)):
    if f.endswith(".json"):
        with open(os.path.join(src, f), encoding="utf-8") as fh:
            records.append(json.load(fh))

STABLE = ["5.4", "5.10", "5.15", "6.1", "6.6", "6.12"]


def kernel(rec, i):
    r = copy.deepcopy(rec)
    cna = r["containers"]["cna"]
    first = i % 4
    intro = STABLE[first]
    fixes = [f"{line}.{(i * 7 + k * 13) % 250 + 1}" for k, line in enumerate(STABLE) if k >= first]
    main = f"6.{13 + i % 4}"
    versions = [{"version": intro, "status": "affected"},
                {"version": "0", "lessThan": intro, "status": "unaffected", "versionType": "semver"}]
    versions += [{"version": v, "lessThanOrEqual": v.rsplit(".", 1)[0] + ".*", "status": "unaffected", "versionType": "semver"}
                 for v in fixes]
    versions.append({"version": main, "lessThanOrEqual": "*", "status": "unaffected", "versionType": "original_commit_for_fix"})
    files = ["arch/x86/kvm/x86.c"] if i % 3 == 0 else ["drivers/net/ethernet/foo/bar.c"]
    cna["affected"] = [
        {"product": "Linux", "vendor": "Linux", "defaultStatus": "unaffected", "programFiles": files,
         "repo": "https://git.kernel.org/pub/scm/linux/kernel/git/stable/linux.git",
         "versions": [{"version": "1da177e4c3f41524e886b7f1b8a0c1fc7321cac2", "lessThan": f"{i:040x}", "status": "affected", "versionType": "git"}]},
        {"product": "Linux", "vendor": "Linux", "defaultStatus": "affected", "programFiles": files,
         "repo": "https://git.kernel.org/pub/scm/linux/kernel/git/stable/linux.git", "versions": versions},
    ]
    cna["descriptions"] = [{"lang": "en", "value": f"In the Linux kernel, the following vulnerability has been resolved:\n\n"
                            f"subsystem {i % 97}: fix a reference leak on the error path (record {i})."}]
    cna.pop("cpeApplicability", None)
    r["cveMetadata"]["assignerShortName"] = "Linux"
    return r


def other(rec, i):
    r = copy.deepcopy(rec)
    cna = r["containers"]["cna"]
    vendor, product = f"vendor{i % 4001}", f"product{i % 9973}"
    cna["affected"] = [{"vendor": vendor, "product": product, "defaultStatus": "unaffected",
                        "versions": [{"version": "1.0", "lessThan": f"{1 + i % 9}.{i % 17}", "status": "affected", "versionType": "semver"}]}]
    cna["descriptions"] = [{"lang": "en", "value": f"An issue in {product} by {vendor} allows a remote attacker to cause a denial of service (record {i})."}]
    cna.pop("cpeApplicability", None)
    for adp in r["containers"].get("adp", []):
        adp.pop("affected", None)
    return r


for i in range(n):
    rec = records[i % len(records)]
    if mix == "cvelist":
        k = i % 100
        rec = records[(i // 100) % len(records)] if k == 0 else kernel(rec, i) if k <= 10 else other(rec, i)
    year = rec["cveMetadata"]["cveId"].split("-")[1]
    num = 9000000 + i
    cid = f"CVE-{year}-{num}"
    rec["cveMetadata"]["cveId"] = cid
    d = os.path.join(out, "cves", year, f"{num // 1000}xxx")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, cid + ".json"), "w", encoding="utf-8") as fh:
        json.dump(rec, fh, ensure_ascii=False, indent=2)
