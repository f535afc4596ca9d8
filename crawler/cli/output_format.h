// Writers for query results: an aligned text table, CSV (RFC 4180), a JSON
// array, JSON Lines.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "storage/rows.h"

namespace crawlbox::crawler {

enum class OutputFormat { kTable, kCsv, kJson, kJsonl };

// Streams rows in `format`. Begin() once with the column names, Row() per row,
// End() once. Table output buffers every row (it needs the column widths); the
// others stream.
class ResultWriter {
 public:
  ResultWriter(std::ostream& out, OutputFormat format)
      : out_(out), format_(format) {}
  void Begin(const std::vector<std::string>& columns);
  void Row(const std::vector<storage::Value>& row);
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

}  // namespace crawlbox::crawler
