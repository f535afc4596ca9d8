"""The WARC scenario's section of the benchmark report (bench/run.sh --scenario warc): what
writing WARC files costs on the latency-bound site (pages/s) and on the main, CPU-bound site
(CPU microseconds per page), at gzip levels 6 (the default) and 1."""

from report_common import MB, bar_panel, md_table, median_of, num, render, runs_of, triple

TARGET_LATENCY_COST = 0.25  # WARC on may cost at most 25% of the latency-bound pages/s

LATENCY = [("warc-off", "WARC off"), ("warc-on", "WARC on (gzip level 6)")]
MAIN = [("warc-off", "WARC off"), ("warc-on", "WARC on, gzip level 6 (default)"),
        ("warc-on-level1", "WARC on, gzip level 1"),
        ("warc-on-baseline", "baseline program, WARC on, level 6")]
SHORT = {"warc-off": "off", "warc-on": "on, level 6", "warc-on-level1": "on, level 1",
         "warc-on-baseline": "baseline, on, level 6"}
COLOR = {"warc-off": "crawlbox", "warc-on": "scrapy", "warc-on-level1": "wrk",
         "warc-on-baseline": "crawlbox-baseline"}

EXPECT = {
    ("warc-latency", "warc-off"): "pages = status 200 = site pages",
    ("warc-latency", "warc-on"): "pages = status 200 = site pages; a response record each",
    ("warc-main", "warc-off"): "pages = status 200 = manifest pages; board rows = board_entries",
    ("warc-main", "warc-on"): "as off; a response record per page",
    ("warc-main", "warc-on-level1"): "as off; a response record per page",
    ("warc-main", "warc-on-baseline"): "as off; a response record per page",
}


def micros_per_page(r):
    return 1e6 * r["cpu_s"] / r["pages"] if r["pages"] > 0 else None


def warc_bytes_per_page(r):
    try:
        return float(r["details"]["warc_bytes"]) / r["pages"] if r["pages"] > 0 else None
    except (KeyError, ValueError):
        return None


def present(values):
    return [v for v in values if v is not None]


def paired(off_runs, on_runs, value):
    """value(on) - value(off) of each round both ran, by round."""
    off = {r["run"]: value(r) for r in off_runs}
    return [value(r) - off[r["run"]] for r in on_runs
            if off.get(r["run"]) is not None and value(r) is not None]


def other_cores(runs):
    """Cores the rest of the machine used during the runs (median)."""
    return median_of([r["other_cpu_s"] / r["wall_s"] for r in runs if r["wall_s"] > 0])


def warc_sections(rows, info, work, chart_path):
    """(Markdown section or None, summary rows for stdout, targets, whether the chart was
    drawn). info is warc.json."""
    if not info or not any(r["scenario"].startswith("warc-") for r in rows):
        return None, [], [], False
    summary, targets = [], []
    md = ["## WARC scenario: what writing WARC files costs", "",
          "Each round runs every setting once, one after the other, each round starting one "
          "setting further along (so no setting always runs first). WARC on means `[store] "
          "warc = true` (files in the work directory, rotated at 1 GB) and nothing else changed. "
          f"The default gzip level is {info['default_level']}: zlib's own default, which "
          "compresses HTML within a fraction of a percent of level 9 for about three quarters "
          "of its CPU; level 1 is shown for a crawl where CPU matters more than disk. other cores: CPU the rest of the "
          "(shared) machine used during the runs, median."]

    # (a) Latency-bound.
    lat = {key: runs_of(rows, "warc-latency", key) for key, _ in LATENCY}
    if lat["warc-off"] or lat["warc-on"]:
        table = []
        for key, label in LATENCY:
            runs = lat[key]
            if runs:
                table.append([label, len(runs)] + triple([r["pages_per_s"] for r in runs])
                             + [num(median_of([r["cpu_s"] for r in runs]), 2),
                                num(other_cores(runs), 2)])
                summary.append(["warc-latency", label,
                                num(median_of([r["pages_per_s"] for r in runs])), "",
                                num(median_of([r["cpu_s"] for r in runs]), 2), ""])
        off = median_of([r["pages_per_s"] for r in lat["warc-off"]])
        on = median_of([r["pages_per_s"] for r in lat["warc-on"]])
        ratio = on / off if on and off else None
        rounds = [[r["run"], num(o["pages_per_s"]), num(r["pages_per_s"]),
                   f"{r['pages_per_s'] / o['pages_per_s']:.2f}"]
                  for r in lat["warc-on"] for o in lat["warc-off"]
                  if o["run"] == r["run"] and o["pages_per_s"] > 0]
        md += ["", "### (a) Latency-bound site",
               "",
               f"The latency scenario's site and job: {info['latency_pages']:,} pages of ~1 KB, "
               f"each answered {info['latency_ms']} ms late, concurrency "
               f"{info['concurrency']}.", "",
               md_table(["setting", "runs", "pages/s median", "min", "max", "CPU s median",
                         "other cores"], table), "",
               md_table(["round", "off pages/s", "on pages/s", "on / off"], rounds), "",
               f"On / off of the medians: **{ratio:.2f}**" if ratio else "On / off: n/a"]
        targets.append(("warc: WARC on costs ≤ 25% of the latency-bound pages/s (medians)",
                        f"on / off = {ratio:.2f} ({num(on)} / {num(off)} pages/s)"
                        if ratio else "n/a",
                        "n/a" if ratio is None else
                        ("PASS" if ratio >= 1 - TARGET_LATENCY_COST else "FAIL")))

    # (b) CPU-bound main site.
    main = {key: runs_of(rows, "warc-main", key) for key, _ in MAIN}
    off_us = median_of(present(micros_per_page(r) for r in main["warc-off"]))
    if main["warc-off"]:
        table, bars = [], []
        for key, label in MAIN:
            runs = main[key]
            if not runs:
                continue
            us = present(micros_per_page(r) for r in runs)
            added = paired(main["warc-off"], runs, micros_per_page) if key != "warc-off" else []
            us_median = median_of(us)
            table.append([label, len(runs), num(median_of([r["pages"] for r in runs]))]
                         + triple([r["pages_per_s"] for r in runs])
                         + triple(us)
                         + [num(us_median - off_us) if key != "warc-off" and us_median and
                            off_us else "",
                            num(median_of(added)) if added else "",
                            num(median_of(present(warc_bytes_per_page(r) for r in runs))),
                            num(median_of([r["maxrss_kb"] / MB for r in runs]), 1),
                            num(other_cores(runs), 2)])
            bars.append((SHORT[key], us_median, min(us), max(us), COLOR[key]))
            summary.append(["warc-main", label,
                            num(median_of([r["pages_per_s"] for r in runs])), "",
                            num(median_of([r["cpu_s"] for r in runs]), 2), ""])
            if key == "warc-on" and us_median and off_us:
                targets.append(("warc: CPU µs per page WARC adds on the main site (level "
                                f"{info['default_level']}; reported, no target)",
                                f"{num(us_median - off_us)} µs/page (median on − median off; "
                                f"paired rounds {num(median_of(added)) if added else 'n/a'})",
                                "n/a"))
        pages = median_of([r["pages"] for r in main["warc-off"]])
        md += ["", "### (b) CPU-bound main site",
               "",
               f"The main scenario's site ({info['site']}, {num(pages)} pages) over nginx and "
               f"its job `{info['job']}`. CPU µs/page = user + system CPU of the crawlbox "
               "process ÷ pages stored. added = median with WARC − median without; paired = "
               "median over rounds of (with − without) of the same round. WARC bytes/page: the "
               ".warc.gz files' size ÷ pages (request and response records).", "",
               md_table(["setting", "runs", "pages", "pages/s median", "min", "max",
                         "CPU µs/page median", "min", "max", "added µs/page",
                         "added (paired)", "WARC bytes/page", "peak RSS MB median",
                         "other cores"], table)]
        ok = render(work, chart_path, [bar_panel(
            work, "warc-main", bars, "Main site: crawlbox CPU µs per page (median, min-max)",
            "µs/page")], width=760)
        if ok:
            md += ["", f"![WARC scenario]({chart_path.rsplit('/', 1)[-1]})"]
        return "\n".join(md), summary, targets, ok
    return "\n".join(md), summary, targets, False
