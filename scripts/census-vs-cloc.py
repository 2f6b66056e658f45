#!/usr/bin/env python3
"""Agreement check: bulkhead census vs cloc 1.96 on the same file set.

Runs `bulkhead census --format json --by-file DIR` (plus any extra census options), gives cloc exactly
the files bulkhead counted (`cloc --list-file --by-file --json --skip-uniqueness`), and compares code lines
per bulkhead language over the files both tools counted with the same language family. Files cloc
assigns to another language family (e.g. cloc reads qemu's `*.c.inc` as PHP/Pascal) are reported apart.

Exit status 0 when every language with at least --min-lines code lines agrees within --tolerance
(default 1 %), 1 otherwise. Languages listed with --known-deviation LANG are reported but not gated;
docs/census.md explains each deviation.

Usage: scripts/census-vs-cloc.py [--bulkhead PATH] [--cloc PATH] [--tolerance 0.01] [--min-lines 500]
                                 [--known-deviation LANG]... DIR [-- extra census options]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

FAMILY = {
    "C": {"C"}, "C++": {"C++"}, "C/C++ Header": {"C", "C++"}, "Assembly": {"Assembly"}, "Rust": {"Rust"},
    "Go": {"Go"}, "Swift": {"Swift"}, "C#": {"C#"}, "Java": {"Java"}, "Python": {"Python"}, "Ruby": {"Ruby"},
    "OCaml": {"OCaml"}, "Ada": {"Ada"}, "Pascal": {"Pascal"}, "Perl": {"Perl"},
    "Bourne Shell": {"Shell"}, "Bourne Again Shell": {"Shell"}, "Korn Shell": {"Shell"}, "zsh": {"Shell"},
    "make": {"make"}, "Meson": {"Meson"}, "CMake": {"CMake"}, "m4": {"m4"}, "JSON": {"JSON"}, "YAML": {"YAML"},
    "XML": {"XML"}, "XSD": {"XML"}, "XSLT": {"XML"}, "TOML": {"TOML"}, "Markdown": {"Markdown"},
    "reStructuredText": {"reStructuredText"}, "HTML": {"HTML"}, "Text": {"Text"},
}


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--bulkhead", default=os.environ.get("BULKHEAD", ".build/release/bulkhead"))
    ap.add_argument("--cloc", default="cloc")
    ap.add_argument("--tolerance", type=float, default=0.01)
    ap.add_argument("--min-lines", type=int, default=500)
    ap.add_argument("--known-deviation", action="append", default=[])
    args = ap.parse_args(argv)
    root = os.path.abspath(args.dir)

    census = subprocess.run([args.bulkhead, "census", "--format", "json", "--by-file", "--no-cache", root] + extra,
                            capture_output=True, text=True)
    if census.returncode != 0:
        sys.exit(f"bulkhead census failed ({census.returncode}): {census.stderr.strip()}")
    report = json.loads(census.stdout)
    files = report.get("files") or []
    if not files:
        sys.exit("bulkhead counted no files")

    with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as lf:
        for f in files:
            lf.write(os.path.join(root, f["path"]) + "\n")
        list_path = lf.name
    try:
        cl = subprocess.run([args.cloc, "--list-file=" + list_path, "--by-file", "--json", "--skip-uniqueness", "--quiet"],
                            capture_output=True, text=True)
    finally:
        os.unlink(list_path)
    if cl.returncode != 0:
        sys.exit(f"cloc failed ({cl.returncode}): {cl.stderr.strip()}")
    cloc = json.loads(cl.stdout)
    cloc_files = {k: v for k, v in cloc.items() if k not in ("header", "SUM")}

    per = {}   # bulkhead language -> dict
    for f in files:
        lang = f["language"]
        p = per.setdefault(lang, {"files": 0, "ours": 0, "cloc": 0, "missing": 0, "missing_code": 0,
                                  "other": 0, "other_code": 0, "other_langs": set(), "worst": []})
        c = cloc_files.get(os.path.join(root, f["path"]))
        if c is None:
            p["missing"] += 1
            p["missing_code"] += f["code"]
            continue
        if lang not in FAMILY.get(c["language"], set()):
            p["other"] += 1
            p["other_code"] += f["code"]
            p["other_langs"].add(c["language"])
            continue
        p["files"] += 1
        p["ours"] += f["code"]
        p["cloc"] += c["code"]
        if f["code"] != c["code"]:
            p["worst"].append((abs(f["code"] - c["code"]), f["path"], f["code"], c["code"]))

    print(f"Tree: {root}")
    print(f"cloc {cloc.get('header', {}).get('cloc_version', '?')}; bulkhead counted {len(files)} files\n")
    print(f"{'Language':<18}{'files':>7}{'bulkhead':>10}{'cloc':>10}{'diff':>8}  result")
    failed = []
    for lang in sorted(per, key=lambda l: -per[l]["ours"]):
        p = per[lang]
        if p["files"] == 0:
            print(f"{lang:<18}{0:>7}{'-':>10}{'-':>10}{'':>8}  cloc counted none of these files")
            continue
        diff = (p["ours"] - p["cloc"]) / p["cloc"] if p["cloc"] else (0.0 if p["ours"] == 0 else 1.0)
        gated = p["ours"] >= args.min_lines or p["cloc"] >= args.min_lines
        if abs(diff) <= args.tolerance:
            verdict = "ok"
        elif lang in args.known_deviation:
            verdict = "DEVIATES (documented)"
        elif not gated:
            verdict = f"differs (under {args.min_lines} lines, not gated)"
        else:
            verdict = "FAIL"
            failed.append(lang)
        print(f"{lang:<18}{p['files']:>7}{p['ours']:>10}{p['cloc']:>10}{diff * 100:>7.2f}%  {verdict}")
    print()
    for lang, p in sorted(per.items()):
        if p["missing"]:
            print(f"  {lang}: cloc did not count {p['missing']} file(s) bulkhead counted ({p['missing_code']} code lines)")
        if p["other"]:
            print(f"  {lang}: cloc put {p['other']} file(s) ({p['other_code']} code lines by bulkhead) in {', '.join(sorted(p['other_langs']))}; not compared")
    print("\nLargest per-file differences:")
    worst = sorted(((w, lang) for lang, p in per.items() for w in p["worst"]), reverse=True)[:12]
    for (d, path, ours, theirs), lang in worst:
        print(f"  {lang:<10} {path}: bulkhead {ours}, cloc {theirs}")
    if failed:
        print(f"\nFAIL: {', '.join(failed)} differ by more than {args.tolerance * 100:.1f} %")
        return 1
    print(f"\nOK: every gated language within {args.tolerance * 100:.1f} %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
