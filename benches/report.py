#!/usr/bin/env python3
"""Collects the results of `cargo bench -p benches` into the tables of
docs/performance.md, and draws its plots (SVG, written to docs/).

    python3 benches/report.py [TARGET_DIR]   # default: target

Reads TARGET_DIR/criterion (criterion's medians) and TARGET_DIR/metricate-bench
(the memory and threads benches' tables).
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


def load_table(target: Path, name: str):
    path = target / "metricate-bench" / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]


def line_chart(title: str, y_label: str, columns, rows, path: Path) -> None:
    """A line chart of `rows` (name, values) against `columns` (thread counts,
    drawn evenly spaced), as a standalone SVG file."""
    width, height, left, right, top, bottom = 640, 360, 70, 200, 40, 50
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = max(max(values) for _, values in rows) * 1.1
    x = lambda i: left + plot_w * i / (len(columns) - 1)
    y = lambda v: top + plot_h * (1 - v / top_value)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="14">{title}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="black"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="black"/>',
        f'<text x="{left + plot_w / 2}" y="{height - 12}" text-anchor="middle">threads recording</text>',
        f'<text x="16" y="{top + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 16 {top + plot_h / 2})">{y_label}</text>',
    ]
    for step in range(6):
        value = top_value * step / 5
        parts.append(f'<line x1="{left - 4}" y1="{y(value):.1f}" x2="{left + plot_w}" y2="{y(value):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 8}" y="{y(value) + 4:.1f}" text-anchor="end">{value:.0f}</text>')
    for i, column in enumerate(columns):
        parts.append(f'<text x="{x(i):.1f}" y="{top + plot_h + 18}" text-anchor="middle">{column}</text>')
    for index, (name, values) in enumerate(rows):
        colour = COLOURS[index % len(COLOURS)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for i, v in enumerate(values):
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}"/>')
        legend_y = top + 16 * index + 8
        parts.append(f'<line x1="{left + plot_w + 16}" y1="{legend_y}" x2="{left + plot_w + 36}" y2="{legend_y}" stroke="{colour}" stroke-width="2"/>')
        parts.append(f'<text x="{left + plot_w + 42}" y="{legend_y + 4}">{name}</text>')
    parts.append("</svg>")
    path.write_text("\n".join(parts) + "\n")


def print_table(heading: str, table, unit: str) -> None:
    columns = table["columns"]
    print(f"| {heading} | " + " | ".join(f"{c} thread{'s' if c > 1 else ''}" for c in columns) + " |")
    print("|---|" + "---:|" * len(columns))
    for row in table["rows"]:
        print(f"| {row['name']} | " + " | ".join(f"{v:.0f}{unit}" for v in row["values"]) + " |")
    print()


def main() -> int:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "target"
    criterion = target / "criterion"
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
    ours = median_ns(criterion, "render_100000", "metricate_render")
    theirs = median_ns(criterion, "render_100000", "prometheus_gather_encode")
    if ours is not None and theirs is not None:
        print(f"| 100,000 counter series | {ours / 1e6:.1f} ms | {theirs / 1e6:.1f} ms | {theirs / ours:.1f}× |")
    print()

    print("| HTTP request through a real axum Router | 1 thread: ns | added | 2 threads: ns/thread | added | 2 / 1 thread (added) |")
    print("|---|---:|---:|---:|---:|---:|")
    none = {g: median_ns(criterion, g, "none") for g in ("http_one_thread", "http_two_threads")}
    for bench, label in (("none", "no metrics layer"), ("metricate", "`HttpMetricsLayer`"), ("axum_prometheus", "`axum-prometheus`")):
        one, two = median_ns(criterion, "http_one_thread", bench), median_ns(criterion, "http_two_threads", bench)
        if one is None or two is None or None in none.values():
            continue
        added_one, added_two = one - none["http_one_thread"], two - none["http_two_threads"]
        ratio = "–" if bench == "none" or added_one <= 0 else f"{added_two / added_one:.2f}×"
        print(f"| {label} | {one:.0f} | {added_one:.0f} | {two:.0f} | {added_two:.0f} | {ratio} |")
    print()

    threads = load_table(target, "threads")
    if threads:
        print_table("ns of CPU per call, one series", threads, " ns")
        line_chart("Cost per call against threads recording one series", "ns of CPU per call",
                   threads["columns"], [(row["name"], row["values"]) for row in threads["rows"]],
                   ROOT / "docs" / "perf-cost-per-call.svg")
    memory = load_table(target, "memory")
    if memory:
        print_table("heap bytes per series", memory, " B")
        line_chart("Heap bytes per series against threads recording", "bytes per series",
                   memory["columns"], [(row["name"], row["values"]) for row in memory["rows"]],
                   ROOT / "docs" / "perf-memory-per-series.svg")
    return 0


if __name__ == "__main__":
    sys.exit(main())
