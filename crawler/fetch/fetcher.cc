// The curl multi event loop: add transfers while there is room, drive them
// (two multi handles, one curl_multi_poll), turn each finished easy handle
// into a Response.
#include "crawler/fetch/fetcher.h"

#include <curl/curl.h>
#include <strings.h>
#include <sys/select.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "crawler/fetch/wire_capture.h"

namespace crawlbox::crawler {

namespace {

// One transfer's state; lives in a pool and is reused with its easy handle.
struct Transfer {
  CURL* easy = nullptr;
  CURLM* multi = nullptr;  // the multi handle it was added to
  Request request;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  int64_t max_body_bytes = 0;
  bool too_large = false;
  char error_buffer[CURL_ERROR_SIZE] = {};
  // The job's headers plus this request's conditional ones (re-crawl); null
  // when the shared list is used as is.
  curl_slist* own_headers = nullptr;
  // The exchange's bytes, when the job archives (fetch.archive).
  std::shared_ptr<WireCapture> wire;

  Transfer() = default;
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
  ~Transfer() { curl_slist_free_all(own_headers); }
};

// The header list of one request, or null when the job's defaults serve:
// the defaults (less those the request sets itself), the request's own
// headers, and a re-crawl's validators.
curl_slist* RequestHeaders(const curl_slist* defaults, const Request& request) {
  if (request.etag.empty() && request.last_modified.empty() &&
      request.headers.empty() && request.body.empty())
    return nullptr;
  auto name_of = [](std::string_view header) {
    return header.substr(0, header.find(':'));
  };
  auto overridden = [&](std::string_view header) {
    std::string_view name = name_of(header);
    for (const std::string& own : request.headers) {
      std::string_view other = name_of(own);
      if (other.size() == name.size() &&
          strncasecmp(other.data(), name.data(), name.size()) == 0)
        return true;
    }
    return false;
  };
  curl_slist* list = nullptr;
  for (const curl_slist* h = defaults; h != nullptr; h = h->next) {
    if (!overridden(h->data)) list = curl_slist_append(list, h->data);
  }
  for (const std::string& own : request.headers) {
    list = curl_slist_append(list, own.c_str());
  }
  // libcurl would wait up to a second for "100 Continue" before a large
  // body; no server of a crawl needs that handshake.
  if (!request.body.empty()) list = curl_slist_append(list, "Expect:");
  if (!request.etag.empty()) {
    list = curl_slist_append(list, ("If-None-Match: " + request.etag).c_str());
  }
  if (!request.last_modified.empty()) {
    list = curl_slist_append(
        list, ("If-Modified-Since: " + request.last_modified).c_str());
  }
  return list;
}

// Sets the method and body of `request` on a handle that may have sent
// another request before.
void SetMethod(CURL* e, const Request& request) {
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, nullptr);
  curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
  curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  if (request.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    return;
  }
  if (!request.body.empty() || request.method == "POST") {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, request.body.data());
  }
  if (request.method != "GET" && request.method != "POST") {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  if (static_cast<int64_t>(t->body.size() + n) > t->max_body_bytes) {
    t->too_large = true;
    return 0;  // makes curl fail the transfer with CURLE_WRITE_ERROR
  }
  t->body.append(data, n);
  return n;
}

int OnDebug(CURL*, curl_infotype kind, char* data, size_t size, void* user) {
  auto* t = static_cast<Transfer*>(user);
  if (t != nullptr && t->wire != nullptr)
    CaptureSent(t->wire.get(), kind, std::string_view(data, size));
  return 0;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  if (t->wire != nullptr) CaptureReceivedHeader(t->wire.get(), line);
  // Each response of a redirect chain starts with its status line: keep the
  // final one's only.
  if (line.starts_with("HTTP/")) {
    t->headers.clear();
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
      s.remove_prefix(1);
    while (!s.empty() && (s.back() == '\r' || s.back() == '\n' ||
                          s.back() == ' ' || s.back() == '\t')) {
      s.remove_suffix(1);
    }
    return s;
  };
  std::string_view name = trim(line.substr(0, colon));
  std::string_view value = trim(line.substr(colon + 1));
  if (name.size() == 14 &&
      strncasecmp(name.data(), "content-length", 14) == 0) {
    // One allocation for the whole body instead of a doubling series, each
    // copying what came before; a lying length costs at most max_body_bytes.
    int64_t length = 0;
    auto [end, error] =
        std::from_chars(value.data(), value.data() + value.size(), length);
    (void)end;
    if (error == std::errc() && length > 0)
      t->body.reserve(static_cast<size_t>(std::min(length, t->max_body_bytes)));
  }
  t->headers.emplace_back(std::string(name), std::string(value));
  return n;
}

// The one place CURLcode becomes our FetchError.
FetchError TranslateCurlCode(CURLcode code, bool too_large) {
  switch (code) {
    case CURLE_OK:
      return FetchError::kNone;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return FetchError::kDns;
    case CURLE_COULDNT_CONNECT:
      return FetchError::kConnect;
    case CURLE_OPERATION_TIMEDOUT:
      return FetchError::kTimeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
      return FetchError::kTls;
    case CURLE_FILESIZE_EXCEEDED:
      return FetchError::kTooLarge;
    case CURLE_WRITE_ERROR:
      return too_large ? FetchError::kTooLarge : FetchError::kOther;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
      return FetchError::kReset;
    case CURLE_PARTIAL_FILE:
      return FetchError::kTruncated;
    case CURLE_TOO_MANY_REDIRECTS:
      return FetchError::kTooManyRedirects;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return FetchError::kBadUrl;
    case CURLE_BAD_CONTENT_ENCODING:
      return FetchError::kDecode;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
      return FetchError::kProtocol;
    default:
      return FetchError::kOther;
  }
}

double Millis(CURL* easy, CURLINFO info) {
  curl_off_t us = 0;
  curl_easy_getinfo(easy, info, &us);
  return static_cast<double>(us) / 1000.0;
}

// "https://h:8443" of a URL: the unit of a connection.
std::string_view OriginOf(std::string_view url) {
  size_t scheme = url.find("://");
  size_t path =
      url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
  return url.substr(0, path);
}

// What the job's jar holds, read through a handle of its own. Only the
// fetcher thread uses the share, so this needs no lock either.
std::vector<Cookie> JarCookies(CURLSH* share) {
  std::vector<Cookie> cookies;
  if (share == nullptr) return cookies;
  CURL* e = curl_easy_init();
  if (e == nullptr) return cookies;
  curl_easy_setopt(e, CURLOPT_SHARE, share);
  curl_slist* list = nullptr;
  if (curl_easy_getinfo(e, CURLINFO_COOKIELIST, &list) == CURLE_OK) {
    for (const curl_slist* line = list; line != nullptr; line = line->next) {
      if (std::optional<Cookie> cookie = ParseCookieLine(line->data))
        cookies.push_back(std::move(*cookie));
    }
  }
  curl_slist_free_all(list);
  curl_easy_cleanup(e);
  return cookies;
}

// Detaches a transfer from its multi handle and frees it with its handle.
void Release(Transfer* t) {
  curl_multi_remove_handle(t->multi, t->easy);
  curl_easy_cleanup(t->easy);
  delete t;
}

}  // namespace

struct Fetcher::Impl {
  // Plain HTTP, and https hosts that answered over HTTP/1.x: no per-host
  // connection limit (each transfer needs a connection of its own; the
  // Frontier bounds them per host). The loop polls this handle.
  CURLM* multi = nullptr;
  // Transfers that may multiplex over HTTP/2 (https with fetch.http2): one
  // connection per host. libcurl 7.88's CURLOPT_PIPEWAIT waits only for a
  // host's first connection; when a server ends one (GOAWAY, as nginx does
  // after keepalive_requests streams), the streams it refused and every new
  // transfer to that host each open their own connection while the
  // replacement is still in its handshake: 56-64 connections for 64
  // transfers. Limited to one, they wait in libcurl's pending state and then
  // share the new connection. Its sockets join the poll of `multi`.
  CURLM* multiplexed = nullptr;
  // Origins ("https://h:443") whose TLS connection negotiated HTTP/1.x: their
  // transfers go to `multi`, or they would queue on one connection.
  std::unordered_set<std::string> serial_origins;
  CURLSH* share = nullptr;  // the job's cookie jar, shared by every transfer
  curl_slist* default_headers = nullptr;
  curl_slist* resolve = nullptr;  // fetch.resolve as "host:port:address"
  // Transfers in flight, owned here.
  std::vector<Transfer*> active;
  // Easy handles of finished transfers, kept with their options for the next
  // ones: creating a handle and setting its two dozen options cost more than
  // a page's parse of links. They are not curl_easy_reset (libcurl 7.88 keeps
  // the cookie file list across a reset, a leak per reuse): what differs per
  // transfer is set again, the rest was set once.
  std::vector<CURL*> idle;

  ~Impl() {
    for (Transfer* t : active) Release(t);
    for (CURL* easy : idle) curl_easy_cleanup(easy);
    if (multi != nullptr) curl_multi_cleanup(multi);
    if (multiplexed != nullptr) curl_multi_cleanup(multiplexed);
    // Only the fetcher thread ever used the share, so it needs no lock
    // callbacks.
    if (share != nullptr) curl_share_cleanup(share);
    curl_slist_free_all(default_headers);
    curl_slist_free_all(resolve);
  }
};

Fetcher::Fetcher(const config::FetchSettings& settings, RequestSource* source,
                 ResponseCallback on_response)
    : settings_(settings),
      source_(source),
      on_response_(std::move(on_response)),
      max_transfers_(settings.concurrency) {}

Fetcher::~Fetcher() { Stop(); }

namespace {

// The sockets `multi` wants watched, as extra descriptors for another
// handle's curl_multi_poll (libcurl 7.88 has no curl_multi_waitfds, and its
// curl_multi_perform does not call a CURLMOPT_SOCKETFUNCTION). Sockets
// numbered FD_SETSIZE or above are left out by curl_multi_fdset: their
// transfers then move on the poll's timeout; the multiplexed handle has one
// connection per host, so few sockets.
void WatchedSockets(CURLM* multi, std::vector<curl_waitfd>* out) {
  out->clear();
  fd_set read_set, write_set, error_set;
  FD_ZERO(&read_set);
  FD_ZERO(&write_set);
  FD_ZERO(&error_set);
  int max_fd = -1;
  curl_multi_fdset(multi, &read_set, &write_set, &error_set, &max_fd);
  for (int fd = 0; fd <= max_fd; ++fd) {
    curl_waitfd w{};
    w.fd = fd;
    if (FD_ISSET(fd, &read_set)) w.events |= CURL_WAIT_POLLIN;
    if (FD_ISSET(fd, &write_set)) w.events |= CURL_WAIT_POLLOUT;
    if (FD_ISSET(fd, &error_set)) w.events |= CURL_WAIT_POLLPRI;
    if (w.events != 0) out->push_back(w);
  }
}

}  // namespace

config::Status Fetcher::Start() {
  impl_ = std::make_unique<Impl>();
  impl_->multi = curl_multi_init();
  impl_->multiplexed = curl_multi_init();
  if (impl_->multi == nullptr || impl_->multiplexed == nullptr) {
    return config::Status::Unavailable(
        "libcurl could not create a multi handle");
  }
  // No CURLMOPT_MAX_TOTAL_CONNECTIONS: our own slot count already bounds the
  // transfers, and with it curl parks new transfers behind connections a
  // server has closed but curl still counts, until their timeout expires
  // unstarted ("Failed to resolve host ... after 0 ms").
  // Connections kept for reuse: enough for every transfer slot plus some slack
  // across hosts.
  for (CURLM* m : {impl_->multi, impl_->multiplexed}) {
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS,
                      static_cast<long>(settings_.concurrency * 2));
  }
  curl_multi_setopt(impl_->multi, CURLMOPT_PIPELINING, CURLPIPE_NOTHING);
  curl_multi_setopt(impl_->multiplexed, CURLMOPT_PIPELINING,
                    CURLPIPE_MULTIPLEX);
  curl_multi_setopt(impl_->multiplexed, CURLMOPT_MAX_HOST_CONNECTIONS, 1L);
  // libcurl's own cap of streams per connection (100) would otherwise make a
  // host's transfers beyond it wait: the one connection may carry them all
  // (the server's SETTINGS_MAX_CONCURRENT_STREAMS still applies).
  curl_multi_setopt(impl_->multiplexed, CURLMOPT_MAX_CONCURRENT_STREAMS,
                    static_cast<long>(std::max(100, settings_.concurrency)));
  bool has_accept = false;
  for (const std::string& header : settings_.headers) {
    impl_->default_headers =
        curl_slist_append(impl_->default_headers, header.c_str());
    if (strncasecmp(header.c_str(), "accept:", 7) == 0) has_accept = true;
  }
  if (!has_accept) {
    impl_->default_headers = curl_slist_append(
        impl_->default_headers,
        "Accept: "
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
  }
  for (const config::ResolvePin& pin : settings_.resolve) {
    // curl wants an IPv6 address in brackets here.
    const bool v6 = pin.address.find(':') != std::string::npos;
    const std::string entry = pin.host + ":" + std::to_string(pin.port) + ":" +
                              (v6 ? "[" + pin.address + "]" : pin.address);
    impl_->resolve = curl_slist_append(impl_->resolve, entry.c_str());
  }
  if (settings_.cookies) {
    impl_->share = curl_share_init();
    if (impl_->share != nullptr) {
      curl_share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
    }
  }
  thread_ = std::thread([this] { Loop(); });
  return config::Status::Ok();
}

void Fetcher::Wakeup() {
  if (impl_ != nullptr && impl_->multi != nullptr)
    curl_multi_wakeup(impl_->multi);
}

void Fetcher::Stop() {
  stop_.store(true);
  Wakeup();
  if (thread_.joinable()) thread_.join();
}

void Fetcher::Loop() {
  Impl& impl = *impl_;
  // The options every transfer of this Fetcher shares, set once per handle.
  auto configure = [&](CURL* e) {
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    // Followed only where add_transfer turns following on; RFC 9309
    // §2.3.1.2 asks a robots.txt fetch to follow at least five hops.
    curl_easy_setopt(e, CURLOPT_MAXREDIRS,
                     static_cast<long>(std::max(5, settings_.max_redirects)));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(settings_.connect_timeout_ms));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(settings_.timeout_ms));
    if (!settings_.truncate_large_bodies) {
      // Fails before the body when Content-Length already says it is too big.
      curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
                       static_cast<curl_off_t>(settings_.max_body_bytes));
    }
    if (impl.share != nullptr) {
      curl_easy_setopt(e, CURLOPT_SHARE, impl.share);
      curl_easy_setopt(e, CURLOPT_COOKIEFILE, "");  // enable the cookie engine
    }
    if (!settings_.ca_file.empty()) {
      curl_easy_setopt(e, CURLOPT_CAINFO, settings_.ca_file.c_str());
    }
    // An empty proxy also keeps curl from reading *_proxy variables.
    curl_easy_setopt(e, CURLOPT_PROXY, settings_.proxy.c_str());
    curl_easy_setopt(
        e, CURLOPT_HTTP_VERSION,
        settings_.http2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1);
    if (settings_.archive) {
      // The archive keeps bodies as sent, so libcurl must not decode them;
      // we decode these two ourselves (wire_capture.cc).
      curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
      curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
      curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, OnDebug);
      curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);  // the debug function's switch
    } else {
      curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING,
                       "");  // every encoding this libcurl decodes
    }
    curl_easy_setopt(e, CURLOPT_USERAGENT, settings_.user_agent.c_str());
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    if (impl.resolve != nullptr)
      curl_easy_setopt(e, CURLOPT_RESOLVE, impl.resolve);
  };
  auto add_transfer = [&](Request&& request) {
    Transfer* t = new Transfer();
    if (!impl.idle.empty()) {
      t->easy = impl.idle.back();
      impl.idle.pop_back();
    } else {
      t->easy = curl_easy_init();
      configure(t->easy);
    }
    t->request = std::move(request);
    t->max_body_bytes = settings_.max_body_bytes;
    CURL* e = t->easy;
    if (settings_.archive) {
      t->wire = std::make_shared<WireCapture>();
      t->wire->started = std::chrono::system_clock::now();
      curl_easy_setopt(e, CURLOPT_DEBUGDATA, t);
    }
    curl_easy_setopt(e, CURLOPT_URL, t->request.url.c_str());
    // A page's redirect is a hop the Frontier schedules like a link (scope,
    // robots.txt, dedup, politeness), so libcurl must not follow it; robots.txt
    // and sitemaps are not URLs of the crawl and follow theirs here.
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION,
                     t->request.kind == Request::Kind::kPage ? 0L : 1L);
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error_buffer);
    SetMethod(e, t->request);
    t->own_headers = RequestHeaders(impl.default_headers, t->request);
    curl_easy_setopt(
        e, CURLOPT_HTTPHEADER,
        t->own_headers != nullptr ? t->own_headers : impl.default_headers);
    // Waiting for a connection that might multiplex pays off only where
    // HTTP/2 can be negotiated (TLS); over plain HTTP it would park every
    // transfer to a host behind one whose server stalls its headers.
    const bool multiplex =
        settings_.http2 && t->request.url.starts_with("https:") &&
        !impl.serial_origins.contains(std::string(OriginOf(t->request.url)));
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, multiplex ? 1L : 0L);
    t->multi = multiplex ? impl.multiplexed : impl.multi;
    curl_multi_add_handle(t->multi, e);
    impl.active.push_back(t);
    in_flight_.fetch_add(1, std::memory_order_relaxed);
  };

  auto finish = [&](CURL* easy, CURLcode code) {
    Transfer* t = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
    curl_multi_remove_handle(t->multi, easy);
    std::erase(impl.active, t);
    in_flight_.fetch_sub(1, std::memory_order_relaxed);

    Response r;
    r.request = std::move(t->request);
    r.error = TranslateCurlCode(code, t->too_large);
    if (r.error == FetchError::kTooLarge && settings_.truncate_large_bodies &&
        t->too_large) {
      // The body was cut at max_body_bytes on purpose: keep what arrived.
      r.error = FetchError::kNone;
      r.truncated = true;
    }
    if (r.error != FetchError::kNone) {
      r.error_detail = t->error_buffer[0] != '\0' ? t->error_buffer
                                                  : curl_easy_strerror(code);
    } else {
      long status = 0;
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
      r.status = static_cast<int>(status);
      r.headers = std::move(t->headers);
      r.body = std::move(t->body);
      char* ct = nullptr;
      curl_easy_getinfo(easy, CURLINFO_CONTENT_TYPE, &ct);
      if (ct != nullptr) r.content_type = ct;
      if (settings_.archive) {
        DecodeArchivedBody(t->wire.get(), t->max_body_bytes,
                           settings_.truncate_large_bodies, &r);
        char* ip = nullptr;
        curl_easy_getinfo(easy, CURLINFO_PRIMARY_IP, &ip);
        if (ip != nullptr) t->wire->ip = ip;
        if (r.ok()) r.wire = std::move(t->wire);
      }
    }
    char* final_url = nullptr;
    curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &final_url);
    r.final_url = final_url != nullptr ? final_url : r.request.url;
    long version = 0;
    curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version);
    if (t->multi == impl.multiplexed && r.ok() &&
        (version == CURL_HTTP_VERSION_1_0 ||
         version == CURL_HTTP_VERSION_1_1)) {
      impl.serial_origins.emplace(OriginOf(r.final_url));
    }
    long redirects = 0;
    curl_easy_getinfo(easy, CURLINFO_REDIRECT_COUNT, &redirects);
    r.redirects = static_cast<int>(redirects);
    r.timings.dns_ms = Millis(easy, CURLINFO_NAMELOOKUP_TIME_T);
    r.timings.connect_ms = Millis(easy, CURLINFO_CONNECT_TIME_T);
    r.timings.tls_ms = Millis(easy, CURLINFO_APPCONNECT_TIME_T);
    r.timings.ttfb_ms = Millis(easy, CURLINFO_STARTTRANSFER_TIME_T);
    r.timings.total_ms = Millis(easy, CURLINFO_TOTAL_TIME_T);
    // An idle handle points at nothing of the finished transfer.
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, nullptr);
    if (impl.idle.size() < static_cast<size_t>(settings_.concurrency)) {
      impl.idle.push_back(easy);
    } else {
      curl_easy_cleanup(easy);
    }
    delete t;
    on_response_(std::move(r));
  };

  std::vector<curl_waitfd> watched;  // the multiplexed handle's sockets
  // The login step's exchanges: one at a time on this thread, with the
  // handles' options and cookie jar, never seen by the RequestSource.
  const Exchange exchange = [&](const Request& request) {
    Transfer t;
    t.easy = curl_easy_init();
    t.request = request;
    t.max_body_bytes = settings_.max_body_bytes;
    CURL* e = t.easy;
    configure(e);
    curl_easy_setopt(e, CURLOPT_URL, t.request.url.c_str());
    // One hop: the caller follows redirects itself (a login's session
    // cookie comes with the 303, and robots.txt is asked per hop).
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(e, CURLOPT_DEBUGDATA, &t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error_buffer);
    SetMethod(e, t.request);
    t.own_headers = RequestHeaders(impl.default_headers, t.request);
    curl_easy_setopt(
        e, CURLOPT_HTTPHEADER,
        t.own_headers != nullptr ? t.own_headers : impl.default_headers);
    const CURLcode code = curl_easy_perform(e);
    Response r;
    r.request = t.request;
    r.error = TranslateCurlCode(code, t.too_large);
    if (r.error != FetchError::kNone) {
      r.error_detail =
          t.error_buffer[0] != '\0' ? t.error_buffer : curl_easy_strerror(code);
    } else {
      long status = 0;
      curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
      r.status = static_cast<int>(status);
      r.headers = std::move(t.headers);
      r.body = std::move(t.body);
      char* ct = nullptr;
      curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct);
      if (ct != nullptr) r.content_type = ct;
      // The login step's exchanges are never archived, but with
      // fetch.archive their bodies arrive undecoded too.
      if (settings_.archive)
        DecodeArchivedBody(nullptr, t.max_body_bytes,
                           settings_.truncate_large_bodies, &r);
    }
    char* final_url = nullptr;
    curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &final_url);
    r.final_url = final_url != nullptr ? final_url : r.request.url;
    curl_easy_cleanup(e);
    return r;
  };
  bool logged_in = false;
  while (!stop_.load()) {
    if (login_step_ && (!logged_in || login_requested_.exchange(false))) {
      logged_in = true;
      login_step_(exchange);
      if (cookies_hook_) cookies_hook_(JarCookies(impl.share));
    }
    std::chrono::milliseconds wait(1000);
    while (static_cast<int>(impl.active.size()) <
           max_transfers_.load(std::memory_order_relaxed)) {
      std::optional<Request> next = source_->NextRequest(&wait);
      if (!next) break;
      if (diverter_ && next->kind == Request::Kind::kPage && diverter_(*next))
        continue;
      add_transfer(std::move(*next));
    }
    bool finished_any = false;
    for (CURLM* m : {impl.multi, impl.multiplexed}) {
      int running = 0;
      curl_multi_perform(m, &running);
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(m, &queued)) {
        if (msg->msg == CURLMSG_DONE) {
          finish(msg->easy_handle, msg->data.result);
          finished_any = true;
        }
      }
    }
    // Freed slots are refilled before waiting again.
    if (finished_any) continue;
    // Sleep until a socket is ready, a wakeup, or the source's next host is
    // due.
    int timeout_ms =
        static_cast<int>(std::clamp<int64_t>(wait.count(), 0, 1000));
    // curl_multi_poll honours the timers of the handle it polls only.
    long multiplexed_timeout_ms = -1;
    curl_multi_timeout(impl.multiplexed, &multiplexed_timeout_ms);
    if (multiplexed_timeout_ms >= 0) {
      timeout_ms =
          std::min(timeout_ms, static_cast<int>(multiplexed_timeout_ms));
    }
    WatchedSockets(impl.multiplexed, &watched);
    curl_multi_poll(impl.multi, watched.data(),
                    static_cast<unsigned>(watched.size()), timeout_ms, nullptr);
  }
  // Stopped: transfers still running are dropped; their URLs stay queued in the
  // frontier.
  for (Transfer* t : impl.active) Release(t);
  impl.active.clear();
  in_flight_.store(0);
}

FetchLibraryScope::FetchLibraryScope() {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

FetchLibraryScope::~FetchLibraryScope() { curl_global_cleanup(); }

}  // namespace crawlbox::crawler
