#!/usr/bin/env python3
"""Parse-only baseline: json.load every *.json file under a directory (no database)."""
import json, os, sys, time, resource

t = time.time()
n = 0
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        if f.endswith(".json"):
            with open(os.path.join(root, f), "rb") as fh:
                json.load(fh)
            n += 1
dt = time.time() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(f"{n} {dt:.2f} {rss}")
