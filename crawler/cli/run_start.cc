// Fresh start, re-crawl or resume, decided and reported before the crawl.
#include "crawler/cli/run_start.h"

#include <string>

#include "config/job_diff.h"
#include "storage/queue_reader.h"

namespace crawlbox::crawler {

using config::Status;

namespace {

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out += ", ";
    out += p;
  }
  return out;
}

}  // namespace

Status PrepareRun(const config::Job& job, const RunStart& start,
                  storage::Store* store, std::FILE* out) {
  auto last = store->LastCrawl();
  if (!last.ok()) return last.status();
  if (start.fresh) {
    Status s = store->Reset();
    if (!s.ok()) return s;
    std::fprintf(out,
                 "crawlbox: --fresh: frontier, pages and records deleted; "
                 "starting over\n");
  } else if (last->has_value()) {
    const storage::CrawlRun& run = **last;
    if (run.job_name != job.name) {
      std::fprintf(out,
                   "crawlbox: this database was last crawled by job '%s'; "
                   "continuing it as job '%s'\n",
                   run.job_name.c_str(), job.name.c_str());
    }
    const std::vector<std::string> changed =
        config::ChangedJobKeys(run.job_text, job.text);
    if (!changed.empty()) {
      std::fprintf(out,
                   "crawlbox: job file changed since crawl run %lld (%s); the "
                   "frontier is kept and the new settings apply from now on "
                   "(`crawlbox reextract` re-runs changed rules over stored "
                   "bodies, --fresh starts over)\n",
                   static_cast<long long>(run.id), Join(changed).c_str());
    }
  }
  if (start.recrawl) {
    auto requeued = store->RequeueAll();
    if (!requeued.ok()) return requeued.status();
    std::fprintf(out,
                 "crawlbox: --recrawl: %lld known URLs queued again; stored "
                 "pages are asked for with If-None-Match / "
                 "If-Modified-Since\n",
                 static_cast<long long>(*requeued));
    return Status::Ok();
  }
  if (!start.fresh && last->has_value()) {
    auto reader = storage::QueueReader::Open(store->path());
    if (!reader.ok()) return reader.status();
    auto queued = (*reader)->CountQueued();
    if (!queued.ok()) return queued.status();
    if (*queued > 0) {
      std::fprintf(out,
                   "crawlbox: resuming crawl run %lld (%s): %lld URLs still "
                   "queued\n",
                   static_cast<long long>((*last)->id), (*last)->state.c_str(),
                   static_cast<long long>(*queued));
    } else {
      std::fprintf(out,
                   "crawlbox: nothing left queued from earlier runs "
                   "(--recrawl revisits known pages, --fresh starts over)\n");
    }
  }
  return Status::Ok();
}

void ReportChanges(storage::Store* store, int64_t crawl_id, std::FILE* out) {
  auto counts = store->CountChanges(crawl_id);
  if (!counts.ok())
    return;  // the crawl itself is committed; only the report
             // is lost
  std::fprintf(out,
               "crawlbox: pages: %lld new, %lld changed, %lld unchanged, %lld "
               "gone\n",
               static_cast<long long>(counts->new_pages),
               static_cast<long long>(counts->changed),
               static_cast<long long>(counts->unchanged),
               static_cast<long long>(counts->gone));
}

}  // namespace crawlbox::crawler
