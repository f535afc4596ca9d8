// Host name → address for per-IP politeness: pins and literals at once,
// getaddrinfo on a few threads of its own for the rest.
#include "crawler/frontier/host_resolver.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <utility>

namespace crawlbox::crawler {

namespace {

// The canonical text of an IP literal (brackets allowed around IPv6), or
// nullopt when `text` is not one.
std::optional<std::string> CanonicalAddress(std::string text) {
  if (text.size() > 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  char out[INET6_ADDRSTRLEN] = {};
  in_addr v4;
  in6_addr v6;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1 &&
      inet_ntop(AF_INET, &v4, out, sizeof out) != nullptr) {
    return std::string(out);
  }
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1 &&
      inet_ntop(AF_INET6, &v6, out, sizeof out) != nullptr) {
    return std::string(out);
  }
  return std::nullopt;
}

// The first address getaddrinfo gives for `host`, the one curl tries first;
// "" when it does not resolve.
std::string LookUp(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) return "";
  std::string address;
  char out[INET6_ADDRSTRLEN] = {};
  for (addrinfo* a = found; a != nullptr && address.empty(); a = a->ai_next) {
    const void* raw = nullptr;
    if (a->ai_family == AF_INET) {
      raw = &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr;
    } else if (a->ai_family == AF_INET6) {
      raw = &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr;
    }
    if (raw != nullptr &&
        inet_ntop(a->ai_family, raw, out, sizeof out) != nullptr) {
      address = out;
    }
  }
  freeaddrinfo(found);
  return address;
}

}  // namespace

HostResolver::HostResolver(const std::vector<config::ResolvePin>& pins,
                           int threads, Callback on_resolved)
    : max_threads_(threads < 1 ? 1 : threads),
      on_resolved_(std::move(on_resolved)) {
  for (const config::ResolvePin& pin : pins) {
    if (auto address = CanonicalAddress(pin.address))
      pins_.emplace_back(pin.host, *address);
  }
}

HostResolver::~HostResolver() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    waiting_.clear();
  }
  cv_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

std::optional<std::string> HostResolver::Lookup(const std::string& host) const {
  for (const auto& [name, address] : pins_) {
    if (name == host) return address;
  }
  return CanonicalAddress(host);
}

void HostResolver::Resolve(const std::string& host) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    waiting_.push_back(host);
    // Threads start as names come and stay for the run: a crawl that sees
    // one host never pays for more.
    if (idle_ == 0 && static_cast<int>(threads_.size()) < max_threads_)
      threads_.emplace_back([this] { Loop(); });
  }
  cv_.notify_one();
}

void HostResolver::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    ++idle_;
    cv_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
    --idle_;
    if (stopping_) return;
    std::string host = std::move(waiting_.front());
    waiting_.pop_front();
    lock.unlock();
    const std::string address = LookUp(host);
    on_resolved_(host, address);
    lock.lock();
  }
}

}  // namespace crawlbox::crawler
