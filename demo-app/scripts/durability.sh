#!/usr/bin/env bash
# What a durable commit costs: the same write-only load (CV uploads, job
# status changes, webhooks) against `serve --durability full` (the default:
# the WAL is synced on every commit) and `--durability normal` (synced at
# checkpoints), one after the other on this machine.
#
#   bash demo-app/scripts/durability.sh [seconds]    # default 20
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-20}
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}
cargo build --release -p demo-app --quiet
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

for durability in full normal; do
    target/release/demo-app serve --addr 127.0.0.1:18190 --data-dir "$work/$durability" \
        --scan-every 1h --durability "$durability" >"$work/$durability.out" 2>/dev/null &
    pid=$!
    for _ in $(seq 100); do grep -q listening "$work/$durability.out" 2>/dev/null && break; sleep 0.1; done
    target/release/demo-app load --target http://127.0.0.1:18190 --data-dir "$work/$durability" \
        --mix writes --duration "${seconds}s" --concurrency 16 --json "$work/$durability.json" >/dev/null
    kill -TERM $pid; wait $pid || true
    python3 - "$durability" "$work/$durability.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[2]))
print(f'{sys.argv[1]:<7} {s["requests"]:>7} writes  {s["throughput"]:>7.0f}/s  p50 {s["latency_ms"]["p50"]:.2f} ms  p99 {s["latency_ms"]["p99"]:.2f} ms')
PY
done
python3 - "$work" <<'PY'
import json, sys
f = json.load(open(f"{sys.argv[1]}/full.json")); n = json.load(open(f"{sys.argv[1]}/normal.json"))
print(f'full / normal: throughput {f["throughput"] / n["throughput"]:.3f}x, p99 {f["latency_ms"]["p99"] / n["latency_ms"]["p99"]:.3f}x')
PY
