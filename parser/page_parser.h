// PageParser: a job's rules applied to one response — records by RE2 pattern,
// links by gumbo DOM walk — and the page's directives to crawlers, plus the
// parts of a job that config/ cannot check (seed URLs, CSS selectors).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/job.h"
#include "parser/css_selector.h"
#include "parser/dom.h"
#include "parser/form_requests.h"
#include "parser/parsed.h"
#include "parser/url.h"
#include "parser/xpath.h"

namespace crawlbox::parser {

struct JsonRule;      // parser/json_rules.h
struct ResolvedHref;  // parser/link_cache.h
struct ScannedLinks;  // parser/link_scanner.h

// One response header: name (any case) and value.
using ResponseHeader = std::pair<std::string, std::string>;

// Immutable after Compile; Parse is const and safe to call from many threads at
// once.
class PageParser {
 public:
  // Compiles each rule's follow_within selector and JSON queries
  // (parser/json_rules.h) and parses each seed as a URL. Appends one problem
  // per bad selector, query or seed (at its file:line) to *problems. The
  // returned parser is usable only when no problem was appended. `job` must
  // outlive the parser.
  static std::unique_ptr<PageParser> Compile(
      const config::Job& job, std::vector<config::JobProblem>* problems);

  // Seeds as parsed URLs (valid http/https), in file order: seeds()[i] is
  // job.seeds[i].
  const std::vector<Url>& seeds() const { return seeds_; }

  // Runs the rules whose URL pattern matches `url` over `body`: every match of
  // a rule's pattern becomes an Item; links of HTML pages are resolved against
  // `url` (and <base href>) and kept when a matching rule follows them; forms
  // a rule follows become links (GET) or requests (POST). The DOM is built
  // only when a matching rule limits its links with follow_within, selects
  // records by CSS or XPath, or follows forms; other pages get the cheaper
  // tokenizer scan. When
  // `only_rule` is non-empty, just that rule runs, whatever its URL pattern.
  // The body is first converted to UTF-8 from the encoding a browser would
  // pick (BOM, Content-Type charset, <meta> prescan, else UTF-8 or, for
  // invalid UTF-8, windows-1252). JSON rules run as ApplyJsonRules
  // (parser/json_rules.h) says, on a body parsed once for all of them.
  //
  // `headers` are the response's (X-Robots-Tag, Refresh and Link are read;
  // names compared case-insensitively); pass {} when there are none, as for a
  // page read from a file. Robots directives, refresh and canonical are
  // reported in Parsed and obeyed as politeness.meta_robots,
  // politeness.nofollow_links and fetch.max_refresh_delay_s say. The page's
  // cost is bounded by parse.max_dom_depth, parse.max_dom_nodes,
  // limits.max_records_per_page and limits.max_links_per_page; each bound hit
  // is a Parsed::cuts entry. Time is linear in the body size.
  //
  // Never fails: unparseable markup yields what can be recovered. Each
  // calling thread keeps what the hrefs it saw resolved to, for the next
  // pages, in a cache of 4096 links (about 1.5 MB) that lives as long as the
  // thread.
  Parsed Parse(std::string_view url, std::string_view content_type,
               std::string_view body, std::span<const ResponseHeader> headers,
               std::string_view only_rule = {}) const;

  // Whether `marker` (a CSS selector or an RE2 pattern) matches the page:
  // the pattern anywhere in the body, the selector any element of its DOM
  // (HTML only). For [login]'s success check; rules' logged_out markers are
  // compiled once and checked by Parse.
  bool MatchesMarker(std::string_view url, std::string_view content_type,
                     std::string_view body,
                     const config::PageMarker& marker) const;

  // The request a browser would send submitting the first form `form.select`
  // matches on the page (at its final `url`), its values set from the page
  // (hidden inputs included), then from `form.fields`, then from `values`
  // (the login step's, which may hold a secret). nullopt when no such form.
  std::optional<RequestSpec> SubmitForm(
      std::string_view url, std::string_view content_type,
      std::string_view body, const config::FormFollow& form,
      const std::vector<std::pair<std::string, std::string>>& values) const;

  // limits.max_records_per_page and limits.max_links_per_page as they stand
  // now: the job's until SetPageLimits. Any thread.
  int max_records_per_page() const {
    return max_records_per_page_.load(std::memory_order_relaxed);
  }
  int max_links_per_page() const {
    return max_links_per_page_.load(std::memory_order_relaxed);
  }
  // From now on pages are cut at these bounds (a control changed one; each
  // >= 1, as the job loader checks). Any thread; a page being parsed may
  // still be cut at the old ones.
  void SetPageLimits(int max_records_per_page, int max_links_per_page) {
    max_records_per_page_.store(max_records_per_page,
                                std::memory_order_relaxed);
    max_links_per_page_.store(max_links_per_page, std::memory_order_relaxed);
  }

  // True when a rule of that name exists.
  bool HasRule(std::string_view name) const;

  // The crawl's key for a URL: the query parameters the job strips
  // (scope.strip_query_params) removed, then NormalizeForCrawl. Every URL the
  // crawl stores or dedups goes through here.
  std::string CrawlKey(const Url& url) const;

 private:
  struct CompiledRule {
    const config::Rule* rule;
    std::vector<int>
        group_of_field;  // capture index per field (0 = none / template)
    std::vector<std::string>
        group_names;  // capture index → name ("" when unnamed)
    std::unique_ptr<Selector> follow_within;
    std::unique_ptr<Selector> select;  // record elements of a CSS rule
    std::vector<std::unique_ptr<Selector>> field_css;  // null: the element
    // The JSON keys (records, follow_json, next_request), or null. Shared so
    // that JsonRule can stay an incomplete type here.
    std::shared_ptr<const JsonRule> json;
    // Element rules (select or xpath) only, one per field: its Field::xpath
    // compiled, nullopt when it has none.
    std::vector<std::optional<XPath>> field_xpath;
    std::optional<XPath> xpath;       // record nodes of an XPath rule
    std::vector<CompiledForm> forms;  // Rule::follow_forms, compiled
    // One of Rule::follow is ".", ".*" or "", which match every crawl key
    // (each starts with "http"): ExtractLinks then skips RE2 for this rule,
    // whose search per link of every page cost ~3.5% of a crawl's CPU.
    bool follows_every_key = false;
  };

  explicit PageParser(const config::Job& job);
  // Compiles an element rule's record XPath and its fields' css and xpath
  // (parser/xpath_rules.cc); problems as Compile.
  static void CompileElementRule(size_t index, CompiledRule* compiled,
                                 std::vector<config::JobProblem>* problems);
  // Compiles the rule's follow_forms selectors (parser/form_requests.cc).
  static void CompileFormFollows(size_t index, CompiledRule* compiled,
                                 std::vector<config::JobProblem>* problems);
  void ExtractItems(const CompiledRule& rule, std::string_view body,
                    Parsed* out) const;
  // Records of a CSS rule from the page's DOM.
  void ExtractCss(const CompiledRule& rule, const Document& doc,
                  Parsed* out) const;
  // Records of an XPath rule from the page's DOM (parser/xpath_rules.cc).
  void ExtractXPath(const CompiledRule& rule, const Document& doc,
                    Parsed* out) const;
  // One record per element of `records`, its fields by css, xpath and attr.
  void ExtractElements(const CompiledRule& rule,
                       const std::vector<const GumboNode*>& records,
                       Parsed* out) const;
  // The value of field `f` of an element rule's record `record`
  // (parser/xpath_rules.cc). `matches` is scratch space.
  static FieldValue ElementField(const CompiledRule& rule, size_t f,
                                 const GumboNode* record,
                                 std::vector<const GumboNode*>* matches);
  // Links (GET) and requests (POST) of the rule's follow_forms on the page;
  // `base` is what the page's relative URLs resolve against
  // (parser/form_requests.cc).
  void ExtractForms(const CompiledRule& rule, const Document& doc,
                    const Url& page_url, const Url& base, Parsed* out) const;
  // `doc` is the page's DOM when one was built (needed for follow_within);
  // otherwise the links come from `scanned`, the tokenizer scan of the body.
  void ExtractLinks(const std::vector<const CompiledRule*>& rules,
                    const Url& page_url, ScannedLinks* scanned,
                    const Document* doc, Parsed* out) const;
  // The page's refresh and canonical URL from the headers and the scan.
  void ReadRefreshAndCanonical(std::span<const ResponseHeader> headers,
                               const ScannedLinks& scanned, const Url& page_url,
                               const Url& base, Parsed* out) const;
  // `text` resolved against `base` and normalized, or nullopt when it is not a
  // valid http(s) URL.
  std::optional<Link> ResolveTarget(std::string_view text,
                                    const Url& base) const;
  // What `href` on a page whose links resolve against `base` comes to,
  // written into `*out` (every field set), whose strings' capacity is reused.
  void ResolveHref(std::string_view href, const Url& base,
                   ResolvedHref* out) const;
  // Sets `*out` to the http(s) URL `url`: its kind, crawl key and host.
  void SetHttpKey(const Url& url, ResolvedHref* out) const;

  const config::Job& job_;
  uint64_t id_;  // unique among the parsers of this process
  std::atomic<int> max_records_per_page_;
  std::atomic<int> max_links_per_page_;
  std::vector<Url> seeds_;
  std::vector<CompiledRule> rules_;
  std::string ua_token_;  // product token of fetch.user_agent, lowercase
};

// Whether a body of this Content-Type is worth running text rules on (HTML,
// XML, JSON, text/*; an empty type counts as text). Binary types (images,
// archives, PDF, octet-stream) are not.
bool IsTextContent(std::string_view content_type);
// Whether the body is HTML (text/html, application/xhtml+xml, or no type
// given).
bool IsHtmlContent(std::string_view content_type);

}  // namespace crawlbox::parser
