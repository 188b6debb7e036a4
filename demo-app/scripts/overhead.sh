#!/usr/bin/env bash
# What metricate costs the demo service: the same load against the same
# service built with its instrumentation and without it (metricate's `off`
# feature compiles every annotation out), alternating in rounds in one run on this
# machine. Prints each round, then for each build the totals: requests,
# throughput, latency (hdrhistogram percentiles of all its rounds' requests,
# approximated by the median of the rounds' figures) and the service's CPU
# time per request (from /proc/PID/stat), and the ratios.
#
#   bash demo-app/scripts/overhead.sh [rounds] [seconds per round]   # defaults: 3, 10
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
seconds=${2:-10}
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}
cargo build --release -p demo-app --quiet
cargo build --release -p demo-app --features metricate/off --target-dir target/bare --quiet
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
ticks=$(getconf CLK_TCK)

run() { # name binary port round
    local name=$1 binary=$2 port=$3 round=$4
    "$binary" serve --addr "127.0.0.1:$port" --data-dir "$work/$name" --scan-every 1h \
        >"$work/$name.out" 2>/dev/null &
    local pid=$!
    for _ in $(seq 100); do grep -q listening "$work/$name.out" 2>/dev/null && break; sleep 0.1; done
    sleep 1
    local before after
    before=$(awk '{print $14 + $15}' /proc/$pid/stat)
    target/release/demo-app load --target "http://127.0.0.1:$port" --data-dir "$work/$name" \
        --duration "${seconds}s" --concurrency 16 --seed "$round" --json "$work/$name-$round.json" >/dev/null
    after=$(awk '{print $14 + $15}' /proc/$pid/stat)
    kill -TERM $pid; wait $pid || true
    echo "$((after - before))" >"$work/$name-$round.cpu"
}

for round in $(seq "$rounds"); do
    run instrumented target/release/demo-app 18180 "$round"
    run bare target/bare/release/demo-app 18181 "$round"
done
python3 - "$work" "$rounds" "$ticks" <<'PY'
import json, statistics, sys
work, rounds, hz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
totals = {}
for name in ("instrumented", "bare"):
    runs = []
    for r in range(1, rounds + 1):
        s = json.load(open(f"{work}/{name}-{r}.json"))
        cpu = int(open(f"{work}/{name}-{r}.cpu").read()) / hz
        runs.append((s, cpu))
        print(f'round {r} {name:<13} {s["requests"]:>7} requests {s["throughput"]:>7.0f}/s  p50 {s["latency_ms"]["p50"]:.2f} ms  p99 {s["latency_ms"]["p99"]:.2f} ms  CPU {cpu / s["requests"] * 1e6:.1f} µs/request')
    requests = sum(s["requests"] for s, _ in runs)
    seconds = sum(s["seconds"] for s, _ in runs)
    totals[name] = {
        "requests": requests,
        "throughput": requests / seconds,
        "p50": statistics.median(s["latency_ms"]["p50"] for s, _ in runs),
        "p99": statistics.median(s["latency_ms"]["p99"] for s, _ in runs),
        "cpu_us": sum(c for _, c in runs) / requests * 1e6,
    }
for name, t in totals.items():
    print(f'{name:<13} {t["requests"]:>8} requests {t["throughput"]:>7.0f}/s  p50 {t["p50"]:.2f} ms  p99 {t["p99"]:.2f} ms (medians of rounds)  CPU {t["cpu_us"]:.1f} µs/request')
i, b = totals["instrumented"], totals["bare"]
print(f'instrumented / bare: throughput {i["throughput"] / b["throughput"]:.3f}x, p99 {i["p99"] / b["p99"]:.3f}x, '
      f'CPU per request {i["cpu_us"] / b["cpu_us"]:.3f}x (metricate\'s share of the service CPU: {100 * (1 - b["cpu_us"] / i["cpu_us"]):.1f} %)')
PY
