// ParseSitemap: bounded streaming gunzip with zlib, a forgiving XML scanner
// that reads only <loc> under <url>/<sitemap>, and the plain-text form.
#include "parser/sitemap.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/compression.h"
#include "parser/charset_decode.h"

namespace crawlbox::parser {
namespace {

bool IsXmlSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view TrimXmlSpace(std::string_view s) {
  while (!s.empty() && IsXmlSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsXmlSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Decodes the reference starting at text[0] == '&' into `out`; returns the
// bytes consumed, or 0 when it is not a reference we know (left as written).
size_t DecodeReference(std::string_view text, std::string* out) {
  const size_t semi = text.find(';', 1);
  // The longest reference we accept is "&#x" + 8 digits + ';' (leading
  // zeros beyond that are not worth a bigger parser).
  if (semi == std::string_view::npos || semi > 12) return 0;
  const std::string_view name = text.substr(1, semi - 1);
  static constexpr std::pair<std::string_view, char> kNamed[] = {
      {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
  for (const auto& [entity, c] : kNamed) {
    if (name == entity) {
      out->push_back(c);
      return semi + 1;
    }
  }
  if (name.size() < 2 || name[0] != '#') return 0;
  const bool hex = name[1] == 'x';
  const std::string_view digits = name.substr(hex ? 2 : 1);
  if (digits.empty() || digits.size() > 8) return 0;
  uint64_t cp = 0;
  for (char c : digits) {
    int v;
    if (c >= '0' && c <= '9') {
      v = c - '0';
    } else if (hex && c >= 'a' && c <= 'f') {
      v = c - 'a' + 10;
    } else if (hex && c >= 'A' && c <= 'F') {
      v = c - 'A' + 10;
    } else {
      return 0;
    }
    cp = cp * (hex ? 16 : 10) + static_cast<uint64_t>(v);
  }
  AppendReferencedChar(cp > 0x10FFFF ? 0xFFFD : static_cast<uint32_t>(cp), out);
  return semi + 1;
}

void AppendDecoded(std::string_view text, std::string* out) {
  while (!text.empty()) {
    const size_t amp = text.find('&');
    out->append(text.substr(0, amp));
    if (amp == std::string_view::npos) return;
    text.remove_prefix(amp);
    const size_t used = DecodeReference(text, out);
    if (used == 0) {
      out->push_back('&');
      text.remove_prefix(1);
    } else {
      text.remove_prefix(used);
    }
  }
}

// A single pass over an XML document that tracks only the element depth and
// the names it needs: root (depth 1), <url>/<sitemap> (2), <loc> (3).
class XmlScanner {
 public:
  XmlScanner(std::string_view doc, size_t max_urls, SitemapContents* out)
      : doc_(doc), max_urls_(max_urls), out_(out) {}

  void Run() {
    size_t pos = 0;
    while (pos < doc_.size() && !done_) pos = Step(pos);
    if (root_ == Root::kNone) {
      out_->error = "not a sitemap";
    } else if (!done_) {
      out_->truncated = true;  // the document ended before the root closed
    }
  }

 private:
  enum class Root { kNone, kUrlset, kSitemapIndex, kOther };

  // Elements nested deeper than this are irrelevant to a sitemap; their
  // names are not kept, which bounds memory on "<a><a><a>...".
  static constexpr size_t kMaxNamedDepth = 64;

  // Handles the text or markup at `pos`; returns where the next starts.
  size_t Step(size_t pos) {
    if (doc_[pos] != '<') {
      size_t lt = doc_.find('<', pos);
      if (lt == std::string_view::npos) lt = doc_.size();
      if (collecting_ && depth_ == 3) {
        AppendDecoded(doc_.substr(pos, lt - pos), &loc_);
      }
      return lt;
    }
    const std::string_view rest = doc_.substr(pos);
    if (rest.starts_with("<!--")) return SkipPast(pos + 4, "-->");
    if (rest.starts_with("<![CDATA[")) {
      const size_t end = doc_.find("]]>", pos + 9);
      if (end == std::string_view::npos) return doc_.size();
      if (collecting_ && depth_ == 3) {
        loc_.append(doc_.substr(pos + 9, end - pos - 9));
      }
      return end + 3;
    }
    if (rest.starts_with("<?")) return SkipPast(pos + 2, "?>");
    if (rest.starts_with("<!")) return SkipDeclaration(pos + 2);
    const bool end_tag = rest.starts_with("</");
    const size_t name_start = pos + (end_tag ? 2 : 1);
    size_t name_end = name_start;
    while (name_end < doc_.size() && !IsXmlSpace(doc_[name_end]) &&
           doc_[name_end] != '>' && doc_[name_end] != '/' &&
           doc_[name_end] != '<') {
      ++name_end;
    }
    if (name_end == name_start) {
      // A lone '<' is not markup; sloppy documents have them in text.
      if (collecting_ && depth_ == 3) loc_.push_back('<');
      return pos + 1;
    }
    const std::string_view name =
        doc_.substr(name_start, name_end - name_start);
    const size_t close = FindTagEnd(name_end);
    if (close == std::string_view::npos) return doc_.size();
    if (end_tag) {
      EndTag(name);
    } else {
      StartTag(name);
      if (close > name_end && doc_[close - 1] == '/') EndTag(name);
    }
    return close + 1;
  }

  size_t SkipPast(size_t from, std::string_view terminator) const {
    const size_t end = doc_.find(terminator, from);
    return end == std::string_view::npos ? doc_.size()
                                         : end + terminator.size();
  }

  // Skips "<!DOCTYPE ... [ internal subset ]>" and other declarations.
  size_t SkipDeclaration(size_t pos) const {
    int brackets = 0;
    while (pos < doc_.size()) {
      const char c = doc_[pos];
      if (c == '"' || c == '\'') {
        pos = doc_.find(c, pos + 1);
        if (pos == std::string_view::npos) return doc_.size();
      } else if (c == '[') {
        ++brackets;
      } else if (c == ']' && brackets > 0) {
        --brackets;
      } else if (c == '>' && brackets == 0) {
        return pos + 1;
      }
      ++pos;
    }
    return doc_.size();
  }

  // The '>' ending a tag whose attributes start at `pos` ('>' may appear in
  // quoted attribute values), or npos when the document ends first.
  size_t FindTagEnd(size_t pos) const {
    while (pos < doc_.size()) {
      const char c = doc_[pos];
      if (c == '>') return pos;
      if (c == '"' || c == '\'') {
        pos = doc_.find(c, pos + 1);
        if (pos == std::string_view::npos) return pos;
      }
      ++pos;
    }
    return std::string_view::npos;
  }

  static std::string_view LocalName(std::string_view name) {
    const size_t colon = name.rfind(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
  }

  void StartTag(std::string_view name) {
    const std::string_view local = LocalName(name);
    if (depth_ == 0) {
      if (local == "urlset") {
        root_ = Root::kUrlset;
      } else if (local == "sitemapindex") {
        root_ = Root::kSitemapIndex;
      } else {
        root_ = Root::kOther;
        out_->error = "not a sitemap";
        done_ = true;
        return;
      }
    } else if (depth_ == 1) {
      in_entry_ = (root_ == Root::kUrlset && local == "url") ||
                  (root_ == Root::kSitemapIndex && local == "sitemap");
    } else if (depth_ == 2 && in_entry_ && local == "loc") {
      collecting_ = true;
      loc_.clear();
    }
    ++depth_;
    if (names_.size() < kMaxNamedDepth) names_.emplace_back(name);
  }

  void EndTag(std::string_view name) {
    if (depth_ == 0) return;
    if (depth_ > names_.size()) {
      Pop();  // an unnamed deep element: assume the end tag matches it
      return;
    }
    // Close elements up to the innermost one of this name; an end tag that
    // matches nothing open is ignored.
    const auto it = std::find(names_.rbegin(), names_.rend(), name);
    if (it == names_.rend()) return;
    const size_t target =
        names_.size() - 1 - static_cast<size_t>(it - names_.rbegin());
    while (!done_ && depth_ > target) Pop();
  }

  void Pop() {
    if (depth_ == 3 && collecting_) {
      collecting_ = false;
      Emit();
    } else if (depth_ == 2) {
      in_entry_ = false;
    } else if (depth_ == 1) {
      done_ = true;  // the root closed: anything after it is not ours
    }
    --depth_;
    if (names_.size() > depth_) names_.resize(depth_);
  }

  void Emit() {
    const std::string_view value = TrimXmlSpace(loc_);
    if (value.empty()) return;
    if (out_->urls.size() + out_->sitemaps.size() >= max_urls_) {
      out_->truncated = true;
      done_ = true;
      return;
    }
    (root_ == Root::kUrlset ? out_->urls : out_->sitemaps).emplace_back(value);
  }

  const std::string_view doc_;
  const size_t max_urls_;
  SitemapContents* const out_;
  Root root_ = Root::kNone;
  size_t depth_ = 0;
  std::vector<std::string> names_;  // qualified names of the open elements
  bool in_entry_ = false;           // inside a <url> or <sitemap>
  bool collecting_ = false;         // inside its <loc>
  bool done_ = false;
  std::string loc_;
};

// "scheme://" followed by at least one byte, no whitespace or controls.
bool LooksLikeAbsoluteUrl(std::string_view line) {
  size_t i = 0;
  while (i < line.size() &&
         ((line[i] >= 'a' && line[i] <= 'z') ||
          (line[i] >= 'A' && line[i] <= 'Z') ||
          (i > 0 && ((line[i] >= '0' && line[i] <= '9') || line[i] == '+' ||
                     line[i] == '-' || line[i] == '.')))) {
    ++i;
  }
  if (i == 0 || line.substr(i, 3) != "://" || line.size() == i + 3) {
    return false;
  }
  return std::none_of(line.begin(), line.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
  });
}

// One URL per line. When the body was cut, its last unterminated line may be
// a partial URL and is dropped.
void ParsePlainText(std::string_view text, bool cut, size_t max_urls,
                    SitemapContents* out) {
  bool any_url = false;
  while (!text.empty()) {
    const size_t eol = text.find_first_of("\r\n");
    if (eol == std::string_view::npos && cut) break;
    const std::string_view line =
        TrimXmlSpace(text.substr(0, eol));  // also drops a stray CR
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (!LooksLikeAbsoluteUrl(line)) continue;
    any_url = true;
    if (out->urls.size() >= max_urls) {
      out->truncated = true;
      return;
    }
    out->urls.emplace_back(line);
  }
  if (!any_url) out->error = "not a sitemap";
}

}  // namespace

SitemapContents ParseSitemap(std::string_view body, size_t max_bytes,
                             size_t max_urls) {
  SitemapContents result;
  // Owns the inflated text when the body was gzipped; `text` views it.
  std::string inflated;
  std::string_view text = body;
  bool cut = false;
  // Two layers at most: a .gz file served with Content-Encoding: gzip by a
  // server whose client did not undo it. Deeper nesting is not a sitemap.
  for (int layer = 0; layer < 2 && config::IsGzip(text); ++layer) {
    config::Inflated next = config::Inflate(text, max_bytes);
    if (next.data.empty()) {
      result.error = next.cut ? "bad gzip" : "empty body";
      return result;
    }
    cut = cut || next.cut;
    inflated = std::move(next.data);
    text = inflated;
  }
  if (text.size() > max_bytes) {
    text = text.substr(0, max_bytes);
    cut = true;
  }
  result.truncated = cut;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  const size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) {
    result.error = "empty body";
    return result;
  }
  text.remove_prefix(start);
  if (text.front() == '<') {
    XmlScanner(text, max_urls, &result).Run();
  } else {
    ParsePlainText(text, cut, max_urls, &result);
  }
  if (!result.error.empty()) {
    result.urls.clear();
    result.sitemaps.clear();
  }
  return result;
}

}  // namespace crawlbox::parser
