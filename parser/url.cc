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
#include "parser/url_plain_path.h"

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
  // By length first: every link's scheme is checked, and most are "http" or
  // "https".
  switch (scheme.size()) {
    case 2:
      return scheme == "ws";
    case 3:
      return scheme == "wss" || scheme == "ftp";
    case 4:
      return scheme == "http" || scheme == "file";
    case 5:
      return scheme == "https";
    default:
      return false;
  }
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
// The path is kept serialized ("/seg/seg") rather than as a list of segments:
// segments never contain '/', so the spec's list operations map onto appends
// and truncations of one string, and the base's path needs no splitting.
class UrlParser {
 public:
  // `input` (trimmed and without tabs and newlines) and `base` must outlive
  // the parser.
  UrlParser(std::string_view input, const Url* base)
      : input_(input), base_(base) {}

  // Returns false on failure, with the reason in error(); on success Build()
  // is valid.
  bool Run();
  const std::string& error() const { return error_; }
  Url Build() &&;

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
    return from <= input_.size() && input_.substr(from).starts_with(s);
  }
  // The spec's "starts with a Windows drive letter", applied to the input from
  // the pointer.
  bool StartsWithWindowsDriveLetter() const {
    const std::string_view rest = input_.substr(static_cast<size_t>(pointer_));
    if (rest.size() < 2 || !IsWindowsDriveLetter(rest.substr(0, 2)))
      return false;
    return rest.size() == 2 || rest[2] == '/' || rest[2] == '\\' ||
           rest[2] == '?' || rest[2] == '#';
  }
  void SetScheme(std::string scheme) {
    scheme_ = std::move(scheme);
    special_ = IsSpecialScheme(scheme_);
    file_ = scheme_ == "file";
  }
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
  // The first segment of a serialized path that has one.
  static std::string_view FirstSegment(std::string_view path) {
    return path.substr(1, path.find('/', 1) - 1);
  }
  void ShortenPath() {
    if (path_.empty()) return;
    const bool one_segment = path_.find('/', 1) == std::string::npos;
    if (file_ && one_segment &&
        IsNormalizedWindowsDriveLetter(FirstSegment(path_))) {
      return;
    }
    path_.resize(path_.rfind('/'));
  }
  // Runs the host parser on buffer_ and stores the result; returns false
  // (with error_ set) on failure.
  bool SetHostFromBuffer() {
    config::Result<std::string> host = ParseHost(buffer_, !special_);
    if (!host.ok()) return Fail(host.status().message());
    host_ = std::move(host).value();
    buffer_.clear();
    return true;
  }
  bool Fail(std::string reason) {
    error_ = std::move(reason);
    return false;
  }
  // The index of the first byte at or after the pointer that ends a path
  // segment ('/', '?', '#', and '\\' in special URLs), else the input's size.
  size_t FindSegmentEnd() const {
    size_t i = static_cast<size_t>(pointer_);
    while (i < input_.size()) {
      const char c = input_[i];
      if (c == '/' || c == '?' || c == '#' || (special_ && c == '\\')) break;
      ++i;
    }
    return i;
  }
  // The index of the first '#' at or after the pointer, else the input's
  // size.
  size_t FindFragmentStart() const {
    const size_t hash = input_.find('#', static_cast<size_t>(pointer_));
    return hash == std::string_view::npos ? input_.size() : hash;
  }
  // Percent-encodes the input from the pointer up to `end` into `*out` and
  // leaves the pointer on the last byte taken: what running the state on
  // each of those bytes would do, for states that only append them.
  void TakeRun(size_t end, PercentEncodeSet set, std::string* out) {
    const size_t from = static_cast<size_t>(pointer_);
    AppendPercentEncoded(input_.substr(from, end - from), set, out);
    pointer_ = static_cast<ptrdiff_t>(end) - 1;
  }

  // Appends the byte at the pointer and those after it to buffer_ as they
  // are, stopping before the end of input or a byte for which `stop` is true,
  // and leaves the pointer on the last byte taken: what a state that only
  // buffers bytes would do one byte at a time.
  template <typename Stop>
  void TakeRawRun(Stop stop) {
    const size_t from = static_cast<size_t>(pointer_);
    size_t end = from + 1;
    while (end < input_.size() &&
           !stop(static_cast<unsigned char>(input_[end]))) {
      ++end;
    }
    buffer_.append(input_.data() + from, end - from);
    pointer_ = static_cast<ptrdiff_t>(end) - 1;
  }

  bool RunState(int c);

  std::string_view input_;
  const Url* base_;
  State state_ = State::kSchemeStart;
  ptrdiff_t pointer_ = 0;
  std::string buffer_;
  std::string error_;
  bool at_sign_seen_ = false;
  bool inside_brackets_ = false;
  bool password_token_seen_ = false;

  std::string scheme_;
  bool special_ = false;  // IsSpecialScheme(scheme_)
  bool file_ = false;     // scheme_ == "file"
  std::string username_;
  std::string password_;
  std::optional<std::string> host_;
  std::optional<int> port_;
  std::string path_;  // serialized: "" or "/seg/seg"
  bool opaque_ = false;
  std::string opaque_path_;
  std::optional<std::string> query_;
  std::optional<std::string> fragment_;
};

bool UrlParser::Run() {
  while (true) {
    if (!RunState(At(pointer_))) return false;
    if (pointer_ >= static_cast<ptrdiff_t>(input_.size())) return true;
    ++pointer_;
  }
}

bool UrlParser::RunState(int c) {
  const bool special = special_;
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
      if (IsSchemeByte(c)) {
        while (true) {
          buffer_.push_back(AsciiLower(static_cast<char>(c)));
          if (!IsSchemeByte(At(pointer_ + 1))) break;
          c = At(++pointer_);
        }
      } else if (c == ':') {
        SetScheme(std::move(buffer_));
        buffer_.clear();
        if (file_) {
          state_ = State::kFile;
        } else if (special_ && BaseHasScheme(scheme_)) {
          state_ = State::kSpecialRelativeOrAuthority;
        } else if (special_) {
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
      if (base_ == nullptr) return Fail("missing scheme");
      if (base_->has_opaque_path && c != '#') return Fail("missing scheme");
      if (base_->has_opaque_path) {
        SetScheme(base_->scheme);
        opaque_ = true;
        opaque_path_ = base_->path;
        query_ = base_->query;
        fragment_ = "";
        state_ = State::kFragment;
      } else {
        state_ = std::string_view(base_->scheme) != "file" ? State::kRelative
                                                           : State::kFile;
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
      SetScheme(base_->scheme);
      if (special_ ? (c == '/' || c == '\\') : c == '/') {
        state_ = State::kRelativeSlash;
      } else {
        CopyAuthorityFromBase();
        path_ = base_->path;
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
        if (at_sign_seen_ && buffer_.empty()) return Fail("missing host");
        // Re-read the buffered text (after the last '@') as the host.
        pointer_ -= static_cast<ptrdiff_t>(buffer_.size()) + 1;
        buffer_.clear();
        state_ = State::kHost;
      } else {
        TakeRawRun([this](int next) {
          return next == '@' || next == '/' || next == '?' || next == '#' ||
                 (special_ && next == '\\');
        });
      }
      break;

    case State::kHost:
      if (c == ':' && !inside_brackets_) {
        if (buffer_.empty()) return Fail("missing host");
        if (!SetHostFromBuffer()) return false;
        state_ = State::kPort;
      } else if (c == kEof || slash || c == '?' || c == '#') {
        --pointer_;
        if (special && buffer_.empty()) return Fail("missing host");
        if (!SetHostFromBuffer()) return false;
        state_ = State::kPathStart;
      } else if (c == '[' || c == ']') {
        inside_brackets_ = c == '[';
        buffer_.push_back(static_cast<char>(c));
      } else {
        TakeRawRun([this](int next) {
          return next == ':' || next == '[' || next == ']' || next == '/' ||
                 next == '?' || next == '#' || (special_ && next == '\\');
        });
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
            if (port > 65535) return Fail("port out of range");
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
        return Fail("invalid port");
      }
      break;

    case State::kFile:
      SetScheme("file");
      host_ = "";
      if (c == '/' || c == '\\') {
        state_ = State::kFileSlash;
      } else if (BaseHasScheme("file")) {
        host_ = BaseHost();
        path_ = base_->path;
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
          const std::string& base_path = base_->path;
          if (!StartsWithWindowsDriveLetter() && !base_path.empty() &&
              IsNormalizedWindowsDriveLetter(FirstSegment(base_path))) {
            path_.push_back('/');
            path_ += FirstSegment(base_path);
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
          if (!SetHostFromBuffer()) return false;
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
          if (!slash) path_.push_back('/');
        } else if (IsSingleDotSegment(buffer_)) {
          if (!slash) path_.push_back('/');
        } else {
          if (file_ && path_.empty() && IsWindowsDriveLetter(buffer_)) {
            buffer_[1] = ':';
          }
          path_.push_back('/');
          path_ += buffer_;
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
        TakeRun(FindSegmentEnd(), PercentEncodeSet::kPath, &buffer_);
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
        TakeRun(FindFragmentStart(),
                special ? PercentEncodeSet::kSpecialQuery
                        : PercentEncodeSet::kQuery,
                &*query_);
      }
      break;

    case State::kFragment:
      if (c != kEof) {
        TakeRun(input_.size(), PercentEncodeSet::kFragment, &*fragment_);
      }
      break;
  }
  return true;
}

Url UrlParser::Build() && {
  Url url;
  url.scheme = std::move(scheme_);
  url.username = std::move(username_);
  url.password = std::move(password_);
  url.has_host = host_.has_value();
  if (host_) url.host = std::move(*host_);
  url.port = port_;
  url.has_opaque_path = opaque_;
  url.path = opaque_ ? std::move(opaque_path_) : std::move(path_);
  url.query = std::move(query_);
  url.fragment = std::move(fragment_);
  return url;
}

}  // namespace

bool Url::IsSpecial() const { return IsSpecialScheme(scheme); }

namespace {

config::Result<Url> Parse(std::string_view input, const Url* base,
                          bool shortcut) {
  std::string_view trimmed = input;
  while (!trimmed.empty() && IsC0ControlOrSpace(trimmed.front())) {
    trimmed.remove_prefix(1);
  }
  while (!trimmed.empty() && IsC0ControlOrSpace(trimmed.back())) {
    trimmed.remove_suffix(1);
  }
  // Tabs and newlines inside a URL are rare: the input is copied only to drop
  // them.
  std::string cleaned;
  if (HasTabOrNewline(trimmed)) {
    cleaned.reserve(trimmed.size());
    for (char c : trimmed) {
      if (c != '\t' && c != '\n' && c != '\r') cleaned.push_back(c);
    }
    trimmed = cleaned;
  }
  if (shortcut && base != nullptr) {
    Url url;
    if (ParsePlainAbsolutePath(trimmed, *base, &url)) return url;
  }
  UrlParser parser(trimmed, base);
  if (!parser.Run()) {
    return config::Status::InvalidArgument(parser.error() + ": " +
                                           EscapeForMessage(input));
  }
  return std::move(parser).Build();
}

}  // namespace

config::Result<Url> ParseUrl(std::string_view input, const Url* base) {
  return Parse(input, base, true);
}

config::Result<Url> ParseUrlByStates(std::string_view input, const Url* base) {
  return Parse(input, base, false);
}

}  // namespace crawlbox::parser
