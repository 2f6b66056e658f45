#!/usr/bin/env bash
# Zstandard decode time: Bulkhead's Zstd.decode (Sources/Formats/Zstd.swift and DecoderSupport.swift compiled with
# `swiftc -O -wmo`, a release build's whole-module optimisation, with Benchmarks/zstd-decode/Shim.swift for the
# error type) against the peer `zstd -dc` (libzstd) on the same file, paired: each round runs both, one after the
# other. Prints wall and CPU (user+sys) seconds per run; Bulkhead's line also gives the XXH64 of the output
# (`xxhsum -H64` of the plain file).
# Usage: Benchmarks/zstd-decode.sh [FILE.zst] [ROUNDS]
#   without FILE: this machine's Debian main Packages list (`lz4 -dc` of apt's .lz4, ~50 MB) compressed with `zstd -19`.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="$(mktemp -d /tmp/bulkhead-zstd-bench-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
FILE=${1:-}
ROUNDS=${2:-3}
if [ -z "$FILE" ]; then
    LIST=/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4
    lz4 -dc "$LIST" > "$WORK/Packages"
    zstd -q -19 -T2 -c "$WORK/Packages" > "$WORK/Packages.zst"
    FILE=$WORK/Packages.zst
    echo "input: lz4 -dc $LIST | zstd -19 ($(stat -c %s "$WORK/Packages") bytes plain, $(stat -c %s "$FILE") compressed)"
fi
swiftc -O -wmo -swift-version 6 Benchmarks/zstd-decode/main.swift Benchmarks/zstd-decode/Shim.swift Sources/Formats/Zstd.swift Sources/Formats/DecoderSupport.swift -o "$WORK/bench"
echo "zstd: $(zstd --version | head -1); load: $(cut -d' ' -f1-3 /proc/loadavg)"
TIMEFORMAT='%R s wall, %U+%S s CPU'
for round in $(seq 1 "$ROUNDS"); do
    echo "round $round"
    printf '  bulkhead  '; { time "$WORK/bench" "$FILE" > "$WORK/out"; } 2>&1; printf '            %s\n' "$(cat "$WORK/out")"
    printf '  zstd -dc  '; { time zstd -q -dc "$FILE" > /dev/null; } 2>&1
done
