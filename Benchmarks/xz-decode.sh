#!/usr/bin/env bash
# .xz decode time: Bulkhead's XZ.decode (Sources/Formats/XZ.swift, CRC.swift and DecoderSupport.swift compiled with
# `swiftc -O -wmo`, a release build's whole-module optimisation, with Benchmarks/xz-decode/Shim.swift for the error
# type) against the peer `xz -dc` (liblzma) on the same file, paired: each round runs both, one after the other.
# Prints wall and CPU (user+sys) seconds per run.
# Usage: Benchmarks/xz-decode.sh [FILE.xz] [ROUNDS]
#   without FILE: this machine's Debian main Packages list (`lz4 -dc` of apt's .lz4, ~50 MB) compressed with `xz -6`.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="$(mktemp -d /tmp/bulkhead-xz-bench-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
FILE=${1:-}
ROUNDS=${2:-3}
if [ -z "$FILE" ]; then
    LIST=/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4
    lz4 -dc "$LIST" > "$WORK/Packages"
    xz -6 -T1 -c "$WORK/Packages" > "$WORK/Packages.xz"
    FILE=$WORK/Packages.xz
    echo "input: lz4 -dc $LIST | xz -6 ($(stat -c %s "$WORK/Packages") bytes plain, $(stat -c %s "$FILE") compressed)"
fi
sed 's/^internal import Crypto$//' Sources/Formats/XZ.swift > "$WORK/XZ.swift"
swiftc -O -wmo -swift-version 6 Benchmarks/xz-decode/main.swift Benchmarks/xz-decode/Shim.swift "$WORK/XZ.swift" Sources/Formats/CRC.swift Sources/Formats/DecoderSupport.swift -o "$WORK/bench"
echo "xz: $(xz --version | head -1); load: $(cut -d' ' -f1-3 /proc/loadavg)"
TIMEFORMAT='%R s wall, %U+%S s CPU'
for round in $(seq 1 "$ROUNDS"); do
    echo "round $round"
    printf '  bulkhead  '; { time "$WORK/bench" "$FILE" > "$WORK/out"; } 2>&1; printf '            %s\n' "$(cat "$WORK/out")"
    printf '  xz -dc    '; { time xz -dc "$FILE" > /dev/null; } 2>&1
done
