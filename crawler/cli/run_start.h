// What `crawlbox run` does to the database before the crawl starts: start
// over (--fresh), queue every known URL again (--recrawl), or resume — and
// tell the user which of these happens and what changed in the job file since
// the database's last run.
#pragma once

#include <cstdio>

#include "config/job.h"
#include "config/status.h"
#include "storage/store.h"

namespace crawlbox::crawler {

struct RunStart {
  bool fresh = false;    // delete every URL, page and record first
  bool recrawl = false;  // revisit every known URL (conditional requests)
};

// Prepares `store` for a run of `job` as `start` says, printing one line per
// decision to `out`. Rule changes never discard the frontier: the crawl goes on
// with the new rules (`crawlbox reextract` applies them to stored bodies).
config::Status PrepareRun(const config::Job& job, const RunStart& start,
                          storage::Store* store, std::FILE* out);

// Prints the run's pages by change (new / changed / unchanged / gone).
void ReportChanges(storage::Store* store, int64_t crawl_id, std::FILE* out);

}  // namespace crawlbox::crawler
