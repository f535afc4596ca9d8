// I-Regexp (RFC 9485) for JSONPath's match() and search(): checks a pattern
// against the I-Regexp grammar and rewrites it into RE2 syntax.
#include <memory>
#include <string>
#include <string_view>

#include "parser/json_path_ast.h"

namespace crawlbox::parser::jsonpath {
namespace {

// Length of the UTF-8 sequence starting at text[at], 0 if it is not one.
// Full validation is RE2's job (UTF-8 mode rejects bad sequences).
size_t Utf8Length(std::string_view text, size_t at) {
  unsigned char c = static_cast<unsigned char>(text[at]);
  size_t length = c < 0x80             ? 1
                  : (c & 0xE0) == 0xC0 ? 2
                  : (c & 0xF0) == 0xE0 ? 3
                  : (c & 0xF8) == 0xF0 ? 4
                                       : 0;
  return at + length <= text.size() ? length : 0;
}

class Translator {
 public:
  explicit Translator(std::string_view p) : p_(p) {}

  // i-regexp = branch *("|" branch); false when `p` is not an I-Regexp.
  bool Run(std::string* out) {
    int depth = 0;
    bool can_quantify = false;  // a quantifier needs an atom before it
    while (i_ < p_.size()) {
      char c = p_[i_];
      switch (c) {
        case '(':
          // Non-capturing: I-Regexp has no backreferences to feed.
          *out += "(?:";
          ++depth;
          ++i_;
          can_quantify = false;
          continue;
        case ')':
          if (depth == 0) return false;
          --depth;
          *out += ')';
          ++i_;
          can_quantify = true;
          continue;
        case '|':
          *out += '|';
          ++i_;
          can_quantify = false;
          continue;
        case '*':
        case '+':
        case '?':
          if (!can_quantify) return false;
          *out += c;
          ++i_;
          can_quantify = false;
          continue;
        case '{':
          if (!can_quantify || !Range(out)) return false;
          can_quantify = false;
          continue;
        case '.':
          // RFC 9485 §5.3: "." matches any character but \n and \r.
          *out += "[^\\n\\r]";
          ++i_;
          break;
        case '[':
          if (!Class(out)) return false;
          break;
        case '\\':
          if (!Escape(out)) return false;
          break;
        case ']':
        case '}':
          return false;
        case '^':
        case '$':
          // RFC 9485's grammar makes these plain characters, but its own
          // mapping to other engines (§5) copies them through as anchors, and
          // the JSONPath Compliance Test Suite expects anchors ("functions,
          // match, explicit caret"): follow the suite.
          *out += c;
          ++i_;
          break;
        default: {
          size_t length = Utf8Length(p_, i_);
          if (length == 0) return false;
          out->append(p_.substr(i_, length));
          i_ += length;
        }
      }
      can_quantify = true;
    }
    return depth == 0;
  }

 private:
  char Peek(size_t ahead = 0) const {
    return i_ + ahead < p_.size() ? p_[i_ + ahead] : '\0';
  }

  // "{" 1*DIGIT ["," [1*DIGIT]] "}", copied as is.
  bool Range(std::string* out) {
    size_t start = i_++;
    auto digits = [this] {
      size_t from = i_;
      while (Peek() >= '0' && Peek() <= '9') ++i_;
      return i_ > from;
    };
    if (!digits()) return false;
    if (Peek() == ',') {
      ++i_;
      digits();
    }
    if (Peek() != '}') return false;
    ++i_;
    out->append(p_.substr(start, i_ - start));
    return true;
  }

  // "\p{Cat}" / "\P{Cat}" with the categories of RFC 9485 §3, copied as is
  // (RE2 knows the same names).
  bool Category(std::string* out) {
    size_t start = i_;  // at the backslash
    i_ += 2;
    if (Peek() != '{') return false;
    ++i_;
    static constexpr std::string_view kCategories[] = {
        "L",  "Ll", "Lm", "Lo", "Lt", "Lu", "M",  "Mc", "Me", "Mn", "N",  "Nd",
        "Nl", "No", "P",  "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "Z",  "Zl",
        "Zp", "Zs", "S",  "Sc", "Sk", "Sm", "So", "C",  "Cc", "Cf", "Cn", "Co"};
    size_t close = p_.find('}', i_);
    if (close == std::string_view::npos) return false;
    std::string_view name = p_.substr(i_, close - i_);
    bool known = false;
    for (std::string_view c : kCategories) known = known || c == name;
    if (!known) return false;
    i_ = close + 1;
    out->append(p_.substr(start, i_ - start));
    return true;
  }

  // SingleCharEsc or a category escape, after which i_ is past it.
  bool Escape(std::string* out) {
    char e = Peek(1);
    if (e == 'p' || e == 'P') return Category(out);
    static constexpr std::string_view kSingle = "()*+-.?[\\]^{|}";
    if (e == 'n' || e == 'r' || e == 't' ||
        (e != '\0' && kSingle.find(e) != std::string_view::npos)) {
      *out += '\\';
      *out += e;
      i_ += 2;
      return true;
    }
    return false;
  }

  // One CCchar: any character but "-", "[", "\", "]", or a SingleCharEsc.
  bool ClassChar(std::string* out) {
    char c = Peek();
    if (c == '\\') {
      if (Peek(1) == 'p' || Peek(1) == 'P') return false;
      return Escape(out);
    }
    if (c == '-' || c == '[' || c == ']' || c == '\0') return false;
    size_t length = Utf8Length(p_, i_);
    if (length == 0) return false;
    if (length == 1 && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                         (c >= 'A' && c <= 'Z'))) {
      *out += '\\';  // RE2 reads escaped punctuation literally
    }
    out->append(p_.substr(i_, length));
    i_ += length;
    return true;
  }

  // "[" ["^"] ("-" / CCE1) *CCE1 ["-"] "]", CCE1 = CCchar ["-" CCchar] /
  // category escape.
  bool Class(std::string* out) {
    *out += '[';
    ++i_;
    if (Peek() == '^') {
      *out += '^';
      ++i_;
    }
    bool first = true;
    for (;;) {
      if (i_ >= p_.size()) return false;
      char c = p_[i_];
      if (c == ']') {
        if (first) return false;
        *out += ']';
        ++i_;
        return true;
      }
      if (c == '-') {
        if (!first && Peek(1) != ']') return false;
        *out += "\\-";
        ++i_;
      } else if (c == '\\' && (Peek(1) == 'p' || Peek(1) == 'P')) {
        if (!Category(out)) return false;
      } else {
        if (!ClassChar(out)) return false;
        if (Peek() == '-' && Peek(1) != ']') {
          *out += '-';
          ++i_;
          if (!ClassChar(out)) return false;
        }
      }
      first = false;
    }
  }

  std::string_view p_;
  size_t i_ = 0;
};

}  // namespace

std::shared_ptr<const RE2> CompileIRegexp(std::string_view pattern) {
  std::string translated;
  if (!Translator(pattern).Run(&translated)) return nullptr;
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingUTF8);
  options.set_log_errors(false);
  auto regex = std::make_shared<const RE2>(translated, options);
  if (!regex->ok()) return nullptr;
  return regex;
}

}  // namespace crawlbox::parser::jsonpath
