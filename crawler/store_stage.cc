// The store node's batching: pages, blocked URLs and sitemap links into one
// transaction, then the Frontier told in an order that keeps its end-of-crawl
// test exact.
#include "crawler/store_stage.h"

#include <algorithm>

namespace crawlbox::crawler {

using config::Status;

namespace {

// Stored pages per transaction at most: large enough to amortize the commit,
// small enough to keep the frontier fed while a batch is written.
constexpr size_t kMaxBatch = 512;
// Discovered links per transaction at most: pages of a link-heavy site (100
// new links each) would otherwise hold tens of thousands of URLs in memory
// per batch.
constexpr size_t kMaxBatchLinks = 8192;

}  // namespace

StoreStage::StoreStage(storage::Store* store, int64_t crawl_id,
                       Frontier* frontier, const PageProcessor& processor,
                       Counters* counters)
    : store_(store),
      crawl_id_(crawl_id),
      frontier_(frontier),
      processor_(processor),
      counters_(counters) {}

void StoreStage::Accept(const Request& request, ProcessedPage page,
                        const std::vector<std::string>& nested_sitemaps) {
  ready_.push(std::move(page));
  if (!nested_sitemaps.empty())
    frontier_->AddSitemaps(request.host, nested_sitemaps);
}

void StoreStage::Robots(const Response& response) {
  frontier_->SetRobots(response.request.host,
                       processor_.ProcessRobots(response));
}

Status StoreStage::fatal_status() const {
  std::lock_guard<std::mutex> lock(fatal_mu_);
  return fatal_status_;
}

void StoreStage::SetFatal(const Status& status) {
  {
    std::lock_guard<std::mutex> lock(fatal_mu_);
    if (fatal_.load()) return;  // the first cause is the one worth reporting
    fatal_status_ = status;
    fatal_.store(true);
  }
  frontier_->Close();
}

Status StoreStage::Refill() {
  for (const Frontier::RefillRequest& want : frontier_->RefillWanted()) {
    std::vector<storage::QueuedUrl> more;
    Status st = store_->LoadQueued(want.host, want.after_id, want.limit, &more);
    if (!st.ok()) return st;
    frontier_->Refill(want, std::move(more));
  }
  return Status::Ok();
}

void StoreStage::Drain(const std::function<void()>& after_batch) {
  std::vector<storage::PageResult> batch;
  std::vector<Frontier::Retry> retries;
  ProcessedPage next;
  while (true) {
    batch.clear();
    retries.clear();
    size_t links = 0;
    while (batch.size() < kMaxBatch && links < kMaxBatchLinks &&
           ready_.try_pop(next)) {
      links += next.result.links.size();
      if (next.retry) retries.push_back(std::move(*next.retry));
      batch.push_back(std::move(next.result));
    }
    for (auto& [url, reason] : frontier_->TakeBlocked()) {
      storage::PageResult blocked;
      blocked.blocked = true;
      blocked.page.url_id = url.id;
      blocked.page.url = std::move(url.url);
      blocked.page.error = std::move(reason);
      counters_->Add("frontier/blocked/" + blocked.page.error);
      batch.push_back(std::move(blocked));
    }
    if (batch.empty()) {
      if (!fatal()) {
        Status st = Refill();
        if (!st.ok()) SetFatal(st);
      }
      return;
    }
    // Links already known never reach SQLite: most of a page's links are.
    int64_t known = 0;
    for (storage::PageResult& p : batch) {
      known += static_cast<int64_t>(
          std::erase_if(p.links, [&](const storage::NewUrl& l) {
            return seen_.CheckAndInsert(l.url);
          }));
    }
    counters_->Add("frontier/known_links", known);
    std::vector<storage::QueuedUrl> added;
    Status st =
        fatal() ? Status::Ok() : store_->CommitPages(crawl_id_, batch, &added);
    if (!st.ok()) {
      SetFatal(st);
    } else if (!fatal()) {
      int64_t stored = 0;
      for (const storage::PageResult& p : batch) {
        if (p.retry || p.blocked || p.links_only) continue;
        ++stored;
        if (p.failed) failed_.fetch_add(1);
        items_.fetch_add(static_cast<int64_t>(p.items.size()));
        bytes_.fetch_add(p.page.bytes);
      }
      pages_.fetch_add(stored);
      counters_->Add("store/pages", stored);
      counters_->Add("store/new_urls", static_cast<int64_t>(added.size()));
      counters_->Add("store/transactions");
    }
    // Sitemaps were never outstanding pages: they are released separately,
    // after the URLs they listed are queued.
    const size_t sitemaps = static_cast<size_t>(std::count_if(
        batch.begin(), batch.end(),
        [](const storage::PageResult& p) { return p.links_only; }));
    frontier_->Complete(batch.size() - sitemaps, std::move(added),
                        std::move(retries));
    if (sitemaps > 0) frontier_->SitemapsDone(sitemaps);
    if (!fatal()) {
      Status refilled = Refill();
      if (!refilled.ok()) SetFatal(refilled);
    }
    if (after_batch) after_batch();
  }
}

}  // namespace crawlbox::crawler
