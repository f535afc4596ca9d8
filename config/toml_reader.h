// Internal to config/: typed, located reads of toml++ tables that collect every
// problem instead of stopping at the first. Used by the job loader; nothing
// outside config/ includes this file.
#pragma once

#include <re2/re2.h>
#include <toml++/toml.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/job.h"

namespace crawlbox::config {

// The problems found in one job file. Not thread-safe; one per load.
class ProblemList {
 public:
  // `file` names the job file in every location. `out` must outlive this
  // object.
  ProblemList(std::string file, std::vector<JobProblem>* out)
      : file_(std::move(file)), out_(out) {}

  const std::string& file() const { return file_; }
  // The location of a toml++ node or key (source().begin), in this file.
  SourceLocation At(const toml::source_region& region) const;
  SourceLocation At(const toml::node& node) const { return At(node.source()); }
  // The file as a whole (line 0).
  SourceLocation Whole() const { return SourceLocation{file_, 0, 0}; }

  void Add(SourceLocation where, std::string key, std::string expected,
           std::string got);

 private:
  std::string file_;
  std::vector<JobProblem>* out_;
};

// A string from the file with the place it was written.
struct LocatedString {
  std::string value;
  SourceLocation where;
  // Position in its array (for "key[index]"), counting skipped elements.
  size_t index = 0;
};

// "a string", "an integer", "a table", ...: a node's type as the "got" part of
// a problem.
std::string TypeName(const toml::node& node);

// `text` in single quotes for a problem, with control characters escaped and
// long text shortened.
std::string Quote(std::string_view text);

// "a, b, c".
std::string JoinNames(const std::vector<std::string>& names);

// Whether `text` is non-empty and made of [a-z_][a-z0-9_]* (rule and field
// names, SQL-safe).
bool IsIdentifier(std::string_view text);

// Compiles `pattern` with log_errors off (and `.` matching newlines when
// `dot_nl`). On failure adds a problem at `where` for `key` with RE2's error
// text and returns null.
std::shared_ptr<const re2::RE2> CompileRegex(ProblemList* problems,
                                             const std::string& pattern,
                                             bool dot_nl,
                                             const SourceLocation& where,
                                             const std::string& key);

// Reads the keys of one TOML table (or of an absent one). Every Read* returns
// true and sets its outputs only for a present, well-typed, in-range value; an
// absent key returns false with no problem (required keys: call Require),
// anything else returns false after adding a problem. Borrows `problems` and
// `table`, which must outlive the reader. Not thread-safe.
class TableReader {
 public:
  // `path` is the table's dotted key ("" for the root, "job", "rules[0]").
  // `where` is used for missing required keys: the table's location, or
  // ProblemList::Whole() when it is absent (`table` null).
  TableReader(ProblemList* problems, const toml::table* table, std::string path,
              SourceLocation where);

  // Adds one problem per key of the table not in `known`, at the key.
  void CheckKnownKeys(std::initializer_list<std::string_view> known);

  // The node at `key`, or null when the key (or the table) is absent.
  const toml::node* Find(std::string_view key) const;
  // The dotted path of `key` in this table, e.g. "fetch.concurrency".
  std::string PathOf(std::string_view key) const;
  const SourceLocation& where() const { return where_; }

  // Adds a "missing" problem for `key` when absent; returns whether it is
  // present.
  bool Require(std::string_view key, std::string_view expected);

  // A string; with `non_empty`, "" is a problem.
  bool ReadString(std::string_view key, bool non_empty, std::string* out,
                  SourceLocation* where = nullptr);
  // An integer in min..max. Problems say "an integer >= min" when max is the
  // largest value of the output type (no upper bound of the schema's own).
  bool ReadInt(std::string_view key, int64_t min, int64_t max, int64_t* out);
  bool ReadInt(std::string_view key, int min, int max, int* out);
  bool ReadBool(std::string_view key, bool* out);
  // An array of strings. Elements that are not strings are reported and left
  // out; with `non_empty`, an empty array is a problem. Returns false only when
  // absent or not an array.
  bool ReadStringArray(std::string_view key, bool non_empty,
                       std::vector<LocatedString>* out);
  // One RE2 pattern (string) at `key`, compiled; null when absent or broken.
  std::shared_ptr<const re2::RE2> ReadRegex(std::string_view key, bool dot_nl,
                                            SourceLocation* where = nullptr);
  // An array of RE2 patterns; the ones that compile, in order.
  std::vector<std::shared_ptr<const re2::RE2>> ReadRegexArray(
      std::string_view key);

 private:
  ProblemList* problems_;
  const toml::table* table_;
  std::string path_;
  SourceLocation where_;
};

// Replaces ${NAME} and ${NAME:-default} in `value` from the environment, as a
// shell does: the default is used when NAME is unset or empty. Adds one problem
// per reference that cannot be expanded (an unset NAME without default, a
// malformed reference) and then leaves `value` as is. With `escape_braces` the
// value is a template (a start URL, a request): "${{" is no reference (the
// brace escape, see ExpandTemplate), and braces in a substituted value are
// doubled so they stay literal.
bool ExpandEnvironment(ProblemList* problems, const std::string& key,
                       const SourceLocation& where, std::string* value,
                       bool escape_braces = false);

}  // namespace crawlbox::config
