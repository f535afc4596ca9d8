// Job: a crawl job as loaded from its TOML file, validated, with its regexes
// compiled. Every value that later stages may still reject (seeds, CSS
// selectors) keeps the file:line it came from.
#pragma once

#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace crawlbox::config {

// Where a value was written: the job file and the 1-based line and column of
// the value. line == 0 means "the file as a whole" (unreadable, or a key that
// is missing).
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

// One problem in a job file. Printed as "file:line:col: key: expected
// <expected>, got <got>".
struct JobProblem {
  SourceLocation where;
  std::string key;       // dotted TOML path, e.g. "rules[0].fields.score.type"
  std::string expected;  // what a valid value looks like
  std::string got;  // what the file holds (quoted/shortened) or why it failed
  std::string ToString() const;
};

// A start point of the crawl: a URL (from start_urls, a {1..50} range of one,
// or start_urls_from), or a request ([[job.requests]]) with a method, headers
// and a body. As written after ${VAR} and range expansion; parser/ checks that
// the URL is one.
struct Seed {
  std::string url;
  SourceLocation where;
  // Where it came from in problems: "job.start_urls[0]",
  // "job.requests[1].url", "job.start_urls_from".
  std::string key;
  std::string method = "GET";  // uppercase
  // "Name: value", in file order; a form or JSON body adds its Content-Type.
  std::vector<std::string> headers;
  std::string body;  // encoded: form-urlencoded, JSON or the raw text
};

// Value type of a field, and of the column of the rule's SQL view. kJson (a
// JSON rule's field only) keeps the selected value as JSON text.
enum class FieldType { kText, kInt, kReal, kJson };

const char* FieldTypeName(FieldType type);

// How one field of a record is built from the regex match.
// Order of operations: take the source (group or template) → trim →
// strip_prefix → strip_suffix → trim again if trim is set → convert to `type`.
// A value that does not convert to int/real becomes null in the record.
struct Field {
  std::string name;  // column name in the rule's view; [a-z_][a-z0-9_]*
  std::string
      group;  // named group the value comes from; default: the field's name
  std::string format;  // "template": "{integer}{fraction}" joins groups; empty
                       // = use `group`
  bool trim = true;    // strip ASCII and Unicode whitespace at both ends
  std::string
      strip_prefix;  // removed once from the start when present (after trim)
  std::string
      strip_suffix;  // removed once from the end when present (after trim)
  FieldType type = FieldType::kText;
  // A record whose value of this field is empty (no match, or nothing left
  // after the transforms) is dropped, and counted per rule.
  bool required = false;
  // In a CSS rule (Rule::select): the value is the text content of the first
  // element matching `css` inside the record element (the record element
  // itself when `css` is empty), or its attribute `attr` when that is set.
  // parser/ compiles `css` and reports it at `where`.
  std::string css;
  std::string attr;
  // In an XPath rule (Rule::xpath), or beside css in any element rule: the
  // string() of this XPath 1.0 expression evaluated with the record element
  // as context ("h2/text()", "@href", "normalize-space(.)"). parser/
  // compiles it and reports it at `where`.
  std::string xpath;
  // In a JSON rule (Rule::records): an RFC 9535 JSONPath query whose first
  // node, relative to the record ($ is the record), is the value ("$.name");
  // a string or number is taken as text, anything else as JSON text.
  std::string json;
  SourceLocation where;
};

// A CSS selector or an RE2 pattern that marks a page, e.g. the page a site
// shows when the session has ended. Empty when unset.
struct PageMarker {
  std::string css;  // compiled by parser/, reported at `where`
  std::shared_ptr<const re2::RE2> pattern;
  SourceLocation where;
  bool empty() const { return css.empty() && pattern == nullptr; }
};

// A JSONPath query as written, compiled by parser/ and reported at `where`.
struct JsonQuery {
  std::string text;
  SourceLocation where;
};

// The request after a JSON page, built from it: `url` (and `body`) are
// templates whose {$.path} placeholders take the value of that JSONPath
// query on the page ("{{" and "}}" are literal braces); none is made when
// `until` holds on the page or a placeholder has no value.
struct NextRequest {
  std::string url;
  SourceLocation url_where;
  std::string method = "GET";
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // template, as url
  SourceLocation body_where;         // line 0 when there is no body
  JsonQuery until;                   // a JSONPath logical expression, or ""
};

// A form on an HTML page, submitted as a browser would: its action, method,
// enctype and successful controls (hidden inputs included) come from the
// page, `fields` set or add values, `submit` names the button pressed.
struct FormFollow {
  std::string select;  // CSS selector of the <form> elements
  SourceLocation where;
  std::vector<std::pair<std::string, std::string>> fields;  // file order
  std::string submit;  // CSS selector of the submit button; "" = none
};

// A rule: which pages it parses, how it turns them into records, and which
// links it follows.
struct Rule {
  std::string
      name;  // also the name of the SQL view over its records; [a-z_][a-z0-9_]*
  // Pages whose (final) URL this pattern matches anywhere (RE2 partial match)
  // are parsed by the rule. Never null after loading: a rule without `url`
  // matches every page.
  std::shared_ptr<const re2::RE2> url;
  // Record pattern with named groups, run over the page body with `.` matching
  // newlines (DOTALL); every non-overlapping match is one record. Null for a
  // rule that only follows links.
  std::shared_ptr<const re2::RE2> pattern;
  // CSS selector of the record elements, instead of a pattern: every matching
  // element of the page is one record, its fields taken by Field::css.
  // Compiled by parser/, which reports a bad selector at select_where.
  std::string select;
  SourceLocation select_where;
  std::vector<Field> fields;  // in file order; empty with a pattern = one field
                              // per named group
  // Resolved links on matching pages that match any of these (partial match)
  // are enqueued, subject to the job's scope and limits. Empty = the rule
  // follows no links.
  std::vector<std::shared_ptr<const re2::RE2>> follow;
  // When non-empty, only links inside elements matching this CSS selector are
  // followed. Compiled by parser/ (CompileJob), which reports a bad selector at
  // follow_within_where.
  std::string follow_within;
  SourceLocation follow_within_where;
  // XPath 1.0 of the record elements, instead of a pattern or select: every
  // node of the node-set is one record, its fields taken by Field::xpath (or
  // css). Compiled by parser/, which reports it at xpath_where.
  std::string xpath;
  SourceLocation xpath_where;
  // A JSON rule: the body is parsed as JSON when `json` is set, or when the
  // rule uses JSON keys (records, follow_json, next_request) and the
  // response's Content-Type is JSON (application/json, +json).
  bool json = false;
  // JSONPath of the record values; each is one record, its fields
  // Field::json paths relative to it. Empty text = no records.
  JsonQuery records;
  // JSONPath queries whose string values are URLs to follow (resolved
  // against the page), subject to `follow` patterns when any are given, the
  // scope and limits.
  std::vector<JsonQuery> follow_json;
  std::optional<NextRequest> next_request;
  std::vector<FormFollow> follow_forms;
  // A page this marker matches was served to a logged-out session: the
  // [login] step runs again and the page is fetched again.
  PageMarker logged_out;
  // Pages this rule's `url` matches are loaded in headless Chromium (the
  // [render] section) instead of fetched, and the rules see the rendered
  // DOM. `wait_for` (a CSS selector) overrides render.wait_for for them.
  bool render = false;
  std::string wait_for;
  SourceLocation where;
};

// [render]: headless Chromium for pages built by JavaScript. A page is
// rendered when a rule with render = true matches its URL, or one of `urls`
// does; every other page stays on the libcurl path.
struct RenderConfig {
  std::vector<std::shared_ptr<const re2::RE2>> urls;  // partial match
  int tabs = 4;                    // pages rendered at once, one browser
  int64_t timeout_ms = 30'000;     // per page; then render_timeout (retried)
  std::string wait_for;            // CSS selector to wait for; "" = none
  bool network_idle = false;       // wait_until = "networkidle" (else "load")
  bool load_images = false;        // else images, fonts and media are blocked
  std::vector<std::string> block;  // more URL patterns to block ("*.css")
  std::string chromium = "/usr/bin/chromium";
  // More command-line flags for the browser ("--js-flags=..."), after
  // crawlbox's own; each starts with "--".
  std::vector<std::string> chromium_flags;
  int recycle_tab_after = 50;        // pages per tab
  int recycle_browser_after = 1000;  // pages per browser process
  // XHR capture: the responses a rendered page's scripts fetch (XHR or
  // fetch()) whose URL one of these matches (partial match) and that are JSON
  // (by Content-Type, or a body that parses) are read and given to the rules
  // whose `url` matches them, as documents of the rendered page. Empty =
  // nothing is captured.
  std::vector<std::shared_ptr<const re2::RE2>> capture;
  // Bytes of captured bodies one page may keep, all together; a body past
  // them is not kept (render/capture_failed/too_large). 1..2147483648,
  // default 10485760 (fetch.max_body_bytes' default).
  int64_t capture_max_bytes = 10'485'760;
  // Subresources (scripts, XHR, stylesheets, ...) load only from the job's
  // hosts (scope.allowed_hosts, else the seeds'); each request then costs a
  // round trip to the browser. Documents are held to the scope either way.
  bool same_site_only = false;
};

// [login]: a step run before the crawl, and again when a rule's logged_out
// marker matches a page. Its session cookies carry the crawl. The request it
// makes is never a frontier entry: its body (with the password) reaches
// neither the database nor the fleet's Redis.
struct LoginSettings {
  bool enabled = false;  // the job has a [login] section
  SourceLocation where;
  // With `page`: that page is fetched first and the form `form` on it is
  // submitted as a browser would (hidden inputs such as a CSRF token
  // included), with `fields` set. Without: a POST of `fields` to `url`,
  // form-urlencoded, or as a JSON object when `json`.
  std::string page;
  FormFollow form;
  std::string url;
  bool json = false;
  SourceLocation url_where;
  std::vector<std::pair<std::string, std::string>> fields;  // literal values
  // The password, from the environment variable `password_env` or the first
  // line of `password_file` (relative to the job file), never from the job
  // text; sent as the field `password_field`.
  std::string password_env;
  std::string password_file;
  std::string password_field = "password";
  // Success: the final page matches `success` (when set) and, when
  // `success_cookie` is set, the cookie jar holds a cookie of that name;
  // with neither, a 2xx/3xx answer without the rules' logged_out marker.
  PageMarker success;
  std::string success_cookie;
  // Ask robots.txt before the login requests (default); either way they are
  // counted in the run (login/*).
  bool obey_robots = true;
};

// Which URLs belong to the crawl at all. A discovered link is enqueued only
// when its host is allowed, it matches `allow` (if any pattern is given) and
// matches no `deny` pattern.
struct Scope {
  // Host names (lowercase, no port) links may point to. Empty: the hosts of the
  // seeds.
  std::vector<std::string> allowed_hosts;
  // Partial match on the full URL: when any is given, a link must match one.
  std::vector<std::shared_ptr<const re2::RE2>> allow;
  // Partial match; deny wins over allow.
  std::vector<std::shared_ptr<const re2::RE2>> deny;
  // Query parameters removed from every URL before dedup: exact names, or a
  // prefix ending in '*' ("utm_*"). Case-insensitive.
  // Also discover URLs from each host's sitemaps: those its robots.txt lists
  // (same host only) and /sitemap.xml, indexes and gzip sitemaps included.
  // They are seeds of depth 0 and pass through the scope like links.
  bool sitemaps = false;
  std::vector<std::string> strip_query_params = {
      "utm_*",     "fbclid",    "gclid", "jsessionid",
      "phpsessid", "sessionid", "sid"};
  // When a page names a canonical URL (<link rel="canonical">, or a Link
  // header with rel="canonical") other than its own, the crawler enqueues the
  // canonical URL instead of keeping the page's records; an out-of-scope,
  // blocked or failing canonical URL leaves the page its records. Default
  // false: the canonical URL is only recorded.
  bool follow_canonical = false;
};

struct Limits {
  // Pages fetched by the job, resumed runs included; 0 = no limit.
  int64_t max_pages = 0;
  // Link hops from a seed (seeds are depth 0); -1 = no limit.
  int max_depth = -1;
  // Pages fetched from one host, resumed runs included; 0 = no limit.
  int64_t max_pages_per_host = 0;
  // Body bytes fetched by one run; the run ends gracefully past it. 0 = none.
  int64_t max_bytes = 0;
  // Seconds one run may take; it then stops gracefully. 0 = no limit.
  int64_t max_duration_s = 0;
  // Links longer than this are not followed (crawler traps grow URLs).
  int max_url_length = 2048;
  // Links whose path repeats one segment more often than this are not followed
  // (/a/b/a/b/a/b/...). 0 = no limit.
  int max_path_repeats = 3;
  // Links with more query parameters than this are not followed. 0 = no limit.
  int max_query_params = 32;
  // Records one page may yield, all rules together; the rest are not kept
  // (Parsed::cuts "records", counted). 1..10000000, default 10000.
  int max_records_per_page = 10'000;
  // Links one page may yield for following; hrefs past the limit are not
  // looked at (Parsed::cuts "links", counted). 1..10000000, default 10000.
  int max_links_per_page = 10'000;
};

// One fetch.resolve entry: connections to host:port go to `address` instead
// of what DNS says (libcurl's CURLOPT_RESOLVE).
struct ResolvePin {
  std::string host;     // lowercase; an IPv6 literal keeps its brackets
  int port = 0;         // 1..65535
  std::string address;  // an IPv4 or IPv6 literal, IPv6 without brackets
  SourceLocation where;
};

// How pages are fetched. Defaults suit a polite crawl of one site.
struct FetchSettings {
  int concurrency = 16;  // transfers in flight at once, all hosts together
  int64_t connect_timeout_ms = 10'000;  // TCP+TLS connect
  int64_t timeout_ms = 30'000;          // whole transfer, redirects included
  std::string user_agent =
      "crawlbox/0.1 (+https://github.com/crawlbox/crawlbox)";
  // Larger bodies (after decoding, so a gzip bomb counts what it inflates to)
  // are dropped with reason too_large, or kept cut at this size when
  // truncate_large_bodies is set (the page then records reason truncated).
  int64_t max_body_bytes = 10 * 1024 * 1024;
  bool truncate_large_bodies = false;
  int max_redirects = 5;  // more is an error: too_many_redirects
  // A refresh (<meta http-equiv="refresh"> or a Refresh header) with a delay
  // of at most this many seconds is a redirect hop; a longer one is recorded
  // as ignored. 0..86400, default 30.
  int max_refresh_delay_s = 30;
  // Proxy URL for every request ("http://host:port", "socks5h://..."); "" =
  // none (curl's *_proxy environment variables are ignored).
  std::string proxy;
  // Extra request headers, in file order ("Name: value").
  std::vector<std::string> headers;
  bool cookies = true;  // keep cookies servers set, for the whole run
  bool http2 = true;    // offer HTTP/2 over TLS (multiplexed); else HTTP/1.1
  // Pinned addresses ("host:port" = "address" in the file), in file order:
  // the Fetcher connects there without asking DNS, and politeness.group_by =
  // "ip" groups a pinned host by its pinned address. Default: none.
  std::vector<ResolvePin> resolve;
  // PEM file of the certificate authorities HTTPS servers are verified against
  // (libcurl's CURLOPT_CAINFO) instead of the system's bundle: for sites behind
  // an internal CA, and for tests. "" (default) = the system's bundle. A
  // relative path is relative to the working directory, as job.database is;
  // ${VAR} expanded. The loader checks that it is a readable file holding a
  // PEM certificate.
  std::string ca_file;
  // Keep each exchange's bytes as sent and received (Response::wire) for the
  // web archive; set from [store] warc. Then only gzip and deflate are
  // accepted as content encodings (decoded by the Fetcher itself).
  bool archive = false;
};

// How hard one host may be hit. The defaults suit the public web; a job
// crawling its own site may raise the concurrency and drop the delay.
struct Politeness {
  int per_host_concurrency = 2;  // transfers in flight to one host at once
  int64_t delay_ms =
      1000;  // minimum gap between the starts of two requests to one host
  // Slow a host down when it answers 429/503 or times out (its delay doubles,
  // up to max_delay_ms) or its latency rises to four times its average; recover
  // by 10% per success.
  bool adaptive = true;
  int64_t max_delay_ms = 60'000;  // cap of the adaptive delay
  // Fetch each host's robots.txt before its first page and obey it (RFC 9309):
  // disallowed URLs are recorded as 'blocked', never requested.
  bool robots = true;
  // Crawl-delay from robots.txt raises the host's delay, up to this cap.
  int64_t max_crawl_delay_ms = 30'000;
  // Obey a page's robots directives: <meta name="robots">, <meta name="X">
  // where X is the user agent's product token ("crawlbox"), and the
  // X-Robots-Tag header. nofollow: no links are taken from the page; noindex:
  // no records (the page is stored with noindex recorded); none: both. When
  // false the directives are still reported, not obeyed. Default true.
  bool meta_robots = true;
  // Do not follow <a rel="nofollow"> links. Default true.
  bool nofollow_links = true;
  // Seconds a host's robots.txt is obeyed before it is fetched again (RFC 9309
  // section 2.4 asks for at most a day). While the new copy is fetched the
  // host's pages wait; when it cannot be fetched the old copy stays in force
  // and the fetch is tried again after retry.backoff_ms, doubling.
  int64_t robots_ttl_s = 86'400;
  // What one politeness window (per_host_concurrency, delay_ms, the adaptive
  // delay, Crawl-delay) covers. kHost (default, "host"): each host name its
  // own. kIp ("ip"): all hosts that resolve to one address share one window,
  // as Nutch's queue mode "byIP" and Heritrix's IP queues do; its delay is
  // raised by the largest Crawl-delay of its hosts. robots.txt stays per host.
  // A host is resolved once, when first seen (fetch.resolve pins first); one
  // that does not resolve keeps a window of its own.
  enum class GroupBy { kHost, kIp };
  GroupBy group_by = GroupBy::kHost;
};

// Retries of transport failures and HTTP 408, 429 and 5xx.
struct RetrySettings {
  int max_attempts = 3;  // tries in all, the first included; 1 = never retry
  // Retry requests of methods that are not safe (POST, PUT, DELETE, PATCH,
  // ...) after the server may have acted on them: a timeout or reset after
  // sending, a 5xx. Default false: they are retried only when the connection
  // never stood (dns, connect, tls) or the server answered 429.
  bool unsafe_methods = false;
  // Backoff before try n+1: backoff_ms × 2^(n-1), ±50% jitter, at most
  // max_backoff_ms; a Retry-After header (seconds or HTTP date) asks for more,
  // up to max_backoff_ms.
  int64_t backoff_ms = 1000;
  int64_t max_backoff_ms = 60'000;
};

// Parse-stage settings.
struct ParseSettings {
  int threads = 0;  // parallel parse callbacks; 0 = one per core
  // Element nesting a page's DOM may have, as Blink's 512: elements deeper
  // than this become siblings under the element at the bound before the DOM
  // is built (gumbo's time grows with the square of the depth). Counted as
  // cut "dom_depth". 16..100000, default 512.
  int max_dom_depth = 512;
  // Elements a page may have for its DOM to be built; a page with more gets
  // no DOM (no CSS records, no follow_within links), recorded as cut
  // "dom_nodes". 1000..100000000, default 1000000 (some 200 MB of gumbo
  // nodes).
  int64_t max_dom_nodes = 1'000'000;
  // Nesting a JSON body may have for a JSON rule to read it (arrays and
  // objects); a deeper page is recorded unreadable ("json_depth") before
  // any parse. 1..100000, default 512.
  int max_json_depth = 512;
};

// What the store keeps besides pages and records.
struct StoreSettings {
  // Keep each page's response body, compressed with zlib, so `crawlbox
  // reextract` can re-run edited rules without the network. Costs roughly a
  // quarter of the body bytes in the database.
  bool bodies = false;
  // Write every exchange to WARC/1.1 files (.warc.gz, one gzip member per
  // record) in warc_dir, named "<warc_prefix>-<UTC time>-<serial>.warc.gz",
  // a new file once one holds warc_max_bytes; each closed file gets a CDXJ
  // index beside it.
  bool warc = false;
  // "" = "<the run's database path less .db>-warc"; ${VAR} expanded.
  std::string warc_dir;
  std::string warc_prefix;                 // the job's name unless set
  int64_t warc_max_bytes = 1'000'000'000;  // 1 MB .. 1 TB
  int warc_gzip_level = 6;                 // zlib 1..9
  // A `metadata` record per page listing its outlinks, as Heritrix writes.
  bool warc_metadata = false;
};

// The status page `crawlbox run` serves while it crawls (web/server.h).
struct StatusSettings {
  bool enabled = true;  // serve it; `--no-status` turns it off too
  // Address to bind. Anything but a loopback address (127.0.0.0/8, ::1,
  // localhost) requires a token, from here or `--status-token`.
  std::string addr = "127.0.0.1";
  SourceLocation addr_where;  // where addr was written; line 0 = the default
  int port = 0;               // 0 = any free port (printed at start)
  // When set, every page and API request must carry it ("Authorization:
  // Bearer <token>" or "?token=<token>"): 8..256 printable ASCII characters
  // without spaces; ${VAR} expanded, so it need not be written in the file.
  std::string token;
};

struct Job {
  std::string name;  // [A-Za-z0-9_.-]+; recorded with each crawl run
  std::string file;  // path of the job file it was loaded from
  std::string text;  // the file's bytes, recorded with each crawl run
  std::vector<Seed> seeds;
  std::string database;  // SQLite file; relative paths are relative to the
                         // working directory
  SourceLocation database_where;
  Scope scope;
  Limits limits;
  FetchSettings fetch;
  Politeness politeness;
  RetrySettings retry;
  ParseSettings parse;
  StatusSettings status;
  StoreSettings store;
  std::vector<Rule> rules;
  LoginSettings login;
  RenderConfig render;
};

}  // namespace crawlbox::config
