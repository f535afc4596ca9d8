// Retry decisions, backoff with jitter, and Retry-After parsing (curl_getdate
// for HTTP dates).
#include "crawler/fetch/retry_policy.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <functional>

namespace crawlbox::crawler {

using std::chrono::milliseconds;

std::string RetryPolicy::FailureReason(const Response& response) {
  if (!response.ok()) return FetchErrorName(response.error);
  if (response.status >= 400) return "http_" + std::to_string(response.status);
  return "";
}

bool RetryPolicy::Retryable(const Response& response) {
  if (!response.ok()) {
    switch (response.error) {
      // A retry would fail the same way (a certificate the job does not trust
      // stays untrusted).
      case FetchError::kTls:
      case FetchError::kTooLarge:
      case FetchError::kTooManyRedirects:
      case FetchError::kBadUrl:
      case FetchError::kAborted:
        return false;
      // A slow page or a crashed browser may well render on a fresh tab.
      case FetchError::kRenderTimeout:
      case FetchError::kRenderCrash:
        return true;
      default:
        return true;
    }
  }
  return response.status == 408 || response.status == 429 ||
         (response.status >= 500 && response.status <= 599);
}

bool RetryPolicy::ShouldRetry(const Response& response,
                              int attempts_made) const {
  return Retryable(response) && attempts_made < settings_.max_attempts;
}

milliseconds RetryPolicy::Backoff(
    std::string_view url, int attempts_made,
    std::optional<milliseconds> retry_after) const {
  double base = static_cast<double>(settings_.backoff_ms);
  for (int i = 1; i < attempts_made && base < 1e12; ++i) base *= 2;
  // Jitter in [0.5, 1.5): spreads retries of many URLs that failed together.
  uint64_t h = std::hash<std::string_view>{}(url) ^
               (static_cast<uint64_t>(attempts_made) * 0x9E3779B97F4A7C15ull);
  double jitter = 0.5 + static_cast<double>(h % 1000) / 1000.0;
  double wait_ms = base * jitter;
  if (retry_after)
    wait_ms = std::max(wait_ms, static_cast<double>(retry_after->count()));
  wait_ms = std::min(wait_ms, static_cast<double>(settings_.max_backoff_ms));
  return milliseconds(static_cast<int64_t>(wait_ms));
}

std::optional<milliseconds> RetryAfter(const Response& response) {
  std::optional<std::string_view> value = response.Header("Retry-After");
  if (!value) return std::nullopt;
  std::string_view v = *value;
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  if (std::all_of(v.begin(), v.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      })) {
    if (v.size() > 9) return milliseconds(int64_t{999'999'999} * 1000);
    return milliseconds(std::stoll(std::string(v)) * 1000);
  }
  time_t when = curl_getdate(std::string(v).c_str(), nullptr);
  if (when < 0) return std::nullopt;
  time_t now = time(nullptr);
  return milliseconds(when > now ? static_cast<int64_t>(when - now) * 1000 : 0);
}

}  // namespace crawlbox::crawler
