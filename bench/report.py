#!/usr/bin/env python3
"""Turns one bench/run.sh session into the report: <name>.md plus one PNG chart per scenario
(gnuplot), and prints a summary table. Exit 1 when a completeness check failed, else 0.

Inputs, all in the session's work directory (--work): results.tsv (one row per measured run,
written by run.sh), main-manifest.json and main.json (the main site), latency.json,
frontier.json, parse.json, scale.json, render.json, warc.json (each present only when its
scenario ran),
baseline.json (only with --baseline).
"""

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys

from report_common import (BASELINE, CRAWLBOXES, MB, SYSTEMS, bar_panel, cpu_ms_per_page,
                           load_json, load_rows, md_table, num, render, runs_of, stats,
                           text_table, triple, verdict)
from report_compare import baseline_comparison, scale_section, wrk_ratios
from report_render import render_sections, render_versions
from report_warc import EXPECT as WARC_EXPECT, warc_sections

TARGET_MAIN_PAGES_PER_S = 1200
TARGET_STRETCH_PAGES_PER_S = 2000
TARGET_VS_SCRAPY = 20.0
TARGET_MAIN_RSS_MB = 64
TARGET_FRONTIER_RSS_RATIO = 1.3
TARGET_LATENCY_SHARE = 0.90
TARGET_PARSE_SPEEDUP = 1.7


# --- machine and versions ---------------------------------------------------------------------

def command_output(args):
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (done.stdout + done.stderr).strip()


def git_revision(root):
    """The checked-out commit, read from .git without running git."""
    git = os.path.join(root, ".git")
    try:
        if os.path.isfile(git):  # a worktree: "gitdir: PATH"
            with open(git, encoding="utf-8") as f:
                git = os.path.join(root, f.read().split(":", 1)[1].strip())
        with open(os.path.join(git, "HEAD"), encoding="utf-8") as f:
            head = f.read().strip()
        if not head.startswith("ref:"):
            return head[:12]
        ref = head[4:].strip()
        common = git
        commondir = os.path.join(git, "commondir")
        if os.path.exists(commondir):
            with open(commondir, encoding="utf-8") as f:
                common = os.path.join(git, f.read().strip())
        for base in (git, common):
            path = os.path.join(base, ref)
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    return f"{f.read().strip()[:12]} ({ref.split('/')[-1]})"
        with open(os.path.join(common, "packed-refs"), encoding="utf-8") as f:
            for line in f:
                if line.strip().endswith(" " + ref):
                    return f"{line.split()[0][:12]} ({ref.split('/')[-1]})"
    except (OSError, IndexError):
        pass
    return "unknown"


def machine_info():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = "unknown"
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            kb = int(f.readline().split()[1])
            memory = f"{kb / MB / MB:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    os_name = "unknown"
    try:
        with open("/etc/os-release", encoding="utf-8") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    os_name = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return [("CPUs (nproc)", str(os.cpu_count())), ("CPU model", cpu), ("memory", memory),
            ("kernel", platform.release()), ("OS", os_name)]


def first_match(pattern, text, default="unknown"):
    m = re.search(pattern, text)
    return m.group(1) if m else default


def versions(root, build_dir, baseline, render_info=None):
    build_type = "unknown"
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt"), encoding="utf-8") as f:
            build_type = first_match(r"CMAKE_BUILD_TYPE:STRING=(\S+)", f.read())
    except OSError:
        pass
    rows = [("crawlbox", f"{git_revision(root)}, {build_type} build in "
                         f"`{build_dir}`")]
    if baseline:
        rows.append(("crawlbox baseline", f"`{baseline['path']}` (sha256 {baseline['sha256']}…, "
                                          f"modified {baseline['modified']})"))
    return rows + [
        ("compiler", command_output(["c++", "--version"]).splitlines()[0]
         if command_output(["c++", "--version"]) else "unknown"),
        ("Scrapy", first_match(r"Scrapy ([\d.]+)", command_output(["scrapy", "version"]))
         + f" (Python {platform.python_version()})"),
        ("wget", first_match(r"GNU Wget ([\d.]+)", command_output(["wget", "--version"]))),
        ("wrk", first_match(r"wrk (?:debian/)?([\d.]+)", command_output(["wrk", "-v"]))),
        ("nginx", first_match(r"nginx/([\d.]+)", command_output(["nginx", "-v"])
                              or command_output(["/usr/sbin/nginx", "-v"]))),
        ("gnuplot", first_match(r"gnuplot ([\d.]+ patchlevel \d+)",
                                command_output(["gnuplot", "--version"]))),
    ] + render_versions(render_info)


def load_note(rows):
    """How much CPU the rest of the machine used during the measured runs."""
    timed = [r for r in rows if r["wall_s"] > 0]
    if not timed:
        return ""
    cores = [(r["other_cpu_s"] / r["wall_s"], r) for r in timed]
    total = sum(r["other_cpu_s"] for r in timed) / sum(r["wall_s"] for r in timed)
    worst, worst_row = max(cores, key=lambda c: c[0])
    text = (f"Other processes (not the measured program, not its server) used {total:.2f} cores on "
            f"average during the measured runs, at most {worst:.2f} ({worst_row['scenario']} "
            f"{worst_row['system']} run {worst_row['run']}).")
    if worst > 0.25:
        text = ("**The machine was not idle:** " + text
                + " Runs with much other CPU are slower than on a quiet machine.")
    return text


# --- the report -------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for flag in ("--root", "--work", "--out-dir", "--name", "--command", "--started"):
        ap.add_argument(flag, required=True)
    ap.add_argument("--seconds", type=int, default=0)
    ap.add_argument("--wrk-seconds", type=int, default=10)
    ap.add_argument("--build-dir", help="the measured build directory (default ROOT/build)")
    args = ap.parse_args()
    build_dir = args.build_dir or os.path.join(args.root, "build")

    rows = load_rows(args.work)
    manifest = load_json(args.work, "main-manifest.json")
    latency = load_json(args.work, "latency.json")
    frontier = load_json(args.work, "frontier.json")
    parse = load_json(args.work, "parse.json")
    parse_ran = os.path.exists(os.path.join(args.work, "parse.json"))
    main_site = load_json(args.work, "main.json") or {"site": "plain", "start": "/site/0.html",
                                                      "job": "bench/crawlbox.toml"}
    scale = load_json(args.work, "scale.json")
    baseline = load_json(args.work, "baseline.json")
    render_info = load_json(args.work, "render.json")
    warc_info = load_json(args.work, "warc.json")

    md = []  # the report's sections, in order
    targets = []  # (target, measured, PASS/FAIL/n/a)
    summary = []  # rows for stdout
    charts = {}

    def chart_file(tag):
        return f"{args.name}-{tag}.png"

    # Main scenario.
    main_rows = [r for r in rows if r["scenario"] == "main"]
    main_cb = runs_of(rows, "main", "crawlbox")
    cb_rate = stats([r["pages_per_s"] for r in main_cb])
    cb_rss = stats([r["maxrss_kb"] / MB for r in main_cb])
    if main_rows:
        per_system = []
        medians = {}
        bars, rss_bars = [], []
        for key, label in SYSTEMS:
            runs = runs_of(rows, "main", key)
            if not runs:
                continue
            rates = [r["pages_per_s"] for r in runs]
            cpu = [r["cpu_s"] for r in runs]
            rss = [r["maxrss_kb"] / MB for r in runs]
            ms_per_page = cpu_ms_per_page(runs)
            medians[key] = statistics.median(rates)
            per_system.append([label, len(runs), num(statistics.median([r["pages"] for r in runs]))]
                              + triple(rates) + triple(cpu, 2) + triple(rss, 1)
                              + [num(stats(ms_per_page)[0], 3) if ms_per_page else "n/a",
                                 num(statistics.median([r["wall_s"] for r in runs]), 2),
                                 num(statistics.median([r["server_cpu_s"] for r in runs]), 2)])
            s = stats(rates)
            bars.append((label, *s, key))
            rss_bars.append((label, *stats(rss), key))
            summary.append(["main", label, num(s[0]), f"{num(s[1])}–{num(s[2])}",
                            num(stats(cpu)[0], 2), num(stats(rss)[0], 1)])
        ratios = []
        for key, label in SYSTEMS[2:]:
            if "crawlbox" in medians and medians.get(key):
                ratios.append((f"crawlbox / {label}", medians["crawlbox"] / medians[key]))
        n_runs = max(r["run"] for r in main_rows)
        ok = render(args.work, os.path.join(args.out_dir, chart_file("main")), [
            bar_panel(args.work, "main-rate", bars,
                      f"Main scenario: pages/s (median, min-max of {n_runs} "
                      f"run{'s' if n_runs > 1 else ''})",
                      "pages/s (log scale)", log=True,
                      lines=[(TARGET_MAIN_PAGES_PER_S, "target 1,200", "#c53030")]),
            bar_panel(args.work, "main-rss", rss_bars, "Peak RSS (median, min-max)", "MB",
                      lines=[(TARGET_MAIN_RSS_MB, "crawlbox target 64 MB", "#c53030")],
                      fmt="%.1f")], width=760)
        charts["main"] = ok
        realistic = main_site["site"] == "realistic"
        site = ("the realistic generated site (`crawlbox-testsite --realistic --write-site`): "
                if realistic else "the plain generated site (`crawlbox-testsite --write-site`): ")
        if manifest:
            site += (f"{manifest['pages']:,} pages ({manifest['total_bytes'] / MB / MB:.0f} MB, "
                     "8–20 KB each, "
                     + ("inline scripts and styles a few KB long whose strings hold links to "
                        "missing pages, a 20-link nav bar on every page, ~40 more links a page, "
                        "javascript:, mailto: and # hrefs, extensionless paths and board pages "
                        "at `/board/<b>?offset=<o>`" if realistic else "~40 links per page")
                     + f"), {manifest['board_entries']:,} board entries; ")
        wget_note = (" and `-X /img`; it also takes the hrefs inside scripts and styles for "
                     "links, so it fetches the site's trap URLs, each a 404 (`trap_404` under "
                     "Completeness)" if realistic else "")
        baseline_note = (" With `--baseline` the older build runs first in each round, then the "
                         "current one." if baseline else "")
        section = [
            "## Main scenario: the synthetic movie site over nginx",
            "",
            f"The site: {site}served by Debian's nginx on 127.0.0.1 (1 worker process, "
            "keep-alive with unlimited requests per connection, no access log). Runs are "
            "interleaved: round 1 runs crawlbox, Scrapy, wget, wrk, then round 2, and so on."
            f"{baseline_note} crawlbox runs `{main_site['job']}` from `{main_site['start']}` "
            "(concurrency 64) into a fresh database; Scrapy "
            "runs `bench/scrapy_spider.py` (64 concurrent requests, SQLite pipeline committing "
            "every 500 items); wget is `wget -r -l inf -np` (one connection, no extraction)"
            f"{wget_note}; "
            f"wrk is 2 threads × 64 connections for {args.wrk_seconds} s cycling through every "
            "page URL (the site's `urls.txt`): the raw HTTP ceiling of this server on this "
            "machine. pages/s = pages "
            "stored (crawlbox), responses parsed (Scrapy), files saved (wget), requests (wrk) "
            "divided by wall time; CPU = user + system seconds of the process and its children; "
            "peak RSS = GNU time's maxrss; nginx CPU = its worker's CPU seconds during the run "
            "(medians).",
            "",
            md_table(["system", "runs", "pages", "pages/s median", "min", "max", "CPU s median",
                      "min", "max", "peak RSS MB median", "min", "max", "CPU ms/page",
                      "wall s", "nginx CPU s"], per_system),
            "",
            "Ratios of the medians (pages/s):",
            "",
            md_table(["ratio", "of the pages/s medians"], [[name, f"{value:.2f}×"] for name, value in ratios]),
        ]
        wrk_share = [[label, *[f"{100 * v:.1f}%" for v in stats(values)]]
                     for key, label in CRAWLBOXES if (values := wrk_ratios(rows, key))]
        if wrk_share:
            section += ["", "crawlbox pages/s ÷ wrk requests/s of the same round (how close "
                        "the crawl comes to the server's raw ceiling):", "",
                        md_table(["program", "median", "min", "max"], wrk_share)]
        if ok:
            section += ["", f"![main scenario]({chart_file('main')})"]
        md.append("\n".join(section))
        scrapy_ratio = dict(ratios).get("crawlbox / Scrapy")
        targets.append(("main: crawlbox ≥ 1,200 pages/s (median)",
                        f"{num(cb_rate[0])} pages/s" if cb_rate else "n/a",
                        verdict(cb_rate[0] >= TARGET_MAIN_PAGES_PER_S if cb_rate else None)))
        targets.append(("main: crawlbox ≥ 20× Scrapy (medians, same session)",
                        f"{scrapy_ratio:.1f}×" if scrapy_ratio else "n/a",
                        verdict(scrapy_ratio >= TARGET_VS_SCRAPY if scrapy_ratio else None)))
    if cb_rss:
        targets.append(("main: crawlbox peak RSS ≤ 64 MB (highest of the runs)",
                        f"{cb_rss[2]:.1f} MB (median {cb_rss[0]:.1f})",
                        verdict(cb_rss[2] <= TARGET_MAIN_RSS_MB)))

    # Latency-bound scenario.
    lat_runs = runs_of(rows, "latency", "crawlbox")
    if lat_runs and latency:
        ideal = latency["concurrency"] / (latency["latency_ms"] / 1000.0)
        rates = [r["pages_per_s"] for r in lat_runs]
        s = stats(rates)
        table = []
        bars = []
        def share(rate):
            return f"{100 * rate / ideal:.1f}%" if rate else "n/a"

        for r in lat_runs:
            span = float(r["details"].get("span_s") or 0)
            span_rate = r["pages"] / span if span > 0 else None
            steady = float(r["details"].get("steady_pages_per_s") or 0) or None
            table.append([r["run"], num(r["pages"]), num(r["wall_s"], 2), num(r["pages_per_s"]),
                          share(r["pages_per_s"]), num(span_rate), share(span_rate), num(steady),
                          share(steady), num(r["cpu_s"], 2), num(r["server_cpu_s"], 2),
                          num(r["maxrss_kb"] / MB, 1)])
            bars.append((f"run {r['run']}", r["pages_per_s"], r["pages_per_s"], r["pages_per_s"],
                         "crawlbox"))
        bars.append(("median", *s, "crawlbox"))
        ok = render(args.work, os.path.join(args.out_dir, chart_file("latency")), [
            bar_panel(args.work, "latency", bars,
                      f"Latency-bound: {latency['pages']:,} pages, {latency['latency_ms']} ms "
                      f"per response, concurrency {latency['concurrency']}",
                      "pages/s", lines=[(ideal, f"ideal {ideal:,.0f}", "#2f855a"),
                                        (ideal * TARGET_LATENCY_SHARE, "target 90%", "#c53030")])])
        charts["latency"] = ok
        section = [
            "## Latency-bound scenario",
            "",
            f"{latency['pages']:,} pages of ~1 KB (10 links each, no board entries) from "
            f"`crawlbox-testsite --latency-ms {latency['latency_ms']} --threads 256`: every "
            f"response is delayed {latency['latency_ms']} ms; crawlbox runs `bench/latency.toml` "
            f"(concurrency {latency['concurrency']}; per-host concurrency raised to 200 and the delay dropped in that job; robots.txt is fetched first, one more round trip). "
            f"Ideal: concurrency / latency = {ideal:,.0f} pages/s. The crawl span is the crawl's "
            "own start-to-finish time from its `crawls` row (no process start-up or exit); both "
            "include the ramp-up from the single start page, which needs a few 100 ms round "
            "trips before 200 transfers are in flight (1 page, then ≤ 10, then ≤ 100), and the "
            "last round trip's tail: even a perfect crawler needs about 13 round trips for "
            "2,000 pages, ~1.3 s, i.e. at most ~77% of the ideal by wall time. The steady rate counts "
            "the middle 80% of the pages by the time they were stored (`pages.fetched_at`).",
            "",
            md_table(["run", "pages", "wall s", "pages/s", "% of ideal", "pages/s (crawl span)",
                      "% (span)", "pages/s (steady)", "% (steady)", "CPU s", "server CPU s",
                      "peak RSS MB"], table),
            "",
            f"Median: {num(s[0])} pages/s = {100 * s[0] / ideal:.1f}% of the ideal.",
        ]
        if ok:
            section += ["", f"![latency-bound scenario]({chart_file('latency')})"]
        md.append("\n".join(section))
        targets.append(("latency-bound: ≥ 90% of the ideal (median, wall time)",
                        f"{100 * s[0] / ideal:.1f}% ({num(s[0])} of {num(ideal)} pages/s)",
                        verdict(s[0] >= TARGET_LATENCY_SHARE * ideal)))
        summary.append(["latency", "crawlbox", num(s[0]), f"{num(s[1])}–{num(s[2])}",
                        num(stats([r['cpu_s'] for r in lat_runs])[0], 2),
                        num(stats([r['maxrss_kb'] / MB for r in lat_runs])[0], 1)])

    # Frontier-memory scenario.
    fr_runs = runs_of(rows, "frontier", "crawlbox")
    main_pages = f"{manifest['pages']:,}" if manifest else "main"
    if fr_runs and frontier:
        rss = stats([r["maxrss_kb"] / MB for r in fr_runs])
        ratio = rss[0] / cb_rss[0] if cb_rss else None
        table = [[r["run"], num(r["pages"]), num(int(r["details"].get("frontier", 0))),
                  num(r["pages_per_s"]), num(r["cpu_s"], 2), num(r["maxrss_kb"] / MB, 1)]
                 for r in fr_runs]
        bars = []
        if cb_rss:
            bars.append((f"main ({main_pages}-page site)", *cb_rss, "crawlbox"))
        bars.append((f"frontier ({frontier['site_pages']:,}-page site)", *rss, "frontier"))
        lines = [(TARGET_MAIN_RSS_MB, "64 MB", "#718096")]
        if cb_rss:
            lines.append((cb_rss[0] * TARGET_FRONTIER_RSS_RATIO, "target 1.3× main", "#c53030"))
        ok = render(args.work, os.path.join(args.out_dir, chart_file("frontier")), [
            bar_panel(args.work, "frontier", bars, "Frontier memory: crawlbox peak RSS "
                      "(median, min-max)", "MB", lines=lines, fmt="%.1f")])
        charts["frontier"] = ok
        section = [
            "## Frontier-memory scenario",
            "",
            f"`crawlbox-testsite --site-pages {frontier['site_pages']:,} --links "
            f"{frontier['links']}` (pages generated on request, 8–20 KB, each linking to "
            f"{frontier['links']} pseudo-random pages) crawled by `bench/frontier.toml` with "
            f"`max_pages = {frontier['max_pages']:,}`: the Frontier column is how many distinct "
            "URLs the crawl discovered (rows of `frontier`). Peak RSS is compared with the main "
            f"scenario's crawlbox runs (the {main_pages}-page crawl of the main site).",
            "",
            md_table(["run", "pages", "frontier URLs", "pages/s", "CPU s", "peak RSS MB"], table),
            "",
            f"Peak RSS median {rss[0]:.1f} MB against the main scenario's "
            + (f"{cb_rss[0]:.1f} MB: {ratio:.2f}×." if ratio else "(not measured)."),
        ]
        if ok:
            section += ["", f"![frontier-memory scenario]({chart_file('frontier')})"]
        md.append("\n".join(section))
        targets.append(("frontier memory: peak RSS ≤ 1.3× the main scenario's (medians)",
                        f"{ratio:.2f}× ({rss[0]:.1f} / {cb_rss[0]:.1f} MB)" if ratio else "n/a",
                        verdict(ratio <= TARGET_FRONTIER_RSS_RATIO if ratio else None)))
        summary.append(["frontier", "crawlbox",
                        num(stats([r['pages_per_s'] for r in fr_runs])[0]),
                        f"{num(min(r['pages_per_s'] for r in fr_runs))}–"
                        f"{num(max(r['pages_per_s'] for r in fr_runs))}",
                        num(stats([r['cpu_s'] for r in fr_runs])[0], 2), num(rss[0], 1)])

    # Parse-scaling scenario.
    parse_failed = parse_ran and not parse
    if parse:
        by_threads = {r["threads"]: r for r in parse["results"]}
        table = [[t, *triple(r["pages_per_s"]),
                  num(r["median"] * parse["bytes"] / parse["pages"] / MB / MB, 1),
                  num(r.get("cores_used"), 2),
                  num(r["median"] / r["cores_used"]) if r.get("cores_used") else "n/a"]
                 for t, r in sorted(by_threads.items())]
        speedup = (by_threads[2]["median"] / by_threads[1]["median"]
                   if 1 in by_threads and 2 in by_threads else None)
        bars = [(f"{t} thread{'s' if t > 1 else ''}", r["median"], r["min"], r["max"], str(t))
                for t, r in sorted(by_threads.items())]
        lines = []
        if 1 in by_threads:
            lines.append((by_threads[1]["median"] * TARGET_PARSE_SPEEDUP, "target 1.7× 1 thread",
                          "#c53030"))
        ok = render(args.work, os.path.join(args.out_dir, chart_file("parse")), [
            bar_panel(args.work, "parse", bars,
                      f"Parse stage: pages/s (median, min-max of {parse['rounds']} rounds)",
                      "pages/s", lines=lines)])
        charts["parse"] = ok
        want_items = manifest["board_entries"] if manifest else None
        section = [
            "## Parse-scaling scenario",
            "",
            f"`crawlbox-parse-bench` loads `{main_site['job']}`, reads the main site's "
            f"{parse['pages']:,} pages ({parse['bytes'] / MB / MB:.0f} MB) into memory and runs "
            "`PageParser::Parse` over all of them with `tbb::parallel_for` inside a "
            f"`tbb::task_arena` of 1 and of 2 threads, {parse['rounds']} timed rounds each "
            "(interleaved, after one warm-up round). Cores used below the thread count mean "
            "the threads waited for a CPU (other programs running) or for each other; pages per "
            "CPU second that stay level from 1 to 2 threads mean the parse itself scales, "
            "whatever the machine gave it. Each round finds "
            f"{parse['items']:,} records and {parse['links']:,} links"
            + (f" (the manifest has {want_items:,} board entries)." if want_items else "."),
            "",
            md_table(["threads", "pages/s median", "min", "max", "MB/s (median)",
                      "cores used (CPU s / wall s)", "pages per CPU s"], table),
            "",
            f"2 threads / 1 thread: {speedup:.2f}×." if speedup else "",
        ]
        if ok:
            section += ["", f"![parse-scaling scenario]({chart_file('parse')})"]
        md.append("\n".join(section))
        targets.append(("parse scaling: 2 threads ≥ 1.7× 1 thread (medians)",
                        f"{speedup:.2f}×" if speedup else "n/a",
                        verdict(speedup >= TARGET_PARSE_SPEEDUP if speedup else None)))
        for t, r in sorted(by_threads.items()):
            summary.append(["parse", f"{t} thread{'s' if t > 1 else ''}", num(r["median"]),
                            f"{num(r['min'])}–{num(r['max'])}", "", ""])
    if cb_rate:
        targets.append(("stretch: main ≥ 2,000 pages/s (median)", f"{num(cb_rate[0])} pages/s",
                        verdict(cb_rate[0] >= TARGET_STRETCH_PAGES_PER_S)))

    # Scale scenario.
    section, scale_summary, charts["scale"] = scale_section(
        rows, scale, baseline, args.work, os.path.join(args.out_dir, chart_file("scale")))
    if section:
        md.append(section)
        summary += scale_summary

    # Render scenario and the mixed site.
    section, render_summary, render_targets, charts["render"] = render_sections(
        rows, render_info, args.work, os.path.join(args.out_dir, chart_file("render")))
    if section:
        md.append(section)
        summary += render_summary
        targets += render_targets

    # WARC off against on.
    section, warc_summary, warc_targets, charts["warc"] = warc_sections(
        rows, warc_info, args.work, os.path.join(args.out_dir, chart_file("warc")))
    if section:
        md.append(section)
        summary += warc_summary
        targets += warc_targets

    # Against the baseline.
    comparison = baseline_comparison(rows)
    if comparison:
        md.append(comparison)

    # Completeness.
    failures = [r for r in rows if r["check"] != "ok"]
    if parse and manifest and parse["items"] != manifest["board_entries"]:
        failures.append({"scenario": "parse", "system": "parse-bench", "run": "-",
                         "detail": f"items={parse['items']} want {manifest['board_entries']}"})
    if parse_failed:
        failures.append({"scenario": "parse", "system": "parse-bench", "run": "-",
                         "detail": "crawlbox-parse-bench failed (see the run's output)"})
    expect = {
        ("main", "crawlbox"): "pages = status 200 = manifest pages; board rows = board_entries",
        ("main", BASELINE): "pages = status 200 = manifest pages; board rows = board_entries",
        ("main", "scrapy"): "pages parsed = manifest pages; SQLite board rows = board_entries",
        ("main", "wget"): "files saved = manifest pages; exit 0, or 8 for the trap 404s only",
        ("main", "wrk"): "no socket errors, no non-2xx responses",
        ("latency", "crawlbox"): "pages = status 200 = site pages",
        ("latency", BASELINE): "pages = status 200 = site pages",
        ("frontier", BASELINE): "pages = status 200 = max_pages",
        ("scale", "crawlbox"): "pages = status 200 = site pages; board rows = its board entries",
        ("scale", BASELINE): "pages = status 200 = site pages; board rows = its board entries",
        ("frontier", "crawlbox"): "pages = status 200 = max_pages",
        ("render", "crawlbox"): "pages = status 200 = rendered = site pages; records = the site's",
        ("render", "crawlee"): "requests finished = site pages, none failed; dataset = the site's records",
        ("mixed", "crawlbox-needed"): "pages = status 200 = site pages; rendered = the shells; records = the site's",
        ("mixed", "crawlbox-all"): "pages = status 200 = rendered = site pages; records = the site's",
        **WARC_EXPECT,
    }
    completeness = [[r["scenario"] + (f" {int(r['details']['size']):,}" if r["details"].get("size") else ""),
                     r["system"], r["run"], expect.get((r["scenario"], r["system"]), ""),
                     # The render runs' peak memory by process kind is in their section.
                     " ".join(part for part in r["detail"].split()
                              if not part.startswith("peak_breakdown=")),
                     "ok" if r["check"] == "ok" else "**FAIL**"] for r in rows]

    # Assemble.
    head = [f"# crawlbox benchmark, {args.name}", ""]
    if failures:
        head += [f"**COMPLETENESS CHECK FAILED for {len(failures)} run(s): "
                 + "; ".join(f"{f['scenario']} {f['system']} run {f['run']} ({f['detail']})"
                             for f in failures) + "**", ""]
    head += [f"`{args.command}`, started {args.started}; the measurements took "
             f"{args.seconds // 60} min {args.seconds % 60} s.", "",
             "## Machine", "", md_table(["", ""], machine_info(), numbers_from=2), "",
             load_note(rows), "",
             "## Versions", "", md_table(["", ""], versions(args.root, build_dir, baseline,
                                                           render_info), numbers_from=2), "",
             "## Targets (issue 3" + (", issue 14 for render and mixed" if render_info else "")
             + ")", "",
             "What crawlbox should reach; the benchmark only measures.", "",
             md_table(["target", "measured", "result"], targets, numbers_from=3), ""]
    parse_note = ""
    if parse:
        parse_note = (f"parse bench: {parse['items']:,} records per round (want "
                      f"{manifest['board_entries']:,})" if manifest else "")
    body = "\n\n".join(md)
    tail = ["", "## Completeness", "",
            md_table(["scenario", "system", "run", "expected", "found", "result"], completeness,
                     numbers_from=6)]
    if parse_note:
        tail += ["", parse_note + (" ok" if not failures or all(
            f["scenario"] != "parse" for f in failures) else " **FAIL**") + "."]
    def scenario_of(r):
        size = r["details"].get("size")
        return f"{r['scenario']} {int(size):,}" if size else r["scenario"]

    raw = [[scenario_of(r), r["system"], r["run"], num(r["pages"]), num(r["wall_s"], 2),
            num(r["cpu_s"], 2), num(r["maxrss_kb"] / MB, 1), num(r["pages_per_s"], 1),
            num(r["server_cpu_s"], 2), num(r["other_cpu_s"], 2)]
           for r in rows]
    tail += ["", "## Every run", "",
             "server CPU s: nginx's worker (main) or crawlbox-testsite (latency, frontier, scale, "
             "render, mixed) during the run; other CPU s: every other process on the machine (a "
             "quiet machine shows little; in render and mixed it includes the PSS sampler's). "
             "In render and mixed, CPU s is the whole process tree's and peak RSS its largest "
             "process (their sections give the tree's PSS).", "",
             md_table(["scenario", "system", "run", "pages", "wall s", "CPU s", "peak RSS MB",
                       "pages/s", "server CPU s", "other CPU s"], raw), ""]
    report = "\n".join(head) + "\n" + body + "\n" + "\n".join(tail)
    os.makedirs(args.out_dir, exist_ok=True)
    md_path = os.path.join(args.out_dir, args.name + ".md")
    with open(md_path, "w", encoding="utf-8") as f:
        f.write(report)

    print()
    print(text_table(["scenario", "system", "pages/s median", "min–max", "CPU s", "peak RSS MB"],
                     summary))
    print()
    print(text_table(["target", "measured", "result"], targets))
    print()
    print(f"report: {md_path}")
    if failures:
        print(f"\nCOMPLETENESS CHECK FAILED for {len(failures)} run(s):", file=sys.stderr)
        for f in failures:
            print(f"  {f['scenario']} {f['system']} run {f['run']}: {f['detail']}",
                  file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
