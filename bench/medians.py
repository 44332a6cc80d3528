#!/usr/bin/env python3
"""Median of several `compare --json` runs, printed as BENCHMARKS.md's table.

Usage: python3 bench/medians.py run1.json run2.json ...
"""
import json
import statistics
import sys

runs = [json.load(open(path)) for path in sys.argv[1:]]
modes = [mode["mode"].split(" (")[0] for mode in runs[0]["modes"]]


def median(mode_index, field):
    values = [run["modes"][mode_index][field] for run in runs]
    if any(v is None for v in values):
        return None
    return statistics.median(values)


def fmt_us(us):
    if us is None:
        return "—"
    if us >= 10_000:
        return f"{us / 1000:.0f} ms"
    if us >= 1_000:
        return f"{us / 1000:.1f} ms"
    return f"{us:.0f} µs"


print(f"Medians of {len(runs)} runs. {runs[0]['broker']}, linger.ms = {runs[0]['linger_ms']}.\n")
print("| Mode | Messages | Messages/sec | Latency p50 | p99 | max | Peak RSS |")
print("|---|---:|---:|---:|---:|---:|---:|")
for i, name in enumerate(modes):
    rss = median(i, "peak_rss_mib")
    print(
        f"| {name} | {runs[0]['modes'][i]['messages_sent']} | {median(i, 'messages_per_second'):,.0f} "
        f"| {fmt_us(median(i, 'latency_p50_us'))} | {fmt_us(median(i, 'latency_p99_us'))} "
        f"| {fmt_us(median(i, 'latency_max_us'))} | {'—' if rss is None else f'{rss:.0f} MiB'} |"
    )
print()
for ratio in runs[0]["ratios"]:
    values = [run["ratios"][ratio] for run in runs if run["ratios"][ratio] is not None]
    if values:
        print(f"- {ratio}: median {statistics.median(values):.2f} (runs: {', '.join(f'{v:.2f}' for v in values)})")
