// The tokenizer states that matter for links: data, tag open, tag name,
// attributes, comments, bogus comments and raw text (RCDATA/RAWTEXT/script
// data). Tree construction is not modelled: it only moves elements around, it
// does not change which start tags carry which hrefs.
#include "parser/link_scanner.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>

#include "parser/charset_decode.h"
#include "parser/directives.h"
#include "parser/url_encoding.h"

namespace crawlbox::parser {

namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}
bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsAlnum(char c) { return IsAlpha(c) || (c >= '0' && c <= '9'); }
// What a start tag's name means to the scan.
enum class TagKind {
  kOther,
  kLink,       // <a>, <area>: their href is a link
  kBase,       // <base>: the first href changes the base URL
  kMeta,       // <meta>: robots and refresh directives
  kHeadLink,   // <link>: rel="canonical"
  kPlaintext,  // everything after it is text
  kRawText,    // content is text up to the element's own end tag
};

// One length switch instead of a compare per known name: every start tag of
// a page comes through here.
TagKind ClassifyTag(std::string_view tag) {
  switch (tag.size()) {
    case 1:
      return AsciiLower(tag[0]) == 'a' ? TagKind::kLink : TagKind::kOther;
    case 3:
      return AsciiEqualsNoCase(tag, "xmp") ? TagKind::kRawText
                                           : TagKind::kOther;
    case 4:
      if (AsciiEqualsNoCase(tag, "area")) return TagKind::kLink;
      if (AsciiEqualsNoCase(tag, "meta")) return TagKind::kMeta;
      if (AsciiEqualsNoCase(tag, "link")) return TagKind::kHeadLink;
      return AsciiEqualsNoCase(tag, "base") ? TagKind::kBase : TagKind::kOther;
    case 5:
      return AsciiEqualsNoCase(tag, "style") || AsciiEqualsNoCase(tag, "title")
                 ? TagKind::kRawText
                 : TagKind::kOther;
    case 6:
      return AsciiEqualsNoCase(tag, "script") ||
                     AsciiEqualsNoCase(tag, "iframe")
                 ? TagKind::kRawText
                 : TagKind::kOther;
    case 7:
      return AsciiEqualsNoCase(tag, "noembed") ? TagKind::kRawText
                                               : TagKind::kOther;
    case 8:
      return AsciiEqualsNoCase(tag, "textarea") ||
                     AsciiEqualsNoCase(tag, "noframes")
                 ? TagKind::kRawText
                 : TagKind::kOther;
    case 9:
      return AsciiEqualsNoCase(tag, "plaintext") ? TagKind::kPlaintext
                                                 : TagKind::kOther;
    default:
      return TagKind::kOther;
  }
}

struct NamedReference {
  std::string_view name;
  uint32_t code_point;
  bool legacy;  // recognised without the trailing semicolon
};

// The references that occur in URLs in practice; an unknown name is left as
// written, which is what the tokenizer does with names it does not know.
constexpr NamedReference kNamed[] = {
    {"amp", '&', true},     {"lt", '<', true},      {"gt", '>', true},
    {"quot", '"', true},    {"apos", '\'', false},  {"nbsp", 0xA0, true},
    {"copy", 0xA9, true},   {"reg", 0xAE, true},    {"sol", '/', false},
    {"colon", ':', false},  {"period", '.', false}, {"quest", '?', false},
    {"equals", '=', false}, {"num", '#', false},    {"percnt", '%', false},
    {"lpar", '(', false},   {"rpar", ')', false},   {"comma", ',', false},
    {"plus", '+', false},   {"hyphen", '-', false}, {"lowbar", '_', false},
    {"tilde", '~', false},  {"excl", '!', false},   {"dollar", '$', false},
    {"ast", '*', false},    {"semi", ';', false},   {"commat", '@', false},
    {"lsqb", '[', false},   {"rsqb", ']', false},   {"verbar", '|', false},
    {"bsol", '\\', false},  {"Tab", '\t', false},   {"NewLine", '\n', false},
};

// Windows-1252 meanings of &#128;..&#159;, as the tokenizer maps them.
constexpr uint16_t kC1Replacements[32] = {
    0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D,   0x017D, 0x8F,
    0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};

bool IsOneOf(std::string_view tag,
             std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    if (AsciiEqualsNoCase(tag, name)) return true;
  }
  return false;
}

// Elements without content: they never nest anything.
bool IsVoid(std::string_view tag) {
  return IsOneOf(tag, {"br", "img", "input", "hr", "wbr", "col", "embed",
                       "param", "source", "track", "keygen", "frame"});
}

// Start tags that close an open <p> (HTML's "close a p element" cases).
bool ClosesP(std::string_view tag) {
  return IsOneOf(
      tag,
      {"p",       "div",     "ul",         "ol",      "li",       "dl",
       "dd",      "dt",      "table",      "form",    "h1",       "h2",
       "h3",      "h4",      "h5",         "h6",      "pre",      "blockquote",
       "section", "article", "aside",      "header",  "footer",   "nav",
       "main",    "figure",  "figcaption", "address", "fieldset", "details",
       "summary", "center",  "dir",        "menu",    "hgroup",   "dialog",
       "listing", "search"});
}

// The open elements as the scan estimates them, for bounding the depth a
// DOM gets. Searches look at a few entries near the top only, so a page of
// any depth costs constant time per tag.
class OpenElements {
 public:
  explicit OpenElements(int max_depth) : max_depth_(max_depth) {}

  // What a start tag that nests becomes.
  struct Placed {
    bool overflow = false;  // beyond the bound: a sibling, not a child
    // When not empty, "</close>" goes before the tag: it ends the previous
    // overflow element, so that this one does not nest in it.
    std::string_view close;
  };

  // A start tag that nests: pops what it implies closed, then pushes it.
  // Beyond the bound a flattenable tag becomes an overflow element, which
  // ends the overflow element it would nest in (as Blink attaches elements
  // past its depth limit to the parent instead).
  Placed Push(std::string_view tag, bool flattenable) {
    ImplyEndTags(tag);
    Placed placed;
    if (flattenable && kept_ >= max_depth_) {
      placed.overflow = true;
      if (!open_.empty() && open_.back().overflow && !open_.back().closed) {
        placed.close = open_.back().name;
        open_.back().closed = true;
      }
    }
    open_.push_back({tag, placed.overflow, false});
    if (!placed.overflow) ++kept_;
    if (IsOneOf(tag, {"svg", "math"})) ++foreign_;
    return placed;
  }

  // An end tag: closes the nearest open element of that name near the top.
  // Returns true when that element was ended early by Push (so its own end
  // tag is to be left out: it would close an element further up).
  bool Pop(std::string_view tag) {
    int j = Find({tag}, {}, 32);
    if (j < 0) return false;
    bool closed = open_[static_cast<size_t>(j)].closed;
    PopTo(static_cast<size_t>(j));
    return closed;
  }

  // Inside <svg> or <math>, where "<x/>" closes itself.
  bool InForeign() const { return foreign_ > 0; }

 private:
  struct Open {
    std::string_view name;
    bool overflow;  // pushed beyond the bound
    bool closed;    // an overflow element ended early by Push
  };

  // The index of the topmost entry named one of `names` among the top
  // `window` entries, stopping at one named in `stops`; -1 when none.
  int Find(std::initializer_list<std::string_view> names,
           std::initializer_list<std::string_view> stops, size_t window) const {
    for (size_t k = open_.size(); k > 0 && open_.size() - k < window; --k) {
      std::string_view name = open_[k - 1].name;
      if (IsOneOf(name, names)) return static_cast<int>(k - 1);
      if (IsOneOf(name, stops)) return -1;
    }
    return -1;
  }

  void PopTo(size_t j) {
    while (open_.size() > j) {
      if (!open_.back().overflow) --kept_;
      if (IsOneOf(open_.back().name, {"svg", "math"})) --foreign_;
      open_.pop_back();
    }
  }

  void CloseIfOpen(std::initializer_list<std::string_view> names,
                   std::initializer_list<std::string_view> stops,
                   size_t window) {
    int j = Find(names, stops, window);
    if (j >= 0) PopTo(static_cast<size_t>(j));
  }

  // The end tags an HTML parser implies before this start tag, near enough:
  // without them a page of unclosed <p> or <li> would look deep.
  void ImplyEndTags(std::string_view tag) {
    if (open_.empty()) return;
    if (ClosesP(tag)) CloseIfOpen({"p"}, {"button"}, 8);
    if (AsciiEqualsNoCase(tag, "li")) {
      CloseIfOpen({"li"}, {"ul", "ol"}, 8);
    } else if (IsOneOf(tag, {"dt", "dd"})) {
      CloseIfOpen({"dt", "dd"}, {"dl"}, 8);
    } else if (AsciiEqualsNoCase(tag, "a")) {
      CloseIfOpen({"a"}, {}, 16);
    } else if (AsciiEqualsNoCase(tag, "option")) {
      CloseIfOpen({"option"}, {}, 1);
    } else if (AsciiEqualsNoCase(tag, "optgroup")) {
      CloseIfOpen({"option", "optgroup"}, {}, 2);
    } else if (AsciiEqualsNoCase(tag, "tr")) {
      CloseIfOpen({"tr"}, {"table"}, 8);
    } else if (IsOneOf(tag, {"td", "th"})) {
      CloseIfOpen({"td", "th"}, {"tr", "table"}, 8);
    } else if (IsOneOf(tag, {"thead", "tbody", "tfoot"})) {
      CloseIfOpen({"thead", "tbody", "tfoot"}, {"table"}, 8);
    }
  }

  const int max_depth_;
  std::vector<Open> open_;
  int kept_ = 0;     // entries within the bound
  int foreign_ = 0;  // open <svg> and <math> entries
};

}  // namespace

std::string DecodeAttributeValue(std::string_view v) {
  if (v.find('&') == std::string_view::npos &&
      v.find('\0') == std::string_view::npos) {
    return std::string(v);
  }
  std::string out;
  out.reserve(v.size());
  size_t i = 0;
  while (i < v.size()) {
    char c = v[i];
    if (c == '\0') {
      AppendReferencedChar(0xFFFD, &out);
      ++i;
      continue;
    }
    if (c != '&') {
      out += c;
      ++i;
      continue;
    }
    // Numeric reference.
    if (i + 1 < v.size() && v[i + 1] == '#') {
      size_t j = i + 2;
      bool hex = j < v.size() && (v[j] == 'x' || v[j] == 'X');
      if (hex) ++j;
      size_t digits_start = j;
      uint64_t value = 0;
      while (j < v.size()) {
        char d = v[j];
        int digit = -1;
        if (d >= '0' && d <= '9') {
          digit = d - '0';
        } else if (hex && d >= 'a' && d <= 'f') {
          digit = d - 'a' + 10;
        } else if (hex && d >= 'A' && d <= 'F') {
          digit = d - 'A' + 10;
        }
        if (digit < 0) break;
        if (value <= 0x10FFFF)
          value = value * (hex ? 16 : 10) + static_cast<uint64_t>(digit);
        ++j;
      }
      if (j == digits_start) {  // "&#" or "&#x" without digits: not a reference
        out += c;
        ++i;
        continue;
      }
      if (j < v.size() && v[j] == ';') ++j;
      uint32_t cp = value > 0x10FFFF ? 0xFFFD : static_cast<uint32_t>(value);
      if (cp >= 0x80 && cp <= 0x9F) cp = kC1Replacements[cp - 0x80];
      AppendReferencedChar(cp, &out);
      i = j;
      continue;
    }
    // Named reference: the longest known name that matches.
    const NamedReference* best = nullptr;
    size_t best_len = 0;
    for (const NamedReference& ref : kNamed) {
      std::string_view rest = v.substr(i + 1);
      if (rest.size() >= ref.name.size() &&
          rest.compare(0, ref.name.size(), ref.name) == 0) {
        bool has_semicolon =
            rest.size() > ref.name.size() && rest[ref.name.size()] == ';';
        if (!has_semicolon) {
          // In attributes a legacy name without ';' followed by [A-Za-z0-9=]
          // stays literal.
          char next =
              rest.size() > ref.name.size() ? rest[ref.name.size()] : '\0';
          if (!ref.legacy || IsAlnum(next) || next == '=') continue;
        }
        size_t len = ref.name.size() + (has_semicolon ? 1 : 0);
        if (len > best_len) {
          best = &ref;
          best_len = len;
        }
      }
    }
    if (best == nullptr) {
      out += c;
      ++i;
      continue;
    }
    AppendReferencedChar(best->code_point, &out);
    i += 1 + best_len;
  }
  return out;
}

ScannedLinks ScanLinks(std::string_view html, const ScanOptions& options) {
  ScannedLinks out;
  const size_t n = html.size();
  // Room for the hrefs of a page with a link every 128 bytes or fewer (a
  // realistic 14 KB page has ~80), so the vector is not grown through eight
  // sizes a page, its larger buffers churning malloc's bins.
  const size_t expected_hrefs = std::min<size_t>(n / 128, 1024);
  out.hrefs.reserve(expected_hrefs);
  out.nofollow.reserve(expected_hrefs);
  std::optional<OpenElements> open;
  if (options.max_depth > 0) open.emplace(options.max_depth);
  size_t copied = 0;  // html[0, copied) is in out.flattened already
  // Replaces html[from, to) by `text` in the flattened copy.
  auto replace = [&](size_t from, size_t to, std::string_view text) {
    out.flattened.append(html.data() + copied, from - copied);
    out.flattened.append(text);
    copied = to;
  };
  // The index of the '>' at or after `from` plus one, or n without one.
  auto after_gt = [&](size_t from) {
    size_t end = html.find('>', from);
    return end == std::string_view::npos ? n : end + 1;
  };
  size_t i = 0;
  while (i < n) {
    const char* lt =
        static_cast<const char*>(std::memchr(html.data() + i, '<', n - i));
    if (lt == nullptr) break;
    const size_t tag_start = static_cast<size_t>(lt - html.data());
    i = tag_start + 1;
    if (i >= n) break;
    char c = html[i];
    if (c == '!') {
      if (html.compare(i, 3, "!--") == 0) {
        // "<!-->" and "<!--->" are complete (empty) comments.
        size_t body = i + 3;
        if (html.compare(body, 1, ">") == 0) {
          i = body + 1;
        } else if (html.compare(body, 2, "->") == 0) {
          i = body + 2;
        } else {
          size_t end = html.find("-->", body);
          // "--!>" also closes a comment.
          size_t bang = html.find("--!>", body);
          if (bang < end) end = bang + 1;
          i = end == std::string_view::npos ? n : end + 3;
        }
      } else {
        i = after_gt(i);
      }
      continue;
    }
    if (c == '?') {
      i = after_gt(i);
      continue;
    }
    bool end_tag = false;
    if (c == '/') {
      end_tag = true;
      ++i;
      if (i >= n) break;
      if (html[i] == '>') {  // "</>" is ignored
        ++i;
        continue;
      }
      if (!IsAlpha(html[i])) {  // "</ ..." is a bogus comment up to '>'
        i = after_gt(i);
        continue;
      }
    } else if (!IsAlpha(c)) {
      continue;  // '<' followed by anything else is text
    }

    // Tag name.
    size_t name_start = i;
    while (i < n && !IsSpace(html[i]) && html[i] != '/' && html[i] != '>') ++i;
    const std::string_view tag(html.data() + name_start, i - name_start);
    const TagKind kind = end_tag ? TagKind::kOther : ClassifyTag(tag);
    const bool wants_attributes =
        kind == TagKind::kLink || kind == TagKind::kBase ||
        kind == TagKind::kMeta || kind == TagKind::kHeadLink;

    // Attributes, up to '>' (or the end of input, which drops the unfinished
    // tag). Of duplicated attributes the first one counts; values are decoded
    // only once the tag turns out to be complete.
    bool closed = false;
    bool self_closing = false;
    std::optional<std::string_view> href, rel, name, http_equiv, content;
    auto keep_first = [](std::optional<std::string_view>* slot,
                         std::string_view value) {
      if (!*slot) *slot = value;
    };
    while (i < n) {
      char a = html[i];
      if (IsSpace(a) || a == '/') {
        self_closing = a == '/';
        ++i;
        continue;
      }
      if (a == '>') {
        closed = true;
        ++i;
        break;
      }
      self_closing = false;
      size_t attr_start = i;
      ++i;  // the first character may be '=' and still belong to the name
      while (i < n && !IsSpace(html[i]) && html[i] != '/' && html[i] != '>' &&
             html[i] != '=') {
        ++i;
      }
      const std::string_view attr(html.data() + attr_start, i - attr_start);
      while (i < n && IsSpace(html[i])) ++i;
      std::string_view value;
      if (i < n && html[i] == '=') {
        ++i;
        while (i < n && IsSpace(html[i])) ++i;
        if (i < n && (html[i] == '"' || html[i] == '\'')) {
          char quote = html[i++];
          size_t end = html.find(quote, i);
          if (end == std::string_view::npos) {
            i = n;
            break;
          }
          value = std::string_view(html.data() + i, end - i);
          i = end + 1;
        } else {
          size_t start = i;
          while (i < n && !IsSpace(html[i]) && html[i] != '>') ++i;
          value = std::string_view(html.data() + start, i - start);
        }
      }
      if (!wants_attributes) continue;
      switch (attr.size()) {
        case 3:
          if (AsciiEqualsNoCase(attr, "rel")) keep_first(&rel, value);
          break;
        case 4:
          if (AsciiEqualsNoCase(attr, "href")) {
            keep_first(&href, value);
          } else if (AsciiEqualsNoCase(attr, "name")) {
            keep_first(&name, value);
          }
          break;
        case 7:
          if (AsciiEqualsNoCase(attr, "content")) keep_first(&content, value);
          break;
        case 10:
          if (AsciiEqualsNoCase(attr, "http-equiv"))
            keep_first(&http_equiv, value);
          break;
        default:
          break;
      }
    }
    if (!closed) break;
    switch (kind) {
      case TagKind::kLink:
        if (href) {
          out.hrefs.push_back(DecodeAttributeValue(*href));
          out.nofollow.push_back(
              rel && RelHas(DecodeAttributeValue(*rel), "nofollow"));
        }
        break;
      case TagKind::kBase:
        if (href && !out.base_href) out.base_href = DecodeAttributeValue(*href);
        break;
      case TagKind::kMeta:
        if (content && (name || http_equiv)) {
          out.metas.push_back(
              {name ? DecodeAttributeValue(*name) : "",
               http_equiv ? DecodeAttributeValue(*http_equiv) : "",
               DecodeAttributeValue(*content)});
        }
        break;
      case TagKind::kHeadLink:
        if (href && rel && RelHas(DecodeAttributeValue(*rel), "canonical"))
          out.canonical_hrefs.push_back(DecodeAttributeValue(*href));
        break;
      default:
        break;
    }
    if (!end_tag) ++out.elements;
    if (open) {
      if (end_tag) {
        if (open->Pop(tag)) replace(tag_start, i, "");
      } else if (kind == TagKind::kOther || kind == TagKind::kLink ||
                 kind == TagKind::kRawText) {
        const bool nests = !IsVoid(tag) &&
                           !(self_closing && open->InForeign()) &&
                           !IsOneOf(tag, {"html", "head", "body"});
        if (nests) {
          OpenElements::Placed placed =
              open->Push(tag, /*flattenable=*/kind == TagKind::kOther);
          if (placed.overflow) ++out.flattened_tags;
          if (!placed.close.empty()) {
            replace(tag_start, tag_start,
                    "</" + std::string(placed.close) + ">");
          }
        }
      }
    }
    if (kind == TagKind::kPlaintext) break;  // everything after it is text
    if (kind == TagKind::kRawText) {
      // Skip to the matching end tag: "</tag" followed by a space, '/' or '>'.
      size_t pos = i;
      bool found = false;
      while (pos < n) {
        size_t end = html.find("</", pos);
        if (end == std::string_view::npos) break;
        size_t after = end + 2 + tag.size();
        if (after <= n &&
            AsciiEqualsNoCase(
                std::string_view(html.data() + end + 2, tag.size()), tag) &&
            (after == n || IsSpace(html[after]) || html[after] == '/' ||
             html[after] == '>')) {
          i = end;
          found = true;
          break;
        }
        pos = end + 2;
      }
      if (!found) break;
    }
  }
  if (out.flattened_tags > 0) {
    out.flattened.append(html.data() + copied, n - copied);
  }
  return out;
}

}  // namespace crawlbox::parser
