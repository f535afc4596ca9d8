// The XPath 1.0 tokenizer (spec section 3.7).
#include "parser/xpath_tokenize.h"

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

namespace crawlbox::parser::xpath_internal {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameStart(char c) {
  return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsNameChar(char c) {
  return IsNameStart(c) || IsDigit(c) || c == '-' || c == '.';
}

// Whether a token before a `*` or a name makes it an operand (a name test)
// rather than an operator (spec 3.7): after nothing, @, ::, (, [, `,` or an
// operator.
bool StartsOperand(Tok previous) {
  switch (previous) {
    case Tok::kEnd:
    case Tok::kAt:
    case Tok::kColonColon:
    case Tok::kLeftParen:
    case Tok::kLeftBracket:
    case Tok::kComma:
    case Tok::kSlash:
    case Tok::kDoubleSlash:
    case Tok::kPipe:
    case Tok::kPlus:
    case Tok::kMinus:
    case Tok::kEq:
    case Tok::kNe:
    case Tok::kLt:
    case Tok::kLe:
    case Tok::kGt:
    case Tok::kGe:
    case Tok::kMultiply:
    case Tok::kAnd:
    case Tok::kOr:
    case Tok::kMod:
    case Tok::kDiv:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::vector<Token> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  Tok previous = Tok::kEnd;
  size_t i = 0;
  auto add = [&](Tok tok, size_t start, size_t length) {
    tokens.push_back({tok, start, length, text.substr(start, length)});
    previous = tok;
    i = start + length;
  };
  while (true) {
    while (i < text.size() && IsSpace(text[i])) ++i;
    if (i >= text.size()) break;
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (c == '/') {
      add(next == '/' ? Tok::kDoubleSlash : Tok::kSlash, i,
          next == '/' ? 2 : 1);
    } else if (c == '.' && next == '.') {
      add(Tok::kDotDot, i, 2);
    } else if (IsDigit(c) || (c == '.' && IsDigit(next))) {
      size_t end = i;
      while (end < text.size() && IsDigit(text[end])) ++end;
      if (end < text.size() && text[end] == '.') {
        ++end;
        while (end < text.size() && IsDigit(text[end])) ++end;
      }
      add(Tok::kNumber, i, end - i);
    } else if (c == '"' || c == '\'') {
      size_t close = text.find(c, i + 1);
      if (close == std::string_view::npos) {
        add(Tok::kBad, i, text.size() - i);  // reported as an open literal
      } else {
        add(Tok::kLiteral, i, close + 1 - i);
      }
    } else if (c == '*') {
      add(StartsOperand(previous) ? Tok::kStar : Tok::kMultiply, i, 1);
    } else if (IsNameStart(c)) {
      size_t end = i;
      while (end < text.size() && IsNameChar(text[end])) ++end;
      // prefix:name and prefix:*, but not the axis separator `::`.
      if (end + 1 < text.size() && text[end] == ':' && text[end + 1] != ':') {
        if (text[end + 1] == '*') {
          end += 2;
        } else if (IsNameStart(text[end + 1])) {
          end += 1;
          while (end < text.size() && IsNameChar(text[end])) ++end;
        }
      }
      std::string_view name = text.substr(i, end - i);
      Tok tok = Tok::kName;
      if (!StartsOperand(previous)) {
        if (name == "and") tok = Tok::kAnd;
        if (name == "or") tok = Tok::kOr;
        if (name == "mod") tok = Tok::kMod;
        if (name == "div") tok = Tok::kDiv;
      }
      add(tok, i, end - i);
    } else {
      static constexpr std::pair<std::string_view, Tok> kSymbols[] = {
          {"::", Tok::kColonColon}, {"!=", Tok::kNe},
          {"<=", Tok::kLe},         {">=", Tok::kGe},
          {"[", Tok::kLeftBracket}, {"]", Tok::kRightBracket},
          {"(", Tok::kLeftParen},   {")", Tok::kRightParen},
          {"@", Tok::kAt},          {",", Tok::kComma},
          {".", Tok::kDot},         {"|", Tok::kPipe},
          {"+", Tok::kPlus},        {"-", Tok::kMinus},
          {"=", Tok::kEq},          {"<", Tok::kLt},
          {">", Tok::kGt},          {"$", Tok::kDollar},
      };
      bool matched = false;
      for (const auto& [symbol, tok] : kSymbols) {
        if (text.substr(i, symbol.size()) == symbol) {
          add(tok, i, symbol.size());
          matched = true;
          break;
        }
      }
      if (!matched) {
        unsigned char b = static_cast<unsigned char>(c);
        size_t length = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
        add(Tok::kBad, i, std::min(length, text.size() - i));
      }
    }
  }
  tokens.push_back({Tok::kEnd, text.size(), 0, {}});
  return tokens;
}

}  // namespace crawlbox::parser::xpath_internal
