// hiredis behind Status: connect + AUTH + SELECT, commands by argv (binary
// safe), pipelines, and error texts that name the address but never the
// password.
#include "crawler/fleet/redis_client.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>

namespace crawlbox::crawler {

using config::Result;
using config::Status;

struct RedisClient::Context {
  redisContext* c = nullptr;
  ~Context() {
    if (c != nullptr) redisFree(c);
  }
};

namespace {

// Decodes %XX escapes; false on a malformed one.
bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size() ||
        !std::isxdigit(static_cast<unsigned char>(in[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      return false;
    }
    int value = 0;
    std::from_chars(in.data() + i + 1, in.data() + i + 3, value, 16);
    out->push_back(static_cast<char>(value));
    i += 2;
  }
  return true;
}

bool ParseInt(std::string_view text, int min, int max, int* out) {
  int value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    return false;
  }
  *out = value;
  return true;
}

RedisReply Convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i)
        out.elements.push_back(Convert(r->element[i]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
      break;
  }
  return out;
}

// Error replies of a server that is up but cannot serve this connection yet:
// loading its data after a restart, or a replica during a failover.
bool NotServing(const std::string& error) {
  return error.starts_with("LOADING") || error.starts_with("READONLY") ||
         error.starts_with("MASTERDOWN");
}

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

}  // namespace

std::string RedisAddress::Redacted() const {
  std::string out = "redis://";
  if (!user.empty() || !password.empty()) out += "***@";
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  out += ":" + std::to_string(port);
  if (db != 0) out += "/" + std::to_string(db);
  return out;
}

Result<RedisAddress> ParseRedisUrl(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) {
    return Status::InvalidArgument(
        "the Redis URL must look like "
        "redis://[[user]:password@]host[:port][/db]"
        " (rediss:// and unix sockets are not supported)");
  }
  std::string_view rest = url.substr(kScheme.size());
  RedisAddress address;
  // The password may contain '@' only percent-encoded, so the last '@' ends
  // the credentials.
  size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    size_t colon = credentials.find(':');
    std::string_view user = credentials.substr(0, colon);
    std::string_view password = colon == std::string_view::npos
                                    ? std::string_view()
                                    : credentials.substr(colon + 1);
    if (colon == std::string_view::npos) {
      // redis://secret@host: a lone word is the password, as redis-cli reads
      // it.
      password = user;
      user = {};
    }
    if (!PercentDecode(user, &address.user) ||
        !PercentDecode(password, &address.password)) {
      return Status::InvalidArgument(
          "the Redis URL has a malformed %-escape in its credentials");
    }
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && !ParseInt(db, 0, 1 << 20, &address.db)) {
      return Status::InvalidArgument(
          "the Redis URL's database must be a number, got '" + std::string(db) +
          "'");
    }
  }
  std::string_view port;
  if (authority.starts_with('[')) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Status::InvalidArgument(
          "the Redis URL has an unclosed '[' in its host");
    }
    address.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (after.starts_with(':')) port = after.substr(1);
  } else {
    size_t colon = authority.rfind(':');
    address.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (address.host.empty()) {
    return Status::InvalidArgument("the Redis URL names no host");
  }
  if (!port.empty() && !ParseInt(port, 1, 65535, &address.port)) {
    return Status::InvalidArgument(
        "the Redis URL's port must be 1..65535, got '" + std::string(port) +
        "'");
  }
  return address;
}

Result<RedisAddress> ResolveRedisAddress(std::string_view url,
                                         const std::string& password_file) {
  auto address = ParseRedisUrl(url);
  if (!address.ok()) return address.status();
  if (!password_file.empty()) {
    std::ifstream in(password_file);
    std::string line;
    if (!in || !std::getline(in, line)) {
      return Status::IOError("cannot read the Redis password file " +
                             password_file);
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    address->password = line;
  } else if (address->password.empty()) {
    if (const char* env = std::getenv("CRAWLBOX_REDIS_PASSWORD"))
      address->password = env;
  }
  return address;
}

RedisClient::RedisClient(const RedisAddress& address,
                         std::chrono::milliseconds timeout)
    : address_(address), timeout_(timeout) {}

RedisClient::~RedisClient() = default;

Result<std::unique_ptr<RedisClient>> RedisClient::Connect(
    const RedisAddress& address, std::chrono::milliseconds timeout) {
  std::unique_ptr<RedisClient> client(new RedisClient(address, timeout));
  Status s = client->Open();
  if (!s.ok()) return s;
  return client;
}

Status RedisClient::Open() {
  context_.reset();
  auto context = std::make_unique<Context>();
  const timeval tv = ToTimeval(timeout_);
  context->c =
      redisConnectWithTimeout(address_.host.c_str(), address_.port, tv);
  const std::string where = "Redis at " + address_.Redacted();
  if (context->c == nullptr) {
    return Status::Unavailable("cannot reach " + where + ": out of memory");
  }
  if (context->c->err != 0) {
    return Status::Unavailable("cannot reach " + where + ": " +
                               context->c->errstr);
  }
  redisSetTimeout(context->c, tv);
  redisEnableKeepAlive(context->c);
  context_ = std::move(context);

  // AUTH's arguments are secrets: its errors are reported from Redis's reply
  // text alone, never with the command.
  std::vector<std::vector<std::string>> handshake;
  if (!address_.password.empty()) {
    if (address_.user.empty()) {
      handshake.push_back({"AUTH", address_.password});
    } else {
      handshake.push_back({"AUTH", address_.user, address_.password});
    }
  }
  if (address_.db != 0)
    handshake.push_back({"SELECT", std::to_string(address_.db)});
  handshake.push_back({"PING"});
  auto replies = Pipeline(handshake);
  if (!replies.ok()) {
    context_.reset();
    return Status::Unavailable("cannot reach " + where + ": " +
                               replies.status().message());
  }
  for (const RedisReply& reply : *replies) {
    if (!reply.is_error()) continue;
    context_.reset();
    if (reply.str.starts_with("NOAUTH")) {
      return Status::InvalidArgument(
          where +
          " requires a password: give it in the URL, in "
          "CRAWLBOX_REDIS_PASSWORD or with --redis-password-file");
    }
    if (reply.str.starts_with("WRONGPASS") ||
        reply.str.find("AUTH") != std::string::npos) {
      return Status::InvalidArgument(where +
                                     " refused the credentials: " + reply.str);
    }
    return Status::InvalidArgument(where +
                                   " refused the connection: " + reply.str);
  }
  return Status::Ok();
}

Status RedisClient::Lost(std::string_view what) {
  std::string reason =
      context_ != nullptr && context_->c != nullptr && context_->c->err != 0
          ? std::string(context_->c->errstr)
          : std::string("no reply");
  context_.reset();
  return Status::Unavailable("lost Redis at " + address_.Redacted() + " (" +
                             std::string(what) + "): " + reason);
}

Result<RedisReply> RedisClient::Command(const std::vector<std::string>& args) {
  auto replies = Pipeline({args});
  if (!replies.ok()) return replies.status();
  RedisReply& reply = (*replies)[0];
  if (reply.is_error()) {
    return Status::InvalidArgument("Redis " + (args.empty() ? "" : args[0]) +
                                   ": " + reply.str);
  }
  return std::move(reply);
}

Result<std::vector<RedisReply>> RedisClient::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  if (context_ == nullptr) {
    Status s = Open();
    if (!s.ok()) return s;
  }
  redisContext* c = context_->c;
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::vector<std::string>& args : commands) {
    argv.clear();
    lengths.clear();
    for (const std::string& a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    if (redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) != REDIS_OK) {
      return Lost(commands.front().empty() ? "" : commands.front()[0]);
    }
  }
  std::vector<RedisReply> out;
  out.reserve(commands.size());
  for (const std::vector<std::string>& args : commands) {
    void* raw = nullptr;
    if (redisGetReply(c, &raw) != REDIS_OK || raw == nullptr) {
      return Lost(args.empty() ? "" : args[0]);
    }
    auto* reply = static_cast<redisReply*>(raw);
    out.push_back(Convert(reply));
    freeReplyObject(reply);
  }
  for (const RedisReply& reply : out) {
    if (!reply.is_error() || !NotServing(reply.str)) continue;
    // A restarted server loading its data, or a former primary: the next
    // call reconnects, and finds the new primary once DNS or a proxy points
    // there.
    context_.reset();
    return Status::Unavailable("Redis at " + address_.Redacted() +
                               " cannot serve: " + reply.str);
  }
  return out;
}

}  // namespace crawlbox::crawler
