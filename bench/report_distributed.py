"""The report of bench/distributed.sh: pages/s of one crawlbox master with 1, 2, 4 and 8
workers in the latency-bound and the CPU-bound scenario, the scaling ratio against the issue's
target, and what each page costs the master, the workers, Redis and the site (CPU seconds per
1,000 pages, Redis bytes per page). Medians of the runs; min and max beside pages/s.

    python3 bench/report_distributed.py RESULTS.tsv [--cores N] [--load "L1 L5 L15"] [--out MD]
"""

import argparse
import csv
import subprocess
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_common import md_table, median_of, num, verdict  # noqa: E402

TARGET_SCALING = 0.9  # latency-bound: pages/s at the most workers ≥ 0.9 × linear from the fewest

SCENARIOS = [
    ("latency", "Latency-bound: every response 100 ms late, 16 transfers a worker"),
    ("cpu", "CPU-bound: the realistic site answered at once"),
]
FLOATS = ("wall_s", "pages_per_s", "steady_pages_per_s", "master_cpu_s", "workers_cpu_s",
          "redis_cpu_s", "site_cpu_s", "machine_cpu_s", "master_busiest_thread_cpu_s")
INTS = ("workers", "run", "pages", "items", "concurrency", "latency_ms", "redis_bytes",
        "redis_commands")


def load(path):
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for r in rows:
        for k in FLOATS:
            r[k] = float(r[k] or 0)
        for k in INTS:
            r[k] = int(float(r[k] or 0))
    return rows


def per_k(runs, key):
    """Median CPU seconds of `key` per 1,000 pages."""
    return median_of([1000 * r[key] / r["pages"] for r in runs if r["pages"] > 0])


def other_cores(runs):
    """Cores busy with other processes of the machine during the runs (median)."""
    ours = ("master_cpu_s", "workers_cpu_s", "redis_cpu_s", "site_cpu_s")
    return median_of([max(0.0, r["machine_cpu_s"] - sum(r[k] for k in ours)) / r["wall_s"]
                      for r in runs if r["wall_s"] > 0])


def spread(values, digits=0):
    values = [v for v in values if v]
    if not values:
        return "n/a"
    med = median_of(values)
    if len(values) == 1:
        return num(med, digits)
    return f"{num(med, digits)} ({num(min(values), digits)}–{num(max(values), digits)})"


def scenario_section(rows, scen, title):
    runs = [r for r in rows if r["scenario"] == scen]
    if not runs:
        return None, None
    counts = sorted({r["workers"] for r in runs})
    by = {w: [r for r in runs if r["workers"] == w] for w in counts}
    steady = {w: median_of([r["steady_pages_per_s"] for r in by[w]]) for w in counts}
    whole = {w: median_of([r["pages_per_s"] for r in by[w]]) for w in counts}
    base = counts[0]
    latency = scen == "latency"
    header = ["workers", "pages", "pages/s steady (min–max)", "pages/s whole crawl",
              f"steady ÷ {base} worker{'s' if base > 1 else ''}"]
    if latency:
        header.append("share of ideal")
    header.append("other processes (cores)")
    cost_header = ["workers", "master", "master's busiest thread", "workers", "Redis", "site",
                   "Redis bytes / page", "Redis commands / page"]
    table, costs = [], []
    for w in counts:
        rs = by[w]
        row = [w, num(median_of([r["pages"] for r in rs])),
               spread([r["steady_pages_per_s"] for r in rs]),
               spread([r["pages_per_s"] for r in rs]),
               f"{steady[w] / steady[base]:.2f}×" if steady[base] else "n/a"]
        if latency:
            ideal = w * rs[0]["concurrency"] * 1000.0 / max(1, rs[0]["latency_ms"])
            row.append(f"{100 * steady[w] / ideal:.0f}%" if steady[w] else "n/a")
        row.append(num(other_cores(rs), 2))
        table.append(row)
        costs.append([w, num(per_k(rs, "master_cpu_s"), 3),
                      num(per_k(rs, "master_busiest_thread_cpu_s"), 3),
                      num(per_k(rs, "workers_cpu_s"), 3), num(per_k(rs, "redis_cpu_s"), 3),
                      num(per_k(rs, "site_cpu_s"), 3),
                      num(median_of([r["redis_bytes"] / r["pages"] for r in rs if r["pages"]])),
                      num(median_of([r["redis_commands"] / r["pages"]
                                     for r in rs if r["pages"]]), 2)])
    lines = [f"## {title}", "", md_table(header, table), "",
             "CPU seconds per 1,000 pages (user + system), Redis traffic per page:", "",
             md_table(cost_header, costs), ""]
    target = None
    top = counts[-1]
    if len(counts) > 1 and steady[base]:
        ratio = steady[top] / steady[base]
        linear = top / base
        lines.append(f"Scaling {base} → {top} workers: {ratio:.2f}× steady "
                     f"({ratio / linear:.2f} of linear), "
                     f"{whole[top] / whole[base]:.2f}× over whole crawls.")
        if latency:
            ok = ratio >= TARGET_SCALING * linear
            target = (f"latency-bound pages/s at {top} workers ≥ {TARGET_SCALING * linear:.1f}× "
                      f"at {base}", f"{ratio:.2f}×", verdict(ok))
    mk = per_k(by[top], "master_cpu_s")
    mt = per_k(by[top], "master_busiest_thread_cpu_s")
    if mk:
        lines.append(f"Master at {top} workers: {mk:.3f} CPU s per 1,000 pages (its busiest "
                     f"thread {num(mt, 3)}): one core carries about {1000 / mk:,.0f} pages/s "
                     "of this kind.")
    lines.append("")
    return "\n".join(lines), target


def commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tsv")
    ap.add_argument("--cores", default=str(os.cpu_count()))
    ap.add_argument("--load", default="")
    ap.add_argument("--out")
    args = ap.parse_args()
    rows = load(args.tsv)
    runs = max((r["run"] for r in rows), default=0)
    out = ["# crawlbox distributed: one master, N workers", "",
           f"Commit {commit()}; master, workers, Redis (password, no persistence) and the "
           f"crawlbox-testsite server all on this machine: {args.cores} cores"
           + (f", load average {args.load} at the end" if args.load else "")
           + f". Medians of {runs} run{'s' if runs != 1 else ''} per worker count. "
           "Steady pages/s: pages stored between the 10% and the 90% mark, over that time; "
           "whole crawl: the master's own figure, from its database opened to the last page. "
           "CPU is user + system (GNU time for master and workers, /proc for the site, "
           "INFO cpu for Redis); \"other processes\" is what the rest of the machine used "
           "meanwhile.", ""]
    if not rows:
        out += ["No run completed (see the benchmark's messages).", ""]
    targets = []
    for scen, title in SCENARIOS:
        section, target = scenario_section(rows, scen, title)
        if section:
            out.append(section)
        if target:
            targets.append(target)
    if targets:
        out += ["## Target", "", md_table(["target", "measured", "verdict"], targets), ""]
    text = "\n".join(out)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        print(text)


if __name__ == "__main__":
    main()
