// DecodeToUtf8 and IsAlreadyUtf8: the sniffed encoding (charset_sniff.cc)
// dispatched to a decoder (charset_decode.cc, charset_iconv.cc), with the
// no-copy paths for bodies that are already UTF-8.
#include "parser/charset.h"

#include <utility>

#include "parser/charset_decode.h"
#include "parser/charset_labels.h"
#include "parser/charset_sniff.h"

namespace crawlbox::parser {

namespace {

// True when `bytes` (after any BOM) decode to exactly themselves.
bool PassesThrough(std::string_view bytes, const CharsetInfo& charset) {
  if (charset.decoder == CharsetDecoder::kUtf8) {
    return CheckUtf8(bytes) == Utf8Check::kValid;
  }
  if (!charset.ascii_compatible) return bytes.empty();
  if (!IsAscii(bytes)) return false;
  // ISO-2022-JP: ESC switches modes; SO and SI are errors.
  return charset.lead_bytes != CharsetLeadBytes::kStateful ||
         bytes.find_first_of("\x1B\x0E\x0F") == std::string_view::npos;
}

bool DecodeWith(const CharsetInfo& charset, std::string_view bytes,
                std::string* out) {
  switch (charset.decoder) {
    case CharsetDecoder::kUtf8:
      return DecodeUtf8(bytes, out);
    case CharsetDecoder::kUtf16Le:
      return DecodeUtf16(bytes, /*big_endian=*/false, out);
    case CharsetDecoder::kUtf16Be:
      return DecodeUtf16(bytes, /*big_endian=*/true, out);
    case CharsetDecoder::kWindows1252:
      return DecodeWindows1252(bytes, out);
    case CharsetDecoder::kXUserDefined:
      return DecodeXUserDefined(bytes, out);
    case CharsetDecoder::kReplacement:
      // The standard's replacement decoder: the whole stream is one error.
      if (bytes.empty()) return false;
      out->append(kReplacementUtf8);
      return true;
    case CharsetDecoder::kIconv:
      return DecodeWithIconv(charset, bytes, out);
  }
  return false;
}

// The slow path: `bytes` (the body without its BOM) need converting or
// repairing.
void Convert(std::string_view bytes, const SniffedCharset& sniffed,
             Decoded* decoded) {
  const CharsetInfo* charset = sniffed.charset;
  // An unlabelled body that is not UTF-8 is read as windows-1252 (see the
  // header); one that is UTF-8 but cut short stays UTF-8.
  if (sniffed.utf8_by_default && CheckUtf8(bytes) == Utf8Check::kInvalid) {
    charset = &Windows1252Charset();
  }
  decoded->had_errors = DecodeWith(*charset, bytes, &decoded->utf8);
  decoded->encoding = charset->name;
}

}  // namespace

Decoded DecodeToUtf8(std::string_view body, std::string_view content_type,
                     std::string_view default_encoding) {
  SniffedCharset sniffed = SniffCharset(body, content_type, default_encoding);
  std::string_view bytes = body.substr(sniffed.bom_bytes);
  Decoded decoded;
  decoded.source = sniffed.source;
  if (PassesThrough(bytes, *sniffed.charset)) {
    decoded.utf8.assign(bytes);
    decoded.encoding = sniffed.charset->name;
  } else {
    Convert(bytes, sniffed, &decoded);
  }
  return decoded;
}

Decoded DecodeOwnedToUtf8(std::string&& body, std::string_view content_type,
                          std::string_view default_encoding) {
  SniffedCharset sniffed = SniffCharset(body, content_type, default_encoding);
  std::string_view bytes = std::string_view(body).substr(sniffed.bom_bytes);
  Decoded decoded;
  decoded.source = sniffed.source;
  if (PassesThrough(bytes, *sniffed.charset)) {
    body.erase(0, sniffed.bom_bytes);  // in place: a UTF-8 BOM
    decoded.utf8 = std::move(body);
    decoded.encoding = sniffed.charset->name;
  } else {
    Convert(bytes, sniffed, &decoded);
  }
  return decoded;
}

bool IsAlreadyUtf8(std::string_view body, std::string_view content_type,
                   std::string_view default_encoding) {
  SniffedCharset sniffed = SniffCharset(body, content_type, default_encoding);
  return sniffed.bom_bytes == 0 && PassesThrough(body, *sniffed.charset);
}

}  // namespace crawlbox::parser
