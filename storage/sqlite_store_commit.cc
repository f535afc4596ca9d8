// SqliteStore::CommitPages: a batch of PageOutcomes in one transaction, each
// written as its Fate says. The one std::visit is in CommitPages; each fate's
// Commit overload says in a few lines what the fate means for the rows.
#include <sqlite3.h>

#include <string>
#include <variant>

#include "storage/sqlite_store.h"

namespace crawlbox::storage {

using config::Status;

namespace {

bool IsSuccess(int status) { return status >= 200 && status < 300; }

// A re-fetch may replace a stored good page only with an answer that says
// something about the page: content, a redirect, or that it is gone.
bool CanReplaceGoodPage(const PageRow& page, bool failed) {
  const int status = page.status;
  return !failed && status > 0 &&
         (status < 400 || status == 404 || status == 410);
}

// Binds `value` as text, or NULL when it is empty. The statement is stepped
// before `value` goes away, so SQLite need not copy it.
void BindOptional(Statement& statement, int index, std::string_view value) {
  if (value.empty()) {
    statement.BindNull(index);
  } else {
    statement.BindStatic(index, value);
  }
}

}  // namespace

Status SqliteStore::CommitPages(int64_t crawl_id,
                                std::span<const PageOutcome> batch,
                                std::vector<QueuedUrl>* added) {
  Transaction txn(db_);
  Status s = txn.Begin();
  if (!s.ok()) return s;
  const size_t before = added->size();
  for (const PageOutcome& outcome : batch) {
    s = std::visit(
        [&](const auto& fate) {
          return Commit(crawl_id, outcome, fate, added);
        },
        outcome.fate);
    if (!s.ok()) break;
    // Whatever the fate: a retried or failed exchange was archived too. Only
    // a response record that stored the page can be referred to by a later
    // revisit, and only while the page is stored with that body (body_hash).
    const bool stored = std::holds_alternative<Stored>(outcome.fate);
    for (const ArchiveLocation& where : outcome.archived) {
      insert_warc_.Bind(1, outcome.page.url_id);
      insert_warc_.Bind(2, crawl_id);
      insert_warc_.Bind(3, where.type);
      insert_warc_.Bind(4, where.file);
      insert_warc_.Bind(5, where.offset);
      insert_warc_.Bind(6, where.length);
      const bool referable = stored && !where.capture.record_id.empty() &&
                             !outcome.page.body_hash.empty();
      BindOptional(insert_warc_, 7, where.capture.record_id);
      BindOptional(insert_warc_, 8, where.capture.date);
      BindOptional(insert_warc_, 9, where.capture.payload_digest);
      BindOptional(insert_warc_, 10,
                   referable ? std::string_view(outcome.page.body_hash)
                             : std::string_view());
      s = StepDone(insert_warc_, db_,
                   "recording the WARC records of " + outcome.page.url);
      if (!s.ok()) break;
    }
    if (!s.ok()) break;
  }
  if (s.ok()) s = txn.Commit();
  // The transaction rolls back on destruction; the caller must not queue
  // links that are not in the database.
  if (!s.ok()) added->resize(before);
  return s;
}

Status SqliteStore::Commit(int64_t crawl_id, const PageOutcome& outcome,
                           const Stored&, std::vector<QueuedUrl>* added) {
  const PageRow& page = outcome.page;
  PageWrite write{.error = page.error};
  const bool canonical_rules = page.follow_canonical && IsSuccess(page.status);
  if (canonical_rules && !page.canonical.empty() &&
      page.canonical != page.url) {
    // A duplicate whose canonical page is already stored keeps no items; one
    // stored first keeps them until its canonical page is (below).
    find_canonical_.Bind(1, page.canonical);
    const int rc = sqlite3_step(find_canonical_.get());
    find_canonical_.Reset();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      return SqliteStatus(rc, db_,
                          "looking up the canonical page of " + page.url);
    if (rc == SQLITE_ROW) write.with_items = false;
  }
  Status s = WritePage(crawl_id, outcome, write, added);
  if (!s.ok() || !canonical_rules) return s;
  drop_duplicate_items_.Bind(1, page.url);
  return StepDone(drop_duplicate_items_, db_,
                  "dropping the items of duplicates of ", page.url);
}

Status SqliteStore::Commit(int64_t crawl_id, const PageOutcome& outcome,
                           const NotModified&, std::vector<QueuedUrl>* added) {
  return WritePage(crawl_id, outcome,
                   PageWrite{.error = outcome.page.error, .not_modified = true},
                   added);
}

Status SqliteStore::Commit(int64_t crawl_id, const PageOutcome& outcome,
                           const Redirected& fate,
                           std::vector<QueuedUrl>* added) {
  // A redirect's body is not the page: no items come from it.
  PageWrite write{.error = outcome.page.error,
                  .location = fate.target,
                  .with_items = false};
  bool loop = false;
  Status s = ClosesRedirectLoop(outcome.page.url_id, fate.target, &loop);
  if (!s.ok()) return s;
  if (loop) {
    write.failed = true;
    write.error = "redirect_loop";
  }
  return WritePage(crawl_id, outcome, write, added);
}

Status SqliteStore::ClosesRedirectLoop(int64_t url_id, std::string_view target,
                                       bool* loop) {
  // Chains are bounded by fetch.max_redirects; the bound here only guards
  // against a cycle in discovered_from that a hand-edited database could hold.
  constexpr int kMaxWalk = 1000;
  *loop = false;
  for (int step = 0; step < kMaxWalk && url_id > 0; ++step) {
    find_hop_.Bind(1, url_id);
    int rc = sqlite3_step(find_hop_.get());
    if (rc != SQLITE_ROW) {
      find_hop_.Reset();
      return rc == SQLITE_DONE
                 ? Status::Ok()
                 : SqliteStatus(rc, db_, "walking a redirect chain");
    }
    const bool same = ColumnText(find_hop_.get(), 0) == target;
    const int64_t from = sqlite3_column_int64(find_hop_.get(), 1);
    const std::string via = ColumnText(find_hop_.get(), 2);
    find_hop_.Reset();
    if (same) {
      *loop = true;
      return Status::Ok();
    }
    if (via != ViaName(Via::kRedirect) && via != ViaName(Via::kRefresh))
      return Status::Ok();
    url_id = from;
  }
  return Status::Ok();
}

Status SqliteStore::Commit(int64_t crawl_id, const PageOutcome& outcome,
                           const Failed& fate, std::vector<QueuedUrl>* added) {
  return WritePage(crawl_id, outcome,
                   PageWrite{.failed = true, .error = fate.reason}, added);
}

Status SqliteStore::Commit(int64_t, const PageOutcome& outcome,
                           const Retry& fate, std::vector<QueuedUrl>*) {
  mark_retry_.Bind(1, outcome.page.url_id);
  mark_retry_.Bind(2, fate.reason);
  return StepDone(mark_retry_, db_, "writing a retry of ", outcome.page.url);
}

Status SqliteStore::Commit(int64_t, const PageOutcome& outcome,
                           const Blocked& fate, std::vector<QueuedUrl>*) {
  mark_blocked_.Bind(1, outcome.page.url_id);
  mark_blocked_.Bind(2, fate.reason);
  return StepDone(mark_blocked_, db_, "writing a blocked URL ",
                  outcome.page.url);
}

Status SqliteStore::Commit(int64_t, const PageOutcome& outcome,
                           const LinksOnly&, std::vector<QueuedUrl>* added) {
  return InsertLinks(outcome.links, added);
}

Status SqliteStore::MarkUrl(const PageRow& page, bool failed,
                            std::string_view reason) {
  mark_url_.Bind(1, page.url_id);
  mark_url_.BindStatic(2, std::string_view(failed ? "failed" : "done"));
  if (reason.empty()) {
    mark_url_.BindNull(3);
  } else {
    mark_url_.BindStatic(3, reason);
  }
  return StepDone(mark_url_, db_, "updating frontier for ", page.url);
}

Status SqliteStore::InsertLinks(const std::vector<NewUrl>& links,
                                std::vector<QueuedUrl>* added) {
  for (const NewUrl& link : links) {
    Status s = InsertUrl(link, added);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status SqliteStore::InsertItems(int64_t page_id, int64_t crawl_id,
                                std::string_view url,
                                const std::vector<ItemRow>& items) {
  for (const ItemRow& item : items) {
    insert_item_.BindStatic(1, item.rule);
    insert_item_.Bind(2, page_id);
    insert_item_.BindStatic(3, url);
    insert_item_.BindStatic(4, item.json);
    insert_item_.Bind(5, crawl_id);
    insert_item_.BindStatic(6, NowText());
    Status s = StepDone(insert_item_, db_, "storing item of ", url);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status SqliteStore::CountDropped(std::string_view url,
                                 const std::vector<DroppedItems>& dropped) {
  for (const DroppedItems& d : dropped) {
    count_dropped_.Bind(1, d.rule);
    count_dropped_.Bind(2, d.count);
    count_dropped_.Bind(3, url);
    Status s = StepDone(count_dropped_, db_, "counting dropped items");
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status SqliteStore::WritePage(int64_t crawl_id, const PageOutcome& outcome,
                              const PageWrite& write,
                              std::vector<QueuedUrl>* added) {
  const PageRow& page = outcome.page;
  // What this URL's stored page was before, if any.
  int64_t previous_id = 0;
  int previous_status = 0;
  std::string previous_hash;
  std::string previous_location;
  find_page_.Bind(1, page.url_id);
  int rc = sqlite3_step(find_page_.get());
  if (rc == SQLITE_ROW) {
    previous_id = sqlite3_column_int64(find_page_.get(), 0);
    previous_status = sqlite3_column_int(find_page_.get(), 1);
    previous_hash = ColumnText(find_page_.get(), 2);
    previous_location = ColumnText(find_page_.get(), 3);
  }
  find_page_.Reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    return SqliteStatus(rc, db_, "looking up the stored page " + page.url);
  }

  // The same answer as the stored one. A redirect is the same when it points
  // to the same place (its body, if any, is filler); any other page when its
  // body hashes the same.
  bool same = false;
  if (previous_id != 0 && !write.failed && page.status == previous_status) {
    same = !write.location.empty()
               ? write.location == previous_location
               : !page.body_hash.empty() && page.body_hash == previous_hash &&
                     previous_location.empty();
  }
  if (previous_id != 0 && (write.not_modified || same)) {
    touch_page_.Bind(1, previous_id);
    touch_page_.Bind(2, crawl_id);
    touch_page_.Bind(3, page.total_ms);
    touch_page_.Bind(4, page.ttfb_ms);
    Status s = StepDone(touch_page_, db_, "writing unchanged ", page.url);
    if (!s.ok()) return s;
    s = InsertLinks(outcome.links, added);
    if (!s.ok()) return s;
    return MarkUrl(page, false, write.error);
  }
  if (previous_id != 0 && IsSuccess(previous_status) &&
      !CanReplaceGoodPage(page, write.failed)) {
    return MarkUrl(page, write.failed, write.error);
  }

  std::string_view change = "new";
  if (previous_id != 0) {
    change =
        IsSuccess(previous_status) && (page.status == 404 || page.status == 410)
            ? "gone"
            : "changed";
  }
  auto bind_optional = [&](int index, std::string_view value) {
    BindOptional(insert_page_, index, value);
  };
  insert_page_.Bind(1, page.url_id);
  insert_page_.BindStatic(2, page.url);
  insert_page_.BindStatic(3, page.final_url);
  if (page.status > 0) {
    insert_page_.Bind(4, static_cast<int64_t>(page.status));
  } else {
    insert_page_.BindNull(4);
  }
  insert_page_.BindStatic(5, page.content_type);
  insert_page_.Bind(6, page.bytes);
  insert_page_.Bind(7, page.total_ms);
  insert_page_.Bind(8, page.ttfb_ms);
  bind_optional(9, write.error);
  insert_page_.Bind(10, crawl_id);
  bind_optional(11, page.etag);
  bind_optional(12, page.last_modified);
  bind_optional(13, page.body_hash);
  insert_page_.BindStatic(14, change);
  bind_optional(15, write.location);
  bind_optional(16, page.robots);
  bind_optional(17, page.canonical);
  bind_optional(18, page.cuts);
  insert_page_.Bind(19, static_cast<int64_t>(page.rendered ? 1 : 0));
  if (page.rendered) {
    insert_page_.Bind(20, page.render_ms);
  } else {
    insert_page_.BindNull(20);
  }
  insert_page_.BindStatic(21, NowText());
  Status stored = StepDone(insert_page_, db_, "storing page ", page.url);
  if (!stored.ok()) return stored;
  // find_page_ said, in this transaction, whether the url_id has a row: the
  // upsert updated that row, or inserted one (RETURNING would say the same
  // through an ephemeral table per statement).
  const int64_t page_id =
      previous_id != 0 ? previous_id : sqlite3_last_insert_rowid(db_);

  if (!page.body.empty()) {
    insert_body_.Bind(1, page_id);
    insert_body_.Bind(2, page.body_encoding);
    insert_body_.BindBlob(3, page.body);
    Status s = StepDone(insert_body_, db_, "storing body of ", page.url);
    if (!s.ok()) return s;
  }
  // A page fetched again (re-crawl, or a retry after a crash) replaces its
  // items.
  delete_items_.Bind(1, page_id);
  Status s = StepDone(delete_items_, db_, "replacing items of ", page.url);
  if (!s.ok()) return s;
  if (write.with_items) {
    s = InsertItems(page_id, crawl_id, page.url, outcome.items);
    if (!s.ok()) return s;
    s = CountDropped(page.url, outcome.dropped);
    if (!s.ok()) return s;
  }
  s = InsertLinks(outcome.links, added);
  if (!s.ok()) return s;
  return MarkUrl(page, write.failed, write.error);
}

}  // namespace crawlbox::storage
