#!/usr/bin/env python3
"""Checks WARC files with Python's own gzip, hashlib and base64, apart from
crawlbox's code: every record's WARC-Block-Digest, every response's and
revisit's WARC-Payload-Digest (SHA-1 of the HTTP entity after the head, as
sent), and that every WARC-Concurrent-To and WARC-Refers-To names a record
of the files given. A revisit record (WARC 1.1 section 6.7) must hold an HTTP
head and no payload, and its WARC-Refers-To must name a response record of the
same payload digest, target URI (WARC-Refers-To-Target-URI) and date
(WARC-Refers-To-Date). Prints one JSON object: record counts by type, revisit
counts by profile, response URLs with their statuses, how many responses
repeat an earlier response's payload for the same URL, and the problems
found."""
import base64
import gzip
import hashlib
import json
import sys
import zlib


def members(path):
    """Yields the decompressed bytes of each gzip member of the file."""
    data = open(path, "rb").read()
    offset = 0
    while offset < len(data):
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = d.decompress(data[offset:])
        if not d.eof:
            raise ValueError(f"{path}: a gzip member cut short at {offset}")
        yield out
        offset = len(data) - len(d.unused_data)


def parse(record):
    head, _, rest = record.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    if lines[0] not in (b"WARC/1.1", b"WARC/1.0"):
        raise ValueError("not a WARC record: %r" % lines[0][:20])
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        fields.setdefault(name.strip().decode().lower(), value.strip().decode())
    length = int(fields["content-length"])
    block = rest[:length]
    if len(block) != length or rest[length:length + 4] != b"\r\n\r\n":
        raise ValueError("a block shorter than its Content-Length")
    return fields, block


def sha1(data):
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def check_revisit(fields, block, originals, problems):
    """A revisit against the response record it refers to."""
    me = fields["warc-record-id"]
    head, sep, payload = block.partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"HTTP/") or payload:
        problems.append(f"{me}: a revisit block that is not an HTTP head alone")
    original = originals.get(fields.get("warc-refers-to"))
    if original is None:
        problems.append(f"{me}: WARC-Refers-To names no response record")
        return
    expected = {"warc-payload-digest": original["warc-payload-digest"],
                "warc-refers-to-target-uri": original["warc-target-uri"],
                "warc-refers-to-date": original["warc-date"]}
    for key, value in expected.items():
        if fields.get(key) != value:
            problems.append(f"{me}: {key} {fields.get(key)} is not the original's {value}")


def main(paths):
    counts, problems, ids, links, responses = {}, [], set(), [], []
    originals, revisits, profiles, seen_payloads, repeated = {}, [], {}, set(), 0
    for path in paths:
        for raw in members(path):
            fields, block = parse(raw)
            kind = fields["warc-type"]
            counts[kind] = counts.get(kind, 0) + 1
            ids.add(fields["warc-record-id"])
            for key in ("warc-concurrent-to", "warc-refers-to"):
                if key in fields:
                    links.append((fields["warc-record-id"], key, fields[key]))
            if "warc-block-digest" in fields and fields["warc-block-digest"] != sha1(block):
                problems.append(f"{fields['warc-record-id']}: block digest")
            if kind in ("response", "revisit") and "warc-payload-digest" in fields:
                _, sep, entity = block.partition(b"\r\n\r\n")
                if kind == "response" and sep and fields["warc-payload-digest"] != sha1(entity):
                    problems.append(f"{fields['warc-record-id']}: payload digest")
            if kind == "response":
                status_line = block.split(b"\r\n", 1)[0].decode("latin-1")
                responses.append([fields["warc-target-uri"], int(status_line.split(" ")[1])])
                originals[fields["warc-record-id"]] = fields
                payload = (fields["warc-target-uri"], fields.get("warc-payload-digest"))
                repeated += payload in seen_payloads
                seen_payloads.add(payload)
            if kind == "revisit":
                profile = fields.get("warc-profile", "").rsplit("/", 1)[-1]
                profiles[profile] = profiles.get(profile, 0) + 1
                revisits.append((fields, block))
    for record_id, key, target in links:
        if target not in ids:
            problems.append(f"{record_id}: {key} {target} names no record")
    for fields, block in revisits:
        check_revisit(fields, block, originals, problems)
    print(json.dumps({"counts": counts, "profiles": profiles, "responses": responses,
                      "links": len(links), "repeated_payloads": repeated,
                      "problems": problems}))


if __name__ == "__main__":
    main(sys.argv[1:])
