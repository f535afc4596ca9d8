// The seeded randomness both generated sites are made of: a portable PRNG, the
// films of board pages and filler sentences. Internal to site_generator.cc and
// realistic_site.cc; a change here changes every generated page.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tests/support/demo_board.h"

namespace crawlbox::testing::site_text {

// splitmix64: tiny, fast and identical on every platform, unlike std::
// distributions. Not thread-safe; each page makes its own.
class Rng {
 public:
  // One independent stream per (seed, subject, purpose), so a page's films do
  // not change when its link count does.
  Rng(uint64_t seed, uint64_t subject, uint64_t purpose)
      : state_(seed ^ (subject + 1) * 0x9E3779B97F4A7C15ULL ^
               (purpose + 1) * 0xD1B54A32D192ED03ULL) {
    Next();
  }
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform enough in [0, n) for test data; n > 0.
  int Below(int n) {
    return static_cast<int>(Next() % static_cast<uint64_t>(n));
  }
  template <typename T, size_t N>
  const T& Pick(const std::array<T, N>& items) {
    return items[Below(static_cast<int>(N))];
  }

 private:
  uint64_t state_;
};

// The `purpose` of an Rng stream. The plain site's values are fixed: changing
// one changes its pages.
enum Purpose : uint64_t {
  kLinks = 1,
  kFilm = 2,
  kPadding = 3,
  kSize = 4,
  // Realistic site only.
  kSlug = 5,
  kScript = 6,
};

// English filler words, lowercase ASCII.
inline constexpr std::array<std::string_view, 40> kWords = {
    "crawler",  "frontier", "page",   "link",    "index",   "river",
    "mountain", "city",     "letter", "archive", "morning", "evening",
    "garden",   "station",  "window", "market",  "signal",  "harbor",
    "lantern",  "bridge",   "quiet",  "bright",  "distant", "early",
    "narrow",   "golden",   "silver", "hidden",  "open",    "ordinary",
    "careful",  "patient",  "walks",  "returns", "follows", "records",
    "crosses",  "keeps",    "finds",  "leaves"};

// The film of board rank `rank` (1-based) for this seed.
Film MakeFilm(uint64_t seed, int rank);
// One sentence ending in ". " (English) or a full stop (Chinese).
std::string Sentence(Rng& rng);
// "<p>" + 3..8 sentences + "</p>\n".
std::string Paragraph(Rng& rng);
// Appends whole Paragraph()s to *out while they fit in `room` bytes; returns
// the room left (less than the next paragraph needed).
size_t AppendParagraphs(std::string* out, size_t room, Rng& rng);

}  // namespace crawlbox::testing::site_text
