"""What bench/report.py and bench/report_compare.py share: reading run.sh's results, the
figures of a group of runs, Markdown and text tables, and bar charts drawn with gnuplot."""

import csv
import json
import os
import shutil
import statistics
import subprocess
import sys

MB = 1024.0  # maxrss is in KB; the report's MB are 2^20 bytes

BASELINE = "crawlbox-baseline"  # the system name of the --baseline program's runs
SYSTEMS = [("crawlbox", "crawlbox"), (BASELINE, "crawlbox (baseline)"), ("scrapy", "Scrapy"),
           ("wget", "wget -r"), ("wrk", "wrk")]
CRAWLBOXES = [("crawlbox", "crawlbox"), (BASELINE, "baseline")]
COLORS = {"crawlbox": "#2b6cb0", BASELINE: "#90cdf4", "scrapy": "#c05621", "wget": "#718096",
          "wrk": "#2f855a", "frontier": "#6b46c1", "1": "#2b6cb0", "2": "#2c7a7b",
          "crawlee": "#c05621", "crawlbox-needed": "#2c7a7b", "crawlbox-all": "#90cdf4"}


# --- inputs -----------------------------------------------------------------------------------

def load_rows(work):
    rows = []
    with open(os.path.join(work, "results.tsv"), encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            for key in ("wall_s", "cpu_s", "pages_per_s", "server_cpu_s", "machine_cpu_s"):
                row[key] = float(row[key] or 0)
            # Busy CPU time of every other process on the machine during the run.
            row["other_cpu_s"] = max(0.0, row["machine_cpu_s"] - row["cpu_s"] - row["server_cpu_s"])
            for key in ("maxrss_kb", "pages", "run"):
                row[key] = int(float(row[key] or 0))
            row["details"] = dict(
                part.split("=", 1) for part in (row["detail"] or "").split() if "=" in part)
            rows.append(row)
    return rows


def load_json(work, name):
    path = os.path.join(work, name)
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return None
    with open(path, encoding="utf-8") as f:
        try:
            return json.load(f)
        except json.JSONDecodeError:
            return None


def runs_of(rows, scenario, system):
    return [r for r in rows if r["scenario"] == scenario and r["system"] == system]


def stats(values):
    """(median, min, max), or None for no values."""
    if not values:
        return None
    return statistics.median(values), min(values), max(values)


# --- figures of runs ---------------------------------------------------------------------------

def cpu_ms_per_page(runs):
    return [1000 * r["cpu_s"] / r["pages"] for r in runs if r["pages"] > 0]


def median_of(values):
    return statistics.median(values) if values else None


def times(new, old, digits=2):
    """new / old as "1.23×", or n/a."""
    return f"{new / old:.{digits}f}×" if new is not None and old else "n/a"


# --- formatting -------------------------------------------------------------------------------

def num(value, digits=0):
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def triple(values, digits=0):
    s = stats(values)
    return ["n/a"] * 3 if s is None else [num(v, digits) for v in s]


def verdict(ok):
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def md_table(header, rows, numbers_from=1):
    """A Markdown table; columns from `numbers_from` on are right-aligned."""
    lines = ["| " + " | ".join(header) + " |",
             "| " + " | ".join("---" if i < numbers_from else "---:"
                               for i in range(len(header))) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def text_table(header, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    out = ["  ".join(str(h).ljust(w) for h, w in zip(header, widths))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)) for row in rows]
    return "\n".join(out)


# --- charts -----------------------------------------------------------------------------------

def gp_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def bar_panel(work, tag, bars, title, ylabel, log=False, lines=(), fmt="%.0f"):
    """gnuplot commands for one bar chart. bars: [(label, median, low, high, color key)];
    lines: [(y, label, color)] drawn across the chart."""
    data = os.path.join(work, f"chart-{tag}.dat")
    with open(data, "w", encoding="utf-8") as f:
        for label, median, low, high, color in bars:
            rgb = int(COLORS.get(color, "#4a5568")[1:], 16)
            f.write(f"{gp_string(label)} {median} {low} {high} {rgb}\n")
    values = [b[3] for b in bars] + [line[0] for line in lines]
    top = max(values) if values else 1
    cmds = [f"set title {gp_string(title)}", f"set ylabel {gp_string(ylabel)}",
            "unset key", "set grid ytics", "set boxwidth 0.6",
            "set style fill solid 0.85 border -1", f"set xrange [-0.6:{len(bars) - 0.4}]",
            "set xtics nomirror scale 0", "unset arrow", "unset label",
            "set style textbox opaque noborder"]
    if log:
        low = min([b[2] for b in bars if b[2] > 0] or [1])
        # At least a third of a decade below the shortest bar, so that it stays visible.
        bottom = 10 ** int(f"{low / 3:e}".split("e")[1])
        cmds += ["set logscale y", f"set yrange [{bottom}:{top * 3}]"]
    else:
        cmds += ["unset logscale y", f"set yrange [0:{top * 1.2}]"]
    for y, label, color in lines:
        cmds.append(f"set arrow from graph 0, first {y} to graph 1, first {y} nohead "
                    f"lw 2 dt 2 lc rgb {gp_string(color)} front")
        cmds.append(f"set label {gp_string(label)} at graph 0.01, first {y} offset 0,0.7 "
                    f"tc rgb {gp_string(color)} boxed front")
    cmds.append(
        f"plot {gp_string(data)} using 0:2:(0.6):5:xtic(1) with boxes lc rgb variable, "
        # min-max bars as vectors: yerrorbars draws a hollow point at the median.
        f"'' using 0:3:(0):($4-$3) with vectors nohead lc rgb 'black' lw 1.5, "
        f"'' using ($0-0.06):3:(0.12):(0) with vectors nohead lc rgb 'black' lw 1.5, "
        f"'' using ($0-0.06):4:(0.12):(0) with vectors nohead lc rgb 'black' lw 1.5, "
        f"'' using 0:4:(sprintf({gp_string(fmt)}, $2)) with labels offset 0,0.8 font ',10'")
    return cmds


def render(work, out_path, panels, width=900, height=480):
    """Draws the panels side by side into out_path; returns False (with a warning) when gnuplot
    is missing or fails."""
    if not shutil.which("gnuplot"):
        print("report: gnuplot not found; no charts", file=sys.stderr)
        return False
    script = [f"set terminal pngcairo size {width * len(panels)},{height} font 'sans,11'",
              f"set output {gp_string(out_path)}"]
    if len(panels) > 1:
        script.append(f"set multiplot layout 1,{len(panels)}")
    for panel in panels:
        script += panel
    if len(panels) > 1:
        script.append("unset multiplot")
    path = os.path.join(work, "chart.gp")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(script) + "\n")
    done = subprocess.run(["gnuplot", path], capture_output=True, text=True)
    if done.returncode != 0:
        print(f"report: gnuplot failed for {out_path}:\n{done.stderr}", file=sys.stderr)
        return False
    return True
