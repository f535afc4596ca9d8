#include "web/download.h"

#include <array>
#include <memory>
#include <streambuf>

#include "storage/reader.h"
#include "storage/result_writer.h"
#include "web/api_json.h"
#include "web/query.h"

namespace crawlbox::web {

namespace {

// cpp-httplib's DataSink::os sends every write as a chunk of its own; the
// writers write cell by cell, so this gathers 64 KB per chunk.
class ChunkBuffer : public std::streambuf {
 public:
  explicit ChunkBuffer(httplib::DataSink& sink) : sink_(sink) {
    setp(buffer_.data(), buffer_.data() + buffer_.size());
  }
  bool ok() const { return ok_; }

 protected:
  int_type overflow(int_type c) override {
    if (!Flush()) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override { return Flush() ? 0 : -1; }

 private:
  bool Flush() {
    const size_t n = static_cast<size_t>(pptr() - pbase());
    // A client that went away fails the write; stop writing then.
    if (n > 0 && ok_) ok_ = sink_.write(pbase(), n);
    setp(buffer_.data(), buffer_.data() + buffer_.size());
    return ok_;
  }

  httplib::DataSink& sink_;
  std::array<char, 64 * 1024> buffer_;
  bool ok_ = true;
};

// The rule as a file name: what is not a letter, digit, '-' or '_' becomes
// '_', so the Content-Disposition header needs no quoting rules.
std::string FileName(const std::string& rule, const char* extension) {
  std::string name;
  for (char c : rule) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') || c == '-' || c == '_';
    name.push_back(plain ? c : '_');
  }
  return name + extension;
}

void SendError(httplib::Response& res, int status, std::string_view message) {
  res.status = status;
  res.set_content(ErrorJson(message), "application/json");
}

}  // namespace

void ServeExport(const std::string& db_path, const httplib::Request& req,
                 httplib::Response& res) {
  const std::string rule = QueryParam(req.target, "rule").value_or("");
  const std::string format_name =
      QueryParam(req.target, "format").value_or("csv");
  storage::OutputFormat format;
  const char* content_type;
  const char* extension;
  if (format_name == "csv") {
    format = storage::OutputFormat::kCsv;
    content_type = "text/csv; charset=utf-8";
    extension = ".csv";
  } else if (format_name == "jsonl") {
    format = storage::OutputFormat::kJsonl;
    content_type = "application/x-ndjson; charset=utf-8";
    extension = ".jsonl";
  } else {
    return SendError(res, 400, "format: expected csv or jsonl");
  }
  if (rule.empty()) return SendError(res, 400, "rule: expected a rule name");
  auto reader = storage::Reader::Open(db_path);
  if (!reader.ok()) return SendError(res, 503, reader.status().message());
  auto exists = (*reader)->HasRelation(rule);
  if (!exists.ok()) return SendError(res, 503, exists.status().message());
  if (!*exists) return SendError(res, 404, "no rule view named '" + rule + "'");
  res.set_header("Content-Disposition",
                 "attachment; filename=\"" + FileName(rule, extension) + "\"");
  std::shared_ptr<storage::Reader> shared = std::move(*reader);
  res.set_chunked_content_provider(
      content_type, [shared, rule, format](size_t, httplib::DataSink& sink) {
        ChunkBuffer buffer(sink);
        std::ostream out(&buffer);
        const config::Status s = storage::WriteRule(*shared, rule, format, out);
        out.flush();
        // Returning false ends the connection without the last chunk, so a
        // client sees a cut download as failed, never as complete.
        if (!s.ok() || !buffer.ok()) return false;
        sink.done();
        return true;
      });
}

}  // namespace crawlbox::web
