#!/usr/bin/env bash
# Benchmark: time from `bulkhead lab run --mechanism qemu` start to report, and where it goes
# (build, boot, probe, shutdown), under TCG. Compared in the same run with a bare QEMU boot of the same
# kernel and an initramfs holding only busybox (the peer: the floor set by QEMU+kernel under TCG).
# Usage: Benchmarks/lab.sh [runs]   (needs root for /boot/vmlinuz-*; builds debug products)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
swift build --product bulkhead >/dev/null
swift build --product bulkhead-probe >/dev/null
bin="$(swift build --show-bin-path)"
kernel="$(ls /boot/vmlinuz-* | sort -V | tail -1)"

echo "# lab run --mechanism qemu --accel tcg ($runs runs); host load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-4s %8s %8s %8s %8s %8s %8s %9s\n' run wall build boot probe shutdown total cpu_s
for i in $(seq 1 "$runs"); do
  start=$(date +%s.%N)
  t0=$(awk '{print $14+$15+$16+$17}' /proc/$$/stat)
  json=$( { TIMEFORMAT='%U %S'; time "$bin/bulkhead" lab run --mechanism qemu --accel tcg --format json; } 2>/tmp/lab-bench-time.$$ )
  end=$(date +%s.%N)
  cpu=$(awk '{print $1+$2}' /tmp/lab-bench-time.$$)
  echo "$json" | python3 -c '
import json,sys
r=json.load(sys.stdin)["runs"][0]; t=r["timings"]
print("%-4s %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f %9.2f" % (sys.argv[1], float(sys.argv[2]), t["build"], t["boot"], t["probe"], t["shutdown"], t["total"], float(sys.argv[3])))
if r.get("inconclusiveReason"): print("   inconclusive:", r["inconclusiveReason"])
' "$i" "$(echo "$end - $start" | bc)" "$cpu"
done
rm -f /tmp/lab-bench-time.$$

# Peer: the same kernel booting an initramfs with only busybox that powers off at once.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/root/bin" "$tmp/root/proc"
cp /bin/busybox "$tmp/root/bin/busybox"
printf '#!/bin/busybox sh\n/bin/busybox poweroff -f\n' > "$tmp/root/init"
chmod +x "$tmp/root/init"
(cd "$tmp/root" && find . | cpio --quiet -o -H newc > "$tmp/initrd.cpio")
echo "# peer: bare QEMU/TCG boot to poweroff, busybox-only initramfs"
for i in $(seq 1 "$runs"); do
  TIMEFORMAT="peer $i: wall %R s, cpu %U+%S s"
  time qemu-system-x86_64 -accel tcg -machine q35 -nodefaults -cpu qemu64,-svm,-vmx,+rdrand -m 256 -smp 1 \
    -display none -serial stdio -monitor none -no-reboot -kernel "$kernel" -initrd "$tmp/initrd.cpio" \
    -append 'console=ttyS0 quiet loglevel=1 panic=-1 random.trust_cpu=on' </dev/null >/dev/null
done
