// `crawlbox reextract DB [JOB]`: the job's (edited) rules over the bodies the
// database stored, with no network access; the records are replaced in one
// transaction, so readers see the old set or the new one, never a mix.
#include <cstdio>
#include <map>
#include <string>

#include "config/compression.h"
#include "config/job_loader.h"
#include "crawler/cli/commands.h"
#include "crawler/engine/item_json.h"
#include "storage/store.h"

namespace crawlbox::crawler {

using config::Status;

int CmdReextract(const ReextractArgs& args) {
  auto store = storage::Store::Open(args.db);
  if (!store.ok()) {
    std::fprintf(stderr, "crawlbox: cannot open database: %s\n",
                 store.status().ToString().c_str());
    return kExitFailure;
  }
  config::Job job;
  std::unique_ptr<parser::PageParser> parser;
  if (!args.job_file.empty()) {
    if (!LoadJobOrReport(args.job_file, &job, &parser)) return kExitBadInput;
  } else {
    auto last = (*store)->LastCrawl();
    if (!last.ok() || !last->has_value()) {
      std::fprintf(stderr,
                   "crawlbox: %s holds no crawl run to take the job from; "
                   "give the job file\n",
                   args.db.c_str());
      return kExitBadInput;
    }
    const std::string name =
        (*last)->job_file + " (as recorded in " + args.db + ")";
    if (!CompileJobOrReport(config::LoadJobText((*last)->job_text, name), name,
                            &job, &parser)) {
      return kExitBadInput;
    }
  }
  if (!job.render.capture.empty()) {
    // The documents a rendered page's scripts fetched gave records that the
    // page's stored body (its DOM) cannot give again.
    std::fprintf(stderr,
                 "crawlbox: job '%s' captures responses of rendered pages "
                 "(render.capture), which are not stored: re-extracting would "
                 "drop their records; the records are unchanged\n",
                 job.name.c_str());
    return kExitBadInput;
  }
  Status s = (*store)->EnsureViews(job);
  if (!s.ok()) {
    std::fprintf(stderr, "crawlbox: %s\n", s.ToString().c_str());
    return kExitFailure;
  }

  std::map<std::string, int64_t> records, dropped;
  auto extract = [&](const storage::StoredPage& page,
                     storage::Reextracted* out) -> Status {
    if (page.body_encoding != "zlib") {
      return Status::Corruption("stored body of " + page.url +
                                " has unknown encoding '" + page.body_encoding +
                                "'");
    }
    config::Inflated body = config::Inflate(
        page.body, static_cast<size_t>(job.fetch.max_body_bytes) + 1);
    if (body.cut) {
      return Status::Corruption("stored body of " + page.url +
                                " is damaged or larger than fetch.max_body_"
                                "bytes");
    }
    // The same pages the crawl extracts from: 2xx text.
    if (page.status < 200 || page.status >= 300 ||
        !parser::IsTextContent(page.content_type)) {
      return Status::Ok();
    }
    const std::string& url = page.final_url.empty() ? page.url : page.final_url;
    parser::Parsed parsed =
        parser->Parse(url, page.content_type, body.data, {});
    for (const parser::Item& item : parsed.items) {
      out->items.push_back({item.rule, ItemToJson(item)});
      ++records[item.rule];
    }
    for (const parser::DroppedItems& d : parsed.dropped) {
      out->dropped.push_back({d.rule, d.count});
      dropped[d.rule] += d.count;
    }
    return Status::Ok();
  };
  int64_t pages = 0;
  s = (*store)->ReplaceItems(extract, &pages);
  if (!s.ok()) {
    std::fprintf(stderr,
                 "crawlbox: reextract failed, the records are unchanged: %s\n",
                 s.ToString().c_str());
    return kExitFailure;
  }
  std::fprintf(stderr, "crawlbox: re-extracted %lld pages with stored bodies\n",
               static_cast<long long>(pages));
  for (const config::Rule& rule : job.rules) {
    std::fprintf(stderr, "crawlbox:   %s: %lld records, %lld dropped\n",
                 rule.name.c_str(), static_cast<long long>(records[rule.name]),
                 static_cast<long long>(dropped[rule.name]));
  }
  if (pages == 0) {
    std::fprintf(stderr,
                 "crawlbox: no stored bodies: set [store] bodies = true in the "
                 "job to keep them\n");
  }
  return kExitOk;
}

}  // namespace crawlbox::crawler
