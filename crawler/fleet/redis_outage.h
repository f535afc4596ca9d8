// RedisOutage (internal to the fleet room): how a master or a worker rides out
// a Redis restart or failover: reconnects with backoff and jitter, one log
// line when an outage starts and one when it ends, and a give-up once Redis
// has been away longer than --redis-timeout-s.
#pragma once

#include <chrono>
#include <functional>
#include <random>
#include <string>

#include "config/status.h"
#include "crawler/fleet/redis_client.h"

namespace crawlbox::crawler {

// The default of --redis-timeout-s.
constexpr std::chrono::seconds kDefaultRedisTimeout{300};

// Not thread-safe: one thread rides out its outages with it.
class RedisOutage {
 public:
  // `component` ("master", "worker") names the log lines; `give_up` says what
  // the process does when it gives up (ends the give-up message).
  RedisOutage(std::string component, std::chrono::milliseconds timeout,
              std::string give_up);

  // Called after `redis` lost its connection with `cause`: logs the start of
  // the outage (once per outage), then tries to reconnect (PING), waiting 100
  // ms doubling to 5 s, each wait ±20%, until Redis answers, `stop` returns
  // true (checked every 50 ms; may be empty), or the outage has lasted the
  // timeout. OK in the first two cases (the caller checks `stop`); in the
  // last, Unavailable with one line for the user (the redacted address, the
  // timeout, `give_up`); when Redis answers but refuses the credentials, that
  // error (InvalidArgument) at once. The outage goes on until End(): a caller
  // whose recovery loses Redis again calls Wait() again.
  config::Status Wait(RedisClient* redis, const config::Status& cause,
                      const std::function<bool()>& stop);
  // Ends the outage, logging its length and `detail` (what recovery did) in
  // one line; a no-op when none is going on.
  void End(const std::string& detail = "");
  bool active() const { return active_; }
  // Outages that ended.
  int ended() const { return ended_; }

 private:
  const std::string component_;
  const std::chrono::milliseconds timeout_;
  const std::string give_up_;
  bool active_ = false;
  int ended_ = 0;
  std::string address_;  // redacted
  std::chrono::steady_clock::time_point started_;
  std::chrono::milliseconds backoff_{0};
  std::minstd_rand random_;
};

}  // namespace crawlbox::crawler
