#!/usr/bin/env python3
"""Trims a Red Hat CSAF VEX document to the product ids kept by keep(): the structure, the kept products'
branches, relationships, statuses, remediations, scores and threats are left as published; everything
else about other products is removed. Usage: trim-csaf.py IN OUT PLATFORM... [-- PACKAGE-PREFIX...]"""
import json, sys

args = sys.argv[1:]
src, dst = args[0], args[1]
rest = args[2:]
platforms = rest[: rest.index("--")] if "--" in rest else rest
packages = rest[rest.index("--") + 1 :] if "--" in rest else []
d = json.load(open(src))

def keep(pid):
    platform, _, component = pid.partition(":")
    if platform not in platforms:
        return False
    if not packages:
        return True
    name = component.split(":")[0]
    arch_ok = "." not in component.split(":")[-1] or component.endswith((".x86_64", ".src"))
    return arch_ok and any(name == p or name.startswith(p + "-0") or name == p + ".src" for p in packages)

rels = [r for r in d["product_tree"].get("relationships", []) if keep(r["full_product_name"]["product_id"])]
wanted = {r["product_reference"] for r in rels} | {r["relates_to_product_reference"] for r in rels}

def prune(branches):
    out = []
    for b in branches:
        b = dict(b)
        if "branches" in b:
            b["branches"] = prune(b["branches"])
            if not b["branches"]:
                del b["branches"]
        if "product" in b and b["product"]["product_id"] not in wanted:
            del b["product"]
        if "product" in b or "branches" in b:
            out.append(b)
    return out

d["product_tree"]["branches"] = prune(d["product_tree"]["branches"])
d["product_tree"]["relationships"] = rels
for v in d["vulnerabilities"]:
    v["product_status"] = {k: [p for p in x if keep(p)] for k, x in v["product_status"].items()}
    v["product_status"] = {k: x for k, x in v["product_status"].items() if x}
    for key in ("remediations", "scores", "threats", "flags"):
        items = []
        for m in v.get(key, []):
            field = "products" if key == "scores" else "product_ids"
            m[field] = [p for p in m.get(field, []) if keep(p)]
            if m[field]:
                items.append(m)
        v[key] = items
json.dump(d, open(dst, "w"), indent=2, ensure_ascii=False)
open(dst, "a").write("\n")
