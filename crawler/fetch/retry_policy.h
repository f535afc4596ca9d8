// RetryPolicy: which failed fetches are tried again, when, and the reason
// recorded for them. Transport failures (except those a retry cannot fix: tls,
// too_large, too_many_redirects, bad_url, aborted) and
// HTTP 408, 429 and 5xx are retried with exponential backoff and jitter; a
// Retry-After header asks for a longer wait.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "config/job.h"
#include "crawler/fetch/request.h"

namespace crawlbox::crawler {

// Immutable; safe for concurrent use.
class RetryPolicy {
 public:
  explicit RetryPolicy(const config::RetrySettings& settings)
      : settings_(settings) {}

  // The reason a response failed ("timeout", "http_503", ...), or "" when it
  // did not: transport errors and HTTP statuses >= 400 fail.
  static std::string FailureReason(const Response& response);

  // Whether the failure of `response` is worth another try at all.
  static bool Retryable(const Response& response);

  // Whether to try again, given the tries made so far (this one included).
  bool ShouldRetry(const Response& response, int attempts_made) const;

  // How long to wait before try number attempts_made + 1: backoff_ms ×
  // 2^(attempts_made-1), jittered ±50% (deterministically from `url`, so no
  // shared RNG is needed), raised to the server's Retry-After if that is
  // longer, capped at max_backoff_ms.
  std::chrono::milliseconds Backoff(
      std::string_view url, int attempts_made,
      std::optional<std::chrono::milliseconds> retry_after) const;

 private:
  config::RetrySettings settings_;
};

// The Retry-After header of a response (delta-seconds or an HTTP date), as a
// wait from now.
std::optional<std::chrono::milliseconds> RetryAfter(const Response& response);

}  // namespace crawlbox::crawler
