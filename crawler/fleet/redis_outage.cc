// Riding out a Redis outage: capped exponential backoff with jitter (so that a
// fleet does not reconnect in lockstep), two log lines per outage.
#include "crawler/fleet/redis_outage.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "config/log.h"

namespace crawlbox::crawler {

using config::LogLevel;
using config::Status;
using std::chrono::milliseconds;

namespace {

using Clock = std::chrono::steady_clock;

constexpr milliseconds kFirstBackoff{100};
constexpr milliseconds kMaxBackoff{5000};
constexpr double kJitter = 0.2;
// How often a wait looks at `stop`.
constexpr milliseconds kStopPoll{50};

std::string Seconds(Clock::duration d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f",
                std::chrono::duration<double>(d).count());
  return text;
}

}  // namespace

RedisOutage::RedisOutage(std::string component, milliseconds timeout,
                         std::string give_up)
    : component_(std::move(component)),
      timeout_(timeout),
      give_up_(std::move(give_up)),
      random_(static_cast<unsigned>(getpid()) ^
              static_cast<unsigned>(Clock::now().time_since_epoch().count())) {}

Status RedisOutage::Wait(RedisClient* redis, const Status& cause,
                         const std::function<bool()>& stop) {
  if (!active_) {
    active_ = true;
    started_ = Clock::now();
    backoff_ = kFirstBackoff;
    address_ = redis->address().Redacted();
    // The cause names the redacted address, never a password.
    config::Log(LogLevel::kWarning, component_,
                cause.message() + "; reconnecting (giving up after " +
                    std::to_string(timeout_.count() / 1000) + " s)");
  }
  while (true) {
    std::uniform_real_distribution<double> jitter(1 - kJitter, 1 + kJitter);
    const auto wait =
        std::chrono::duration_cast<milliseconds>(backoff_ * jitter(random_));
    backoff_ = std::min(backoff_ * 2, kMaxBackoff);
    const Clock::time_point until =
        std::min(Clock::now() + wait, started_ + timeout_);
    while (Clock::now() < until) {
      if (stop && stop()) return Status::Ok();
      std::this_thread::sleep_for(std::min(
          kStopPoll,
          std::chrono::duration_cast<milliseconds>(until - Clock::now()) +
              milliseconds(1)));
    }
    if (stop && stop()) return Status::Ok();
    auto pong = redis->Command({"PING"});
    if (pong.ok()) return Status::Ok();
    // Back, but refusing us (a new password, say): no wait cures that.
    if (pong.status().code() != Status::Code::kUnavailable)
      return pong.status();
    if (Clock::now() - started_ >= timeout_) {
      return Status::Unavailable(
          "Redis at " + address_ + " has been unreachable for " +
          std::to_string(timeout_.count() / 1000) +
          " s (--redis-timeout-s): giving up; " + give_up_);
    }
  }
}

void RedisOutage::End(const std::string& detail) {
  if (!active_) return;
  active_ = false;
  ++ended_;
  config::Log(LogLevel::kInfo, component_,
              "Redis at " + address_ + " is back after " +
                  Seconds(Clock::now() - started_) + " s" +
                  (detail.empty() ? "" : "; " + detail));
}

}  // namespace crawlbox::crawler
