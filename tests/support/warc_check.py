#!/usr/bin/env python3
"""Checks WARC files with Python's own gzip, hashlib and base64, apart from
crawlbox's code: every record's WARC-Block-Digest, every response's and
revisit's WARC-Payload-Digest (SHA-1 of the HTTP entity after the head, as
sent), and that every WARC-Concurrent-To and WARC-Refers-To names a record
of the files given. A revisit record (WARC 1.1 section 6.7) must hold an HTTP
head and no payload, and its WARC-Refers-To must name a response record of the
same payload digest, target URI (WARC-Refers-To-Target-URI) and date
(WARC-Refers-To-Date). A metadata record must name its page's response (same
WARC-Target-URI) and be application/warc-fields; each of its outlinks must
be an <a href> of the page (read here with html.parser and urljoin,
fragments dropped) when the page is uncompressed HTML: of the rendered DOM
when a conversion record refers to the response, else of the response's
HTML. A conversion record must refer to its page's response and carry a
payload digest of its block. Prints one JSON object: record counts by type,
revisit counts by profile, response URLs with their statuses, how many
responses repeat an earlier response's payload for the same URL, metadata
outlinks by URL, how many pages' outlinks are all of their HTML's links
("outlinks_all"), conversion sizes by URL, truncated responses, and the
problems found."""
import base64
import gzip
import hashlib
import json
import sys
import zlib
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin


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


class Anchors(HTMLParser):
    """The href of every <a> of a page, resolved against `base`."""

    def __init__(self, base):
        super().__init__()
        self.base, self.links = base, set()

    def handle_starttag(self, tag, attrs):
        if tag != "a":
            return
        for name, value in attrs:
            if name == "href" and value is not None:
                url = urldefrag(urljoin(self.base, value.strip()))[0]
                if url.startswith(("http://", "https://")):
                    self.links.add(url)


def html_links(url, html):
    """The links of a page's HTML (bytes)."""
    parser = Anchors(url)
    parser.feed(html.decode("utf-8", "replace"))
    return parser.links


def response_links(url, block):
    """The links of a 200 response's HTML; None when it is not plain HTML."""
    head, _, entity = block.partition(b"\r\n\r\n")
    head = head.decode("latin-1").lower()
    if (not head.startswith("http/1.1 200") or "content-type: text/html" not in head
            or "content-encoding:" in head):
        return None
    return html_links(url, entity)


def check_extras(records, problems):
    """Metadata and conversion records against the responses they name."""
    outlinks, conversions, complete = {}, {}, 0
    doms = {f.get("warc-refers-to"): b for f, b in records.values()
            if f["warc-type"] == "conversion"}
    for fields, block in records.values():
        kind, rid = fields["warc-type"], fields["warc-record-id"]
        if kind not in ("metadata", "conversion"):
            continue
        key = "warc-concurrent-to" if kind == "metadata" else "warc-refers-to"
        target = records.get(fields.get(key))
        if target is None or target[0]["warc-type"] != "response":
            problems.append(f"{rid}: {kind} names no response")
            continue
        url = fields.get("warc-target-uri")
        if url != target[0].get("warc-target-uri"):
            problems.append(f"{rid}: {kind} of another URL than its response")
        if kind == "conversion":
            if fields.get("warc-payload-digest") != sha1(block):
                problems.append(f"{rid}: conversion payload digest")
            conversions[url] = len(block)
            continue
        if fields.get("content-type") != "application/warc-fields":
            problems.append(f"{rid}: metadata is not application/warc-fields")
        links = []
        for line in block.decode("utf-8").split("\r\n"):
            if not line:
                continue
            name, sep, value = line.partition(": ")
            if not sep:
                problems.append(f"{rid}: metadata line without a name: {line!r}")
            elif name == "outlink":
                links.append(value.split(" ")[0])
        outlinks[url] = links
        dom = doms.get(fields.get(key))
        found = (html_links(url, dom) if dom is not None
                 else response_links(url, target[1]))
        if found is None:
            continue
        if not set(links) <= found:
            problems.append(f"{rid}: outlinks of {url} not on the page: "
                            f"{sorted(set(links) - found)[:5]}")
        complete += set(links) == found
    return outlinks, conversions, complete


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
    records, truncated = {}, []
    originals, revisits, profiles, seen_payloads, repeated = {}, [], {}, set(), 0
    for path in paths:
        for raw in members(path):
            fields, block = parse(raw)
            kind = fields["warc-type"]
            counts[kind] = counts.get(kind, 0) + 1
            ids.add(fields["warc-record-id"])
            if kind in ("response", "metadata", "conversion"):
                records[fields["warc-record-id"]] = (fields, block)
            if kind == "response" and "warc-truncated" in fields:
                truncated.append([fields["warc-target-uri"], fields["warc-truncated"]])
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
    outlinks, conversions, complete = check_extras(records, problems)
    print(json.dumps({"counts": counts, "profiles": profiles, "responses": responses,
                      "links": len(links), "repeated_payloads": repeated,
                      "outlinks": outlinks, "outlinks_all": complete,
                      "conversions": conversions,
                      "truncated": truncated, "problems": problems}))


if __name__ == "__main__":
    main(sys.argv[1:])
