// Selector: a recursive-descent parser for the supported CSS subset, and a
// right-to-left matcher that memoises partial matches per call so hostile pages
// cannot make it backtrack without end.
#include "parser/css_selector.h"

#include <gumbo.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "parser/charset_decode.h"
#include "parser/dom.h"

namespace crawlbox::parser {
namespace {

using config::Status;

// `#x` compiles to [id=x], `.x` to [class~=x], :first-child to
// :nth-child(1), :last-child to :nth-last-child(1) and :only-child to both.
enum class Kind {
  kExists,     // [a]
  kEquals,     // [a=v]
  kIncludes,   // [a~=v]
  kDashMatch,  // [a|=v]
  kPrefix,     // [a^=v]
  kSuffix,     // [a$=v]
  kSubstring,  // [a*=v]
  kNthChild,
  kNthLastChild,
  kNot,
};

enum class Combinator { kDescendant, kChild, kAdjacent, kSibling };

struct Compound;

// One simple selector other than a type selector.
struct Simple {
  Kind kind = Kind::kExists;
  bool ignore_case = false;  // the ` i` flag of an attribute selector
  std::string name;          // attribute name, ASCII-lowercased
  std::string value;         // attribute value, escapes resolved
  int64_t a = 0;             // An+B of :nth-child / :nth-last-child
  int64_t b = 0;
  std::vector<Compound> negated;  // the arguments of :not()
};

struct Compound {
  std::string tag;  // ASCII-lowercased; empty for `*` or no type selector
  std::vector<Simple> simples;
};

// compounds[0] combinators[0] compounds[1] ...; the last is the subject.
struct Complex {
  std::vector<Compound> compounds;
  std::vector<Combinator> combinators;
  size_t memo_base = 0;  // memo slot of compounds[0]; the others follow
};

bool IsWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) {
  return IsDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}
bool IsNameStart(char c) {
  return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsNameChar(char c) { return IsNameStart(c) || IsDigit(c) || c == '-'; }
char ToLowerAscii(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ToLowerAscii(c);
  return out;
}

bool EqualText(std::string_view a, std::string_view b, bool ignore_case) {
  if (a.size() != b.size()) return false;
  if (!ignore_case) return a == b;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLowerAscii(a[i]) != ToLowerAscii(b[i])) return false;
  }
  return true;
}

// Whether the whitespace-separated list `list` holds `word`.
bool ContainsWord(std::string_view list, std::string_view word,
                  bool ignore_case) {
  for (size_t i = 0; i < list.size();) {
    while (i < list.size() && IsWhitespace(list[i])) ++i;
    size_t start = i;
    while (i < list.size() && !IsWhitespace(list[i])) ++i;
    std::string_view token = list.substr(start, i - start);
    if (!token.empty() && EqualText(token, word, ignore_case)) return true;
  }
  return false;
}

// Text for an error line, with control characters escaped to keep it one line.
std::string Printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    char buf[8];
    bool control = c < 0x20 || c == 0x7F;
    std::snprintf(buf, sizeof(buf), control ? "\\x%02X" : "%c", c);
    out += buf;
  }
  return out;
}

constexpr int64_t kMaxNthNumber = 1000000000;

constexpr std::pair<std::string_view, Kind> kOperators[] = {
    {"=", Kind::kEquals},  {"~=", Kind::kIncludes}, {"|=", Kind::kDashMatch},
    {"^=", Kind::kPrefix}, {"$=", Kind::kSuffix},   {"*=", Kind::kSubstring},
};

// Each Parse* function returns false after recording the first error.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Status ParseGroup(std::vector<Complex>* group) {
    SkipWhitespace();
    while (true) {
      group->emplace_back();
      if (!ParseComplex(&group->back())) return error_;
      if (AtEnd()) return Status::Ok();
      ++pos_;  // ParseComplex stops only at the end or at a ','
      SkipWhitespace();
    }
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  bool SkipWhitespace() {
    size_t start = pos_;
    while (IsWhitespace(Peek())) ++pos_;
    return pos_ != start;
  }
  bool Consume(char c) {
    if (AtEnd() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  // A backslash followed by anything but a newline starts an escape.
  bool IsEscapeAt(size_t at) const {
    return at + 1 < text_.size() && text_[at] == '\\' &&
           text_[at + 1] != '\n' && text_[at + 1] != '\r' &&
           text_[at + 1] != '\f';
  }
  bool AtIdentStart() const {
    if (Peek() == '-' && Peek(1) == '-') return true;
    size_t at = Peek() == '-' ? pos_ + 1 : pos_;
    return at < text_.size() && (IsNameStart(text_[at]) || IsEscapeAt(at));
  }

  // Records "expected <expected>, found <found> at column N of "<text>"",
  // where `found` defaults to the character at `at`.
  bool Fail(size_t at, std::string_view expected, std::string_view found = {}) {
    std::string what = "the end of the selector";
    if (!found.empty()) {
      what = "\"" + Printable(found) + "\"";
    } else if (at < text_.size()) {
      unsigned char c = static_cast<unsigned char>(text_[at]);
      size_t length = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      what = "\"" + Printable(text_.substr(at, length)) + "\"";
    }
    size_t column = 1;  // in characters: UTF-8 continuation bytes don't count
    for (size_t i = 0; i < at && i < text_.size(); ++i) {
      if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
    }
    error_ = Status::InvalidArgument("expected " + std::string(expected) +
                                     ", found " + what + " at column " +
                                     std::to_string(column) + " of \"" +
                                     Printable(text_) + "\"");
    return false;
  }
  bool Expected(std::string_view expected) { return Fail(pos_, expected); }

  // After the backslash of an escape.
  void ConsumeEscape(std::string* out) {
    if (!IsHexDigit(Peek())) {
      out->push_back(text_[pos_++]);
      return;
    }
    uint32_t cp = 0;
    for (int n = 0; n < 6 && IsHexDigit(Peek()); ++n) {
      char c = text_[pos_++];
      cp = cp * 16 + (IsDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    // One whitespace character ends a hex escape ("\31 23" is "123").
    if (Peek() == '\r' && Peek(1) == '\n') ++pos_;
    if (IsWhitespace(Peek())) ++pos_;
    bool invalid = cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF;
    AppendUtf8(invalid ? 0xFFFD : cp, out);
  }

  bool ParseIdent(std::string_view expected, std::string* out) {
    if (!AtIdentStart()) return Expected(expected);
    while (!AtEnd()) {
      if (IsNameChar(Peek())) {
        out->push_back(text_[pos_++]);
      } else if (IsEscapeAt(pos_)) {
        ++pos_;
        ConsumeEscape(out);
      } else {
        break;
      }
    }
    return true;
  }

  // At the opening quote.
  bool ParseString(std::string* out) {
    const char quote = text_[pos_++];
    while (!AtEnd()) {
      char c = text_[pos_];
      if (c == quote) {
        ++pos_;
        return true;
      }
      if (c == '\n' || c == '\r' || c == '\f') {
        return Expected("the closing quote of the string before the newline");
      }
      ++pos_;
      if (c != '\\') {
        out->push_back(c);
      } else if (Peek() == '\n' || Peek() == '\f') {
        ++pos_;  // an escaped newline continues the string
      } else if (Peek() == '\r') {
        pos_ += Peek(1) == '\n' ? 2 : 1;
      } else if (!AtEnd()) {
        ConsumeEscape(out);
      }
    }
    return Expected("the closing quote of the string");
  }

  bool ParseComplex(Complex* out) {
    while (true) {
      out->compounds.emplace_back();
      if (!ParseCompound(0, &out->compounds.back())) return false;
      bool had_space = SkipWhitespace();
      if (AtEnd() || Peek() == ',') return true;
      // kChild, kAdjacent and kSibling follow kDescendant as in " >+~".
      size_t symbol = std::string_view(" >+~").find(Peek(), 1);
      if (symbol == std::string_view::npos) {
        if (!had_space) {
          return Expected("a combinator, \",\" or the end of the selector");
        }
        symbol = 0;
      }
      pos_ += symbol > 0 ? 1 : 0;
      out->combinators.push_back(static_cast<Combinator>(symbol));
      SkipWhitespace();
    }
  }

  bool ParseCompound(int not_depth, Compound* out) {
    const size_t start = pos_;
    if (!Consume('*') && AtIdentStart()) {
      if (!ParseIdent("a tag name", &out->tag)) return false;
      out->tag = LowerAscii(out->tag);
    }
    for (char c = Peek(); c == '#' || c == '.' || c == '[' || c == ':';
         c = Peek()) {
      ++pos_;
      bool ok;
      if (c == '#' || c == '.') {
        Simple& simple = out->simples.emplace_back();
        simple.kind = c == '#' ? Kind::kEquals : Kind::kIncludes;
        simple.name = c == '#' ? "id" : "class";
        ok = ParseIdent(
            c == '#' ? "an id after \"#\"" : "a class name after \".\"",
            &simple.value);
      } else {
        ok = c == '[' ? ParseAttribute(out) : ParsePseudo(not_depth, out);
      }
      if (!ok) return false;
    }
    if (pos_ > start) return true;
    return Expected(
        "a selector (tag, *, #id, .class, [attribute] or :pseudo-class)");
  }

  // After the '['.
  bool ParseAttribute(Compound* compound) {
    Simple simple;
    SkipWhitespace();
    if (!ParseIdent("an attribute name", &simple.name)) return false;
    simple.name = LowerAscii(simple.name);
    SkipWhitespace();
    if (!Consume(']')) {
      for (const auto& [op, kind] : kOperators) {
        if (text_.substr(pos_, op.size()) != op) continue;
        simple.kind = kind;
        pos_ += op.size();
        break;
      }
      if (simple.kind == Kind::kExists) {
        return Expected("\"]\" or an operator (=, ~=, |=, ^=, $=, *=)");
      }
      SkipWhitespace();
      const bool ok =
          Peek() == '"' || Peek() == '\''
              ? ParseString(&simple.value)
              : ParseIdent("an identifier or a quoted string", &simple.value);
      if (!ok) return false;
      SkipWhitespace();
      if (AtIdentStart()) {
        const size_t at = pos_;
        std::string flag;
        ParseIdent("a flag", &flag);
        flag = LowerAscii(flag);
        if (flag != "i" && flag != "s") {
          return Fail(at, "\"]\" or the flag i or s",
                      text_.substr(at, pos_ - at));
        }
        simple.ignore_case = flag == "i";
        SkipWhitespace();
      }
      if (!Consume(']')) return Expected("\"]\"");
    }
    compound->simples.push_back(std::move(simple));
    return true;
  }

  // After the ':'.
  bool ParsePseudo(int not_depth, Compound* compound) {
    const size_t at = pos_ - 1;
    if (Peek() == ':') {
      return Expected("a pseudo-class name (pseudo-elements are unsupported)");
    }
    std::string name;
    if (!ParseIdent("a pseudo-class name", &name)) return false;
    name = LowerAscii(name);
    const bool function = Consume('(');
    const bool first = name == "first-child" || name == "only-child";
    const bool last = name == "last-child" || name == "only-child";
    if (!function && (first || last)) {
      for (Kind kind : {Kind::kNthChild, Kind::kNthLastChild}) {
        if (kind == Kind::kNthChild ? !first : !last) continue;
        Simple& simple = compound->simples.emplace_back();
        simple.kind = kind;
        simple.b = 1;
      }
      return true;
    }
    if (function && (name == "nth-child" || name == "nth-last-child")) {
      Simple& simple = compound->simples.emplace_back();
      simple.kind = name == "nth-child" ? Kind::kNthChild : Kind::kNthLastChild;
      return ParseNth(&simple);
    }
    if (!function || name != "not") {
      return Fail(at,
                  "a supported pseudo-class (:first-child, :last-child, "
                  ":only-child, :nth-child(), :nth-last-child() or :not())",
                  text_.substr(at, pos_ - at));
    }
    if (not_depth >= Selector::kMaxNotDepth) {
      std::string limit = std::to_string(Selector::kMaxNotDepth);
      return Fail(at, "at most " + limit + " nested :not()", ":not(");
    }
    Simple& simple = compound->simples.emplace_back();
    simple.kind = Kind::kNot;
    do {
      SkipWhitespace();
      if (!ParseCompound(not_depth + 1, &simple.negated.emplace_back())) {
        return false;
      }
      SkipWhitespace();
    } while (Consume(','));
    return Consume(')') || Expected("\",\" or \")\" in :not()");
  }

  bool ConsumeKeyword(std::string_view word) {
    if (!EqualText(text_.substr(pos_, word.size()), word, true) ||
        IsNameChar(Peek(word.size())) || IsEscapeAt(pos_ + word.size())) {
      return false;
    }
    pos_ += word.size();
    return true;
  }

  bool ParseNumber(int64_t* out) {
    const size_t start = pos_;
    for (*out = 0; IsDigit(Peek());) {
      *out = *out * 10 + (text_[pos_++] - '0');
      if (*out > kMaxNthNumber) {
        std::string digits(text_.substr(start, pos_ - start));
        return Fail(start, "a number up to " + std::to_string(kMaxNthNumber),
                    digits + "...");
      }
    }
    return true;
  }

  // After the '(' of :nth-child( or :nth-last-child(: An+B, odd or even, ')'.
  bool ParseNth(Simple* simple) {
    SkipWhitespace();
    if (ConsumeKeyword("odd") || ConsumeKeyword("even")) {
      simple->a = 2;
      simple->b = ToLowerAscii(text_[pos_ - 1]) == 'd' ? 1 : 0;  // odd, even
    } else {
      int64_t sign = 1;
      if (Peek() == '+' || Peek() == '-') sign = text_[pos_++] == '-' ? -1 : 1;
      const bool has_number = IsDigit(Peek());
      int64_t number = 1;
      if (has_number && !ParseNumber(&number)) return false;
      if (Peek() == 'n' || Peek() == 'N') {
        ++pos_;
        simple->a = sign * number;
        SkipWhitespace();
        if (Peek() == '+' || Peek() == '-') {
          sign = text_[pos_++] == '-' ? -1 : 1;
          SkipWhitespace();
          if (!IsDigit(Peek())) return Expected("a number after the sign");
          if (!ParseNumber(&number)) return false;
          simple->b = sign * number;
        }
      } else if (has_number) {
        simple->b = sign * number;
      } else {
        return Expected("An+B (such as 2n+1, -n+3 or 4), odd or even");
      }
    }
    SkipWhitespace();
    return Consume(')') || Expected("\")\" after An+B");
  }

  std::string_view text_;
  size_t pos_ = 0;
  Status error_;
};

// Whether position p (1-based) is A*n+B for some n >= 0.
bool MatchesNth(int64_t a, int64_t b, int64_t p) {
  if (p <= 0) return false;
  if (a == 0) return p == b;
  return (p - b) % a == 0 && (p - b) / a >= 0;
}

bool MatchesAttribute(const Simple& simple, const char* attribute) {
  if (attribute == nullptr) return false;
  std::string_view value(attribute);
  std::string_view want(simple.value);
  const bool ic = simple.ignore_case;
  const size_t n = want.size();
  switch (simple.kind) {
    case Kind::kExists:
      return true;
    case Kind::kEquals:
      return EqualText(value, want, ic);
    case Kind::kIncludes:
      // A value with whitespace in it can never be one entry of the list.
      return n > 0 && want.find_first_of(" \t\n\r\f") == want.npos &&
             ContainsWord(value, want, ic);
    case Kind::kDashMatch:
      return EqualText(value, want, ic) ||
             (value.size() > n && value[n] == '-' &&
              EqualText(value.substr(0, n), want, ic));
    case Kind::kPrefix:
      return n > 0 && value.size() >= n &&
             EqualText(value.substr(0, n), want, ic);
    case Kind::kSuffix:
      return n > 0 && value.size() >= n &&
             EqualText(value.substr(value.size() - n), want, ic);
    case Kind::kSubstring:
      return n > 0 && (ic ? LowerAscii(value).find(LowerAscii(want))
                          : value.find(want)) != value.npos;
    default:
      return false;
  }
}

// Bits of the memo entry of (compound i, element e): whether compounds[0..i]
// match with e in the place of compounds[i] (kMatch*); whether e or one of its
// ancestors does (kUp*); whether e or one of its earlier siblings does
// (kBack*).
constexpr uint8_t kMatchKnown = 1;
constexpr uint8_t kMatchTrue = 2;
constexpr uint8_t kUpKnown = 4;
constexpr uint8_t kUpTrue = 8;
constexpr uint8_t kBackKnown = 16;
constexpr uint8_t kBackTrue = 32;

// The state of one Matches/Select/MatchesSelfOrAncestor call. Right to left:
// the subject compound is tested first, then each combinator walks to candidate
// elements for the compound on its left. Every (compound, element) answer is
// memoised, and a walk up or back stops at the first element whose answer is
// known, so no element is visited twice per compound however the selector
// backtracks. Recursion depth is bounded by the number of compounds.
class Matcher {
 public:
  Matcher(const std::vector<Complex>& group, size_t compound_count)
      : group_(group), memo_(compound_count) {}

  bool MatchesAny(const GumboNode* element) {
    for (const Complex& complex : group_) {
      if (MatchesAt(complex, complex.compounds.size() - 1, element)) {
        return true;
      }
    }
    return false;
  }

 private:
  // Whether compounds[0..i] match with `element` in the place of compounds[i].
  bool MatchesAt(const Complex& complex, size_t i, const GumboNode* element) {
    // A call tests each subject once, so only the other compounds' answers are
    // kept. unordered_map never moves its entries: `flags` outlives inserts.
    uint8_t* flags = i + 1 < complex.compounds.size()
                         ? &memo_[complex.memo_base + i][element]
                         : nullptr;
    if (flags != nullptr && (*flags & kMatchKnown)) return *flags & kMatchTrue;
    bool match = MatchesCompound(complex.compounds[i], element) &&
                 (i == 0 || MatchesLeft(complex, i, element));
    if (flags != nullptr) *flags |= kMatchKnown | (match ? kMatchTrue : 0);
    return match;
  }

  // Whether compounds[0..i-1] match an element that combinators[i-1] relates
  // to `element`.
  bool MatchesLeft(const Complex& complex, size_t i, const GumboNode* element) {
    const Combinator combinator = complex.combinators[i - 1];
    const bool up = combinator == Combinator::kChild ||
                    combinator == Combinator::kDescendant;
    const GumboNode* next =
        up ? ParentElement(element) : PreviousElementSibling(element);
    if (next == nullptr) return false;
    if (combinator == Combinator::kChild ||
        combinator == Combinator::kAdjacent) {
      return MatchesAt(complex, i - 1, next);
    }
    return MatchesAlong(complex, i - 1, next, up);
  }

  // Whether MatchesAt(complex, i, e) holds for `start` or an element after it
  // on the walk up (ancestors) or back (earlier siblings). Iterative; the
  // answer is stored for every element walked, so later walks stop there.
  bool MatchesAlong(const Complex& complex, size_t i, const GumboNode* start,
                    bool up) {
    const uint8_t known = up ? kUpKnown : kBackKnown;
    const uint8_t yes = up ? kUpTrue : kBackTrue;
    auto& memo = memo_[complex.memo_base + i];
    std::vector<const GumboNode*> walked;
    bool found = false;
    for (const GumboNode* node = start; node != nullptr;
         node = up ? ParentElement(node) : PreviousElementSibling(node)) {
      uint8_t flags = memo[node];
      if (flags & known) {
        found = flags & yes;
        break;
      }
      walked.push_back(node);
      if (MatchesAt(complex, i, node)) {
        found = true;
        break;
      }
    }
    for (const GumboNode* node : walked) {
      memo[node] |= known | (found ? yes : 0);
    }
    return found;
  }

  bool MatchesCompound(const Compound& compound, const GumboNode* element) {
    if (!compound.tag.empty() && TagName(element) != compound.tag) return false;
    for (const Simple& simple : compound.simples) {
      if (!MatchesSimple(simple, element)) return false;
    }
    return true;
  }

  bool MatchesSimple(const Simple& simple, const GumboNode* element) {
    switch (simple.kind) {
      case Kind::kNthChild:
        return MatchesNth(simple.a, simple.b, Position(element).first);
      case Kind::kNthLastChild:
        return MatchesNth(simple.a, simple.b, Position(element).second);
      case Kind::kNot:
        for (const Compound& negated : simple.negated) {
          if (MatchesCompound(negated, element)) return false;
        }
        return true;
      default:
        return MatchesAttribute(simple, Attribute(element, simple.name));
    }
  }

  // The 1-based position of `element` among its parent's element children,
  // from the first and from the last. The first query for a parent numbers all
  // its children at once, so :nth-child over 100k siblings stays linear.
  std::pair<int64_t, int64_t> Position(const GumboNode* element) {
    auto it = positions_.find(element);
    if (it != positions_.end()) return it->second;
    std::vector<const GumboNode*> siblings;
    const GumboNode* parent = element->parent;
    const GumboNode* first =
        parent != nullptr ? NextElement(parent, parent) : element;
    for (const GumboNode* node = first; node != nullptr;
         node = NextElementSibling(node)) {
      siblings.push_back(node);
    }
    const int64_t count = static_cast<int64_t>(siblings.size());
    for (int64_t k = 0; k < count; ++k) {
      positions_[siblings[k]] = {k + 1, count - k};
    }
    return positions_[element];
  }

  const std::vector<Complex>& group_;
  // Per compound of the group (Complex::memo_base + index): element -> bits.
  std::vector<std::unordered_map<const GumboNode*, uint8_t>> memo_;
  std::unordered_map<const GumboNode*, std::pair<int64_t, int64_t>> positions_;
};

}  // namespace

struct Selector::Compiled {
  std::string text;
  std::vector<Complex> group;
  size_t compound_count = 0;  // over the whole group
};

Selector::Selector() = default;

Selector::Selector(std::shared_ptr<const Compiled> compiled)
    : compiled_(std::move(compiled)) {}

config::Result<Selector> Selector::Parse(std::string_view text) {
  auto compiled = std::make_shared<Compiled>();
  compiled->text = std::string(text);
  Parser parser(compiled->text);
  if (Status s = parser.ParseGroup(&compiled->group); !s.ok()) return s;
  for (Complex& complex : compiled->group) {
    complex.memo_base = compiled->compound_count;
    compiled->compound_count += complex.compounds.size();
  }
  return Selector(std::move(compiled));
}

bool Selector::Matches(const GumboNode* element) const {
  if (compiled_ == nullptr || !IsElement(element)) return false;
  Matcher matcher(compiled_->group, compiled_->compound_count);
  return matcher.MatchesAny(element);
}

bool Selector::MatchesSelfOrAncestor(const GumboNode* node) const {
  if (compiled_ == nullptr) return false;
  Matcher matcher(compiled_->group, compiled_->compound_count);
  for (const GumboNode* n = node; n != nullptr; n = n->parent) {
    if (IsElement(n) && matcher.MatchesAny(n)) return true;
  }
  return false;
}

void Selector::Select(const GumboNode* root,
                      std::vector<const GumboNode*>* out) const {
  out->clear();
  if (compiled_ == nullptr) return;
  Matcher matcher(compiled_->group, compiled_->compound_count);
  ForEachElement(root, [&](const GumboNode* element) {
    if (matcher.MatchesAny(element)) out->push_back(element);
  });
}

const std::string& Selector::text() const {
  static const std::string* const kEmpty = new std::string();
  return compiled_ != nullptr ? compiled_->text : *kEmpty;
}

}  // namespace crawlbox::parser
