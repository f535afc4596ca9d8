// Rule application: RE2 record extraction with field transforms, link
// selection over the tokenizer scan or the gumbo DOM (built once per page,
// only when a matching rule needs one), the page's directives, and the bounds
// on what one page may cost.
#include "parser/page_parser.h"

#include <gumbo.h>
#include <strings.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_set>

#include "parser/charset.h"
#include "parser/directives.h"
#include "parser/dom.h"
#include "parser/fields.h"
#include "parser/json_rules.h"
#include "parser/link_cache.h"
#include "parser/link_scanner.h"
#include "parser/url_encoding.h"
#include "parser/url_plain_path.h"

namespace crawlbox::parser {

namespace {

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         strncasecmp(text.data(), prefix.data(), prefix.size()) == 0;
}

// The media type without parameters, e.g. "text/html" of "text/html;
// charset=utf-8".
std::string_view MediaType(std::string_view content_type) {
  size_t semi = content_type.find(';');
  if (semi != std::string_view::npos)
    content_type = content_type.substr(0, semi);
  return TrimSpace(content_type);
}

// The URLs of the links a page keeps, for dropping repeats without an
// allocation per link: open addressing over indexes into the page's links.
class KeptUrls {
 public:
  // `links` must outlive the set; at most `max_links` get added.
  KeptUrls(const std::vector<Link>& links, size_t max_links) : links_(links) {
    size_t slots = 16;
    while (slots < 2 * max_links) slots *= 2;
    slots_.assign(slots, kEmpty);
  }

  // True when `url` is not in the set yet: it is then taken to be the URL
  // of the link the caller appends next.
  bool AddIfNew(std::string_view url) {
    const size_t mask = slots_.size() - 1;
    for (size_t i = std::hash<std::string_view>()(url) & mask;;
         i = (i + 1) & mask) {
      if (slots_[i] == kEmpty) {
        slots_[i] = static_cast<uint32_t>(links_.size());
        return true;
      }
      if (links_[slots_[i]].url == url) return false;
    }
  }

  bool Contains(std::string_view url) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = std::hash<std::string_view>()(url) & mask;;
         i = (i + 1) & mask) {
      if (slots_[i] == kEmpty) return false;
      if (links_[slots_[i]].url == url) return true;
    }
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  const std::vector<Link>& links_;
  std::vector<uint32_t> slots_;
};

// Longer hrefs bypass the per-thread link cache.
constexpr size_t kMaxCachedHrefBytes = 4096;

}  // namespace

bool IsHtmlContent(std::string_view content_type) {
  std::string_view type = MediaType(content_type);
  return type.empty() || StartsWithNoCase(type, "text/html") ||
         StartsWithNoCase(type, "application/xhtml+xml");
}

bool IsTextContent(std::string_view content_type) {
  std::string_view type = MediaType(content_type);
  if (type.empty() || StartsWithNoCase(type, "text/")) return true;
  for (std::string_view textual :
       {"application/xhtml+xml", "application/xml", "application/json",
        "application/javascript", "application/ld+json", "application/rss+xml",
        "application/atom+xml"}) {
    if (StartsWithNoCase(type, textual)) return true;
  }
  return type.ends_with("+xml") || type.ends_with("+json");
}

PageParser::PageParser(const config::Job& job)
    : job_(job),
      max_records_per_page_(job.limits.max_records_per_page),
      max_links_per_page_(job.limits.max_links_per_page) {
  // Ids tell the per-thread link caches which parser filled them; a parser
  // made later at the same address must not see its predecessor's entries.
  static std::atomic<uint64_t> next_id{1};
  id_ = next_id.fetch_add(1, std::memory_order_relaxed);
  ua_token_ = ProductToken(job.fetch.user_agent);
}

std::unique_ptr<PageParser> PageParser::Compile(
    const config::Job& job, std::vector<config::JobProblem>* problems) {
  std::unique_ptr<PageParser> parser(new PageParser(job));
  if (!job.render.wait_for.empty()) {
    auto selector = Selector::Parse(job.render.wait_for);
    if (!selector.ok()) {
      problems->push_back({config::SourceLocation{job.file, 0, 0},
                           "render.wait_for", "a CSS selector",
                           selector.status().message()});
    }
  }
  for (size_t i = 0; i < job.seeds.size(); ++i) {
    const config::Seed& seed = job.seeds[i];
    auto url = ParseUrl(seed.url);
    const std::string& key = seed.key;
    if (!url.ok()) {
      problems->push_back(
          {seed.where, key, "an absolute http or https URL",
           "'" + seed.url + "' (" + url.status().message() + ")"});
    } else if (!url->IsHttp()) {
      problems->push_back(
          {seed.where, key, "an http or https URL",
           "scheme '" + url->scheme + "' in '" + seed.url + "'"});
    } else {
      parser->seeds_.push_back(std::move(url).value());
    }
  }
  for (size_t r = 0; r < job.rules.size(); ++r) {
    const config::Rule& rule = job.rules[r];
    CompiledRule compiled;
    compiled.rule = &rule;
    if (rule.pattern != nullptr) {
      compiled.group_names.resize(
          static_cast<size_t>(rule.pattern->NumberOfCapturingGroups()) + 1);
      for (const auto& [name, index] : rule.pattern->NamedCapturingGroups()) {
        compiled.group_names[static_cast<size_t>(index)] = name;
      }
      for (const config::Field& field : rule.fields) {
        int index = 0;
        if (field.format.empty()) {
          auto it = rule.pattern->NamedCapturingGroups().find(field.group);
          if (it != rule.pattern->NamedCapturingGroups().end())
            index = it->second;
        }
        compiled.group_of_field.push_back(index);
      }
    }
    if (!rule.follow_within.empty()) {
      auto selector = Selector::Parse(rule.follow_within);
      if (!selector.ok()) {
        problems->push_back({rule.follow_within_where,
                             "rules[" + std::to_string(r) + "].follow_within",
                             "a CSS selector", selector.status().message()});
      } else {
        compiled.follow_within =
            std::make_unique<Selector>(std::move(selector).value());
      }
    }
    if (!rule.wait_for.empty() && !Selector::Parse(rule.wait_for).ok()) {
      problems->push_back({rule.where,
                           "rules[" + std::to_string(r) + "].wait_for",
                           "a CSS selector",
                           Selector::Parse(rule.wait_for).status().message()});
    }
    if (!rule.logged_out.css.empty()) {
      auto selector = Selector::Parse(rule.logged_out.css);
      if (!selector.ok()) {
        problems->push_back({rule.logged_out.where,
                             "rules[" + std::to_string(r) + "].logged_out.css",
                             "a CSS selector", selector.status().message()});
      }
    }
    const std::string key = "rules[" + std::to_string(r) + "]";
    if (!rule.select.empty()) {
      auto selector = Selector::Parse(rule.select);
      if (!selector.ok()) {
        problems->push_back({rule.select_where, key + ".select",
                             "a CSS selector", selector.status().message()});
      } else {
        compiled.select =
            std::make_unique<Selector>(std::move(selector).value());
      }
    }
    for (const auto& pattern : rule.follow) {
      const std::string& text = pattern->pattern();
      if (text == "." || text == ".*" || text.empty())
        compiled.follows_every_key = true;
    }
    compiled.json = CompileJsonRule(rule, r, problems);
    CompileElementRule(r, &compiled, problems);
    CompileFormFollows(r, &compiled, problems);
    parser->rules_.push_back(std::move(compiled));
  }
  return parser;
}

std::string PageParser::CrawlKey(const Url& url) const {
  const auto& strip = job_.scope.strip_query_params;
  if (!url.query || strip.empty()) return NormalizeForCrawl(url);
  std::string kept;
  std::string_view query = *url.query;
  bool changed = false;
  while (true) {
    size_t amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    std::string name(param.substr(0, param.find('=')));
    for (char& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool drop = false;
    for (const std::string& pattern : strip) {
      drop = pattern.back() == '*'
                 ? std::string_view(name).starts_with(
                       std::string_view(pattern).substr(0, pattern.size() - 1))
                 : name == pattern;
      if (drop) break;
    }
    if (drop) {
      changed = true;
    } else if (!param.empty()) {
      if (!kept.empty()) kept += '&';
      kept += param;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  if (!changed) return NormalizeForCrawl(url);
  Url stripped = url;
  if (kept.empty()) {
    stripped.query.reset();
  } else {
    stripped.query = std::move(kept);
  }
  return NormalizeForCrawl(stripped);
}

bool PageParser::HasRule(std::string_view name) const {
  return std::any_of(rules_.begin(), rules_.end(), [&](const CompiledRule& r) {
    return r.rule->name == name;
  });
}

Parsed PageParser::Parse(std::string_view url, std::string_view content_type,
                         std::string_view body,
                         std::span<const ResponseHeader> headers,
                         std::string_view only_rule) const {
  Parsed out;
  // Rules see UTF-8 whatever the page was written in, so records are always
  // valid UTF-8; the common UTF-8 page is used as it is, without a copy.
  std::string decoded;
  if (!IsAlreadyUtf8(body, content_type)) {
    Decoded d = DecodeToUtf8(body, content_type);
    decoded = std::move(d.utf8);
    body = decoded;
    out.encoding = std::move(d.encoding);
    out.encoding_errors = d.had_errors;
  }
  // X-Robots-Tag applies to every type of content, not just HTML.
  for (const auto& [name, value] : headers) {
    if (AsciiEqualsNoCase(name, "x-robots-tag"))
      AddXRobotsTag(value, ua_token_, &out.robots);
  }
  std::vector<const CompiledRule*> pattern_rules;
  std::vector<const CompiledRule*> followers;
  std::vector<const JsonRule*> json_rules;
  std::vector<const CompiledRule*> element_rules;  // select or xpath
  std::vector<const CompiledRule*> form_rules;
  re2::StringPiece url_text(url.data(), url.size());
  for (const CompiledRule& compiled : rules_) {
    const config::Rule& rule = *compiled.rule;
    if (!only_rule.empty()) {
      if (rule.name != only_rule) continue;
    } else if (!re2::RE2::PartialMatch(url_text, *rule.url)) {
      continue;
    }
    if (rule.pattern != nullptr) pattern_rules.push_back(&compiled);
    if (compiled.select != nullptr || compiled.xpath) {
      element_rules.push_back(&compiled);
    }
    if (!rule.follow.empty()) followers.push_back(&compiled);
    if (compiled.json != nullptr && (rule.json || IsJsonContent(content_type)))
      json_rules.push_back(compiled.json.get());
    if (!compiled.forms.empty()) form_rules.push_back(&compiled);
    // A page served to an ended session says nothing about the site: it
    // yields nothing, and the crawler logs in again and refetches it.
    if (!rule.logged_out.empty() &&
        MatchesMarker(url, content_type, body, rule.logged_out)) {
      out.logged_out = true;
      return out;
    }
  }
  const bool html = IsHtmlContent(content_type);
  const bool links_need_dom =
      !form_rules.empty() || std::any_of(followers.begin(), followers.end(),
                                         [](const CompiledRule* r) {
                                           return r->follow_within != nullptr;
                                         });
  // The scan finds the page's directives, and measures the page before a DOM
  // is built for it.
  ScannedLinks scanned;
  if (html) {
    ScanOptions options;
    if (!element_rules.empty() || links_need_dom)
      options.max_depth = job_.parse.max_dom_depth;
    scanned = ScanLinks(body, options);
    for (const ScannedMeta& meta : scanned.metas) {
      if (AsciiEqualsNoCase(meta.name, "robots") ||
          (!ua_token_.empty() && AsciiEqualsNoCase(meta.name, ua_token_))) {
        AddRobotsContent(meta.content, &out.robots);
      }
    }
  }
  const bool obey = job_.politeness.meta_robots;
  const bool want_items = !(obey && out.robots.noindex);

  auto page_url = ParseUrl(url);
  // <base href> changes what relative URLs resolve against (when it resolves
  // itself).
  std::optional<Url> tag_base;
  if (page_url.ok() && scanned.base_href) {
    auto resolved = ParseUrl(*scanned.base_href, &*page_url);
    if (resolved.ok()) tag_base = std::move(resolved).value();
  }
  if (page_url.ok()) {
    ReadRefreshAndCanonical(headers, scanned, *page_url,
                            tag_base ? *tag_base : *page_url, &out);
  }

  if (want_items) {
    for (const CompiledRule* rule : pattern_rules)
      ExtractItems(*rule, body, &out);
  }
  // One DOM per page, and only when a rule needs one.
  std::optional<Document> doc;
  if (html && ((want_items && !element_rules.empty()) ||
               (links_need_dom && page_url.ok()))) {
    if (scanned.elements > job_.parse.max_dom_nodes) {
      AddCut(&out, "dom_nodes", scanned.elements);
    } else if (scanned.flattened_tags > 0) {
      AddCut(&out, "dom_depth", scanned.flattened_tags);
      doc.emplace(Document::Parse(scanned.flattened));
      out.parsed_html = true;
    } else {
      doc.emplace(Document::Parse(body));
      out.parsed_html = true;
    }
  }
  if (want_items && doc) {
    for (const CompiledRule* rule : element_rules) {
      if (rule->xpath) {
        ExtractXPath(*rule, *doc, &out);
      } else {
        ExtractCss(*rule, *doc, &out);
      }
    }
  }
  if (!followers.empty() && html && page_url.ok()) {
    ExtractLinks(followers, *page_url, &scanned, doc ? &*doc : nullptr, &out);
  }
  ApplyJsonRules(json_rules,
                 {this, &job_, page_url.ok() ? &*page_url : nullptr, want_items,
                  obey && out.robots.nofollow},
                 body, &out);
  if (doc && page_url.ok()) {
    for (const CompiledRule* rule : form_rules) {
      ExtractForms(*rule, *doc, *page_url, tag_base ? *tag_base : *page_url,
                   &out);
    }
  }
  if (obey && out.robots.nofollow) {
    out.nofollow_dropped +=
        static_cast<int64_t>(out.links.size() + out.requests.size());
    out.links.clear();
    out.requests.clear();
  }
  return out;
}

void PageParser::ExtractItems(const CompiledRule& compiled,
                              std::string_view body, Parsed* out) const {
  const config::Rule& rule = *compiled.rule;
  const re2::RE2& re = *rule.pattern;
  const size_t ngroups = compiled.group_names.size();
  std::vector<re2::StringPiece> groups(ngroups);
  re2::StringPiece text(body.data(), body.size());
  size_t pos = 0;
  const size_t max_items = static_cast<size_t>(max_records_per_page());
  int64_t cut = 0;
  while (pos <= body.size() &&
         re.Match(text, pos, body.size(), re2::RE2::UNANCHORED, groups.data(),
                  static_cast<int>(ngroups))) {
    const size_t end =
        static_cast<size_t>(groups[0].data() - body.data()) + groups[0].size();
    if (out->items.size() >= max_items) {
      // Past the bound the matches are only counted, so the cut is exact
      // and costs no field work.
      ++cut;
      pos = end > pos ? end : pos + 1;
      continue;
    }
    Item item;
    item.rule = rule.name;
    for (size_t f = 0; f < rule.fields.size(); ++f) {
      const config::Field& field = rule.fields[f];
      if (!field.format.empty()) {
        std::string joined =
            ExpandTemplate(field.format, [&](std::string_view name) {
              for (size_t g = 1; g < ngroups; ++g) {
                if (compiled.group_names[g] == name &&
                    groups[g].data() != nullptr) {
                  return std::string(groups[g].data(), groups[g].size());
                }
              }
              return std::string();
            });
        item.fields.emplace_back(field.name, ApplyField(field, joined, true));
      } else {
        const re2::StringPiece& g =
            groups[static_cast<size_t>(compiled.group_of_field[f])];
        bool present = compiled.group_of_field[f] > 0 && g.data() != nullptr;
        item.fields.emplace_back(
            field.name,
            ApplyField(field,
                       present ? std::string_view(g.data(), g.size()) : "",
                       present));
      }
    }
    AddItem(rule, std::move(item), out);
    // An empty match must still move forward, or the loop would never end.
    pos = end > pos ? end : pos + 1;
  }
  AddCut(out, "records", cut);
}

void PageParser::ExtractCss(const CompiledRule& compiled, const Document& doc,
                            Parsed* out) const {
  std::vector<const GumboNode*> records;
  compiled.select->Select(doc.root(), &records);
  ExtractElements(compiled, records, out);
}

void PageParser::ExtractElements(const CompiledRule& compiled,
                                 const std::vector<const GumboNode*>& records,
                                 Parsed* out) const {
  const config::Rule& rule = *compiled.rule;
  std::vector<const GumboNode*> matches;
  const size_t max_items = static_cast<size_t>(max_records_per_page());
  for (size_t r = 0; r < records.size(); ++r) {
    if (out->items.size() >= max_items) {
      AddCut(out, "records", static_cast<int64_t>(records.size() - r));
      break;
    }
    const GumboNode* record = records[r];
    Item item;
    item.rule = rule.name;
    for (size_t f = 0; f < rule.fields.size(); ++f) {
      item.fields.emplace_back(rule.fields[f].name,
                               ElementField(compiled, f, record, &matches));
    }
    AddItem(rule, std::move(item), out);
  }
}

void PageParser::ResolveHref(std::string_view href, const Url& base,
                             ResolvedHref* out) const {
  out->kind = ResolvedHref::Kind::kBad;
  out->key.clear();
  out->host.clear();
  out->follow_known = 0;
  out->follows = 0;
  // Most hrefs of a large site are plain "/seg/seg" links that miss the link
  // cache: ParseUrl's shortcut for them, into a Url whose strings keep their
  // capacity from link to link, without ParseUrl's result to build and move.
  thread_local Url plain;
  if (ParsePlainAbsolutePath(href, base, &plain)) {
    SetHttpKey(plain, out);
    return;
  }
  auto resolved = ParseUrl(href, &base);
  if (!resolved.ok()) return;
  // javascript:, mailto: and friends are not errors, just not ours to follow.
  if (!resolved->IsHttp()) {
    out->kind = ResolvedHref::Kind::kOther;
    return;
  }
  SetHttpKey(*resolved, out);
}

void PageParser::SetHttpKey(const Url& url, ResolvedHref* out) const {
  out->kind = ResolvedHref::Kind::kHttp;
  // Most hrefs of a large site miss the link cache: the slot's key is
  // rewritten in place rather than replaced by a new allocation.
  if (job_.scope.strip_query_params.empty()) {
    NormalizeForCrawl(url, &out->key);
  } else {
    out->key = CrawlKey(url);
  }
  out->host.assign(url.host);
}

void PageParser::ExtractLinks(const std::vector<const CompiledRule*>& rules,
                              const Url& page_url, ScannedLinks* scanned,
                              const Document* dom, Parsed* out) const {
  // Each href with the element it came from (the element only when a DOM was
  // built) and whether its rel says nofollow.
  struct Href {
    const GumboNode* node;
    std::string href;
    bool nofollow;
  };
  std::vector<Href> hrefs;
  std::optional<std::string> base_href;
  if (dom != nullptr) {
    ForEachElement(dom->root(), [&](const GumboNode* node) {
      GumboTag tag = node->v.element.tag;
      if (tag == GUMBO_TAG_A || tag == GUMBO_TAG_AREA) {
        if (const char* href = Attribute(node, "href")) {
          const char* rel = Attribute(node, "rel");
          hrefs.push_back(
              {node, href, rel != nullptr && RelHas(rel, "nofollow")});
        }
      } else if (tag == GUMBO_TAG_BASE && !base_href) {
        if (const char* href = Attribute(node, "href")) base_href = href;
      }
    });
  } else {
    hrefs.reserve(scanned->hrefs.size());
    for (size_t i = 0; i < scanned->hrefs.size(); ++i) {
      hrefs.push_back(
          {nullptr, std::move(scanned->hrefs[i]), scanned->nofollow[i]});
    }
    base_href = scanned->base_href;
  }

  // <base href> changes what relative links resolve against (when it resolves
  // itself).
  const Url* base = &page_url;
  std::optional<Url> tag_base;
  if (base_href) {
    auto resolved = ParseUrl(*base_href, &page_url);
    if (resolved.ok()) {
      tag_base = std::move(resolved).value();
      base = &*tag_base;
    }
  }

  LinkCache& cache = ThreadLinkCache();
  cache.SetOwner(id_);
  const std::optional<LinkScope> scope = LinkCacheScope(*base);
  ResolvedHref uncached;
  const size_t max_links = static_cast<size_t>(max_links_per_page());
  KeptUrls kept(out->links, std::min(hrefs.size(), max_links));
  out->links.reserve(out->links.size() + std::min(hrefs.size(), max_links));
  const bool obey_rel = job_.politeness.nofollow_links;
  std::unordered_set<std::string> rel_nofollow_seen;
  for (size_t h = 0; h < hrefs.size(); ++h) {
    if (out->links.size() + out->rel_nofollow.size() >= max_links) {
      AddCut(out, "links", static_cast<int64_t>(hrefs.size() - h));
      break;
    }
    const auto& [node, href, nofollow] = hrefs[h];
    std::optional<std::string_view> key;
    // A huge href (a hostile page's 8 MB attribute) is resolved without the
    // cache, which would otherwise keep it for the thread's lifetime.
    if (scope && href.size() <= kMaxCachedHrefBytes)
      key = LinkCacheKey(href, base->scheme);
    ResolvedHref* link = &uncached;
    if (key) {
      link = &cache.Get(*scope, *key, [&](ResolvedHref* slot) {
        ResolveHref(href, *base, slot);
      });
    } else {
      ResolveHref(href, *base, &uncached);
    }
    if (link->kind != ResolvedHref::Kind::kHttp) {
      if (link->kind == ResolvedHref::Kind::kBad) ++out->bad_links;
      continue;
    }
    bool follow = false;
    for (const CompiledRule* compiled : rules) {
      if (compiled->follow_within != nullptr &&
          !compiled->follow_within->MatchesSelfOrAncestor(node)) {
        continue;
      }
      const auto index = static_cast<size_t>(compiled - rules_.data());
      const uint64_t bit = index < 64 ? uint64_t{1} << index : 0;
      if (compiled->follows_every_key) {
        follow = true;
      } else if ((link->follow_known & bit) != 0) {
        follow = (link->follows & bit) != 0;
      } else {
        re2::StringPiece text(link->key);
        for (const auto& pattern : compiled->rule->follow) {
          if (re2::RE2::PartialMatch(text, *pattern)) {
            follow = true;
            break;
          }
        }
        link->follow_known |= bit;
        if (follow) link->follows |= bit;
      }
      if (follow) break;
    }
    if (!follow) continue;
    if (nofollow && obey_rel) {
      if (!kept.Contains(link->key) &&
          rel_nofollow_seen.insert(link->key).second) {
        out->rel_nofollow.push_back({link->key, link->host});
      }
      continue;
    }
    if (!kept.AddIfNew(link->key)) continue;
    out->links.push_back({link->key, link->host});
  }
  // A URL the page also links without rel="nofollow" is followed after all.
  if (!out->rel_nofollow.empty()) {
    std::erase_if(out->rel_nofollow,
                  [&](const Link& l) { return kept.Contains(l.url); });
  }
}

}  // namespace crawlbox::parser
