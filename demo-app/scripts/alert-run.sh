#!/usr/bin/env bash
# Which generated alerts the demo's own traffic raises: the service, a real
# Prometheus on the generated rules (evaluated every 5 s, each alert's `for`
# shortened to 30 s, so an alert has every chance to fire), and `load` with
# each mix in turn. Prints, per mix, every alert that was pending or firing
# during its run, from Prometheus' own `ALERTS` series.
#
#   bash demo-app/scripts/alert-run.sh [seconds per mix]   # default: 180
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-180}
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}
cargo build --release -p demo-app --quiet
demo=target/release/demo-app
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port=18280
prom=19290

"$demo" serve --addr "127.0.0.1:$port" --data-dir "$work/data" >"$work/serve.out" 2>&1 &
for _ in $(seq 100); do grep -q listening "$work/serve.out" 2>/dev/null && break; sleep 0.1; done

"$demo" emit rules --alert-for 30s >"$work/rules.yml"
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 5s
  evaluation_interval: 5s
rule_files: ["rules.yml"]
scrape_configs:
  - job_name: demo-app
    static_configs: [{targets: ["127.0.0.1:$port"]}]
EOF
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
    --web.listen-address="127.0.0.1:$prom" >"$work/prometheus.out" 2>&1 &
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$prom/-/ready" >/dev/null && break; sleep 0.2; done

# Every alert pending or firing over the last `window` seconds, with its state.
alerts() {
    local window=$1
    curl -sfG "http://127.0.0.1:$prom/api/v1/query" \
        --data-urlencode "query=max_over_time(ALERTS[${window}s])" |
        python3 -c 'import json,sys
rows = json.load(sys.stdin)["data"]["result"]
names = sorted({(r["metric"]["alertname"], r["metric"].get("alertstate", "?"), r["metric"].get("severity", "?")) for r in rows})
print("\n".join(f"  {n} {state} ({sev})" for n, state, sev in names) or "  none")'
}

for mix in mixed valid; do
    sleep 10
    "$demo" load --target "http://127.0.0.1:$port" --data-dir "$work/data" --mix "$mix" \
        --duration "${seconds}s" --concurrency 8 --json "$work/$mix.json" >/dev/null
    sleep 40 # two `for` periods after the load, for alerts still pending
    echo "mix $mix, ${seconds}s: alerts pending or firing during the run"
    alerts $((seconds + 50))
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("  requests:", d.get("requests"), "by status:", d.get("by_status", d.get("statuses")))' "$work/$mix.json" || true
done
