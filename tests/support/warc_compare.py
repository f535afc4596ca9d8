#!/usr/bin/env python3
"""Compares the WARC files of two crawls of one site, crawlbox's and wget's
(`wget --warc-file`), after these normalisations and no others (the README's
"Web archives" section explains each difference):

1. wget writes WARC-Target-URI in angle brackets (`<http://…>`, WARC 1.0's
   grammar): they are stripped.
2. wget's records about its own run are left out: the `metadata` record of its
   manifest and the `resource` records of its arguments and log, all with
   target URIs under `metadata://gnu.org/software/wget/warc/`.

Both archive their fetch of /robots.txt, so it is compared like any page.

Then both sides must have the same set of (URL, status) of response records,
for every URL the same set of record types, and the same set of record types
per file apart from those. Prints one JSON object (both sides' sets, the
differences and the notes) and exits 0 when they agree, 1 when they do not,
2 on bad arguments or unreadable files.

usage: warc_compare.py --crawlbox FILE... --wget FILE..."""
import json
import sys

from warc_check import members, parse

WGET_OWN = "metadata://gnu.org/software/wget/warc/"


def target(fields):
    uri = fields.get("warc-target-uri", "")
    if uri.startswith("<") and uri.endswith(">"):
        uri = uri[1:-1]
    return uri


def read(paths):
    """(responses {(url, status)}, types by url {url: {type}}, types of records
    without a target {type}) of the files."""
    responses, by_url, other = set(), {}, set()
    for path in paths:
        for raw in members(path):
            fields, block = parse(raw)
            kind = fields["warc-type"]
            uri = target(fields)
            if uri.startswith(WGET_OWN):
                continue
            if not uri:
                other.add(kind)
                continue
            by_url.setdefault(uri, set()).add(kind)
            if kind == "response":
                status_line = block.split(b"\r\n", 1)[0].decode("latin-1")
                responses.add((uri, int(status_line.split(" ")[1])))
    return responses, by_url, other


def main(argv):
    sides, current = {"crawlbox": [], "wget": []}, None
    for arg in argv:
        if arg in ("--crawlbox", "--wget"):
            current = arg[2:]
        elif current is None:
            print(__doc__, file=sys.stderr)
            return 2
        else:
            sides[current].append(arg)
    if not sides["crawlbox"] or not sides["wget"]:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        ours = read(sides["crawlbox"])
        theirs = read(sides["wget"])
    except (OSError, ValueError, KeyError, IndexError) as e:
        print(f"warc_compare: {e}", file=sys.stderr)
        return 2
    notes = {}
    types_differ = {url: {"crawlbox": sorted(ours[1].get(url, ())),
                          "wget": sorted(theirs[1].get(url, ()))}
                    for url in sorted(set(ours[1]) | set(theirs[1]))
                    if ours[1].get(url) != theirs[1].get(url)}
    report = {
        "crawlbox": {"responses": sorted(ours[0]), "file_types": sorted(ours[2])},
        "wget": {"responses": sorted(theirs[0]), "file_types": sorted(theirs[2])},
        "only_crawlbox": sorted(ours[0] - theirs[0]),
        "only_wget": sorted(theirs[0] - ours[0]),
        "types_differ": types_differ,
        "file_types_differ": ours[2] != theirs[2],
        "notes": notes,
    }
    print(json.dumps(report))
    agree = not (report["only_crawlbox"] or report["only_wget"] or types_differ
                 or report["file_types_differ"])
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
