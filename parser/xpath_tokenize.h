// The XPath 1.0 tokenizer: expression text to tokens, applying the spec's
// disambiguation rules (section 3.7). Private to parser/xpath*.cc.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace crawlbox::parser::xpath_internal {

enum class Tok {
  kEnd,
  kSlash,
  kDoubleSlash,
  kLeftBracket,
  kRightBracket,
  kLeftParen,
  kRightParen,
  kAt,
  kComma,
  kColonColon,
  kDot,
  kDotDot,
  kPipe,
  kPlus,
  kMinus,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kStar,      // the name test `*`
  kMultiply,  // the operator `*`
  kAnd,
  kOr,
  kMod,
  kDiv,
  kName,  // NCName, prefix:name or prefix:*
  kNumber,
  kLiteral,
  kDollar,
  kBad,  // a character no token starts with
};

struct Token {
  Tok tok = Tok::kEnd;
  size_t pos = 0;
  size_t length = 0;
  std::string_view text;
};

// Splits `text` into tokens; the last is kEnd. A `*` or a name after an
// operand is an operator (kMultiply, kAnd, kOr, kMod, kDiv). Characters no
// token starts with, and an unterminated literal, become kBad tokens so the
// parser reports them where it meets them.
std::vector<Token> Tokenize(std::string_view text);

}  // namespace crawlbox::parser::xpath_internal
