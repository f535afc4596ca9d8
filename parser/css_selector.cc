// Selector: a recursive-descent parser for the supported CSS subset, and a right-to-left matcher
// that memoises partial matches per call so hostile pages cannot make it backtrack without end.
#include "parser/css_selector.h"

#include <gumbo.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "parser/dom.h"

namespace crawlbox::parser {
namespace {

using config::Status;

enum class AttributeOp { kExists, kEquals, kIncludes, kDashMatch, kPrefix, kSuffix, kSubstring };

enum class SimpleKind {
  kId,
  kClass,
  kAttribute,
  kFirstChild,
  kLastChild,
  kOnlyChild,
  kNthChild,
  kNthLastChild,
  kNot,
};

enum class Combinator { kDescendant, kChild, kAdjacent, kSibling };

struct Compound;

// One simple selector other than a type selector.
struct Simple {
  SimpleKind kind = SimpleKind::kId;
  AttributeOp op = AttributeOp::kExists;
  bool ignore_case = false;       // the ` i` flag of an attribute selector
  std::string name;               // attribute name, ASCII-lowercased
  std::string value;              // id, class or attribute value, escapes resolved
  int64_t a = 0;                  // An+B of :nth-child / :nth-last-child
  int64_t b = 0;
  std::vector<Compound> negated;  // the arguments of :not()
};

struct Compound {
  std::string tag;  // ASCII-lowercased; empty for `*` or no type selector
  std::vector<Simple> simples;
};

// compounds[0] combinators[0] compounds[1] ... ; the last compound is the subject.
struct Complex {
  std::vector<Compound> compounds;
  std::vector<Combinator> combinators;
  uint32_t memo_base = 0;  // memo slot of compounds[0]; the others follow
};

bool IsWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  return (c | 0x20) - 'a' + 10;
}
bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsNameChar(char c) { return IsNameStart(c) || IsDigit(c) || c == '-'; }
char ToLowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

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

bool ContainsText(std::string_view haystack, std::string_view needle, bool ignore_case) {
  if (!ignore_case) return haystack.find(needle) != std::string_view::npos;
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (EqualText(haystack.substr(i, needle.size()), needle, true)) return true;
  }
  return false;
}

// Whether the whitespace-separated list `list` holds `word`.
bool ContainsWord(std::string_view list, std::string_view word, bool ignore_case) {
  size_t i = 0;
  while (i < list.size()) {
    while (i < list.size() && IsWhitespace(list[i])) ++i;
    size_t start = i;
    while (i < list.size() && !IsWhitespace(list[i])) ++i;
    if (i > start && EqualText(list.substr(start, i - start), word, ignore_case)) return true;
  }
  return false;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The selector text for an error line: control characters escaped, so the line stays one line.
std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02X", u);
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

constexpr int64_t kMaxNthNumber = 1000000000;

constexpr std::string_view kSelectorStart =
    "a selector (tag, *, #id, .class, [attribute] or :pseudo-class)";

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Status ParseGroup(std::vector<Complex>* group) {
    SkipWhitespace();
    while (true) {
      Complex complex;
      if (Status s = ParseComplex(&complex); !s.ok()) return s;
      group->push_back(std::move(complex));
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
    while (!AtEnd() && IsWhitespace(text_[pos_])) ++pos_;
    return pos_ != start;
  }
  bool Consume(char c) {
    if (AtEnd() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  // A backslash that starts an escape: any character but a line break may follow it.
  bool IsEscapeAt(size_t at) const {
    return at + 1 < text_.size() && text_[at] == '\\' && text_[at + 1] != '\n' &&
           text_[at + 1] != '\r' && text_[at + 1] != '\f';
  }
  bool AtIdentStart() const {
    size_t at = pos_;
    if (at < text_.size() && text_[at] == '-') {
      ++at;
      if (at < text_.size() && text_[at] == '-') return true;
    }
    return at < text_.size() && (IsNameStart(text_[at]) || IsEscapeAt(at));
  }

  // "expected <expected>, found <found> at column N of "<text>"". `found` defaults to the
  // character at `at`.
  Status Fail(size_t at, std::string_view expected, std::string_view found = {}) const {
    std::string what;
    if (!found.empty()) {
      what = "\"" + Printable(found) + "\"";
    } else if (at >= text_.size()) {
      what = "the end of the selector";
    } else {
      unsigned char c = static_cast<unsigned char>(text_[at]);
      size_t length = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      what = "\"" + Printable(text_.substr(at, length)) + "\"";
    }
    size_t column = 1;
    for (size_t i = 0; i < at && i < text_.size(); ++i) {
      if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
    }
    return Status::InvalidArgument("expected " + std::string(expected) + ", found " + what +
                                   " at column " + std::to_string(column) + " of \"" +
                                   Printable(text_) + "\"");
  }
  Status Expected(std::string_view expected) const { return Fail(pos_, expected); }

  // At the character after a backslash (IsEscapeAt held for the backslash).
  void ConsumeEscape(std::string* out) {
    if (!IsHexDigit(Peek())) {
      out->push_back(text_[pos_++]);
      return;
    }
    uint32_t cp = 0;
    for (int n = 0; n < 6 && !AtEnd() && IsHexDigit(Peek()); ++n) {
      cp = cp * 16 + static_cast<uint32_t>(HexValue(text_[pos_++]));
    }
    // One whitespace character ends a hex escape ("\31 23" is "123"); CR LF counts as one.
    if (Peek() == '\r' && Peek(1) == '\n') ++pos_;
    if (!AtEnd() && IsWhitespace(Peek())) ++pos_;
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = 0xFFFD;
    AppendUtf8(cp, out);
  }

  Status ParseIdent(std::string_view expected, std::string* out) {
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
    return Status::Ok();
  }

  // At the opening quote.
  Status ParseString(std::string* out) {
    char quote = text_[pos_++];
    while (true) {
      if (AtEnd()) return Expected("the closing quote of the string");
      char c = text_[pos_];
      if (c == quote) {
        ++pos_;
        return Status::Ok();
      }
      if (c == '\n' || c == '\r' || c == '\f') {
        return Expected("the closing quote of the string before the line break");
      }
      if (c != '\\') {
        out->push_back(c);
        ++pos_;
      } else if (pos_ + 1 >= text_.size()) {
        ++pos_;  // a lone backslash at the very end: the missing quote is reported next
      } else if (text_[pos_ + 1] == '\n' || text_[pos_ + 1] == '\f') {
        pos_ += 2;  // an escaped line break continues the string
      } else if (text_[pos_ + 1] == '\r') {
        pos_ += Peek(2) == '\n' ? 3 : 2;
      } else {
        ++pos_;
        ConsumeEscape(out);
      }
    }
  }

  Status ParseComplex(Complex* out) {
    while (true) {
      Compound compound;
      if (Status s = ParseCompound(0, &compound); !s.ok()) return s;
      out->compounds.push_back(std::move(compound));
      bool had_space = SkipWhitespace();
      if (AtEnd() || Peek() == ',') return Status::Ok();
      Combinator combinator = Combinator::kDescendant;
      if (Consume('>')) {
        combinator = Combinator::kChild;
      } else if (Consume('+')) {
        combinator = Combinator::kAdjacent;
      } else if (Consume('~')) {
        combinator = Combinator::kSibling;
      } else if (!had_space) {
        return Expected("a combinator, \",\" or the end of the selector");
      }
      SkipWhitespace();
      out->combinators.push_back(combinator);
    }
  }

  Status ParseCompound(int not_depth, Compound* out) {
    size_t start = pos_;
    if (!Consume('*') && AtIdentStart()) {
      std::string tag;
      if (Status s = ParseIdent("a tag name", &tag); !s.ok()) return s;
      out->tag = LowerAscii(tag);
    }
    while (!AtEnd()) {
      char c = Peek();
      if (c != '#' && c != '.' && c != '[' && c != ':') break;
      ++pos_;
      Status s = Status::Ok();
      if (c == '#' || c == '.') {
        Simple simple;
        simple.kind = c == '#' ? SimpleKind::kId : SimpleKind::kClass;
        s = ParseIdent(c == '#' ? "an id after \"#\"" : "a class name after \".\"", &simple.value);
        out->simples.push_back(std::move(simple));
      } else if (c == '[') {
        s = ParseAttribute(out);
      } else {
        s = ParsePseudo(not_depth, out);
      }
      if (!s.ok()) return s;
    }
    if (pos_ == start) return Expected(kSelectorStart);
    return Status::Ok();
  }

  // After the '['.
  Status ParseAttribute(Compound* compound) {
    Simple simple;
    simple.kind = SimpleKind::kAttribute;
    SkipWhitespace();
    std::string name;
    if (Status s = ParseIdent("an attribute name", &name); !s.ok()) return s;
    simple.name = LowerAscii(name);
    SkipWhitespace();
    if (!Consume(']')) {
      char c = Peek();
      if (c == '=') {
        simple.op = AttributeOp::kEquals;
        ++pos_;
      } else if (Peek(1) == '=' && (c == '~' || c == '|' || c == '^' || c == '$' || c == '*')) {
        simple.op = c == '~'   ? AttributeOp::kIncludes
                    : c == '|' ? AttributeOp::kDashMatch
                    : c == '^' ? AttributeOp::kPrefix
                    : c == '$' ? AttributeOp::kSuffix
                               : AttributeOp::kSubstring;
        pos_ += 2;
      } else {
        return Expected("\"]\" or an operator (=, ~=, |=, ^=, $=, *=)");
      }
      SkipWhitespace();
      Status s = Peek() == '"' || Peek() == '\''
                     ? ParseString(&simple.value)
                     : ParseIdent("an identifier or a quoted string", &simple.value);
      if (!s.ok()) return s;
      SkipWhitespace();
      if (AtIdentStart()) {
        size_t at = pos_;
        std::string flag;
        if (s = ParseIdent("a flag", &flag); !s.ok()) return s;
        flag = LowerAscii(flag);
        if (flag != "i" && flag != "s") {
          return Fail(at, "\"]\" or the flag i or s", text_.substr(at, pos_ - at));
        }
        simple.ignore_case = flag == "i";
        SkipWhitespace();
      }
      if (!Consume(']')) return Expected("\"]\"");
    }
    compound->simples.push_back(std::move(simple));
    return Status::Ok();
  }

  // After the ':'.
  Status ParsePseudo(int not_depth, Compound* compound) {
    size_t at = pos_ - 1;
    if (Peek() == ':') {
      return Expected("a pseudo-class (pseudo-elements such as ::before are not supported)");
    }
    std::string name;
    if (Status s = ParseIdent("a pseudo-class name", &name); !s.ok()) return s;
    name = LowerAscii(name);
    bool function = Consume('(');
    Simple simple;
    if (!function && name == "first-child") {
      simple.kind = SimpleKind::kFirstChild;
    } else if (!function && name == "last-child") {
      simple.kind = SimpleKind::kLastChild;
    } else if (!function && name == "only-child") {
      simple.kind = SimpleKind::kOnlyChild;
    } else if (function && (name == "nth-child" || name == "nth-last-child")) {
      simple.kind = name == "nth-child" ? SimpleKind::kNthChild : SimpleKind::kNthLastChild;
      if (Status s = ParseNth(&simple); !s.ok()) return s;
    } else if (function && name == "not") {
      if (not_depth >= Selector::kMaxNotDepth) {
        return Fail(at, "at most " + std::to_string(Selector::kMaxNotDepth) + " nested :not()",
                    ":not(");
      }
      simple.kind = SimpleKind::kNot;
      do {
        SkipWhitespace();
        Compound negated;
        if (Status s = ParseCompound(not_depth + 1, &negated); !s.ok()) return s;
        simple.negated.push_back(std::move(negated));
        SkipWhitespace();
      } while (Consume(','));
      if (!Consume(')')) return Expected("\",\" or \")\" in :not()");
    } else {
      return Fail(at,
                  "a supported pseudo-class (:first-child, :last-child, :only-child, "
                  ":nth-child(), :nth-last-child() or :not())",
                  text_.substr(at, pos_ - at));
    }
    compound->simples.push_back(std::move(simple));
    return Status::Ok();
  }

  bool ConsumeKeyword(std::string_view word) {
    if (!EqualText(text_.substr(pos_, word.size()), word, true)) return false;
    if (IsNameChar(Peek(word.size())) || IsEscapeAt(pos_ + word.size())) return false;
    pos_ += word.size();
    return true;
  }

  Status ParseNumber(int64_t* out) {
    size_t start = pos_;
    int64_t value = 0;
    while (IsDigit(Peek())) {
      value = value * 10 + (text_[pos_++] - '0');
      if (value > kMaxNthNumber) {
        return Fail(start, "a number up to " + std::to_string(kMaxNthNumber),
                    std::string(text_.substr(start, pos_ - start)) + "...");
      }
    }
    *out = value;
    return Status::Ok();
  }

  // After the '(' of :nth-child( / :nth-last-child(: An+B, odd or even, then ')'.
  Status ParseNth(Simple* simple) {
    SkipWhitespace();
    if (ConsumeKeyword("odd")) {
      simple->a = 2;
      simple->b = 1;
    } else if (ConsumeKeyword("even")) {
      simple->a = 2;
      simple->b = 0;
    } else {
      int64_t sign = 1;
      if (Peek() == '+' || Peek() == '-') sign = text_[pos_++] == '-' ? -1 : 1;
      bool has_number = IsDigit(Peek());
      int64_t number = 1;
      if (has_number) {
        if (Status s = ParseNumber(&number); !s.ok()) return s;
      }
      if (Peek() == 'n' || Peek() == 'N') {
        ++pos_;
        simple->a = sign * number;
        SkipWhitespace();
        if (Peek() == '+' || Peek() == '-') {
          int64_t b_sign = text_[pos_++] == '-' ? -1 : 1;
          SkipWhitespace();
          if (!IsDigit(Peek())) return Expected("a number after the sign of B in An+B");
          if (Status s = ParseNumber(&number); !s.ok()) return s;
          simple->b = b_sign * number;
        }
      } else if (has_number) {
        simple->b = sign * number;
      } else {
        return Expected("An+B (such as 2n+1, -n+3 or 4), odd or even");
      }
    }
    SkipWhitespace();
    if (!Consume(')')) return Expected("\")\" after An+B");
    return Status::Ok();
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// Whether position p (1-based) is A*n+B for some n >= 0.
bool MatchesNth(int64_t a, int64_t b, int64_t p) {
  if (p <= 0) return false;
  int64_t diff = p - b;
  if (a == 0) return diff == 0;
  return diff % a == 0 && diff / a >= 0;
}

bool MatchesAttribute(const Simple& simple, const char* attribute) {
  if (attribute == nullptr) return false;
  std::string_view value(attribute);
  std::string_view want(simple.value);
  bool ic = simple.ignore_case;
  switch (simple.op) {
    case AttributeOp::kExists:
      return true;
    case AttributeOp::kEquals:
      return EqualText(value, want, ic);
    case AttributeOp::kIncludes: {
      bool has_space = false;
      for (char c : want) has_space = has_space || IsWhitespace(c);
      return !want.empty() && !has_space && ContainsWord(value, want, ic);
    }
    case AttributeOp::kDashMatch:
      return EqualText(value, want, ic) ||
             (value.size() > want.size() && value[want.size()] == '-' &&
              EqualText(value.substr(0, want.size()), want, ic));
    case AttributeOp::kPrefix:
      return !want.empty() && value.size() >= want.size() &&
             EqualText(value.substr(0, want.size()), want, ic);
    case AttributeOp::kSuffix:
      return !want.empty() && value.size() >= want.size() &&
             EqualText(value.substr(value.size() - want.size()), want, ic);
    case AttributeOp::kSubstring:
      return !want.empty() && ContainsText(value, want, ic);
  }
  return false;
}

struct MemoKey {
  const GumboNode* node;
  uint32_t slot;
  bool operator==(const MemoKey& other) const {
    return node == other.node && slot == other.slot;
  }
};

struct MemoKeyHash {
  size_t operator()(const MemoKey& key) const {
    return std::hash<const void*>()(key.node) ^ (size_t{key.slot} * 0x9E3779B97F4A7C15ull);
  }
};

// Bits of a memo entry for (compound slot, element).
constexpr uint8_t kMatchKnown = 1;  // whether compounds[0..i] match with this element as [i]
constexpr uint8_t kMatchTrue = 2;
constexpr uint8_t kUpKnown = 4;  // whether this element or an ancestor matches that way
constexpr uint8_t kUpTrue = 8;
constexpr uint8_t kBackKnown = 16;  // whether this element or an earlier sibling matches that way
constexpr uint8_t kBackTrue = 32;

// The state of one Matches/Select/MatchesSelfOrAncestor call. Right to left: the subject
// compound is tested first, then each combinator walks to candidate elements for the compound on
// its left. Every (compound, element) answer is memoised, and a walk up or back stops at the
// first element whose answer is known, so no element is visited twice per compound however
// the selector backtracks. Recursion depth is bounded by the number of compounds.
class Matcher {
 public:
  explicit Matcher(const std::vector<Complex>& group) : group_(group) {}

  bool MatchesAny(const GumboNode* element) {
    for (const Complex& complex : group_) {
      if (MatchesAt(complex, complex.compounds.size() - 1, element)) return true;
    }
    return false;
  }

 private:
  // Whether compounds[0..i] of `complex` match with `element` in the place of compounds[i].
  bool MatchesAt(const Complex& complex, size_t i, const GumboNode* element) {
    if (i + 1 == complex.compounds.size()) {
      // Each call tests a subject element once, so there is nothing to remember.
      return MatchesCompound(complex.compounds[i], element) &&
             (i == 0 || MatchesLeft(complex, i, element));
    }
    // unordered_map never moves its entries, so the reference survives the inserts below.
    uint8_t& flags = memo_[MemoKey{element, complex.memo_base + static_cast<uint32_t>(i)}];
    if (flags & kMatchKnown) return flags & kMatchTrue;
    bool match = MatchesCompound(complex.compounds[i], element) &&
                 (i == 0 || MatchesLeft(complex, i, element));
    flags |= kMatchKnown | (match ? kMatchTrue : 0);
    return match;
  }

  // Whether compounds[0..i-1] match somewhere related to `element` by combinators[i-1].
  bool MatchesLeft(const Complex& complex, size_t i, const GumboNode* element) {
    switch (complex.combinators[i - 1]) {
      case Combinator::kChild: {
        const GumboNode* parent = ParentElement(element);
        return parent != nullptr && MatchesAt(complex, i - 1, parent);
      }
      case Combinator::kDescendant: {
        const GumboNode* parent = ParentElement(element);
        return parent != nullptr && MatchesAlong(complex, i - 1, parent, true);
      }
      case Combinator::kAdjacent: {
        const GumboNode* previous = PreviousElementSibling(element);
        return previous != nullptr && MatchesAt(complex, i - 1, previous);
      }
      case Combinator::kSibling: {
        const GumboNode* previous = PreviousElementSibling(element);
        return previous != nullptr && MatchesAlong(complex, i - 1, previous, false);
      }
    }
    return false;
  }

  // Whether MatchesAt(complex, i, e) holds for `start` or an element after it on the walk up
  // (ancestors) or back (earlier siblings). Iterative; the answer is stored for every element
  // walked, so later walks stop where this one passed.
  bool MatchesAlong(const Complex& complex, size_t i, const GumboNode* start, bool up) {
    const uint8_t known = up ? kUpKnown : kBackKnown;
    const uint8_t yes = up ? kUpTrue : kBackTrue;
    const uint32_t slot = complex.memo_base + static_cast<uint32_t>(i);
    std::vector<const GumboNode*> walked;
    bool found = false;
    for (const GumboNode* node = start; node != nullptr;
         node = up ? ParentElement(node) : PreviousElementSibling(node)) {
      uint8_t flags = memo_[MemoKey{node, slot}];
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
    for (const GumboNode* node : walked) memo_[MemoKey{node, slot}] |= known | (found ? yes : 0);
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
      case SimpleKind::kId: {
        const char* id = Attribute(element, "id");
        return id != nullptr && simple.value == id;
      }
      case SimpleKind::kClass: {
        const char* classes = Attribute(element, "class");
        return classes != nullptr && ContainsWord(classes, simple.value, false);
      }
      case SimpleKind::kAttribute:
        return MatchesAttribute(simple, Attribute(element, simple.name));
      case SimpleKind::kFirstChild:
        return PreviousElementSibling(element) == nullptr;
      case SimpleKind::kLastChild:
        return NextElementSibling(element) == nullptr;
      case SimpleKind::kOnlyChild:
        return PreviousElementSibling(element) == nullptr &&
               NextElementSibling(element) == nullptr;
      case SimpleKind::kNthChild:
        return MatchesNth(simple.a, simple.b, Position(element).first);
      case SimpleKind::kNthLastChild:
        return MatchesNth(simple.a, simple.b, Position(element).second);
      case SimpleKind::kNot:
        for (const Compound& negated : simple.negated) {
          if (MatchesCompound(negated, element)) return false;
        }
        return true;
    }
    return false;
  }

  // The 1-based position of `element` among its parent's element children, from the first and
  // from the last. The first query for a parent numbers all its children at once, so
  // :nth-child over 100k siblings stays linear.
  std::pair<int64_t, int64_t> Position(const GumboNode* element) {
    auto it = positions_.find(element);
    if (it != positions_.end()) return it->second;
    std::vector<const GumboNode*> siblings;
    const GumboNode* parent = element->parent;
    for (const GumboNode* node = parent != nullptr ? NextElement(parent, parent) : element;
         node != nullptr; node = NextElementSibling(node)) {
      siblings.push_back(node);
    }
    const int64_t count = static_cast<int64_t>(siblings.size());
    for (int64_t k = 0; k < count; ++k) positions_[siblings[k]] = {k + 1, count - k};
    return positions_[element];
  }

  const std::vector<Complex>& group_;
  std::unordered_map<MemoKey, uint8_t, MemoKeyHash> memo_;
  std::unordered_map<const GumboNode*, std::pair<int64_t, int64_t>> positions_;
};

}  // namespace

struct Selector::Compiled {
  std::string text;
  std::vector<Complex> group;
};

Selector::Selector() = default;

Selector::Selector(std::shared_ptr<const Compiled> compiled) : compiled_(std::move(compiled)) {}

config::Result<Selector> Selector::Parse(std::string_view text) {
  auto compiled = std::make_shared<Compiled>();
  compiled->text = std::string(text);
  Parser parser(compiled->text);
  if (Status s = parser.ParseGroup(&compiled->group); !s.ok()) return s;
  uint32_t slot = 0;
  for (Complex& complex : compiled->group) {
    complex.memo_base = slot;
    slot += static_cast<uint32_t>(complex.compounds.size());
  }
  return Selector(std::move(compiled));
}

bool Selector::Matches(const GumboNode* element) const {
  if (compiled_ == nullptr || !IsElement(element)) return false;
  Matcher matcher(compiled_->group);
  return matcher.MatchesAny(element);
}

bool Selector::MatchesSelfOrAncestor(const GumboNode* node) const {
  if (compiled_ == nullptr) return false;
  Matcher matcher(compiled_->group);
  for (const GumboNode* n = node; n != nullptr; n = n->parent) {
    if (IsElement(n) && matcher.MatchesAny(n)) return true;
  }
  return false;
}

void Selector::Select(const GumboNode* root, std::vector<const GumboNode*>* out) const {
  out->clear();
  if (compiled_ == nullptr) return;
  Matcher matcher(compiled_->group);
  ForEachElement(root, [&](const GumboNode* element) {
    if (matcher.MatchesAny(element)) out->push_back(element);
  });
}

const std::string& Selector::text() const {
  static const std::string* const kEmpty = new std::string();
  return compiled_ != nullptr ? compiled_->text : *kEmpty;
}

}  // namespace crawlbox::parser
