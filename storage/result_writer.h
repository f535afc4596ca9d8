// Writers for query results: an aligned text table, CSV (RFC 4180), a JSON
// array, JSON Lines. Here, beside the rows, so that `crawlbox query/export`
// and the status server's downloads write the same bytes.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "config/status.h"
#include "storage/rows.h"

namespace crawlbox::storage {

enum class OutputFormat { kTable, kCsv, kJson, kJsonl };

// Streams rows in `format`. Begin() once with the column names, Row() per row,
// End() once. Table output buffers every row (it needs the column widths); the
// others stream.
class ResultWriter {
 public:
  ResultWriter(std::ostream& out, OutputFormat format)
      : out_(out), format_(format) {}
  void Begin(const std::vector<std::string>& columns);
  void Row(const std::vector<Value>& row);
  void End();
  int64_t rows() const { return rows_; }

 private:
  std::ostream& out_;
  OutputFormat format_;
  std::vector<std::string> columns_;
  std::vector<std::vector<std::string>>
      table_;  // rendered cells, table format only
  int64_t rows_ = 0;
};

// Terminal display width of UTF-8 text: East Asian wide characters count two
// columns.
size_t DisplayWidth(const std::string& text);

class Reader;

// A rule's records as `crawlbox export` writes them: every column of the
// rule's view, in record order. NotFound when `rule` names no view.
config::Status WriteRule(Reader& reader, const std::string& rule,
                         OutputFormat format, std::ostream& out);

}  // namespace crawlbox::storage
