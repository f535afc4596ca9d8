// The byte-level steps of the HTML standard's encoding sniffing algorithm
// (https://html.spec.whatwg.org/multipage/parsing.html#encoding-sniffing-algorithm):
// BOM, the Content-Type charset parameter, and the <meta> prescan with its
// "get an attribute" algorithm, followed step by step.
#include "parser/charset_sniff.h"

#include <algorithm>
#include <string>
#include <vector>

namespace crawlbox::parser {

namespace {

// The HTML standard's ASCII whitespace (TAB, LF, FF, CR, SPACE).
bool IsSpace(char c) {
  return c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' ';
}

// HTTP whitespace, used by MIME type parsing (no FF).
bool IsHttpSpace(char c) {
  return c == '\t' || c == '\n' || c == '\r' || c == ' ';
}

bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char Lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// True when `text` at `pos` starts with `lower_word`, ignoring ASCII case.
bool MatchesAt(std::string_view text, size_t pos, std::string_view lower_word) {
  if (pos > text.size() || text.size() - pos < lower_word.size()) return false;
  for (size_t i = 0; i < lower_word.size(); ++i) {
    if (Lower(text[pos + i]) != lower_word[i]) return false;
  }
  return true;
}

std::string_view TrimHttpSpace(std::string_view text) {
  while (!text.empty() && IsHttpSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsHttpSpace(text.back())) text.remove_suffix(1);
  return text;
}

struct Attribute {
  std::string name;   // lowercase
  std::string value;  // lowercase
};

enum class GetResult { kAttribute, kNone, kEndOfInput };

// The standard's "get an attribute". Lowercasing only ASCII letters matches
// its "append the code point 0x20 more than the byte". Running out of bytes
// (an incomplete tag at the end of the prescanned bytes) ends the whole
// prescan with nothing found.
GetResult GetAttribute(std::string_view s, size_t* position, Attribute* attr) {
  size_t& p = *position;
  auto at_end = [&] { return p >= s.size(); };
  attr->name.clear();
  attr->value.clear();
  while (!at_end() && (IsSpace(s[p]) || s[p] == '/')) ++p;
  if (at_end()) return GetResult::kEndOfInput;
  if (s[p] == '>') return GetResult::kNone;
  // Name.
  while (true) {
    if (at_end()) return GetResult::kEndOfInput;
    char c = s[p];
    if (c == '=' && !attr->name.empty()) {
      ++p;
      break;  // to the value
    }
    if (IsSpace(c)) {
      while (!at_end() && IsSpace(s[p])) ++p;
      if (at_end()) return GetResult::kEndOfInput;
      if (s[p] != '=') return GetResult::kAttribute;  // no value
      ++p;
      break;  // to the value
    }
    if (c == '/' || c == '>') return GetResult::kAttribute;
    attr->name.push_back(Lower(c));
    ++p;
  }
  // Value.
  while (!at_end() && IsSpace(s[p])) ++p;
  if (at_end()) return GetResult::kEndOfInput;
  char c = s[p];
  if (c == '"' || c == '\'') {
    char quote = c;
    while (true) {
      ++p;
      if (at_end()) return GetResult::kEndOfInput;
      if (s[p] == quote) {
        ++p;
        return GetResult::kAttribute;
      }
      attr->value.push_back(Lower(s[p]));
    }
  }
  if (c == '>') return GetResult::kAttribute;  // empty value
  while (true) {
    if (at_end()) return GetResult::kEndOfInput;
    c = s[p];
    if (IsSpace(c) || c == '>') return GetResult::kAttribute;
    attr->value.push_back(Lower(c));
    ++p;
  }
}

// What a <meta> tag declares, from its attributes, per the prescan's rules.
enum class MetaCharset { kNull, kFailure, kFound };

// Reads the attributes of a <meta> tag from *position (just after "<meta").
// Returns false when the input ends first. On return *found is the declared
// encoding, or nullptr when the tag declares none that counts.
bool ReadMeta(std::string_view s, size_t* position, const CharsetInfo** found) {
  *found = nullptr;
  std::vector<std::string> seen;
  bool got_pragma = false;
  enum { kUnset, kNeed, kNoNeed } need_pragma = kUnset;
  MetaCharset state = MetaCharset::kNull;
  const CharsetInfo* charset = nullptr;
  Attribute attr;
  while (true) {
    GetResult got = GetAttribute(s, position, &attr);
    if (got == GetResult::kEndOfInput) return false;
    if (got == GetResult::kNone) break;
    if (std::find(seen.begin(), seen.end(), attr.name) != seen.end()) {
      continue;  // only the first of a repeated attribute counts
    }
    seen.push_back(attr.name);
    if (attr.name == "http-equiv") {
      if (attr.value == "content-type") got_pragma = true;
    } else if (attr.name == "content") {
      const CharsetInfo* from_content =
          FindCharset(ExtractMetaContentCharset(attr.value));
      if (from_content != nullptr && state == MetaCharset::kNull) {
        charset = from_content;
        state = MetaCharset::kFound;
        need_pragma = kNeed;
      }
    } else if (attr.name == "charset") {
      charset = FindCharset(attr.value);
      state = charset != nullptr ? MetaCharset::kFound : MetaCharset::kFailure;
      need_pragma = kNoNeed;
    }
  }
  if (need_pragma == kUnset) return true;
  if (need_pragma == kNeed && !got_pragma) return true;
  if (state != MetaCharset::kFound) return true;
  // A meta can only be read if the bytes are ASCII-compatible, so a UTF-16
  // declaration is wrong and the page is taken to be UTF-8.
  if (charset->decoder == CharsetDecoder::kUtf16Le ||
      charset->decoder == CharsetDecoder::kUtf16Be) {
    charset = &Utf8Charset();
  } else if (charset->decoder == CharsetDecoder::kXUserDefined) {
    charset = &Windows1252Charset();
  }
  *found = charset;
  return true;
}

}  // namespace

const CharsetInfo* SniffBom(std::string_view body, size_t* bom_bytes) {
  *bom_bytes = 0;
  if (body.starts_with("\xEF\xBB\xBF")) {
    *bom_bytes = 3;
    return FindCharset("utf-8");
  }
  if (body.starts_with("\xFE\xFF")) {
    *bom_bytes = 2;
    return FindCharset("utf-16be");
  }
  if (body.starts_with("\xFF\xFE")) {
    *bom_bytes = 2;
    return FindCharset("utf-16le");
  }
  return nullptr;
}

std::string_view ContentTypeCharset(std::string_view content_type) {
  std::string_view s = TrimHttpSpace(content_type);
  // type "/" subtype: without them the value is not a MIME type and has no
  // parameters.
  size_t slash = s.find('/');
  if (slash == 0 || slash == std::string_view::npos) return {};
  size_t p = s.find(';', slash);
  if (TrimHttpSpace(s.substr(slash + 1, p - slash - 1)).empty()) return {};
  while (p < s.size()) {
    ++p;  // past ';'
    while (p < s.size() && IsHttpSpace(s[p])) ++p;
    size_t name_start = p;
    while (p < s.size() && s[p] != ';' && s[p] != '=') ++p;
    std::string_view name = s.substr(name_start, p - name_start);
    if (p >= s.size()) break;
    if (s[p] == ';') continue;
    ++p;  // past '='
    std::string_view value;
    if (p < s.size() && s[p] == '"') {
      size_t value_start = ++p;
      while (p < s.size() && s[p] != '"') {
        if (s[p] == '\\' && p + 1 < s.size()) ++p;
        ++p;
      }
      value = s.substr(value_start, p - value_start);
      p = s.find(';', p);
      if (p == std::string_view::npos) p = s.size();
    } else {
      size_t value_start = p;
      p = s.find(';', p);
      if (p == std::string_view::npos) p = s.size();
      value = TrimHttpSpace(s.substr(value_start, p - value_start));
      if (value.empty()) continue;
    }
    if (name.size() == 7 && MatchesAt(name, 0, "charset")) return value;
  }
  return {};
}

std::string_view ExtractMetaContentCharset(std::string_view content) {
  size_t p = 0;
  while (true) {
    size_t found = std::string_view::npos;
    for (size_t i = p; i + 7 <= content.size(); ++i) {
      if (MatchesAt(content, i, "charset")) {
        found = i;
        break;
      }
    }
    if (found == std::string_view::npos) return {};
    p = found + 7;
    while (p < content.size() && IsSpace(content[p])) ++p;
    if (p >= content.size()) return {};
    if (content[p] != '=') continue;  // look again from this character
    ++p;
    while (p < content.size() && IsSpace(content[p])) ++p;
    if (p >= content.size()) return {};
    char c = content[p];
    if (c == '"' || c == '\'') {
      size_t close = content.find(c, p + 1);
      if (close == std::string_view::npos) return {};
      return content.substr(p + 1, close - p - 1);
    }
    size_t end = p;
    while (end < content.size() && !IsSpace(content[end]) &&
           content[end] != ';') {
      ++end;
    }
    return content.substr(p, end - p);
  }
}

const CharsetInfo* PrescanForMetaCharset(std::string_view body) {
  std::string_view s = body.substr(0, kPrescanBytes);
  size_t p = 0;
  Attribute attr;
  while (p < s.size()) {
    if (s.compare(p, 4, "<!--") == 0) {
      // The closing "-->" may share its dashes with the opening "<!--".
      size_t close = s.find("-->", p + 2);
      if (close == std::string_view::npos) return nullptr;
      p = close + 3;
      continue;
    }
    if (MatchesAt(s, p, "<meta") && p + 5 < s.size() &&
        (IsSpace(s[p + 5]) || s[p + 5] == '/')) {
      p += 5;
      const CharsetInfo* found = nullptr;
      if (!ReadMeta(s, &p, &found)) return nullptr;
      if (found != nullptr) return found;
      ++p;
      continue;
    }
    if (s[p] == '<' && p + 1 < s.size() &&
        (IsAlpha(s[p + 1]) ||
         (s[p + 1] == '/' && p + 2 < s.size() && IsAlpha(s[p + 2])))) {
      // Any other start or end tag: skip its name, then its attributes, so
      // that an attribute value holding "<meta" is not taken for a tag.
      while (p < s.size() && !IsSpace(s[p]) && s[p] != '>') ++p;
      while (true) {
        GetResult got = GetAttribute(s, &p, &attr);
        if (got == GetResult::kEndOfInput) return nullptr;
        if (got == GetResult::kNone) break;
      }
      ++p;
      continue;
    }
    if (s.compare(p, 2, "<!") == 0 || s.compare(p, 2, "</") == 0 ||
        s.compare(p, 2, "<?") == 0) {
      size_t close = s.find('>', p + 2);
      if (close == std::string_view::npos) return nullptr;
      p = close + 1;
      continue;
    }
    ++p;
  }
  return nullptr;
}

SniffedCharset SniffCharset(std::string_view body,
                            std::string_view content_type,
                            std::string_view default_encoding) {
  SniffedCharset sniffed;
  if (const CharsetInfo* bom = SniffBom(body, &sniffed.bom_bytes)) {
    sniffed.charset = bom;
    sniffed.source = "bom";
    return sniffed;
  }
  if (const CharsetInfo* header =
          FindCharset(ContentTypeCharset(content_type))) {
    sniffed.charset = header;
    sniffed.source = "header";
    return sniffed;
  }
  if (const CharsetInfo* meta = PrescanForMetaCharset(body)) {
    sniffed.charset = meta;
    sniffed.source = "meta";
    return sniffed;
  }
  const CharsetInfo* fallback = FindCharset(default_encoding);
  sniffed.charset = fallback != nullptr ? fallback : &Utf8Charset();
  sniffed.source = "default";
  sniffed.utf8_by_default = sniffed.charset == &Utf8Charset();
  return sniffed;
}

}  // namespace crawlbox::parser
