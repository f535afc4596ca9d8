// Job files: reading, TOML parsing, and the schema of every table but [[rules]]
// (rule_loader.cc).
#include "config/job_loader.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <system_error>
#include <utility>

#include "config/login_loader.h"
#include "config/render_loader.h"
#include "config/resolve_loader.h"
#include "config/rule_loader.h"
#include "config/seed_loader.h"
#include "config/toml_reader.h"

namespace crawlbox::config {

namespace {

constexpr const char* kJobNameExpected =
    "a job name of letters, digits, '_', '.' and '-'";
bool IsJobName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string AsciiLower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

// Why `path` cannot serve as fetch.ca_file ("" when it can): libcurl reports
// an unreadable bundle only at the first HTTPS transfer, as a TLS failure of
// every page, so it is checked before anything starts. A file without a PEM
// certificate (a key, a DER file) is refused for the same reason.
std::string CaFileProblem(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return Quote(path) + ": " + std::generic_category().message(errno);
  }
  std::string text;
  char buffer[64 * 1024];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0)
    text.append(buffer, n);
  // A directory opens but fails to read (EISDIR).
  int error = std::ferror(file) ? (errno != 0 ? errno : EIO) : 0;
  std::fclose(file);
  if (error != 0)
    return Quote(path) + ": " + std::generic_category().message(error);
  if (text.find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
    return Quote(path) + ": no PEM certificate in it";
  }
  return "";
}

// The root table `[key]`, or null when it is absent or not a table (`*usable`
// false: a problem was added and the section is not checked further).
const toml::table* Section(ProblemList* problems, const toml::table& root,
                           std::string_view key, bool* usable) {
  *usable = true;
  const toml::node* node = root.get(key);
  if (node == nullptr) return nullptr;
  if (const toml::table* table = node->as_table()) return table;
  problems->Add(problems->At(*node), std::string(key), "a table",
                TypeName(*node));
  *usable = false;
  return nullptr;
}

TableReader SectionReader(ProblemList* problems, const toml::table* table,
                          std::string path) {
  return TableReader(
      problems, table, std::move(path),
      table != nullptr ? problems->At(*table) : problems->Whole());
}

// [job]: name (required), start_urls (required), database.
void LoadJobSection(ProblemList* problems, const toml::table& root, Job* job) {
  bool usable;
  const toml::table* table = Section(problems, root, "job", &usable);
  if (!usable) return;
  TableReader reader = SectionReader(problems, table, "job");
  reader.CheckKnownKeys(
      {"name", "start_urls", "start_urls_from", "requests", "database"});

  // name: required string, [A-Za-z0-9_.-]+.
  SourceLocation name_where = reader.where();
  std::string name;
  if (reader.Require("name", kJobNameExpected) &&
      reader.ReadString("name", /*non_empty=*/false, &name, &name_where)) {
    if (IsJobName(name)) {
      job->name = name;
    } else {
      problems->Add(name_where, reader.PathOf("name"), kJobNameExpected,
                    Quote(name));
    }
  }

  // start_urls, start_urls_from, requests: at least one seed in all.
  LoadSeeds(problems, reader, problems->file(), &job->seeds);

  // database: optional non-empty string, ${VAR}-expanded; default "<name>.db",
  // located at name.
  std::string database;
  SourceLocation database_where;
  if (reader.ReadString("database", /*non_empty=*/true, &database,
                        &database_where)) {
    if (ExpandEnvironment(problems, reader.PathOf("database"), database_where,
                          &database)) {
      if (database.empty()) {
        problems->Add(database_where, reader.PathOf("database"),
                      "a non-empty path",
                      "an empty path after ${...} expansion");
      } else {
        job->database = std::move(database);
        job->database_where = std::move(database_where);
      }
    }
  } else if (reader.Find("database") == nullptr && !job->name.empty()) {
    job->database = job->name + ".db";
    job->database_where = name_where;
  }
}

// [scope]: allowed_hosts, allow, deny.
void LoadScopeSection(ProblemList* problems, const toml::table& root,
                      Scope* scope) {
  bool usable;
  const toml::table* table = Section(problems, root, "scope", &usable);
  if (!usable) return;
  TableReader reader = SectionReader(problems, table, "scope");
  reader.CheckKnownKeys({"allowed_hosts", "allow", "deny", "strip_query_params",
                         "sitemaps", "follow_canonical"});
  // sitemaps: bool, default false.
  reader.ReadBool("sitemaps", &scope->sitemaps);
  // follow_canonical: bool, default false.
  reader.ReadBool("follow_canonical", &scope->follow_canonical);

  // allowed_hosts: optional array of host names, lowercased; default: the
  // seeds' hosts.
  std::vector<LocatedString> hosts;
  reader.ReadStringArray("allowed_hosts", /*non_empty=*/false, &hosts);
  for (LocatedString& host : hosts) {
    if (!IsHost(host.value)) {
      problems->Add(
          host.where,
          reader.PathOf("allowed_hosts") + "[" + std::to_string(host.index) +
              "]",
          "a host name without scheme, port or path (e.g. example.com)",
          Quote(host.value));
      continue;
    }
    scope->allowed_hosts.push_back(AsciiLower(std::move(host.value)));
  }
  // allow, deny: optional arrays of RE2 patterns (partial match on the URL).
  scope->allow = reader.ReadRegexArray("allow");
  scope->deny = reader.ReadRegexArray("deny");
  // strip_query_params: optional array of parameter names, or prefixes ending
  // in '*'; default: utm_* and common click and session ids.
  std::vector<LocatedString> params;
  if (reader.ReadStringArray("strip_query_params", /*non_empty=*/false,
                             &params)) {
    scope->strip_query_params.clear();
    for (LocatedString& param : params) {
      size_t star = param.value.find('*');
      if (param.value.empty() || param.value == "*" ||
          (star != std::string::npos && star + 1 != param.value.size())) {
        problems->Add(param.where,
                      reader.PathOf("strip_query_params") + "[" +
                          std::to_string(param.index) + "]",
                      "a parameter name, or a prefix ending in '*'",
                      Quote(param.value));
        continue;
      }
      scope->strip_query_params.push_back(AsciiLower(std::move(param.value)));
    }
  }
}

// [limits]: max_pages, max_depth.
void LoadLimitsSection(ProblemList* problems, const toml::table& root,
                       Limits* limits) {
  bool usable;
  const toml::table* table = Section(problems, root, "limits", &usable);
  if (!usable) return;
  TableReader reader = SectionReader(problems, table, "limits");
  reader.CheckKnownKeys({"max_pages", "max_depth", "max_pages_per_host",
                         "max_bytes", "max_duration_s", "max_url_length",
                         "max_path_repeats", "max_query_params",
                         "max_records_per_page", "max_links_per_page"});
  // max_pages: integer >= 0, default 0 (no limit).
  reader.ReadInt("max_pages", int64_t{0}, INT64_MAX, &limits->max_pages);
  // max_depth: integer >= -1, default -1 (no limit).
  reader.ReadInt("max_depth", -1, INT_MAX, &limits->max_depth);
  // max_pages_per_host: integer >= 0, default 0 (no limit).
  reader.ReadInt("max_pages_per_host", int64_t{0}, INT64_MAX,
                 &limits->max_pages_per_host);
  // max_bytes: integer >= 0, default 0 (no limit).
  reader.ReadInt("max_bytes", int64_t{0}, INT64_MAX, &limits->max_bytes);
  // max_duration_s: integer >= 0, default 0 (no limit).
  reader.ReadInt("max_duration_s", int64_t{0}, INT64_MAX,
                 &limits->max_duration_s);
  // max_url_length: 16..1000000, default 2048.
  reader.ReadInt("max_url_length", 16, 1'000'000, &limits->max_url_length);
  // max_path_repeats: 0..1000, default 3 (0 = no limit).
  reader.ReadInt("max_path_repeats", 0, 1000, &limits->max_path_repeats);
  // max_query_params: 0..10000, default 32 (0 = no limit).
  reader.ReadInt("max_query_params", 0, 10'000, &limits->max_query_params);
  // max_records_per_page: 1..10000000, default 10000.
  reader.ReadInt("max_records_per_page", 1, 10'000'000,
                 &limits->max_records_per_page);
  // max_links_per_page: 1..10000000, default 10000.
  reader.ReadInt("max_links_per_page", 1, 10'000'000,
                 &limits->max_links_per_page);
}

// [fetch]: concurrency, timeouts, user agent, body and redirect limits.
void LoadFetchSection(ProblemList* problems, const toml::table& root,
                      FetchSettings* fetch) {
  bool usable;
  const toml::table* table = Section(problems, root, "fetch", &usable);
  if (!usable) return;
  TableReader reader = SectionReader(problems, table, "fetch");
  reader.CheckKnownKeys({"concurrency", "connect_timeout_ms", "timeout_ms",
                         "user_agent", "max_body_bytes",
                         "truncate_large_bodies", "max_redirects", "proxy",
                         "headers", "cookies", "http2", "max_refresh_delay_s",
                         "resolve", "ca_file"});
  // concurrency: 1..10000, default 16.
  reader.ReadInt("concurrency", 1, 10'000, &fetch->concurrency);
  // connect_timeout_ms: 1..3600000 (an hour), default 10000.
  reader.ReadInt("connect_timeout_ms", int64_t{1}, int64_t{3'600'000},
                 &fetch->connect_timeout_ms);
  // timeout_ms: 1..86400000 (a day), default 30000.
  reader.ReadInt("timeout_ms", int64_t{1}, int64_t{86'400'000},
                 &fetch->timeout_ms);
  // user_agent: non-empty string without CR, LF or NUL (it goes into a header
  // line).
  std::string user_agent;
  SourceLocation user_agent_where;
  if (reader.ReadString("user_agent", /*non_empty=*/true, &user_agent,
                        &user_agent_where)) {
    if (user_agent.find_first_of(std::string_view("\r\n\0", 3)) !=
        std::string::npos) {
      problems->Add(user_agent_where, reader.PathOf("user_agent"),
                    "a user agent without CR, LF or NUL", Quote(user_agent));
    } else {
      fetch->user_agent = std::move(user_agent);
    }
  }
  // max_body_bytes: 1..2^31, default 10 MiB.
  reader.ReadInt("max_body_bytes", int64_t{1}, int64_t{1} << 31,
                 &fetch->max_body_bytes);
  // max_redirects: 0..50, default 5.
  reader.ReadInt("max_redirects", 0, 50, &fetch->max_redirects);
  // max_refresh_delay_s: 0..86400 (a day), default 30.
  reader.ReadInt("max_refresh_delay_s", 0, 86'400, &fetch->max_refresh_delay_s);
  // truncate_large_bodies, cookies, http2: bools.
  reader.ReadBool("truncate_large_bodies", &fetch->truncate_large_bodies);
  reader.ReadBool("cookies", &fetch->cookies);
  reader.ReadBool("http2", &fetch->http2);
  // proxy: a URL with a scheme curl knows, or "" for none.
  std::string proxy;
  SourceLocation proxy_where;
  if (reader.ReadString("proxy", /*non_empty=*/false, &proxy, &proxy_where)) {
    if (!proxy.empty() && proxy.find("://") == std::string::npos) {
      problems->Add(
          proxy_where, reader.PathOf("proxy"),
          "a proxy URL such as http://host:3128 or socks5h://host:1080",
          Quote(proxy));
    } else {
      fetch->proxy = std::move(proxy);
    }
  }
  // ca_file: a readable PEM file of certificates, ${VAR} expanded.
  std::string ca_file;
  SourceLocation ca_file_where;
  if (reader.ReadString("ca_file", /*non_empty=*/true, &ca_file,
                        &ca_file_where) &&
      ExpandEnvironment(problems, reader.PathOf("ca_file"), ca_file_where,
                        &ca_file)) {
    std::string problem = CaFileProblem(ca_file);
    if (problem.empty()) {
      fetch->ca_file = std::move(ca_file);
    } else {
      problems->Add(ca_file_where, reader.PathOf("ca_file"),
                    "a readable PEM file of CA certificates", problem);
    }
  }
  // headers: a table of header name = value strings, kept in file order.
  if (const toml::node* node = reader.Find("headers")) {
    const toml::table* headers = node->as_table();
    if (headers == nullptr) {
      problems->Add(problems->At(*node), reader.PathOf("headers"),
                    "a table of header names and string values",
                    TypeName(*node));
    } else {
      std::vector<std::pair<const toml::key*, const toml::node*>> entries;
      for (const auto& [key, value] : *headers)
        entries.emplace_back(&key, &value);
      std::sort(entries.begin(), entries.end(),
                [](const auto& a, const auto& b) {
                  return std::pair(a.first->source().begin.line,
                                   a.first->source().begin.column) <
                         std::pair(b.first->source().begin.line,
                                   b.first->source().begin.column);
                });
      for (const auto& [key, value] : entries) {
        const std::string name(key->str());
        const std::string path = reader.PathOf("headers") + "." + name;
        bool token = !name.empty() &&
                     name.find_first_not_of(
                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "0123456789!#$%&'*+-.^_`|~") == std::string::npos;
        if (!token) {
          problems->Add(problems->At(key->source()), path,
                        "an HTTP header name (letters, digits, -)",
                        Quote(name));
          continue;
        }
        const std::string* text = value->as_string() != nullptr
                                      ? &value->as_string()->get()
                                      : nullptr;
        if (text == nullptr || text->find_first_of(std::string_view(
                                   "\r\n\0", 3)) != std::string::npos) {
          problems->Add(problems->At(*value), path,
                        "a header value string without CR, LF or NUL",
                        text == nullptr ? TypeName(*value) : Quote(*text));
          continue;
        }
        fetch->headers.push_back(name + ": " + *text);
      }
    }
  }
  LoadResolvePins(problems, reader, &fetch->resolve);
}

// [politeness]: per-host concurrency and delay, adaptive slow-down.
void LoadPolitenessSection(ProblemList* problems, const toml::table& root,
                           Politeness* politeness) {
  bool usable;
  const toml::table* table = Section(problems, root, "politeness", &usable);
  if (!usable) return;
  TableReader reader = SectionReader(problems, table, "politeness");
  reader.CheckKnownKeys({"per_host_concurrency", "delay_ms", "adaptive",
                         "max_delay_ms", "robots", "max_crawl_delay_ms",
                         "meta_robots", "nofollow_links", "robots_ttl_s",
                         "group_by"});
  // robots: bool, default true.
  reader.ReadBool("robots", &politeness->robots);
  // max_crawl_delay_ms: 0..3600000, default 30000.
  reader.ReadInt("max_crawl_delay_ms", int64_t{0}, int64_t{3'600'000},
                 &politeness->max_crawl_delay_ms);
  // per_host_concurrency: 1..10000, default 2.
  reader.ReadInt("per_host_concurrency", 1, 10'000,
                 &politeness->per_host_concurrency);
  // delay_ms: 0..3600000, default 1000.
  reader.ReadInt("delay_ms", int64_t{0}, int64_t{3'600'000},
                 &politeness->delay_ms);
  // adaptive: bool, default true.
  reader.ReadBool("adaptive", &politeness->adaptive);
  // max_delay_ms: 0..3600000, default 60000.
  reader.ReadInt("max_delay_ms", int64_t{0}, int64_t{3'600'000},
                 &politeness->max_delay_ms);
  // meta_robots, nofollow_links: bools, default true.
  reader.ReadBool("meta_robots", &politeness->meta_robots);
  reader.ReadBool("nofollow_links", &politeness->nofollow_links);
  // robots_ttl_s: 1..31536000 (a year), default 86400.
  reader.ReadInt("robots_ttl_s", int64_t{1}, int64_t{31'536'000},
                 &politeness->robots_ttl_s);
  // group_by: "host" (default) or "ip".
  std::string group_by;
  SourceLocation group_by_where;
  if (reader.ReadString("group_by", /*non_empty=*/false, &group_by,
                        &group_by_where)) {
    if (group_by == "host") {
      politeness->group_by = Politeness::GroupBy::kHost;
    } else if (group_by == "ip") {
      politeness->group_by = Politeness::GroupBy::kIp;
    } else {
      problems->Add(group_by_where, reader.PathOf("group_by"),
                    "\"host\" or \"ip\"", Quote(group_by));
    }
  }
}

// [retry]: attempts and backoff.
void LoadRetrySection(ProblemList* problems, const toml::table& root,
                      RetrySettings* retry) {
  bool usable;
  const toml::table* table = Section(problems, root, "retry", &usable);
  if (!usable) return;
  TableReader reader = SectionReader(problems, table, "retry");
  reader.CheckKnownKeys(
      {"max_attempts", "backoff_ms", "max_backoff_ms", "unsafe_methods"});
  // unsafe_methods: bool, default false.
  reader.ReadBool("unsafe_methods", &retry->unsafe_methods);
  // max_attempts: 1..100, default 3.
  reader.ReadInt("max_attempts", 1, 100, &retry->max_attempts);
  // backoff_ms: 0..3600000, default 1000.
  reader.ReadInt("backoff_ms", int64_t{0}, int64_t{3'600'000},
                 &retry->backoff_ms);
  // max_backoff_ms: 0..86400000, default 60000.
  reader.ReadInt("max_backoff_ms", int64_t{0}, int64_t{86'400'000},
                 &retry->max_backoff_ms);
}

// [parse]: threads and the DOM bounds.
void LoadParseSection(ProblemList* problems, const toml::table& root,
                      ParseSettings* parse) {
  bool usable;
  const toml::table* table = Section(problems, root, "parse", &usable);
  if (!usable) return;
  TableReader reader = SectionReader(problems, table, "parse");
  reader.CheckKnownKeys(
      {"threads", "max_dom_depth", "max_dom_nodes", "max_json_depth"});
  // max_json_depth: 1..100000, default 512.
  reader.ReadInt("max_json_depth", 1, 100'000, &parse->max_json_depth);
  // threads: 0..1024, default 0 (one per core).
  reader.ReadInt("threads", 0, 1024, &parse->threads);
  // max_dom_depth: 16..100000, default 512.
  reader.ReadInt("max_dom_depth", 16, 100'000, &parse->max_dom_depth);
  // max_dom_nodes: 1000..100000000, default 1000000.
  reader.ReadInt("max_dom_nodes", int64_t{1000}, int64_t{100'000'000},
                 &parse->max_dom_nodes);
}

// [store]: bodies, and the WARC output's warc, warc_dir, warc_prefix,
// warc_max_bytes, warc_gzip_level, warc_metadata.
void LoadStoreSection(ProblemList* problems, const toml::table& root,
                      StoreSettings* store) {
  bool usable;
  const toml::table* table = Section(problems, root, "store", &usable);
  if (!usable) return;
  TableReader reader = SectionReader(problems, table, "store");
  reader.CheckKnownKeys({"bodies", "warc", "warc_dir", "warc_prefix",
                         "warc_max_bytes", "warc_gzip_level", "warc_metadata"});
  // bodies, warc, warc_metadata: bools, default false.
  reader.ReadBool("bodies", &store->bodies);
  reader.ReadBool("warc", &store->warc);
  reader.ReadBool("warc_metadata", &store->warc_metadata);
  // warc_dir: a non-empty path, ${VAR}-expanded; empty = beside the
  // database the run uses (which --db may change), named after it.
  SourceLocation dir_where;
  std::string dir;
  if (reader.ReadString("warc_dir", /*non_empty=*/true, &dir, &dir_where) &&
      ExpandEnvironment(problems, reader.PathOf("warc_dir"), dir_where, &dir)) {
    store->warc_dir = std::move(dir);
  }
  // warc_prefix: file names begin with it, so [A-Za-z0-9_.-]+.
  SourceLocation prefix_where;
  std::string prefix;
  if (reader.ReadString("warc_prefix", /*non_empty=*/true, &prefix,
                        &prefix_where)) {
    if (IsJobName(prefix)) {
      store->warc_prefix = std::move(prefix);
    } else {
      problems->Add(prefix_where, reader.PathOf("warc_prefix"),
                    "letters, digits, '_', '.' or '-' only", Quote(prefix));
    }
  }
  reader.ReadInt("warc_max_bytes", int64_t{1'000'000},
                 int64_t{1'000'000'000'000}, &store->warc_max_bytes);
  reader.ReadInt("warc_gzip_level", 1, 9, &store->warc_gzip_level);
}

// [status]: enabled, addr, port, token.
void LoadStatusSection(ProblemList* problems, const toml::table& root,
                       StatusSettings* status) {
  bool usable;
  const toml::table* table = Section(problems, root, "status", &usable);
  if (!usable) return;
  TableReader reader = SectionReader(problems, table, "status");
  reader.CheckKnownKeys({"enabled", "addr", "port", "token"});
  // enabled: bool, default true.
  reader.ReadBool("enabled", &status->enabled);
  // addr: a host name or IP address (IPv6 without brackets); whether it needs
  // a token is decided when the run starts, where --status-token may add one.
  std::string addr;
  SourceLocation addr_where;
  if (reader.ReadString("addr", /*non_empty=*/true, &addr, &addr_where)) {
    bool ok = true;
    for (char c : addr) {
      if (static_cast<unsigned char>(c) <= 0x20 || c == '/' || c == '@' ||
          c == '[' || c == ']') {
        ok = false;
      }
    }
    if (ok) {
      status->addr = std::move(addr);
      status->addr_where = std::move(addr_where);
    } else {
      problems->Add(addr_where, reader.PathOf("addr"),
                    "a host name or IP address to bind (e.g. 127.0.0.1, ::1, "
                    "0.0.0.0)",
                    Quote(addr));
    }
  }
  // port: 0..65535, default 0 (any free port).
  reader.ReadInt("port", 0, 65535, &status->port);
  // token: 8..256 printable ASCII characters without spaces, ${VAR}-expanded.
  std::string token;
  SourceLocation token_where;
  if (reader.ReadString("token", /*non_empty=*/false, &token, &token_where) &&
      ExpandEnvironment(problems, reader.PathOf("token"), token_where,
                        &token)) {
    bool printable = true;
    for (char c : token) {
      if (c <= 0x20 || c >= 0x7f) printable = false;
    }
    if (token.empty() ||
        (token.size() >= 8 && token.size() <= 256 && printable)) {
      status->token = std::move(token);
    } else {
      // The value itself stays out of the message: it is a secret.
      problems->Add(token_where, reader.PathOf("token"),
                    "8 to 256 printable ASCII characters without spaces",
                    std::to_string(token.size()) + " characters" +
                        (printable ? "" : " with spaces or non-ASCII"));
    }
  }
}

}  // namespace

LoadedJob LoadJobText(std::string_view text, const std::string& file_name) {
  LoadedJob loaded;
  loaded.job.file = file_name;
  loaded.job.text = std::string(text);
  ProblemList problems(file_name, &loaded.problems);

  toml::table root;
  try {
    root = toml::parse(text, std::string_view(file_name));
  } catch (const toml::parse_error& error) {
    problems.Add(problems.At(error.source()), "(syntax)", "valid TOML",
                 std::string(error.description()));
    return loaded;
  }

  TableReader root_reader(&problems, &root, "", problems.Whole());
  root_reader.CheckKnownKeys({"job", "scope", "limits", "fetch", "politeness",
                              "retry", "parse", "store", "status", "rules",
                              "login", "render"});
  LoadJobSection(&problems, root, &loaded.job);
  LoadScopeSection(&problems, root, &loaded.job.scope);
  LoadLimitsSection(&problems, root, &loaded.job.limits);
  LoadFetchSection(&problems, root, &loaded.job.fetch);
  LoadPolitenessSection(&problems, root, &loaded.job.politeness);
  LoadRetrySection(&problems, root, &loaded.job.retry);
  LoadParseSection(&problems, root, &loaded.job.parse);
  LoadStoreSection(&problems, root, &loaded.job.store);
  LoadStatusSection(&problems, root, &loaded.job.status);
  loaded.job.rules = LoadRules(&problems, root.get("rules"));
  LoadLoginSection(&problems, root, file_name, &loaded.job.login);
  LoadRenderSection(&problems, root, loaded.job.rules, &loaded.job.render);
  // The archive needs the bytes as sent: the Fetcher keeps them.
  loaded.job.fetch.archive = loaded.job.store.warc;
  if (loaded.job.store.warc_prefix.empty())
    loaded.job.store.warc_prefix = loaded.job.name;

  // Sections are checked in a fixed order; the user reads the file top to
  // bottom.
  std::stable_sort(loaded.problems.begin(), loaded.problems.end(),
                   [](const JobProblem& a, const JobProblem& b) {
                     return std::pair(a.where.line, a.where.column) <
                            std::pair(b.where.line, b.where.column);
                   });
  return loaded;
}

LoadedJob LoadJobFile(const std::string& path) {
  std::string text;
  std::FILE* file = std::fopen(path.c_str(), "rb");
  int error = file == nullptr ? errno : 0;
  if (file != nullptr) {
    char buffer[64 * 1024];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0)
      text.append(buffer, n);
    // A directory opens but fails to read (EISDIR).
    if (std::ferror(file)) error = errno != 0 ? errno : EIO;
    std::fclose(file);
  }
  if (error != 0) {
    LoadedJob loaded;
    loaded.job.file = path;
    loaded.problems.push_back(
        JobProblem{SourceLocation{path, 0, 0}, "(file)", "a readable job file",
                   std::generic_category().message(error)});
    return loaded;
  }
  return LoadJobText(text, path);
}

}  // namespace crawlbox::config
