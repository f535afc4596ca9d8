// Internal to config/: the start points of a job ([job] start_urls,
// start_urls_from and [[job.requests]]) → Job::seeds, with {1..50} ranges
// expanded, files read and request bodies encoded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/job.h"
#include "config/toml_reader.h"

namespace crawlbox::config {

// The most seeds ranges and files may expand to: a job of more start points
// than this is a mistake in a range, not a crawl.
inline constexpr size_t kMaxSeeds = 1'000'000;

// Reads start_urls, start_urls_from and requests from the [job] table
// `reader` reads into *seeds, in that order. At least one seed must result.
// start_urls_from is relative to the directory of `job_file`. Every problem
// is added at its file:line (a line of start_urls_from: that file's line).
void LoadSeeds(ProblemList* problems, const TableReader& reader,
               const std::string& job_file, std::vector<Seed>* seeds);

// The brace syntax of templates (start URLs, requests; the same escape in
// field templates and next_request): "{{" is a literal '{', "}}" a literal
// '}', and "{A..B}" or "{A..B..STEP}" (integers, A > B counts down, a leading
// zero in A pads every number to A's width) expands to one string per number,
// several ranges to every combination, in order. Any other brace is an error:
// returns false with *error saying what was found where (1-based column).
// Stops with an error past `max` results.
bool ExpandTemplate(std::string_view text, size_t max,
                    std::vector<std::string>* out, std::string* error);

}  // namespace crawlbox::config
