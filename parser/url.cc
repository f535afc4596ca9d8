// The WHATWG basic URL parser (state machine of §4.4, without state overrides);
// the serializer and the crawl key are in url_serialize.cc. Works on bytes:
// every delimiter is ASCII and every non-ASCII byte is percent-encoded, so
// UTF-8 needs no decoding outside hosts.
#include "parser/url.h"

#include <cstddef>
#include <utility>
#include <vector>

#include "parser/url_encoding.h"
#include "parser/url_host.h"

namespace crawlbox::parser {
namespace {

constexpr int kEof = -1;

std::optional<int> DefaultPort(std::string_view scheme) {
  if (scheme == "http" || scheme == "ws") return 80;
  if (scheme == "https" || scheme == "wss") return 443;
  if (scheme == "ftp") return 21;
  return std::nullopt;
}

bool IsSpecialScheme(std::string_view scheme) {
  return scheme == "http" || scheme == "https" || scheme == "ws" ||
         scheme == "wss" || scheme == "ftp" || scheme == "file";
}

bool IsWindowsDriveLetter(std::string_view s) {
  return s.size() == 2 && IsAsciiAlpha(s[0]) && (s[1] == ':' || s[1] == '|');
}

bool IsNormalizedWindowsDriveLetter(std::string_view s) {
  return IsWindowsDriveLetter(s) && s[1] == ':';
}

bool EqualsIgnoreCase(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != lower[i]) return false;
  }
  return true;
}

bool IsSingleDotSegment(std::string_view s) {
  return s == "." || EqualsIgnoreCase(s, "%2e");
}

bool IsDoubleDotSegment(std::string_view s) {
  return s == ".." || EqualsIgnoreCase(s, ".%2e") ||
         EqualsIgnoreCase(s, "%2e.") || EqualsIgnoreCase(s, "%2e%2e");
}

// Splits a serialized (non-opaque) path back into its segments: "" -> [],
// "/" -> [""], "/a/b" -> ["a", "b"]. Segments never contain '/', so this
// inverts the serializer.
std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> segments;
  if (path.empty()) return segments;
  size_t start = path.front() == '/' ? 1 : 0;
  while (true) {
    const size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      segments.emplace_back(path.substr(start));
      return segments;
    }
    segments.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

// For error messages: at most 200 bytes, controls and non-ASCII as %XX so logs
// stay one line.
std::string EscapeForMessage(std::string_view input) {
  constexpr size_t kMaxBytes = 200;
  std::string out;
  AppendPercentEncoded(input.substr(0, kMaxBytes), PercentEncodeSet::kC0Control,
                       &out);
  if (input.size() > kMaxBytes) out += "...";
  return out;
}

enum class State {
  kSchemeStart,
  kScheme,
  kNoScheme,
  kSpecialRelativeOrAuthority,
  kPathOrAuthority,
  kRelative,
  kRelativeSlash,
  kSpecialAuthoritySlashes,
  kSpecialAuthorityIgnoreSlashes,
  kAuthority,
  kHost,
  kPort,
  kFile,
  kFileSlash,
  kFileHost,
  kPathStart,
  kPath,
  kOpaquePath,
  kQuery,
  kFragment,
};

// One run of the basic URL parser. The spec's "pointer" may step back before
// the start, hence the signed index; "c" is the byte at the pointer or kEof.
class UrlParser {
 public:
  UrlParser(std::string input, const Url* base)
      : input_(std::move(input)), base_(base) {
    if (base_ != nullptr && !base_->has_opaque_path)
      base_path_ = SplitPath(base_->path);
  }

  // Returns the failure reason, or an empty string on success (then Build() is
  // valid).
  std::string Run();
  Url Build() const;

 private:
  int At(ptrdiff_t i) const {
    return i >= 0 && static_cast<size_t>(i) < input_.size()
               ? static_cast<unsigned char>(input_[static_cast<size_t>(i)])
               : kEof;
  }
  // The spec's "remaining starts with": the input after the pointer begins with
  // `s`.
  bool RemainingStartsWith(std::string_view s) const {
    const size_t from = static_cast<size_t>(pointer_ + 1);
    return from <= input_.size() &&
           std::string_view(input_).substr(from).starts_with(s);
  }
  // The spec's "starts with a Windows drive letter", applied to the input from
  // the pointer.
  bool StartsWithWindowsDriveLetter() const {
    const std::string_view rest =
        std::string_view(input_).substr(static_cast<size_t>(pointer_));
    if (rest.size() < 2 || !IsWindowsDriveLetter(rest.substr(0, 2)))
      return false;
    return rest.size() == 2 || rest[2] == '/' || rest[2] == '\\' ||
           rest[2] == '?' || rest[2] == '#';
  }
  bool Special() const { return IsSpecialScheme(scheme_); }
  bool BaseHasScheme(std::string_view scheme) const {
    return base_ != nullptr && base_->scheme == scheme;
  }
  std::optional<std::string> BaseHost() const {
    if (base_->has_host || !base_->host.empty()) return base_->host;
    return std::nullopt;
  }
  void CopyAuthorityFromBase() {
    username_ = base_->username;
    password_ = base_->password;
    host_ = BaseHost();
    port_ = base_->port;
  }
  void ShortenPath() {
    if (scheme_ == "file" && path_.size() == 1 &&
        IsNormalizedWindowsDriveLetter(path_[0])) {
      return;
    }
    if (!path_.empty()) path_.pop_back();
  }
  // Runs the host parser on buffer_ and stores the result; returns a failure
  // reason or "".
  std::string SetHostFromBuffer() {
    config::Result<std::string> host = ParseHost(buffer_, !Special());
    if (!host.ok()) return host.status().message();
    host_ = std::move(host).value();
    buffer_.clear();
    return "";
  }

  std::string RunState(int c);

  std::string input_;
  const Url* base_;
  std::vector<std::string> base_path_;
  State state_ = State::kSchemeStart;
  ptrdiff_t pointer_ = 0;
  std::string buffer_;
  bool at_sign_seen_ = false;
  bool inside_brackets_ = false;
  bool password_token_seen_ = false;

  std::string scheme_;
  std::string username_;
  std::string password_;
  std::optional<std::string> host_;
  std::optional<int> port_;
  std::vector<std::string> path_;
  bool opaque_ = false;
  std::string opaque_path_;
  std::optional<std::string> query_;
  std::optional<std::string> fragment_;
};

std::string UrlParser::Run() {
  while (true) {
    std::string error = RunState(At(pointer_));
    if (!error.empty()) return error;
    if (pointer_ >= static_cast<ptrdiff_t>(input_.size())) return "";
    ++pointer_;
  }
}

std::string UrlParser::RunState(int c) {
  const bool special = Special();
  // In special URLs a backslash acts as a slash everywhere the parser looks for
  // one.
  const bool slash = c == '/' || (special && c == '\\');
  switch (state_) {
    case State::kSchemeStart:
      if (IsAsciiAlpha(c)) {
        buffer_.push_back(AsciiLower(static_cast<char>(c)));
        state_ = State::kScheme;
      } else {
        state_ = State::kNoScheme;
        --pointer_;
      }
      break;

    case State::kScheme:
      if (IsAsciiAlpha(c) || IsAsciiDigit(c) || c == '+' || c == '-' ||
          c == '.') {
        buffer_.push_back(AsciiLower(static_cast<char>(c)));
      } else if (c == ':') {
        scheme_ = std::move(buffer_);
        buffer_.clear();
        if (scheme_ == "file") {
          state_ = State::kFile;
        } else if (Special() && BaseHasScheme(scheme_)) {
          state_ = State::kSpecialRelativeOrAuthority;
        } else if (Special()) {
          state_ = State::kSpecialAuthoritySlashes;
        } else if (RemainingStartsWith("/")) {
          state_ = State::kPathOrAuthority;
          ++pointer_;
        } else {
          opaque_ = true;
          state_ = State::kOpaquePath;
        }
      } else {
        // Not a scheme after all: start over, reading the input as a relative
        // reference.
        buffer_.clear();
        state_ = State::kNoScheme;
        pointer_ = -1;
      }
      break;

    case State::kNoScheme:
      if (base_ == nullptr) return "missing scheme";
      if (base_->has_opaque_path && c != '#') return "missing scheme";
      if (base_->has_opaque_path) {
        scheme_ = base_->scheme;
        opaque_ = true;
        opaque_path_ = base_->path;
        query_ = base_->query;
        fragment_ = "";
        state_ = State::kFragment;
      } else {
        state_ = base_->scheme != "file" ? State::kRelative : State::kFile;
        --pointer_;
      }
      break;

    case State::kSpecialRelativeOrAuthority:
      if (c == '/' && RemainingStartsWith("/")) {
        state_ = State::kSpecialAuthorityIgnoreSlashes;
        ++pointer_;
      } else {
        state_ = State::kRelative;
        --pointer_;
      }
      break;

    case State::kPathOrAuthority:
      if (c == '/') {
        state_ = State::kAuthority;
      } else {
        state_ = State::kPath;
        --pointer_;
      }
      break;

    case State::kRelative:
      scheme_ = base_->scheme;
      if (IsSpecialScheme(scheme_) ? (c == '/' || c == '\\') : c == '/') {
        state_ = State::kRelativeSlash;
      } else {
        CopyAuthorityFromBase();
        path_ = base_path_;
        query_ = base_->query;
        if (c == '?') {
          query_ = "";
          state_ = State::kQuery;
        } else if (c == '#') {
          fragment_ = "";
          state_ = State::kFragment;
        } else if (c != kEof) {
          query_.reset();
          ShortenPath();
          state_ = State::kPath;
          --pointer_;
        }
      }
      break;

    case State::kRelativeSlash:
      if (special && (c == '/' || c == '\\')) {
        state_ = State::kSpecialAuthorityIgnoreSlashes;
      } else if (c == '/') {
        state_ = State::kAuthority;
      } else {
        CopyAuthorityFromBase();
        state_ = State::kPath;
        --pointer_;
      }
      break;

    case State::kSpecialAuthoritySlashes:
      state_ = State::kSpecialAuthorityIgnoreSlashes;
      if (c == '/' && RemainingStartsWith("/")) {
        ++pointer_;
      } else {
        --pointer_;
      }
      break;

    case State::kSpecialAuthorityIgnoreSlashes:
      if (c != '/' && c != '\\') {
        state_ = State::kAuthority;
        --pointer_;
      }
      break;

    case State::kAuthority:
      if (c == '@') {
        if (at_sign_seen_) buffer_.insert(0, "%40");
        at_sign_seen_ = true;
        for (char b : buffer_) {
          if (b == ':' && !password_token_seen_) {
            password_token_seen_ = true;
            continue;
          }
          AppendPercentEncoded(static_cast<unsigned char>(b),
                               PercentEncodeSet::kUserinfo,
                               password_token_seen_ ? &password_ : &username_);
        }
        buffer_.clear();
      } else if (c == kEof || slash || c == '?' || c == '#') {
        if (at_sign_seen_ && buffer_.empty()) return "missing host";
        // Re-read the buffered text (after the last '@') as the host.
        pointer_ -= static_cast<ptrdiff_t>(buffer_.size()) + 1;
        buffer_.clear();
        state_ = State::kHost;
      } else {
        buffer_.push_back(static_cast<char>(c));
      }
      break;

    case State::kHost:
      if (c == ':' && !inside_brackets_) {
        if (buffer_.empty()) return "missing host";
        if (std::string error = SetHostFromBuffer(); !error.empty())
          return error;
        state_ = State::kPort;
      } else if (c == kEof || slash || c == '?' || c == '#') {
        --pointer_;
        if (special && buffer_.empty()) return "missing host";
        if (std::string error = SetHostFromBuffer(); !error.empty())
          return error;
        state_ = State::kPathStart;
      } else {
        if (c == '[') inside_brackets_ = true;
        if (c == ']') inside_brackets_ = false;
        buffer_.push_back(static_cast<char>(c));
      }
      break;

    case State::kPort:
      if (IsAsciiDigit(c)) {
        buffer_.push_back(static_cast<char>(c));
      } else if (c == kEof || slash || c == '?' || c == '#') {
        if (!buffer_.empty()) {
          int port = 0;
          for (char d : buffer_) {
            port = port * 10 + (d - '0');
            if (port > 65535) return "port out of range";
          }
          if (port == DefaultPort(scheme_)) {
            port_.reset();
          } else {
            port_ = port;
          }
          buffer_.clear();
        }
        state_ = State::kPathStart;
        --pointer_;
      } else {
        return "invalid port";
      }
      break;

    case State::kFile:
      scheme_ = "file";
      host_ = "";
      if (c == '/' || c == '\\') {
        state_ = State::kFileSlash;
      } else if (BaseHasScheme("file")) {
        host_ = BaseHost();
        path_ = base_path_;
        query_ = base_->query;
        if (c == '?') {
          query_ = "";
          state_ = State::kQuery;
        } else if (c == '#') {
          fragment_ = "";
          state_ = State::kFragment;
        } else if (c != kEof) {
          query_.reset();
          if (!StartsWithWindowsDriveLetter()) {
            ShortenPath();
          } else {
            path_.clear();
          }
          state_ = State::kPath;
          --pointer_;
        }
      } else {
        state_ = State::kPath;
        --pointer_;
      }
      break;

    case State::kFileSlash:
      if (c == '/' || c == '\\') {
        state_ = State::kFileHost;
      } else {
        if (BaseHasScheme("file")) {
          host_ = BaseHost();
          if (!StartsWithWindowsDriveLetter() && !base_path_.empty() &&
              IsNormalizedWindowsDriveLetter(base_path_[0])) {
            path_.push_back(base_path_[0]);
          }
        }
        state_ = State::kPath;
        --pointer_;
      }
      break;

    case State::kFileHost:
      if (c == kEof || c == '/' || c == '\\' || c == '?' || c == '#') {
        --pointer_;
        if (IsWindowsDriveLetter(buffer_)) {
          // "file://C|/x": the drive letter is the first path segment, not a
          // host; the path state takes over the buffer.
          state_ = State::kPath;
        } else if (buffer_.empty()) {
          host_ = "";
          state_ = State::kPathStart;
        } else {
          if (std::string error = SetHostFromBuffer(); !error.empty())
            return error;
          if (host_ == "localhost") host_ = "";
          state_ = State::kPathStart;
        }
      } else {
        buffer_.push_back(static_cast<char>(c));
      }
      break;

    case State::kPathStart:
      if (special) {
        state_ = State::kPath;
        if (!slash) --pointer_;
      } else if (c == '?') {
        query_ = "";
        state_ = State::kQuery;
      } else if (c == '#') {
        fragment_ = "";
        state_ = State::kFragment;
      } else if (c != kEof) {
        state_ = State::kPath;
        if (c != '/') --pointer_;
      }
      break;

    case State::kPath:
      if (c == kEof || slash || c == '?' || c == '#') {
        if (IsDoubleDotSegment(buffer_)) {
          ShortenPath();
          if (!slash) path_.emplace_back();
        } else if (IsSingleDotSegment(buffer_)) {
          if (!slash) path_.emplace_back();
        } else {
          if (scheme_ == "file" && path_.empty() &&
              IsWindowsDriveLetter(buffer_)) {
            buffer_[1] = ':';
          }
          path_.push_back(std::move(buffer_));
        }
        buffer_.clear();
        if (c == '?') {
          query_ = "";
          state_ = State::kQuery;
        } else if (c == '#') {
          fragment_ = "";
          state_ = State::kFragment;
        }
      } else {
        AppendPercentEncoded(static_cast<unsigned char>(c),
                             PercentEncodeSet::kPath, &buffer_);
      }
      break;

    case State::kOpaquePath:
      if (c == '?') {
        query_ = "";
        state_ = State::kQuery;
      } else if (c == '#') {
        fragment_ = "";
        state_ = State::kFragment;
      } else if (c == ' ') {
        // A space right before '?' or '#' is escaped so that it survives
        // reserialization even if the query or fragment is later removed.
        const int next = At(pointer_ + 1);
        opaque_path_ += (next == '?' || next == '#') ? "%20" : " ";
      } else if (c != kEof) {
        AppendPercentEncoded(static_cast<unsigned char>(c),
                             PercentEncodeSet::kC0Control, &opaque_path_);
      }
      break;

    case State::kQuery:
      if (c == '#') {
        fragment_ = "";
        state_ = State::kFragment;
      } else if (c != kEof) {
        AppendPercentEncoded(static_cast<unsigned char>(c),
                             special ? PercentEncodeSet::kSpecialQuery
                                     : PercentEncodeSet::kQuery,
                             &*query_);
      }
      break;

    case State::kFragment:
      if (c != kEof) {
        AppendPercentEncoded(static_cast<unsigned char>(c),
                             PercentEncodeSet::kFragment, &*fragment_);
      }
      break;
  }
  return "";
}

Url UrlParser::Build() const {
  Url url;
  url.scheme = scheme_;
  url.username = username_;
  url.password = password_;
  url.has_host = host_.has_value();
  url.host = host_.value_or("");
  url.port = port_;
  url.has_opaque_path = opaque_;
  if (opaque_) {
    url.path = opaque_path_;
  } else {
    for (const std::string& segment : path_) {
      url.path.push_back('/');
      url.path += segment;
    }
  }
  url.query = query_;
  url.fragment = fragment_;
  return url;
}

bool IsC0ControlOrSpace(char c) {
  return static_cast<unsigned char>(c) <= 0x20;
}

}  // namespace

bool Url::IsSpecial() const { return IsSpecialScheme(scheme); }

config::Result<Url> ParseUrl(std::string_view input, const Url* base) {
  std::string_view trimmed = input;
  while (!trimmed.empty() && IsC0ControlOrSpace(trimmed.front())) {
    trimmed.remove_prefix(1);
  }
  while (!trimmed.empty() && IsC0ControlOrSpace(trimmed.back())) {
    trimmed.remove_suffix(1);
  }
  std::string cleaned;
  cleaned.reserve(trimmed.size());
  for (char c : trimmed) {
    if (c != '\t' && c != '\n' && c != '\r') cleaned.push_back(c);
  }
  UrlParser parser(std::move(cleaned), base);
  std::string error = parser.Run();
  if (!error.empty()) {
    return config::Status::InvalidArgument(error + ": " +
                                           EscapeForMessage(input));
  }
  return parser.Build();
}

}  // namespace crawlbox::parser
