// Tests of parser/url.h (and its helpers in url_host.h, url_idna.h):
// table-driven cases for the behaviours the crawler relies on, and the WPT
// urltestdata.json conformance vectors.
#include "parser/url.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "parser/url_encoding.h"
#include "parser/url_host.h"
#include "parser/url_idna.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace crawlbox::parser {
namespace {

struct Case {
  const char* input;
  const char* base;  // nullptr: no base
  const char* href;  // nullptr: parsing must fail
};

// Parses `c.base` (if any) and then `c.input` against it; returns the href or
// "<failure>".
std::string HrefOf(const char* input, const char* base,
                   std::string* error = nullptr) {
  std::optional<Url> base_url;
  if (base != nullptr) {
    config::Result<Url> parsed = ParseUrl(base);
    if (!parsed.ok())
      return "<base failure: " + parsed.status().message() + ">";
    base_url = std::move(parsed).value();
  }
  config::Result<Url> url = ParseUrl(input, base_url ? &*base_url : nullptr);
  if (!url.ok()) {
    if (error != nullptr) *error = url.status().message();
    return "<failure>";
  }
  return url->Href();
}

void CheckCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    const std::string got = HrefOf(c.input, c.base);
    const std::string want = c.href == nullptr ? "<failure>" : c.href;
    EXPECT_EQ(got, want) << "input: \"" << c.input << "\" base: \""
                         << (c.base == nullptr ? "(none)" : c.base) << "\"";
  }
}

TEST(UrlTest, ResolvesRelativeReferences) {
  // RFC 3986 §5.4 examples, which the WHATWG parser resolves the same way, plus
  // crawler cases.
  const char* base = "http://a/b/c/d;p?q";
  CheckCases({
      {"g:h", base, "g:h"},
      {"g", base, "http://a/b/c/g"},
      {"./g", base, "http://a/b/c/g"},
      {"g/", base, "http://a/b/c/g/"},
      {"/g", base, "http://a/g"},
      {"//g", base, "http://g/"},
      {"?y", base, "http://a/b/c/d;p?y"},
      {"g?y", base, "http://a/b/c/g?y"},
      {"#s", base, "http://a/b/c/d;p?q#s"},
      {"g#s", base, "http://a/b/c/g#s"},
      {"g?y#s", base, "http://a/b/c/g?y#s"},
      {";x", base, "http://a/b/c/;x"},
      {"", base, "http://a/b/c/d;p?q"},
      {"http:g", base, "http://a/b/c/g"},
      {"\\\\host\\p\\q", base, "http://host/p/q"},
      {"?offset=10", "http://h/board/4?offset=0", "http://h/board/4?offset=10"},
      {"?", "http://h/board/4?offset=0", "http://h/board/4?"},
      {"#top", "http://h/board/4?offset=0#x", "http://h/board/4?offset=0#top"},
      {"//other.example:8080/x", "https://h/a", "https://other.example:8080/x"},
      {"https://other/x", "http://h/a", "https://other/x"},
      {"  /x\n", "http://h/a/b", "http://h/x"},
      {"#f", "mailto:a@b", "mailto:a@b#f"},
      {"x", "mailto:a@b", nullptr},
      {"x", "sc://host/a/b", "sc://host/a/x"},
      {"../x", "file:///C:/a", "file:///C:/x"},
  });
}

TEST(UrlTest, ResolvesDotSegments) {
  const char* base = "http://a/b/c/d;p?q";
  CheckCases({
      {".", base, "http://a/b/c/"},
      {"./", base, "http://a/b/c/"},
      {"..", base, "http://a/b/"},
      {"../", base, "http://a/b/"},
      {"../g", base, "http://a/b/g"},
      {"../..", base, "http://a/"},
      {"../../g", base, "http://a/g"},
      {"../../../../g", base, "http://a/g"},
      {"/./g", base, "http://a/g"},
      {"/../g", base, "http://a/g"},
      {"g.", base, "http://a/b/c/g."},
      {".g", base, "http://a/b/c/.g"},
      {"g..", base, "http://a/b/c/g.."},
      {"..g", base, "http://a/b/c/..g"},
      {"./../g", base, "http://a/b/g"},
      {"./g/.", base, "http://a/b/c/g/"},
      {"g/./h", base, "http://a/b/c/g/h"},
      {"g/../h", base, "http://a/b/c/h"},
      {"http://h/a/%2e/b", nullptr, "http://h/a/b"},
      {"http://h/a/%2E%2e/b", nullptr, "http://h/b"},
      {"http://h/a/.%2E/b", nullptr, "http://h/b"},
      {"http://h/a/%2e./b", nullptr, "http://h/b"},
      {"http://h/a/b/..", nullptr, "http://h/a/"},
      {"http://h/a/b/.", nullptr, "http://h/a/b/"},
      {"http://h/a/%2e%2e%2e/b", nullptr, "http://h/a/%2e%2e%2e/b"},
      {"http://h\\a\\..\\b", nullptr, "http://h/b"},
      {"sc://h/a/../b", nullptr, "sc://h/b"},
      {"sc:/a/..//b", nullptr, "sc:/.//b"},
  });
}

TEST(UrlTest, CanonicalizesSchemeHostAndPort) {
  CheckCases({
      {"HTTP://Example.COM/Path", nullptr, "http://example.com/Path"},
      {"http://example.com", nullptr, "http://example.com/"},
      {"http://example.com:80/", nullptr, "http://example.com/"},
      {"https://example.com:443/", nullptr, "https://example.com/"},
      {"https://example.com:0443/", nullptr, "https://example.com/"},
      {"http://example.com:443/", nullptr, "http://example.com:443/"},
      {"ws://h:80/", nullptr, "ws://h/"},
      {"wss://h:443/", nullptr, "wss://h/"},
      {"ftp://h:21/", nullptr, "ftp://h/"},
      {"http://h:/", nullptr, "http://h/"},
      {"http://h:65535/", nullptr, "http://h:65535/"},
      {"sc://Host:80/x", nullptr, "sc://Host:80/x"},
      {"http://user:pass@h/", nullptr, "http://user:pass@h/"},
      {"http://user:@h/", nullptr, "http://user@h/"},
      {"http://a@b@h/", nullptr, "http://a%40b@h/"},
      {"http://us er:p:w@h/", nullptr, "http://us%20er:p%3Aw@h/"},
      {"  \x01http://h/a\t b\n\x1f ", nullptr, "http://h/a%20b"},
      {"http://h/a b?c d#e f", nullptr, "http://h/a%20b?c%20d#e%20f"},
      {"http://h/'?'", nullptr, "http://h/'?%27"},
      {"sc://h/'?'", nullptr, "sc://h/'?'"},
      {"http://h/\xC3\xA4?\xC3\xB6#\xC3\xBC", nullptr,
       "http://h/%C3%A4?%C3%B6#%C3%BC"},
      {"http://h/\xFF\xFE?\x80", nullptr, "http://h/%FF%FE?%80"},
      {"http://bücher.de/", nullptr, "http://xn--bcher-kva.de/"},
      {"http://BÜCHER.de/", nullptr, "http://xn--bcher-kva.de/"},
      {"http://%62%C3%BCcher.de/", nullptr, "http://xn--bcher-kva.de/"},
      {"http://ｅｘａｍｐｌｅ．com/", nullptr, "http://example.com/"},
      {"mailto:Joe@Example.COM", nullptr, "mailto:Joe@Example.COM"},
      {"javascript:alert(1)", nullptr, "javascript:alert(1)"},
      {"file:///C|/a/../b", nullptr, "file:///C:/b"},
      {"file://localhost/etc", nullptr, "file:///etc"},
      {"file:c:\\x", nullptr, "file:///c:/x"},
  });
}

TEST(UrlTest, ParsesIpAddresses) {
  CheckCases({
      {"http://127.0.0.1/", nullptr, "http://127.0.0.1/"},
      {"http://0x7f.1/", nullptr, "http://127.0.0.1/"},
      {"http://0X7F.0.0.1/", nullptr, "http://127.0.0.1/"},
      {"http://017.0.0.1/", nullptr, "http://15.0.0.1/"},
      {"http://2130706433/", nullptr, "http://127.0.0.1/"},
      {"http://127.1/", nullptr, "http://127.0.0.1/"},
      {"http://127.0.1/", nullptr, "http://127.0.0.1/"},
      {"http://1.2.3.4./", nullptr, "http://1.2.3.4/"},
      {"http://0x/", nullptr, "http://0.0.0.0/"},
      {"http://4294967295/", nullptr, "http://255.255.255.255/"},
      {"http://1.2.3.09x/", nullptr, "http://1.2.3.09x/"},
      {"http://[0:0:0:0:0:0:0:1]/", nullptr, "http://[::1]/"},
      {"http://[::]/", nullptr, "http://[::]/"},
      {"http://[2001:DB8:0:0:1:0:0:1]/", nullptr,
       "http://[2001:db8::1:0:0:1]/"},
      {"http://[1:0:0:2:0:0:0:3]/", nullptr, "http://[1:0:0:2::3]/"},
      {"http://[1:0:2:3:4:5:6:7]/", nullptr, "http://[1:0:2:3:4:5:6:7]/"},
      {"http://[::ffff:192.168.0.1]:8080/", nullptr,
       "http://[::ffff:c0a8:1]:8080/"},
      {"http://[1::]/", nullptr, "http://[1::]/"},
      {"sc://[::1]/", nullptr, "sc://[::1]/"},
  });
}

TEST(UrlTest, RejectsInvalidUrls) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"/relative", "missing scheme"},
      {"", "missing scheme"},
      {"http://", "missing host"},
      {"http://user@/", "missing host"},
      {"http://h:65536/", "port out of range"},
      {"http://h:99999999999999999999/", "port out of range"},
      {"http://h:8a/", "invalid port"},
      {"http://1.2.3.256/", "invalid IPv4 address"},
      {"http://1.2.3.4.5/", "invalid IPv4 address"},
      {"http://0x100000000/", "invalid IPv4 address"},
      {"http://4294967296/", "invalid IPv4 address"},
      {"http://99999999999999999999999/", "invalid IPv4 address"},
      {"http://foo.09/", "invalid IPv4 address"},
      {"http://[1::2::3]/", "invalid IPv6 address"},
      {"http://[::1/", "invalid IPv6 address"},
      {"http://[1:2:3:4:5:6:7:8:9]/", "invalid IPv6 address"},
      {"http://[::1.2.3]/", "invalid IPv6 address"},
      {"http://[::01.2.3.4]/", "invalid IPv6 address"},
      {"http://a b/", "forbidden host code point"},
      {"http://a%20b/", "forbidden host code point"},
      {"http://a<b/", "forbidden host code point"},
      {"http://%25/", "forbidden host code point"},
      {"sc://a b/", "forbidden host code point"},
      {"http://\xFF/", "invalid host"},
      {"http://\xC3/", "invalid host"},
      {"http://\xEF\xBF\xBD/", "invalid host"},
      {"http://a\xC2\xAD"
       "b\xE2\x80\x8D/",
       "invalid host"},
  };
  for (const auto& [input, reason] : cases) {
    config::Result<Url> url = ParseUrl(input);
    ASSERT_FALSE(url.ok()) << "input: \"" << input << "\" parsed as "
                           << url->Href();
    EXPECT_EQ(url.status().code(), config::Status::Code::kInvalidArgument)
        << "input: " << input;
    EXPECT_TRUE(url.status().message().starts_with(std::string(reason) + ": "))
        << "input: \"" << input << "\" message: " << url.status().message();
  }
}

TEST(UrlTest, ExposesComponents) {
  config::Result<Url> url =
      ParseUrl("HTTPS://u:p@Example.com:8443/a/./b/../c?x=1#frag");
  ASSERT_OK(url);
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->username, "u");
  EXPECT_EQ(url->password, "p");
  EXPECT_EQ(url->host, "example.com");
  EXPECT_TRUE(url->has_host);
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->path, "/a/c");
  EXPECT_EQ(url->query, "x=1");
  EXPECT_EQ(url->fragment, "frag");
  EXPECT_FALSE(url->has_opaque_path);
  EXPECT_TRUE(url->IsHttp());
  EXPECT_TRUE(url->IsSpecial());
  EXPECT_EQ(url->Href(), "https://u:p@example.com:8443/a/c?x=1#frag");
  EXPECT_EQ(url->HrefWithoutFragment(), "https://u:p@example.com:8443/a/c?x=1");

  config::Result<Url> mail = ParseUrl("mailto:someone@example.com?subject=hi");
  ASSERT_OK(mail);
  EXPECT_TRUE(mail->has_opaque_path);
  EXPECT_FALSE(mail->has_host);
  EXPECT_EQ(mail->path, "someone@example.com");
  EXPECT_EQ(mail->query, "subject=hi");
  EXPECT_FALSE(mail->port.has_value());
  EXPECT_FALSE(mail->IsHttp());
  EXPECT_FALSE(mail->IsSpecial());

  config::Result<Url> file = ParseUrl("file:///tmp/x");
  ASSERT_OK(file);
  EXPECT_TRUE(file->has_host);
  EXPECT_EQ(file->host, "");
  EXPECT_FALSE(file->IsHttp());
  EXPECT_TRUE(file->IsSpecial());
}

TEST(UrlTest, NormalizesForCrawl) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"http://h/%7euser/%2fa%2F?q=%41%2a#frag",
       "http://h/~user/%2Fa%2F?q=A%2A"},
      {"HTTP://H:80/a#x", "http://h/a"},
      {"http://h/a%2d%2E%5f%7E%30%5A", "http://h/a-._~0Z"},
      {"http://h/%zz%4", "http://h/%zz%4"},
      {"http://h/?", "http://h/?"},
      {"http://h/a b?%e2%82%ac", "http://h/a%20b?%E2%82%AC"},
      {"https://h/x#", "https://h/x"},
      {"mailto:%61@b", "mailto:a@b"},
  };
  for (const auto& [input, want] : cases) {
    config::Result<Url> url = ParseUrl(input);
    ASSERT_OK(url) << "input: " << input;
    EXPECT_EQ(NormalizeForCrawl(*url), want) << "input: \"" << input << "\"";
  }
}

TEST(UrlTest, EncodesPunycode) {
  // RFC 3492 §7.1 samples (lowercased) and common IDNs.
  const std::vector<std::pair<std::u32string, const char*>> cases = {
      {U"bücher", "bcher-kva"},
      {U"你好你好", "6qqa088eba"},
      {U"faß", "fa-hia"},
      {U"\u0644\u064A\u0647\u0645\u0627\u0628\u062A\u0643\u0644\u0645\u0648"
       U"\u0634\u0639\u0631"
       U"\u0628\u064A\u061F",
       "egbpdaj6bu4bxfgehfvwxn"},
      {U"3\u5E74b\u7D44\u91D1\u516B\u5148\u751F", "3b-ww4c5e180e575a65lsy2b"},
  };
  for (const auto& [label, want] : cases) {
    std::string out;
    ASSERT_TRUE(PunycodeEncode(label, &out)) << "want: " << want;
    EXPECT_EQ(out, want);
  }
}

TEST(UrlTest, ParsesHostsDirectly) {
  config::Result<std::string> host =
      ParseHost("EXAMPLE.com", /*is_opaque=*/false);
  ASSERT_OK(host);
  EXPECT_EQ(*host, "example.com");
  host = ParseHost("Ex%41mple", /*is_opaque=*/true);
  ASSERT_OK(host);
  EXPECT_EQ(*host, "Ex%41mple");
  EXPECT_TRUE(EndsInANumber("a.b.1"));
  EXPECT_TRUE(EndsInANumber("a.0x"));
  EXPECT_TRUE(EndsInANumber("a.1."));
  EXPECT_FALSE(EndsInANumber("1.a"));
  EXPECT_FALSE(EndsInANumber("a.0xg"));
  EXPECT_EQ(SerializeIpv4(0x7F000001), "127.0.0.1");
  config::Result<Ipv6Address> v6 = ParseIpv6("0:0:1:0:0:0:1:0");
  ASSERT_OK(v6);
  EXPECT_EQ(SerializeIpv6(*v6), "0:0:1::1:0");
}

// Every parse result must survive a reparse unchanged: the serializer and
// parser agree.
TEST(UrlTest, HrefRoundTrips) {
  const char* inputs[] = {
      "http://h/a/b?c#d", "sc:/.//x",        "sc://h",
      "file:///C:/x",     "http://[::1]:1/", "mailto:a b?c d",
      "http://a:b@c:1/",  "non-spec:/..//p",
  };
  for (const char* input : inputs) {
    config::Result<Url> url = ParseUrl(input);
    ASSERT_OK(url) << "input: " << input;
    config::Result<Url> again = ParseUrl(url->Href());
    ASSERT_OK(again) << "input: " << input;
    EXPECT_EQ(again->Href(), url->Href()) << "input: " << input;
  }
}

// Random splices of delimiter-heavy fragments (including invalid UTF-8) against
// several bases: parsing never crashes, and whatever parses reparses to the
// same href.
TEST(UrlTest, RandomInputsReparseToTheSameHref) {
  const std::vector<std::string> pieces = {"http://",
                                           "https://",
                                           "file://",
                                           "sc:",
                                           "mailto:",
                                           "h",
                                           "/",
                                           "\\",
                                           "?",
                                           "#",
                                           "@",
                                           ":",
                                           "[",
                                           "]",
                                           ".",
                                           "..",
                                           "%2e",
                                           "%",
                                           "0x",
                                           "1",
                                           "255",
                                           "::",
                                           "C|",
                                           " ",
                                           "\t",
                                           "\xFF",
                                           "\xC3\xA4",
                                           "%41",
                                           "\xEF\xBC\xA1",
                                           std::string(1, '\0'),
                                           "'",
                                           "^",
                                           "[::1]",
                                           ":80"};
  const char* bases[] = {"http://a/b/c/d;p?q", "file:///C:/x/y", "sc://h/a",
                         "mailto:x", "sc:/a"};
  std::vector<Url> base_urls;
  for (const char* base : bases) {
    config::Result<Url> url = ParseUrl(base);
    ASSERT_OK(url) << "base: " << base;
    base_urls.push_back(std::move(url).value());
  }
  std::mt19937 rng(12345);
  for (int i = 0; i < 20000; ++i) {
    std::string input;
    const size_t count = rng() % 10;
    for (size_t k = 0; k < count; ++k) input += pieces[rng() % pieces.size()];
    const size_t which = rng() % (base_urls.size() + 1);
    const Url* base = which < base_urls.size() ? &base_urls[which] : nullptr;
    config::Result<Url> url = ParseUrl(input, base);
    if (!url.ok()) continue;
    config::Result<Url> again = ParseUrl(url->Href());
    ASSERT_OK(again) << "input: "
                     << nlohmann::json(input).dump(
                            -1, ' ', false,
                            nlohmann::json::error_handler_t::replace)
                     << " href: " << url->Href();
    EXPECT_EQ(again->Href(), url->Href()) << "href: " << url->Href();
  }
}

bool StartsWithHttpScheme(std::string_view s) {
  while (!s.empty() && static_cast<unsigned char>(s.front()) <= 0x20)
    s.remove_prefix(1);
  std::string prefix;
  for (char c : s.substr(0, 6)) prefix.push_back(AsciiLower(c));
  return prefix.starts_with("http:") || prefix.starts_with("https:");
}

// The WPT vectors (../shared/testdata/url/urltestdata.json): every case whose
// input or base is an http(s) URL must produce the expected href or fail when
// "failure" is set.
TEST(UrlTest, ConformsToWptUrlTestData) {
  const std::string path =
      crawlbox::testing::SharedTestDataPath("url/urltestdata.json");
  std::ifstream file(path);
  ASSERT_TRUE(file.good()) << "cannot open " << path;
  const nlohmann::json data =
      nlohmann::json::parse(file, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(data.is_discarded()) << "malformed JSON in " << path;
  ASSERT_TRUE(data.is_array());

  int selected = 0;
  int passed = 0;
  int all = 0;
  int all_passed = 0;
  for (const nlohmann::json& entry : data) {
    if (!entry.is_object()) continue;  // strings are comments
    const std::string input = entry.value("input", "");
    const bool has_base = entry.contains("base") && entry["base"].is_string();
    const std::string base = has_base ? entry["base"].get<std::string>() : "";
    const bool expect_failure = entry.value("failure", false);
    const std::string want =
        expect_failure ? "<failure>" : entry.value("href", "");

    std::string got;
    std::optional<Url> base_url;
    if (has_base) {
      config::Result<Url> parsed = ParseUrl(base);
      if (parsed.ok()) base_url = std::move(parsed).value();
    }
    if (has_base && !base_url.has_value()) {
      got = "<failure>";
    } else {
      config::Result<Url> url =
          ParseUrl(input, base_url ? &*base_url : nullptr);
      got = url.ok() ? url->Href() : "<failure>";
    }

    const bool ok = got == want;
    ++all;
    all_passed += ok ? 1 : 0;
    if (!StartsWithHttpScheme(input) && !StartsWithHttpScheme(base)) continue;
    ++selected;
    if (ok) {
      ++passed;
    } else {
      std::cout << "URL conformance FAIL: input="
                << nlohmann::json(input).dump()
                << " base=" << (has_base ? nlohmann::json(base).dump() : "null")
                << " expected=" << nlohmann::json(want).dump()
                << " got=" << nlohmann::json(got).dump() << "\n";
    }
  }
  ASSERT_GT(selected, 0);
  const double rate = 100.0 * passed / selected;
  char line[160];
  std::snprintf(line, sizeof(line),
                "URL conformance (http/https): %d/%d = %.1f%%\n", passed,
                selected, rate);
  std::cout << line;
  std::snprintf(
      line, sizeof(line),
      "URL conformance (all schemes, informational): %d/%d = %.1f%%\n",
      all_passed, all, 100.0 * all_passed / all);
  std::cout << line;
  ASSERT_GE(rate, 95.0);
}

TEST(UrlTest, FindsTabsAndNewlinesAnywhere) {
  // HasTabOrNewline tests words of eight bytes: every position of a byte
  // relative to the words, next to bytes just below, at and above '\r'.
  const std::string bytes = "a\t\n\r\x01\x0c\x0e\x7f\x80\xff";
  std::mt19937 rng(7);
  std::uniform_int_distribution<size_t> length(0, 40);
  std::uniform_int_distribution<size_t> pick(0, bytes.size() - 1);
  int with = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    for (size_t n = length(rng); n > 0; --n) {
      s += rng() % 8 == 0 ? bytes[pick(rng)] : 'x';
    }
    const bool expected = s.find_first_of("\t\n\r") != std::string::npos;
    ASSERT_EQ(HasTabOrNewline(s), expected) << i;
    with += expected ? 1 : 0;
  }
  EXPECT_GT(with, 1000);
  EXPECT_FALSE(HasTabOrNewline("0123456789abcdef\x0e\x0e\x01\x80"));
  EXPECT_TRUE(HasTabOrNewline("0123456789abcdef0123456\r"));
}

}  // namespace
}  // namespace crawlbox::parser
