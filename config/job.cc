// Rendering of job problems and field types for messages, logs and SQL view
// columns.
#include "config/job.h"

namespace crawlbox::config {

std::string JobProblem::ToString() const {
  std::string out = where.file;
  if (where.line > 0) {
    out += ':' + std::to_string(where.line);
    if (where.column > 0) out += ':' + std::to_string(where.column);
  }
  out += ": ";
  out += key;
  out += ": expected ";
  out += expected;
  out += ", got ";
  out += got;
  return out;
}

const char* FieldTypeName(FieldType type) {
  switch (type) {
    case FieldType::kText:
      return "text";
    case FieldType::kInt:
      return "int";
    case FieldType::kReal:
      return "real";
    case FieldType::kJson:
      return "json";
  }
  return "text";
}

}  // namespace crawlbox::config
