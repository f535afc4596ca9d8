// JSON rules: a rule's records, follow_json and next_request compiled once
// from the job, and run on a JSON page (one parse of the body for all of the
// page's JSON rules) into Parsed.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/job.h"
#include "parser/json_path.h"
#include "parser/parsed.h"
#include "parser/url.h"

namespace crawlbox::parser {

class PageParser;

// A next_request url or body template: literal text and {$.path}
// placeholders, in order.
struct JsonTemplate {
  struct Piece {
    std::string text;  // literal text ("{{" already made "{"), or ""
    bool is_query = false;
    JsonPath query;         // when is_query
    bool at_start = false;  // the placeholder opens the template
  };
  std::vector<Piece> pieces;
};

// The JSON parts of one rule, compiled. Immutable after CompileJsonRule;
// concurrent const use is safe.
struct JsonRule {
  const config::Rule* rule = nullptr;
  bool has_records = false;
  JsonPath records;
  std::vector<JsonPath> fields;  // per rule->fields, when has_records
  std::vector<JsonPath> follow;  // per rule->follow_json
  bool has_next = false;
  JsonTemplate next_url;
  JsonTemplate next_body;
  JsonCondition until;  // always false when next_request has no until
};

// Compiles the JSON keys of rule `index` of a job (records, its fields'
// json queries, follow_json, next_request templates and until). Returns null
// when the rule has none of them (a rule with only `json = true` still gets
// one). Appends a problem at file:line:col per query that does not compile,
// keyed e.g. "rules[0].records"; the result is then not to be used.
// `rule` must outlive the result.
std::unique_ptr<JsonRule> CompileJsonRule(
    const config::Rule& rule, size_t index,
    std::vector<config::JobProblem>* problems);

// Whether a response of this Content-Type is JSON: application/json,
// text/json, or any type ending in "+json" (parameters ignored).
bool IsJsonContent(std::string_view content_type);

// Whether `body`, read as JSON, nests arrays and objects deeper than
// `max_depth`. A linear scan that skips strings (escapes included); it does
// not check syntax. Never recurses, whatever the depth.
bool JsonDeeperThan(std::string_view body, int max_depth);

// What ApplyJsonRules needs from the page and its parser.
struct JsonPage {
  const PageParser* parser;  // for CrawlKey; must outlive the call
  const config::Job* job;
  const Url* url;   // the page URL, or null when it did not parse
  bool want_items;  // false under an obeyed noindex
  // An obeyed nofollow: requests are withheld and counted in
  // out->nofollow_dropped. Links are added all the same, for the caller to
  // withhold and count with the page's other links.
  bool nofollow;
};

// Runs `rules` (the JSON rules matching the page) over `body`, appending to
// *out: records (cut by limits.max_records_per_page, drops counted per rule),
// follow_json links (deduplicated against out->links, cut by
// limits.max_links_per_page) and next requests (a GET without a body as a
// link). The body is parsed once. A body nesting deeper than
// parse.max_json_depth sets out->unreadable = "json_depth" without a parse;
// one that is not JSON sets "json_syntax"; either way the JSON rules add
// nothing. "json_error" means the parse ran out of memory. Never throws.
//
// A placeholder value in a next_request url is inserted as is when the
// placeholder opens the template (the value is a URL or a path: "{$.next}"),
// otherwise percent-encoded as a query component (all but A-Z a-z 0-9 - . _
// ~), so a cursor holding '&', '=', '+' or '/' stays one value.
void ApplyJsonRules(std::span<const JsonRule* const> rules,
                    const JsonPage& page, std::string_view body, Parsed* out);

}  // namespace crawlbox::parser
