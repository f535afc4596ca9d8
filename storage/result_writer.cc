// Rendering of query rows; JSON via nlohmann so escaping and invalid UTF-8 are
// handled once.
#include "storage/result_writer.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "storage/reader.h"

namespace crawlbox::storage {

namespace {

std::string RenderNumber(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

std::string RenderCell(const Value& v) {
  if (std::holds_alternative<std::monostate>(v)) return "";
  if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v)) return RenderNumber(*d);
  return std::get<std::string>(v);
}

nlohmann::ordered_json ToJson(const Value& v) {
  if (std::holds_alternative<std::monostate>(v)) return nullptr;
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  if (auto* d = std::get_if<double>(&v)) return *d;
  return std::get<std::string>(v);
}

std::string CsvQuote(const std::string& cell) {
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string Dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false,
                nlohmann::ordered_json::error_handler_t::replace);
}

bool IsWide(uint32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
         (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
         (cp >= 0x20000 && cp <= 0x3FFFD);
}

}  // namespace

size_t DisplayWidth(const std::string& text) {
  size_t width = 0;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    uint32_t cp = c;
    size_t len = 1;
    if (c >= 0xF0 && i + 3 < text.size()) {
      cp = ((c & 0x07u) << 18) | ((text[i + 1] & 0x3Fu) << 12) |
           ((text[i + 2] & 0x3Fu) << 6) | (text[i + 3] & 0x3Fu);
      len = 4;
    } else if (c >= 0xE0 && i + 2 < text.size()) {
      cp = ((c & 0x0Fu) << 12) | ((text[i + 1] & 0x3Fu) << 6) |
           (text[i + 2] & 0x3Fu);
      len = 3;
    } else if (c >= 0xC0 && i + 1 < text.size()) {
      cp = ((c & 0x1Fu) << 6) | (text[i + 1] & 0x3Fu);
      len = 2;
    }
    width += IsWide(cp) ? 2 : 1;
    i += len;
  }
  return width;
}

void ResultWriter::Begin(const std::vector<std::string>& columns) {
  columns_ = columns;
  switch (format_) {
    case OutputFormat::kCsv: {
      for (size_t i = 0; i < columns.size(); ++i) {
        out_ << (i ? "," : "") << CsvQuote(columns[i]);
      }
      out_ << "\r\n";
      break;
    }
    case OutputFormat::kJson:
      out_ << "[";
      break;
    default:
      break;
  }
}

void ResultWriter::Row(const std::vector<Value>& row) {
  switch (format_) {
    case OutputFormat::kTable: {
      std::vector<std::string> cells;
      for (const auto& v : row) {
        std::string cell = RenderCell(v);
        // One row per line: newlines inside a cell would break the table.
        for (char& c : cell) {
          if (c == '\n' || c == '\r' || c == '\t') c = ' ';
        }
        cells.push_back(std::move(cell));
      }
      table_.push_back(std::move(cells));
      break;
    }
    case OutputFormat::kCsv:
      for (size_t i = 0; i < row.size(); ++i)
        out_ << (i ? "," : "") << CsvQuote(RenderCell(row[i]));
      out_ << "\r\n";
      break;
    case OutputFormat::kJson:
    case OutputFormat::kJsonl: {
      nlohmann::ordered_json j = nlohmann::ordered_json::object();
      for (size_t i = 0; i < row.size() && i < columns_.size(); ++i)
        j[columns_[i]] = ToJson(row[i]);
      if (format_ == OutputFormat::kJson) {
        out_ << (rows_ ? ",\n " : "\n ") << Dump(j);
      } else {
        out_ << Dump(j) << "\n";
      }
      break;
    }
  }
  ++rows_;
}

void ResultWriter::End() {
  if (format_ == OutputFormat::kJson) {
    out_ << (rows_ ? "\n]\n" : "]\n");
  } else if (format_ == OutputFormat::kTable) {
    std::vector<size_t> width(columns_.size());
    for (size_t i = 0; i < columns_.size(); ++i)
      width[i] = DisplayWidth(columns_[i]);
    for (const auto& row : table_) {
      for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
        width[i] = std::max(width[i], DisplayWidth(row[i]));
      }
    }
    auto line = [&](const std::vector<std::string>& cells) {
      std::string text;
      for (size_t i = 0; i < cells.size() && i < width.size(); ++i) {
        if (i) text += "  ";
        text += cells[i];
        if (i + 1 < cells.size())
          text.append(width[i] - DisplayWidth(cells[i]), ' ');
      }
      out_ << text << "\n";
    };
    line(columns_);
    std::vector<std::string> rule;
    for (size_t w : width) rule.push_back(std::string(w, '-'));
    line(rule);
    for (const auto& row : table_) line(row);
    out_ << "(" << rows_ << (rows_ == 1 ? " row" : " rows") << ")\n";
  }
  out_.flush();
}

config::Status WriteRule(Reader& reader, const std::string& rule,
                         OutputFormat format, std::ostream& out) {
  auto exists = reader.HasRelation(rule);
  if (!exists.ok()) return exists.status();
  if (!*exists)
    return config::Status::NotFound("no rule view named '" + rule + "'");
  std::string quoted = "\"";
  for (char c : rule)
    quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  quoted += "\"";
  ResultWriter writer(out, format);
  config::Status s = reader.Query(
      "SELECT * FROM " + quoted + " ORDER BY _item_id",
      [&](const std::vector<std::string>& columns) { writer.Begin(columns); },
      [&](const std::vector<Value>& row) { writer.Row(row); });
  if (!s.ok()) return s;
  writer.End();
  return config::Status::Ok();
}

}  // namespace crawlbox::storage
