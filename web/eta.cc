// A crawl without limits ends when its frontier runs dry, which nothing
// predicts (every page may discover more), so only limits give an ETA.
#include "web/eta.h"

#include <algorithm>

namespace crawlbox::web {

std::optional<double> EstimateEta(const EtaInput& in) {
  std::optional<double> eta;
  auto consider = [&eta](double seconds) {
    seconds = std::max(0.0, seconds);
    eta = eta ? std::min(*eta, seconds) : seconds;
  };
  if (in.remaining_pages == 0) consider(0);
  if (in.remaining_pages > 0 && in.pages_per_s > 0)
    consider(static_cast<double>(in.remaining_pages) / in.pages_per_s);
  if (in.max_bytes > 0 && in.bytes_per_s > 0)
    consider(static_cast<double>(in.max_bytes - in.bytes) / in.bytes_per_s);
  if (in.max_duration_s > 0)
    consider(static_cast<double>(in.max_duration_s) - in.elapsed_s);
  return eta;
}

}  // namespace crawlbox::web
