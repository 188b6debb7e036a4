#!/usr/bin/env bash
# What metricate costs the demo service: the same load against the same
# binary built with and without its instrumentation (`--no-default-features`
# compiles every annotation out), one after the other on this machine. Prints,
# for each, requests, throughput, latency and the service's CPU time per
# request (from /proc/PID/stat), then the ratios.
#
#   bash demo-app/scripts/overhead.sh [seconds] [rate]    # defaults: 30, 0 (as fast as it goes)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}
rate=${2:-0}
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}
cargo build --release -p demo-app --quiet
cargo build --release -p demo-app --no-default-features --target-dir target/bare --quiet
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
ticks=$(getconf CLK_TCK)

run() { # name binary port
    local name=$1 binary=$2 port=$3
    "$binary" serve --addr "127.0.0.1:$port" --data-dir "$work/$name" --scan-every 1h \
        >"$work/$name.out" 2>"$work/$name.err" &
    local pid=$!
    for _ in $(seq 100); do grep -q listening "$work/$name.out" 2>/dev/null && break; sleep 0.1; done
    sleep 1
    local before after
    before=$(awk '{print $14 + $15}' /proc/$pid/stat)
    target/release/demo-app load --target "http://127.0.0.1:$port" --data-dir "$work/$name" \
        --duration "${seconds}s" --rate "$rate" --concurrency 16 --json "$work/$name.json" >/dev/null
    after=$(awk '{print $14 + $15}' /proc/$pid/stat)
    kill -TERM $pid; wait $pid || true
    python3 - "$name" "$work/$name.json" "$((after - before))" "$ticks" <<'PY'
import json, sys
name, path, cpu_ticks, hz = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s = json.load(open(path))
cpu_us = cpu_ticks / hz * 1e6 / s["requests"]
print(f'{name:<14} {s["requests"]:>8} requests {s["throughput"]:>8.0f}/s  p50 {s["latency_ms"]["p50"]:.2f} ms  p99 {s["latency_ms"]["p99"]:.2f} ms  service CPU {cpu_us:.1f} µs/request')
json.dump({"name": name, "cpu_us_per_request": cpu_us, **s}, open(path + ".cpu", "w"))
PY
}

run instrumented target/release/demo-app 18180
run bare target/bare/release/demo-app 18181
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
i = json.load(open(f"{w}/instrumented.json.cpu")); b = json.load(open(f"{w}/bare.json.cpu"))
share = 1 - b["cpu_us_per_request"] / i["cpu_us_per_request"]
print(f'instrumented / bare: throughput {i["throughput"] / b["throughput"]:.3f}x, '
      f'p99 {i["latency_ms"]["p99"] / b["latency_ms"]["p99"]:.3f}x, '
      f'CPU per request {i["cpu_us_per_request"] / b["cpu_us_per_request"]:.3f}x '
      f'(metricate share of the service CPU: {100 * share:.1f} %)')
PY
