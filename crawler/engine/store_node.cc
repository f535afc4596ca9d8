// The store node's batching: outcomes and blocked requests into one
// transaction, then the Frontier told what ended, after the commit.
#include "crawler/engine/store_node.h"

#include <algorithm>

#include "crawler/frontier/request_parts.h"

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
// How many links ahead of its check a link's seen-URL lookup is prefetched
// (and twice as many ahead, the bounds of its run): enough checks to cover a
// miss to memory.
constexpr size_t kPrefetchAhead = 8;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Whether a fate stores a page row this run, and so counts as a page.
bool CountsAsPage(const storage::Fate& fate) {
  return std::holds_alternative<storage::Stored>(fate) ||
         std::holds_alternative<storage::NotModified>(fate) ||
         std::holds_alternative<storage::Redirected>(fate) ||
         std::holds_alternative<storage::Failed>(fate);
}

}  // namespace

storage::PageOutcome RecordsOnly(const Request& request,
                                 std::vector<storage::ArchiveMember> archive) {
  storage::PageOutcome outcome;
  outcome.page.url = request.url;  // for messages; url_id 0: no frontier row
  outcome.fate = storage::LinksOnly{};
  outcome.archive = std::move(archive);
  return outcome;
}

StoreNode::StoreNode(storage::Store* store, int64_t crawl_id,
                     Frontier* frontier, Counters* counters)
    : store_(store),
      crawl_id_(crawl_id),
      frontier_(frontier),
      counters_(counters) {}

void StoreNode::Accept(Request request, storage::PageOutcome outcome) {
  ready_.push(Pending{std::move(request), std::move(outcome)});
  if (pending_.fetch_add(1) == 0) oldest_ns_.store(NowNs());
}

void StoreNode::Post(Write write) {
  std::lock_guard<std::mutex> lock(writes_mu_);
  writes_.push_back(std::move(write));
  has_writes_.store(true);
}

void StoreNode::RunWrites() {
  if (!has_writes_.load()) return;
  std::vector<Write> writes;
  {
    std::lock_guard<std::mutex> lock(writes_mu_);
    writes.swap(writes_);
    has_writes_.store(false);
  }
  std::vector<storage::QueuedUrl> added;
  for (const Write& write : writes) {
    if (fatal()) return;
    Status st = write(store_, &added);
    if (!st.ok()) return SetFatal(st);
  }
  if (added.empty()) return;
  counters_->Add("store/new_urls", static_cast<int64_t>(added.size()));
  Status st = frontier_->Finished({}, std::move(added));
  if (!st.ok()) SetFatal(st);
}

bool StoreNode::Due() const {
  if (has_writes_.load()) return true;
  const int64_t pending = pending_.load();
  if (pending >= static_cast<int64_t>(kMinBatch)) return true;
  if (frontier_->HasBlocked()) return true;
  if (pending == 0) return false;
  if (pending >= frontier_->Snapshot().outstanding) return true;
  return NowNs() - oldest_ns_.load() >=
         std::chrono::nanoseconds(kMaxWait).count();
}

Status StoreNode::fatal_status() const {
  std::lock_guard<std::mutex> lock(fatal_mu_);
  return fatal_status_;
}

void StoreNode::SetFatal(const Status& status) {
  {
    std::lock_guard<std::mutex> lock(fatal_mu_);
    if (fatal_.load()) return;  // the first cause is the one worth reporting
    fatal_status_ = status;
    fatal_.store(true);
  }
  frontier_->Close();
}

RunTotals StoreNode::totals() const {
  return RunTotals{pages_.load(), failed_.load(), items_.load(), bytes_.load()};
}

bool StoreNode::WriteArchive(std::vector<storage::PageOutcome>* batch) {
  if (archive_ == nullptr) return true;
  // One Write for the whole batch: its records share one file, so a file is
  // never closed (renamed, indexed) with records whose commit may yet fail
  // or be lost to a kill; those stay in the ".open" file, and the next run's
  // repair cuts what warc_records does not list.
  std::vector<storage::ArchiveMember> members;
  for (storage::PageOutcome& p : *batch) {
    for (storage::ArchiveMember& m : p.archive) members.push_back(std::move(m));
  }
  if (members.empty()) return true;
  auto where = archive_->Write(members);
  if (!where.ok()) {
    SetFatal(where.status());
    return false;
  }
  size_t next = 0;
  for (storage::PageOutcome& p : *batch) {
    for (size_t i = 0; i < p.archive.size(); ++i, ++next) {
      WarcLocation& at = (*where)[next];
      p.archived.push_back(storage::ArchiveLocation{
          std::move(members[next].type), std::move(at.file),
          static_cast<int64_t>(at.offset), static_cast<int64_t>(at.length),
          std::move(members[next].capture)});
    }
    p.archive.clear();
  }
  counters_->Add("warc/records", static_cast<int64_t>(where->size()));
  Status synced = archive_->Sync();
  if (!synced.ok()) {
    archive_->Abandon();
    SetFatal(synced);
    return false;
  }
  return true;
}

void StoreNode::Drain(const std::function<void()>& after_batch) {
  std::vector<Request> requests;
  std::vector<storage::PageOutcome> batch;
  std::vector<Ended> ended;
  Pending next;
  while (true) {
    RunWrites();
    requests.clear();
    batch.clear();
    size_t links = 0;
    while (batch.size() < kMaxBatch && links < kMaxBatchLinks &&
           ready_.try_pop(next)) {
      pending_.fetch_sub(1);
      links += next.outcome.links.size();
      requests.push_back(std::move(next.request));
      batch.push_back(std::move(next.outcome));
    }
    for (BlockedRequest& blocked : frontier_->TakeBlocked()) {
      storage::PageOutcome outcome;
      outcome.page.url_id = blocked.request.url_id;
      outcome.page.url = blocked.request.url;
      if (blocked.failed) {
        counters_->Add("frontier/failed/" + blocked.reason);
        outcome.fate = storage::Failed{std::move(blocked.reason)};
      } else {
        counters_->Add("frontier/blocked/" + blocked.reason);
        outcome.fate = storage::Blocked{std::move(blocked.reason)};
      }
      requests.push_back(std::move(blocked.request));
      batch.push_back(std::move(outcome));
    }
    if (batch.empty()) return;
    // Links already known never reach SQLite: most of a page's links are.
    // The batch's links are hashed first so that each lookup can be
    // prefetched a few links ahead: at a million URLs the set's sorted array
    // is megabytes, and a lookup waiting on its cache misses cost more than
    // the rest of the check (InSorted grew by 5 us a page from 10k to 300k).
    int64_t known = 0;
    std::string scratch;
    hashes_.clear();
    for (const storage::PageOutcome& p : batch) {
      for (const storage::NewUrl& l : p.links)
        hashes_.push_back(SeenUrls::Hash(SeenKey(l, &scratch)));
    }
    size_t next = 0;
    for (storage::PageOutcome& p : batch) {
      // erase_if tests each link once, in order.
      known += static_cast<int64_t>(
          std::erase_if(p.links, [&](const storage::NewUrl&) {
            if (next + 2 * kPrefetchAhead < hashes_.size())
              seen_.PrefetchBounds(hashes_[next + 2 * kPrefetchAhead]);
            if (next + kPrefetchAhead < hashes_.size())
              seen_.Prefetch(hashes_[next + kPrefetchAhead]);
            return seen_.CheckAndInsert(hashes_[next++]);
          }));
    }
    counters_->Add("frontier/known_links", known);
    std::vector<storage::QueuedUrl> added;
    const bool archived = fatal() || WriteArchive(&batch);
    Status st = fatal() || !archived
                    ? Status::Ok()
                    : store_->CommitPages(crawl_id_, batch, &added);
    if (!st.ok()) {
      // The batch's records are on disk but not in warc_records: the file
      // stays ".open" for the next run's repair to cut them.
      if (archive_ != nullptr) archive_->Abandon();
      SetFatal(st);
    } else if (!fatal()) {
      int64_t stored = 0;
      for (const storage::PageOutcome& p : batch) {
        if (!CountsAsPage(p.fate)) continue;
        ++stored;
        if (std::holds_alternative<storage::Failed>(p.fate))
          failed_.fetch_add(1);
        items_.fetch_add(static_cast<int64_t>(p.items.size()));
        bytes_.fetch_add(p.page.bytes);
      }
      pages_.fetch_add(stored);
      counters_->Add("store/pages", stored);
      counters_->Add("store/new_urls", static_cast<int64_t>(added.size()));
      counters_->Add("store/transactions");
    }
    ended.clear();
    for (size_t i = 0; i < batch.size(); ++i) {
      // A robots.txt's records were only written: the Frontier had its
      // rules when it was fetched, and it was never an outstanding page.
      if (requests[i].kind == Request::Kind::kRobots) continue;
      ended.push_back(Ended{requests[i], batch[i].fate});
    }
    st = frontier_->Finished(ended, std::move(added));
    if (!st.ok()) SetFatal(st);
    if (after_batch) after_batch();
  }
}

}  // namespace crawlbox::crawler
