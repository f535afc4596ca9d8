"""The sections of the benchmark report that compare crawlbox runs with each other: the current
build against the --baseline one, and the scale scenario's crawls of growing sites."""

import os
import statistics

from report_common import (BASELINE, CRAWLBOXES, MB, bar_panel, cpu_ms_per_page, md_table,
                           median_of, num, render, runs_of, stats, times)


def wrk_ratios(rows, system):
    """crawlbox pages/s ÷ wrk requests/s of the same main-scenario round, one per round."""
    wrk = {r["run"]: r["pages_per_s"] for r in runs_of(rows, "main", "wrk")
           if r["pages_per_s"] > 0}
    return [r["pages_per_s"] / wrk[r["run"]] for r in runs_of(rows, "main", system)
            if r["run"] in wrk]


def scale_groups(rows):
    """{size: {system: [rows]}} of the scale scenario, sizes ascending."""
    groups = {}
    for r in rows:
        if r["scenario"] == "scale" and r["details"].get("size"):
            groups.setdefault(int(r["details"]["size"]), {}).setdefault(r["system"], []).append(r)
    return dict(sorted(groups.items()))


def short_count(n):
    """10000 → "10k", 1000000 → "1M"."""
    for unit, name in ((1000000, "M"), (1000, "k")):
        if n >= unit and n % unit == 0:
            return f"{n // unit}{name}"
    return f"{n:,}"


def db_mb(r):
    """The database file and its -wal as the run left them, in MB."""
    return (int(r["details"].get("db_bytes") or 0) + int(r["details"].get("wal_bytes") or 0)) / MB / MB


def baseline_comparison(rows):
    """The report section comparing the current crawlbox with --baseline's, or None."""
    groups = []  # (what, current runs, baseline runs)
    for scenario, what in (("main", "main"), ("latency", "latency-bound"),
                           ("frontier", "frontier memory")):
        new, old = runs_of(rows, scenario, "crawlbox"), runs_of(rows, scenario, BASELINE)
        if new and old:
            groups.append((what, new, old))
    for size, by_system in scale_groups(rows).items():
        if by_system.get("crawlbox") and by_system.get(BASELINE):
            groups.append((f"scale, {size:,} pages", by_system["crawlbox"], by_system[BASELINE]))
    if not groups:
        return None
    table = []
    for what, new, old in groups:
        rate = [median_of([r["pages_per_s"] for r in x]) for x in (new, old)]
        cpu = [median_of(cpu_ms_per_page(x)) for x in (new, old)]
        rss = [median_of([r["maxrss_kb"] / MB for r in x]) for x in (new, old)]
        table.append([what, f"{len(old)} / {len(new)}", num(rate[1]), num(rate[0]),
                      times(rate[0], rate[1]), num(cpu[1], 3), num(cpu[0], 3),
                      times(cpu[0], cpu[1]), num(rss[1], 1), num(rss[0], 1),
                      times(rss[0], rss[1])])
    section = [
        "## Against the baseline build",
        "",
        "The `--baseline` program (an older crawlbox build, see Versions) ran the same jobs on the "
        "same sites, interleaved with the current build: in each round the baseline first, then "
        "the current build. Medians over the rounds; new/old below 1× is less CPU per page or "
        "less memory, above 1× more pages/s.",
        "",
        md_table(["scenario", "runs (old / new)", "pages/s old", "pages/s new", "new/old",
                  "CPU ms/page old", "CPU ms/page new", "new/old", "peak RSS MB old",
                  "peak RSS MB new", "new/old"], table),
    ]
    wrk = [(label, wrk_ratios(rows, key)) for key, label in CRAWLBOXES]
    if all(values for _, values in wrk):
        section += ["", "crawlbox pages/s as a share of wrk's requests/s in the same round of the "
                    "main scenario (the server's raw ceiling; medians): "
                    + ", ".join(f"{label} {100 * statistics.median(v):.1f}%" for label, v in wrk)
                    + "."]
    return "\n".join(section)


def scale_section(rows, scale, baseline, work, chart_path):
    """The scale scenario's report section, its rows of the summary on stdout and whether its
    chart (chart_path) was drawn; (None, [], False) when the scenario did not run. scale is
    scale.json, baseline baseline.json (or None)."""
    summary = []
    groups = scale_groups(rows)
    if not groups or not scale:
        return None, [], False
    table = []
    for size, by_system in groups.items():
        for key, label in CRAWLBOXES:
            runs = by_system.get(key)
            if not runs:
                continue
            table.append([f"{size:,}", label, len(runs),
                          num(median_of([r["pages"] for r in runs])),
                          num(median_of([r["pages_per_s"] for r in runs])),
                          num(median_of([r["wall_s"] for r in runs]), 2),
                          num(median_of([r["cpu_s"] for r in runs]), 2),
                          num(median_of(cpu_ms_per_page(runs)), 3),
                          num(median_of([r["maxrss_kb"] / MB for r in runs]), 1),
                          num(median_of([db_mb(r) for r in runs]), 1),
                          num(median_of([r["server_cpu_s"] for r in runs]), 2)])
            summary.append([f"scale {short_count(size)}", label,
                            num(median_of([r["pages_per_s"] for r in runs])),
                            f"{num(min(r['pages_per_s'] for r in runs))}–"
                            f"{num(max(r['pages_per_s'] for r in runs))}",
                            num(median_of([r["cpu_s"] for r in runs]), 2),
                            num(median_of([r["maxrss_kb"] / MB for r in runs]), 1)])
    small, large = min(groups), max(groups)
    growth = []
    for key, label in CRAWLBOXES:
        lo, hi = groups[small].get(key), groups[large].get(key)
        if not lo or not hi or small == large:
            continue
        cpu = [median_of(cpu_ms_per_page(x)) for x in (lo, hi)]
        rss = [median_of([r["maxrss_kb"] / MB for r in x]) for x in (lo, hi)]
        growth.append([label, num(cpu[0], 3), num(cpu[1], 3), times(cpu[1], cpu[0]),
                       num(rss[0], 1), num(rss[1], 1), times(rss[1], rss[0])])
    cpu_bars, rss_bars = [], []
    for size, by_system in groups.items():
        for key, label in CRAWLBOXES:
            runs = by_system.get(key)
            if not runs:
                continue
            tag = short_count(size) + ("" if key == "crawlbox" else " (baseline)")
            ms = cpu_ms_per_page(runs)
            if ms:
                cpu_bars.append((tag, *stats(ms), key))
            rss_bars.append((tag, *stats([r["maxrss_kb"] / MB for r in runs]), key))
    ok = render(work, chart_path, [
        bar_panel(work, "scale-cpu", cpu_bars, "Scale: CPU ms per page (median, min-max)",
                  "CPU ms/page", fmt="%.3f"),
        bar_panel(work, "scale-rss", rss_bars, "Scale: peak RSS (median, min-max)",
                  "MB", fmt="%.1f")], width=620)
    section = [
        "## Scale scenario",
        "",
        f"Whole crawls of `crawlbox-testsite --site-pages N"
        + (" --realistic" if scale["site"] == "realistic" else "")
        + f"` (the {scale['site']} generated site, pages made on request, 8–20 KB each) by "
        f"`{scale['job']}`, {scale['runs']} run{'s' if scale['runs'] > 1 else ''} per size"
        + (" and program, the baseline first" if baseline else "")
        + ". CPU ms/page = the crawler's user + system CPU over the pages stored (the "
        "server's CPU is apart, in its own column); the database is the file and its "
        "`-wal` as the crawl left them; the frontier holds every page.",
        "",
        md_table(["pages", "program", "runs", "stored", "pages/s", "wall s", "CPU s",
                  "CPU ms/page", "peak RSS MB", "database MB", "testsite CPU s"], table,
                 numbers_from=2),
    ]
    if growth:
        section += ["", f"From {small:,} to {large:,} pages ({short_count(large)} / "
                    f"{short_count(small)}, medians):", "",
                    md_table(["program", f"CPU ms/page at {short_count(small)}",
                              f"at {short_count(large)}", "ratio",
                              f"peak RSS MB at {short_count(small)}",
                              f"at {short_count(large)}", "ratio"], growth)]
    if ok:
        section += ["", f"![scale scenario]({os.path.basename(chart_path)})"]
    return "\n".join(section), summary, ok
