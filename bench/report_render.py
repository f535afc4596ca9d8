"""The render scenario's sections of the benchmark report (bench/run.sh --scenario render):
crawlbox against Crawlee's PuppeteerCrawler on the SPA site, and crawlbox on the mixed site
rendering only the pages that need it against rendering every page."""

import json
import os

from report_common import MB, bar_panel, md_table, median_of, num, render, runs_of, stats, triple

TARGET_VS_CRAWLEE_RATE = 1.0
TARGET_VS_CRAWLEE_PSS = 0.6
TARGET_MIXED_SPEEDUP = 5.0

SYSTEMS = [("crawlbox", "crawlbox"), ("crawlee", "Crawlee PuppeteerCrawler")]
MIXED = [("crawlbox-needed", "crawlbox, only the shells rendered", "only the shells"),
         ("crawlbox-all", "crawlbox, every page rendered (render.urls = ['.'])", "every page")]


def detail_float(r, key):
    try:
        return float(r["details"].get(key, ""))
    except ValueError:
        return None


def pss_mb(r):
    value = detail_float(r, "peak_pss_kb")
    return value / MB if value is not None else None


def values(runs, get):
    return [v for v in (get(r) for r in runs) if v is not None]


def breakdown(r):
    """[(kind, processes, MB)] of a run's peak, largest first."""
    out = []
    for item in (r["details"].get("peak_breakdown") or "").split(","):
        parts = item.rsplit(":", 2)
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            out.append((parts[0].replace("_", " "), int(parts[1]), int(parts[2]) / MB))
    return sorted(out, key=lambda x: -x[2])


def median_run(runs, get):
    """The run whose value is the median (the lower middle one for an even count)."""
    ranked = sorted((r for r in runs if get(r) is not None), key=get)
    return ranked[(len(ranked) - 1) // 2] if ranked else None


def system_row(label, runs):
    rates = [r["pages_per_s"] for r in runs]
    cpu = [r["cpu_s"] for r in runs]
    ms = [1000 * r["cpu_s"] / r["pages"] for r in runs if r["pages"] > 0]
    return ([label, len(runs), num(median_of([r["pages"] for r in runs]))] + triple(rates, 1)
            + [num(median_of([r["wall_s"] for r in runs]), 2)] + triple(cpu, 1)
            + [num(median_of(ms), 1)] + triple(values(runs, pss_mb))
            + [num(median_of(values(runs, lambda r: (detail_float(r, "peak_rss_sum_kb") or 0)
                                    / MB))),
               num(median_of([r["maxrss_kb"] / MB for r in runs])),
               num(median_of(values(runs, lambda r: detail_float(r, "peak_procs")))),
               num(median_of([r["server_cpu_s"] for r in runs]), 2),
               num(median_of(values(runs, lambda r: detail_float(r, "sampler_cpu_s"))), 2)])


SYSTEM_HEADER = ["system", "runs", "pages", "pages/s median", "min", "max", "wall s",
                 "CPU s median", "min", "max", "CPU ms/page", "peak PSS MB median", "min", "max",
                 "peak RSS sum MB", "largest process RSS MB", "processes at peak",
                 "testsite CPU s", "sampler CPU s"]


# Flags whose value is a path or a string of the run, compared by name only.
PER_RUN_FLAGS = ("--user-data-dir", "--disk-cache-dir", "--user-agent")


def chromium_flags(work, name):
    """The flags of the Chromium browser process of the run NAME (its sampler's browser_args),
    as a set; None when the sampler saw none."""
    try:
        with open(os.path.join(work, "logs", f"{name}.tree.json"), encoding="utf-8") as f:
            args = json.load(f).get("browser_args") or []
    except (OSError, ValueError):
        return None
    flags = set()
    for arg in args[1:]:
        name_only = arg.split("=", 1)[0]
        flags.add(name_only if name_only in PER_RUN_FLAGS else arg)
    return flags or None


def flag_lines(work, rounds):
    """A paragraph on how the two browsers' command lines differ, from the first round both
    sides' samplers saw a browser in."""
    for run in rounds:
        ours = chromium_flags(work, f"render-crawlbox-{run}")
        theirs = chromium_flags(work, f"render-crawlee-{run}")
        if ours is None or theirs is None:
            continue
        def listed(flags):
            return ", ".join(f"`{f}`" for f in sorted(flags)) or "none"
        return ["", f"Chromium's command lines (round {run}, as the browser process got them, "
                "Debian's wrapper's flags included; profile, cache and user agent compared by "
                f"name): {len(ours & theirs)} flags on both; only crawlbox's: "
                f"{listed(ours - theirs)}; only Crawlee's: {listed(theirs - ours)}."]
    return []


def render_sections(rows, info, work, chart_path):
    """(Markdown section or None, summary rows for stdout, targets, whether the chart was
    drawn). info is render.json."""
    cb, cr = runs_of(rows, "render", "crawlbox"), runs_of(rows, "render", "crawlee")
    needed, every = runs_of(rows, "mixed", "crawlbox-needed"), runs_of(rows, "mixed", "crawlbox-all")
    if not info or not (cb or cr or needed or every):
        return None, [], [], False
    summary, targets, md = [], [], []

    table = [system_row(label, runs_of(rows, "render", key))
             for key, label in SYSTEMS if runs_of(rows, "render", key)]
    rate = {k: median_of([r["pages_per_s"] for r in runs_of(rows, "render", k)]) for k, _ in SYSTEMS}
    pss = {k: median_of(values(runs_of(rows, "render", k), pss_mb)) for k, _ in SYSTEMS}
    cpu = {k: median_of([r["cpu_s"] for r in runs_of(rows, "render", k)]) for k, _ in SYSTEMS}
    for key, label in SYSTEMS:
        runs = runs_of(rows, "render", key)
        if runs:
            s = stats([r["pages_per_s"] for r in runs])
            summary.append(["render", label, num(s[0], 1), f"{num(s[1], 1)}–{num(s[2], 1)}",
                            num(cpu[key], 1), f"{num(pss[key])} (PSS)"])
    rate_ratio = rate["crawlbox"] / rate["crawlee"] if rate["crawlbox"] and rate["crawlee"] else None
    pss_ratio = pss["crawlbox"] / pss["crawlee"] if pss["crawlbox"] and pss["crawlee"] else None
    cpu_ratio = cpu["crawlbox"] / cpu["crawlee"] if cpu["crawlbox"] and cpu["crawlee"] else None
    rounds = []
    for r in cb:
        other = [x for x in cr if x["run"] == r["run"]]
        if other and other[0]["pages_per_s"] > 0 and pss_mb(other[0]):
            o = other[0]
            rounds.append([r["run"], num(r["pages_per_s"], 1), num(o["pages_per_s"], 1),
                           f"{r['pages_per_s'] / o['pages_per_s']:.2f}×", num(pss_mb(r)),
                           num(pss_mb(o)), f"{pss_mb(r) / pss_mb(o):.2f}×",
                           num(r["cpu_s"], 1), num(o["cpu_s"], 1)])
    timing = []
    for r in cb:
        timing.append([f"crawlbox run {r['run']}", num(r["wall_s"], 2),
                       num(detail_float(r, "span_s"), 2),
                       f"render_ms avg {num(detail_float(r, 'render_ms_avg'), 1)}"])
    for r in cr:
        timing.append([f"Crawlee run {r['run']}", num(r["wall_s"], 2),
                       num(detail_float(r, "crawler_runtime_s"), 2), ""])
    peaks = []
    for key, label in SYSTEMS:
        run = median_run(runs_of(rows, "render", key), pss_mb)
        if run:
            # Less than half a MB: timeout(1) and processes gone before their memory was read.
            peaks += [[f"{label} (run {run['run']})", kind, n, num(mb)]
                      for kind, n, mb in breakdown(run) if mb >= 0.5]
    bars_rate, bars_pss = [], []
    for key, label in SYSTEMS:
        runs = runs_of(rows, "render", key)
        if runs:
            bars_rate.append((label.split()[0], *stats([r["pages_per_s"] for r in runs]), key))
            bars_pss.append((label.split()[0], *stats(values(runs, pss_mb)), key))
    for key, _, _ in MIXED:
        runs = runs_of(rows, "mixed", key)
        if runs:
            short = "mixed: " + ("shells" if key == "crawlbox-needed" else "all")
            bars_rate.append((short, *stats([r["pages_per_s"] for r in runs]), key))
            bars_pss.append((short, *stats(values(runs, pss_mb)), key))
    ok = render(work, chart_path, [
        bar_panel(work, "render-rate", bars_rate, "Render: pages/s (median, min-max)", "pages/s",
                  fmt="%.1f"),
        bar_panel(work, "render-pss", bars_pss, "Render: peak PSS of the process tree "
                  "(median, min-max)", "MB",
                  lines=[(TARGET_VS_CRAWLEE_PSS * pss["crawlee"], "target 0.6× Crawlee",
                          "#c53030")] if pss["crawlee"] else [])], width=620) if bars_rate else False

    section = [
        "## Render scenario: crawlbox against Crawlee on the SPA site",
        "",
        f"`crawlbox-testsite`'s single-page app (`/spa/`, `tests/support/spa_site.h`): "
        f"{info['pages']} pages, each an HTML shell whose script fetches its page of the board "
        f"as JSON and builds {info['records'] // info['pages']} `dd.film` entries, a pager of "
        "links (two pages either side) and `#ready`. Both crawlers start at `/spa/page/1`, "
        f"render every page in Debian's Chromium with {info['tabs']} pages at once, block "
        "images, fonts and media with the same `Network.setBlockedURLs` patterns, wait for "
        "`#ready`, take rank, title and score of every `dd.film` and follow the pager's "
        "`/spa/page/<n>` links. crawlbox runs `bench/render.toml` (`render.tabs = "
        f"{info['tabs']}`); Crawlee runs `bench/crawlee_render.mjs` (PuppeteerCrawler, "
        f"crawlee {info['crawlee']}, puppeteer-core {info['puppeteer_core']}, Node "
        f"{info['node']}, min = max concurrency {info['tabs']}, crawlbox's Chromium flags "
        "with `ignoreDefaultArgs`, DevTools over a pipe as crawlbox, no fingerprints and no "
        "session rotation, the browser kept for 1,000 pages as crawlbox keeps it, records in "
        "Crawlee's default dataset). Rounds are interleaved: crawlbox, Crawlee, then the mixed "
        "site's two crawls, then the next round.",
        "",
        "Measured on the whole process tree (the crawler, Chromium and every process they "
        "start) by `bench/pss_sampler.py`, which runs the crawler as a child subreaper so that "
        "every browser process is reaped by it and counted: CPU s = user + system seconds of "
        "every process of the tree (GNU time, which counts only the processes each parent "
        "waited for, misses most of Chromium's); peak PSS = the highest sum of every tree "
        "process's `Pss` (`/proc/<pid>/smaps_rollup`, shared pages divided among their "
        f"sharers) over samples every {info['pss_interval_s']} s (the sampler runs at nice 10; "
        "its own CPU is the last column and is not in CPU s); peak RSS sum = the sum of RSS "
        "at that moment (counting shared pages once per process); pages/s = pages stored "
        "(crawlbox) or requests finished (Crawlee) over the process's wall time, start-up and "
        "exit included.",
        "",
        md_table(SYSTEM_HEADER, table),
        "",
        "Ratios of the medians: "
        + ", ".join(f"{name} {value:.2f}×" for name, value in
                    (("pages/s crawlbox / Crawlee", rate_ratio),
                     ("peak PSS crawlbox / Crawlee", pss_ratio),
                     ("CPU s crawlbox / Crawlee", cpu_ratio)) if value) + ".",
    ]
    section += flag_lines(work, sorted({r["run"] for r in cb}))
    if rounds:
        section += ["", "Round by round:", "",
                    md_table(["round", "crawlbox pages/s", "Crawlee pages/s", "ratio",
                              "crawlbox peak PSS MB", "Crawlee peak PSS MB", "ratio",
                              "crawlbox CPU s", "Crawlee CPU s"], rounds)]
    if timing:
        section += ["", "Wall time against the crawl's own span (crawlbox: its `crawls` row, "
                    "database opened to crawl finished; Crawlee: `crawlerRuntimeMillis`); the "
                    "difference is process start-up (Node loading Crawlee) and exit:", "",
                    md_table(["run", "wall s", "crawl span s", "note"], timing)]
    if peaks:
        section += ["", "The peak of the median run, by process kind (the largest first):", "",
                    md_table(["run", "process", "processes", "PSS MB"], peaks, numbers_from=2)]
    if ok:
        section += ["", f"![render scenario]({os.path.basename(chart_path)})"]
    md.append("\n".join(section))
    if cb or cr:
        targets.append(("render: crawlbox ≥ 1.0× Crawlee's pages/s (medians, same session)",
                        f"{rate_ratio:.2f}× ({num(rate['crawlbox'], 1)} / "
                        f"{num(rate['crawlee'], 1)} pages/s)" if rate_ratio else "n/a",
                        "n/a" if rate_ratio is None else
                        ("PASS" if rate_ratio >= TARGET_VS_CRAWLEE_RATE else "FAIL")))
        targets.append(("render: crawlbox peak PSS ≤ 0.6× Crawlee's (medians, whole process "
                        "trees)",
                        f"{pss_ratio:.2f}× ({num(pss['crawlbox'])} / {num(pss['crawlee'])} MB)"
                        if pss_ratio else "n/a",
                        "n/a" if pss_ratio is None else
                        ("PASS" if pss_ratio <= TARGET_VS_CRAWLEE_PSS else "FAIL")))

    # The mixed site.
    if needed or every:
        table = [system_row(label, runs_of(rows, "mixed", key))
                 for key, label, _ in MIXED if runs_of(rows, "mixed", key)]
        for key, _, short in MIXED:
            runs = runs_of(rows, "mixed", key)
            if runs:
                s = stats([r["pages_per_s"] for r in runs])
                summary.append(["mixed", short, num(s[0], 1),
                                f"{num(s[1], 1)}–{num(s[2], 1)}",
                                num(median_of([r['cpu_s'] for r in runs]), 1),
                                f"{num(median_of(values(runs, pss_mb)))} (PSS)"])
        r_needed = median_of([r["pages_per_s"] for r in needed])
        r_every = median_of([r["pages_per_s"] for r in every])
        speedup = r_needed / r_every if r_needed and r_every else None
        per_round = [[r["run"], num(r["pages_per_s"], 1), num(o[0]["pages_per_s"], 1),
                      f"{r['pages_per_s'] / o[0]['pages_per_s']:.2f}×"]
                     for r in needed
                     if (o := [x for x in every if x["run"] == r["run"]]) and o[0]["pages_per_s"]]
        section = [
            "## Mixed site: rendering only the pages that need it",
            "",
            f"`crawlbox-testsite --mixed-pages {info['mixed_pages']}` (`/mixed/`, "
            "`tests/support/mixed_site.h`): every tenth page (`/mixed/page/<i>`, i a multiple "
            "of 10) is a shell whose script builds its 10 records and its links from JSON, the "
            "other nine in ten are the same markup as plain HTML (with `#ready`); page i links "
            "to 2i, 2i + 1 and i + 1, so the pages behind a shell are found only once it is "
            f"rendered or through their neighbours. Both crawls run `bench/render_mixed.toml` "
            f"({info['tabs']} tabs, the same rule for every page) from `/mixed/page/1`: once as "
            f"written (`render.urls` matches the shells: {info['mixed_rendered']} pages "
            "rendered, the rest fetched with libcurl), once with `render.urls = ['.']` (every "
            f"page rendered). Each must store all {info['mixed_pages']:,} pages and exactly the "
            "site's records; measured as above.",
            "",
            md_table(SYSTEM_HEADER, table),
            "",
            f"Only the shells / every page (medians of pages/s): {speedup:.2f}×."
            if speedup else "",
        ]
        if per_round:
            section += ["", md_table(["round", "only the shells pages/s",
                                      "every page pages/s", "ratio"], per_round)]
        md.append("\n".join(section))
        targets.append(("mixed site: rendering only the pages that need it ≥ 5× the pages/s "
                        "of rendering every page (medians)",
                        f"{speedup:.2f}× ({num(r_needed, 1)} / {num(r_every, 1)} pages/s)"
                        if speedup else "n/a",
                        "n/a" if speedup is None else
                        ("PASS" if speedup >= TARGET_MIXED_SPEEDUP else "FAIL")))
    return "\n\n".join(md), summary, targets, ok


def render_versions(info):
    """Rows for the report's Versions table."""
    if not info:
        return []
    return [("Chromium", info.get("chromium") or "unknown"),
            ("Node", info.get("node") or "unknown"),
            ("Crawlee", f"crawlee {info['crawlee']}, puppeteer-core {info['puppeteer_core']} "
                        "(bench/crawlee/package.json; dependencies as of bench/crawlee/.npmrc's "
                        "date)")]
