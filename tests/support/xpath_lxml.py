#!/usr/bin/python3
"""Reference XPath results for tests/parser/xpath_lxml_test.cc, from lxml.

Usage: xpath_lxml.py REQUEST.json

REQUEST.json is {"pages": {"key": "/path/to/page.html", ...},
                 "cases": [{"page": "key", "expr": "//a/@href"}, ...]}.
Each page is read as UTF-8 and parsed by html5lib into an lxml tree
(namespaceHTMLElements=False, as lxml.html would have it); each expression is
evaluated with the <html> element as the context node. Prints a JSON list,
one entry per case, in order:
  {"nodeset": true, "values": [string-value of each node, ...]}
  {"nodeset": false, "value": string(expr)}
  {"error": "..."}
Exits 3 when lxml or html5lib is missing (scripts/setup.sh installs them).
"""
import json
import sys

try:
    import html5lib
    from lxml import etree
except ImportError as e:
    sys.stderr.write(
        "xpath_lxml.py: %s; python3-lxml and python3-html5lib are needed "
        "(run scripts/setup.sh)\n" % e)
    sys.exit(3)


def string_value(node):
    # lxml returns attribute values and text nodes as strings already.
    if isinstance(node, str):
        return str(node)
    return node.xpath("string(.)")


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        request = json.load(f)
    roots = {}
    for key, path in request["pages"].items():
        with open(path, encoding="utf-8") as f:
            tree = html5lib.parse(f.read(), treebuilder="lxml",
                                  namespaceHTMLElements=False)
        roots[key] = tree.getroot()
    results = []
    for case in request["cases"]:
        root = roots[case["page"]]
        expr = case["expr"]
        try:
            value = root.xpath(expr)
            if isinstance(value, list):
                results.append({"nodeset": True,
                                "values": [string_value(n) for n in value]})
            else:
                results.append({"nodeset": False,
                                "value": root.xpath("string(%s)" % expr)})
        except etree.XPathError as e:
            results.append({"error": "%s: %s" % (type(e).__name__, e)})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
