#!/usr/bin/env python3
"""Checks the records of a render-benchmark crawl against the site's own data.

    bench/render_check.py --site URL --tree spa|mixed --pages N (--crawlbox BIN --db DB |
                          --dataset DIR)

The expected records are every page's entries as the site serves them as JSON
(/spa/api/page/<n>.json or /mixed/api/page/<n>.json, n = 1..N); the found ones are the rows
of crawlbox's `films` view (read with `BIN query`) or the records of a Crawlee dataset
directory (one JSON file per record). Prints one line of key=value pairs: records (found),
unique_ranks, expected, exact (found records equal to an expected one, rank, title and
score), missing, unexpected; exit 0 when the records are exactly the expected ones (as many,
every rank once), else 1.
"""

import argparse
import glob
import json
import subprocess
import sys
import urllib.request


def expected_records(site, tree, pages):
    out = set()
    for n in range(1, pages + 1):
        with urllib.request.urlopen(f"{site}/{tree}/api/page/{n}.json", timeout=30) as res:
            data = json.load(res)
        for e in data["entries"]:
            out.add((int(e["rank"]), e["title"], round(float(e["score"]), 1)))
    return out


def crawlbox_records(binary, db):
    done = subprocess.run([binary, "query", db, "select rank, title, score from films",
                           "--format", "json"], capture_output=True, text=True)
    if done.returncode != 0:
        print(f"render_check: {binary} query failed: {done.stderr.strip()}", file=sys.stderr)
        return []
    return json.loads(done.stdout or "[]")


def dataset_records(directory):
    records = []
    for path in sorted(glob.glob(f"{directory}/*.json")):
        if path.endswith("__metadata__.json"):
            continue
        with open(path, encoding="utf-8") as f:
            records.append(json.load(f))
    return records


def as_tuple(r):
    try:
        return (int(r["rank"]), r["title"], round(float(r["score"]), 1))
    except (KeyError, TypeError, ValueError):
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", required=True)
    ap.add_argument("--tree", choices=["spa", "mixed"], required=True)
    ap.add_argument("--pages", type=int, required=True)
    ap.add_argument("--crawlbox")
    ap.add_argument("--db")
    ap.add_argument("--dataset")
    args = ap.parse_args()
    if args.dataset:
        found = dataset_records(args.dataset)
    elif args.crawlbox and args.db:
        found = crawlbox_records(args.crawlbox, args.db)
    else:
        ap.error("give --crawlbox and --db, or --dataset")
    want = expected_records(args.site, args.tree, args.pages)
    tuples = [as_tuple(r) for r in found]
    ranks = {t[0] for t in tuples if t}
    exact = sum(1 for t in tuples if t in want)
    missing = len(want - set(tuples))
    ok = len(found) == len(want) and len(ranks) == len(want) and missing == 0
    print(f"records={len(found)} unique_ranks={len(ranks)} expected={len(want)} exact={exact} "
          f"missing={missing} unexpected={len(tuples) - exact}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
