#!/usr/bin/env python3
"""Runs a command and measures its whole process tree (a crawler and every browser process it
starts): wall time, CPU seconds of every descendant, and the peak of the sum of their PSS.

    bench/pss_sampler.py --out FILE.json [--interval 0.2] -- COMMAND [ARGS...]
    bench/pss_sampler.py --describe FILE.json

The sampler makes itself a child subreaper (PR_SET_CHILD_SUBREAPER), so that processes whose
parent exits first (a browser's zygote and renderers when the browser is killed) are
reparented to it and reaped by it: getrusage(RUSAGE_CHILDREN) at the end then holds the CPU
time of every process of the tree, however it ended. Every INTERVAL seconds it walks the tree
(every process whose chain of parents leads to the sampler, found by reading /proc/*/stat) and
sums Pss (proportional set size: shared pages divided among the processes sharing them, so the
sum counts each page once) from /proc/<pid>/smaps_rollup; the peak of those sums is the tree's
memory. PSS is sampled, so a peak shorter than the interval can be missed.

When COMMAND exits, descendants still running get 10 s to end and are then killed (counted as
left_over). FILE.json gets wall_s (start to COMMAND's exit), cpu_user_s, cpu_sys_s, cpu_s,
peak_pss_kb, peak_rss_sum_kb (the sum of RSS at the same moments, which counts shared pages
once per process), peak_breakdown ({kind: [processes, PSS KB]} at that peak: the command's
own program, the Chromium browser, renderers, GPU and utility processes), peak_procs,
processes (how many were seen in all), max_rss_kb (the largest single process), samples, left_over,
sampler_cpu_s (the sampler's own CPU, not in cpu_s), exit_code and browser_args (the command
line of the first Chromium browser process seen, so that two runs' flags can be compared). The sampler exits with
COMMAND's exit code (128 + N when a signal N ended it).

--describe prints FILE.json as one line for bench/run.sh: "WALL_S CPU_S MAX_RSS_KB" and then
key=value pairs (peak_breakdown as kind:processes:pss_kb items joined by commas, spaces in a
kind made underscores); "0 0 0 sampler=failed" when the file is missing or unreadable.
"""

import argparse
import ctypes
import json
import os
import resource
import signal
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
GRACE_S = 10.0


def parent_map():
    """{pid: ppid} of every process on the machine."""
    parents = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses.
        rest = stat[stat.rfind(b")") + 2:].split()
        if len(rest) > 1:
            parents[int(name)] = int(rest[1])
    return parents


def descendants(root):
    parents = parent_map()
    children = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def memory_kb(pid):
    """(Pss, Rss) of one process in KB, or (0, 0) when it is gone or a zombie."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith(b"Rss:"):
                    rss = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return pss, rss


def args_of(pid):
    """The process's command line as a list; None when it is gone."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return None
    args = [a.decode("utf-8", "replace") for a in argv if a]
    if len(args) == 1 and " --" in args[0]:
        # Chromium's child processes rewrite their command line into one string.
        args = args[0].split(" ")
    return args


def kind_of(args):
    """What a process is (args: its command line), for the breakdown: a Chromium process by
    its --type (renderers of Chrome's own WebUI apart), else the program's name."""
    if args is None:
        return "gone"
    if not args:
        return "other"
    program = os.path.basename(args[0])
    types = [a[len("--type="):] for a in args if a.startswith("--type=")]
    if program in ("chromium", "chrome", "chrome-headless-shell") or types:
        if not types:
            return "chromium browser"
        kind = types[0]
        if kind == "renderer" and "--top-chrome-webui" in args:
            return "chromium renderer (webui)"
        if kind == "utility":
            sub = [a.split("=", 1)[1] for a in args if a.startswith("--utility-sub-type=")]
            return "chromium utility " + (sub[0].split(".")[0] if sub else "")
        return "chromium " + kind
    return program


def describe(path):
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
    except (OSError, ValueError):
        print("0 0 0 sampler=failed")
        return 0
    keys = ("peak_pss_kb", "peak_rss_sum_kb", "peak_procs", "processes", "samples",
            "sampler_cpu_s", "left_over")
    kinds = ",".join(f"{kind.replace(' ', '_')}:{n}:{kb}"
                     for kind, (n, kb) in sorted(d["peak_breakdown"].items()))
    print(d["wall_s"], d["cpu_s"], d["max_rss_kb"],
          " ".join(f"{k}={d[k]}" for k in keys), f"peak_breakdown={kinds}")
    return 0


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--describe":
        return describe(sys.argv[2])
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--interval", type=float, default=0.2)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        ap.error("no command")

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("pss_sampler: prctl(PR_SET_CHILD_SUBREAPER) failed", file=sys.stderr)
        return 1

    me = os.getpid()
    start = time.monotonic()
    child = subprocess.Popen(command)
    # The command keeps the caller's priority; the sampler yields to it when the CPUs are busy
    # (its reads of smaps_rollup cost a few ms of kernel time per process).
    try:
        os.nice(10)
    except OSError:
        pass
    # A stop signal for the sampler is passed on to the command.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda number, frame: child.send_signal(number))

    peak_pss = peak_rss = peak_procs = samples = 0
    peak_breakdown = {}
    browser_args = None
    seen = set()
    exit_status = None
    wall_s = 0.0
    grace_end = None
    left_over = 0
    while True:
        # Reap whatever ended: the command, and orphans reparented to the sampler.
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                pid = 0
            if pid == 0:
                break
            if pid == child.pid:
                exit_status = status
                wall_s = time.monotonic() - start
                child.returncode = 0  # reaped here; Popen must not wait for it
        pids = descendants(me)
        live = [p for p in pids if os.path.exists(f"/proc/{p}/smaps_rollup")]
        pss = rss = 0
        breakdown = {}
        for pid in live:
            # Read every time: a process may exec another program (/usr/bin/chromium is a
            # shell script that execs the browser). Read before the memory, so that a process
            # ending between the two reads is counted as what it was, not as "gone".
            command_line = args_of(pid)
            p, r = memory_kb(pid)
            pss += p
            rss += r
            kind = kind_of(command_line)
            if kind == "chromium browser" and browser_args is None:
                browser_args = command_line
            entry = breakdown.setdefault(kind, [0, 0])
            seen.add(pid)
            entry[0] += 1
            entry[1] += p
        samples += 1
        if pss > peak_pss:
            peak_pss, peak_rss, peak_breakdown = pss, rss, breakdown
        peak_procs = max(peak_procs, len(live))
        if exit_status is not None:
            if not pids:
                break
            if grace_end is None:
                grace_end = time.monotonic() + GRACE_S
            elif time.monotonic() >= grace_end:
                left_over = len(pids)
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                grace_end = time.monotonic() + GRACE_S
        time.sleep(args.interval if exit_status is None else 0.05)

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    if os.WIFEXITED(exit_status):
        code = os.WEXITSTATUS(exit_status)
    else:
        code = 128 + os.WTERMSIG(exit_status)
    result = {
        "wall_s": round(wall_s, 3),
        "cpu_user_s": round(children.ru_utime, 2),
        "cpu_sys_s": round(children.ru_stime, 2),
        "cpu_s": round(children.ru_utime + children.ru_stime, 2),
        "peak_pss_kb": peak_pss,
        "peak_rss_sum_kb": peak_rss,
        "peak_procs": peak_procs,
        "peak_breakdown": peak_breakdown,
        "processes": len(seen),
        "max_rss_kb": children.ru_maxrss,
        "samples": samples,
        "left_over": left_over,
        "sampler_cpu_s": round(own.ru_utime + own.ru_stime, 2),
        "exit_code": code,
        "browser_args": browser_args or [],
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f)
        f.write("\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
