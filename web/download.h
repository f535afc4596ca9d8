// A rule's records as a download: the bytes `crawlbox export` writes, streamed
// to the client from a read-only connection of the download's own, so a large
// export neither waits for nor blocks the page's other requests.
#pragma once

#include <httplib.h>

#include <string>

namespace crawlbox::web {

// Answers GET /api/export?rule=R&format=csv|jsonl (csv when absent) from the
// database at `db_path`: 400 for a bad parameter, 404 for a rule with no
// view, else a chunked attachment named after the rule.
void ServeExport(const std::string& db_path, const httplib::Request& req,
                 httplib::Response& res);

}  // namespace crawlbox::web
