#!/usr/bin/env python3
"""Collects the criterion medians of `cargo bench -p benches` into the tables of
docs/performance.md.

    python3 benches/report.py [CRITERION_DIR]   # default: target/criterion
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

VARIANTS = [
    ("a_bare", "(a) no instrumentation"),
    ("b_prometheus_typical", "(b) `prometheus`, `with_label_values` per call"),
    ("c_prometheus_resolved", "(c) `prometheus`, children resolved once"),
    ("d_metricate", "(d) `#[metricate::instrument_metric]`"),
    ("e_autometrics", "(e) `#[autometrics]` (prometheus-0_14)"),
    ("f_metered", "(f) metered `#[measure([HitCount, ErrorCount, ResponseTime])]`"),
    ("g_metrics", "(g) `metrics` + `metrics-exporter-prometheus`"),
    ("h_std_clock", "(h) clock alone: `Instant::now()` pair"),
    ("h_quanta_clock", "(h) clock alone: `quanta::Instant` pair"),
    ("x_quanta_raw_clock", "clock alone: `quanta::Clock::raw()` pair (TSC)"),
    ("x_observe_only", "pre-resolved `Histogram::observe` alone"),
    ("x_observe_thread_local", "thread-local, non-atomic histogram observe alone"),
]


def median_ns(criterion: Path, group: str, bench: str):
    path = criterion / group / bench / "new" / "estimates.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())["median"]["point_estimate"]


def main() -> int:
    criterion = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "target" / "criterion"
    groups = ["one_thread", "two_threads"]
    medians = {(g, v): median_ns(criterion, g, v) for g in groups for v, _ in VARIANTS}

    def overhead(group, variant):
        value, bare = medians[(group, variant)], medians[(group, "a_bare")]
        return None if value is None or bare is None else value - bare

    print("| variant | 1 thread: ns/call | net of (a) | net / net of (c) "
          "| 2 threads: ns/call/thread | net of (a) | net / net of (c) | 2 threads / 1 thread |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for variant, label in VARIANTS:
        cells = []
        for group in groups:
            value, net, net_c = medians[(group, variant)], overhead(group, variant), overhead(group, "c_prometheus_resolved")
            cells.append("–" if value is None else f"{value:.1f}")
            cells.append("–" if net is None or variant == "a_bare" else f"{net:.1f}")
            cells.append("–" if net is None or not net_c or variant == "a_bare" else f"{net / net_c:.2f}×")
        one, two = medians[("one_thread", variant)], medians[("two_threads", variant)]
        cells.append("–" if not one or not two else f"{two / one:.2f}×")
        print(f"| {label} | " + " | ".join(cells) + " |")

    print()
    print("| scrape | metricate::render() | prometheus gather + TextEncoder | speed-up of metricate |")
    print("|---|---:|---:|---:|")
    for series in (1000, 10000):
        ours = median_ns(criterion, f"render_{series}", "metricate_render")
        theirs = median_ns(criterion, f"render_{series}", "prometheus_gather_encode")
        if ours is None or theirs is None:
            continue
        print(f"| {series:,} counter series | {ours / 1000:.0f} µs | {theirs / 1000:.0f} µs | {theirs / ours:.2f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
