#!/usr/bin/env bash
# Benchmark: the fleet dashboard's reads on an existing estate database (for example the 10,000-host one that
# `FLEET_BENCH_SCALE=10000 FLEET_BENCH_KEEP=1 fleet-bench …` leaves), served by a given bulkhead-server: each path
# 40 times one at a time with curl (after one warm-up request), then with wrk (1 thread, 4 connections, 10 s).
# Run it with the binary before and after a change, on the same database, to compare them.
# Usage: Benchmarks/fleet-reads.sh BULKHEAD_SERVER DATABASE_URL [PATH…]
#   default paths: / /api/v1/posture '/?check=qemu.sandbox&verdict=fail'
# The viewer token is bench-viewer-token-0000 (fleet-bench's); needs curl and wrk.
set -euo pipefail
bin="$1"
database="$2"
shift 2
paths=("$@")
[ ${#paths[@]} -gt 0 ] || paths=(/ /api/v1/posture '/?check=qemu.sandbox&verdict=fail')
token=bench-viewer-token-0000
port=$((20000 + RANDOM % 30000))
scratch="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$scratch"' EXIT
printf '%s\n' "$token" >"$scratch/viewers"
chmod 600 "$scratch/viewers"
cat >"$scratch/wrk.lua" <<'EOF'
done = function(summary, latency, requests)
  io.write(string.format("wrk: %d requests, %d errors, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
EOF
LOG_LEVEL=error "$bin" serve --database "$database" --listen "127.0.0.1:$port" --viewer-tokens "$scratch/viewers" >"$scratch/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
  sleep 0.2
done
echo "# $bin on $database; $(date -u +%FT%TZ); load $(cut -d' ' -f1-3 /proc/loadavg)"
for p in "${paths[@]}"; do
  curl -s -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$port$p"
  for _ in $(seq 40); do
    curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "http://127.0.0.1:$port$p"
  done | sort -n | awk -v p="$p" '{a[NR] = $1 * 1000} END {printf "GET %s: p50 %.1f ms, p95 %.1f ms one at a time (40, after one)\n", p, a[21], a[38]}'
  echo "  $(wrk -t1 -c4 -d10s --timeout 30s -H "Authorization: Bearer $token" -s "$scratch/wrk.lua" "http://127.0.0.1:$port$p" | grep '^wrk:') (4 connections, 10 s; load $(cut -d' ' -f1-3 /proc/loadavg))"
done
