// The `[[rules]]` schema: rule names, URL/record/follow patterns and the fields
// of each record.
#include "config/rule_loader.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "config/rule_reach_loader.h"

namespace crawlbox::config {

namespace {

constexpr const char* kRuleNameExpected =
    "a rule name matching [a-z_][a-z0-9_]*";
constexpr const char* kFieldNameExpected =
    "a field name matching [a-z_][a-z0-9_]*";

// Names storage/ uses for its own tables; a rule's SQL view cannot take them.
bool IsReservedRuleName(std::string_view name) {
  return name == "crawls" || name == "frontier" || name == "pages" ||
         name == "items" || name.substr(0, 7) == "sqlite_";
}

// The named groups of `re` in the order they appear in the pattern.
std::vector<std::string> NamedGroups(const re2::RE2& re) {
  std::vector<std::pair<int, std::string>> by_index;
  for (const auto& [name, index] : re.NamedCapturingGroups())
    by_index.emplace_back(index, name);
  std::sort(by_index.begin(), by_index.end());
  std::vector<std::string> names;
  for (auto& [index, name] : by_index) names.push_back(std::move(name));
  return names;
}

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// A field's entry in `[rules.fields]`, located by its key so that file order
// can be restored (toml++ keeps a table's keys sorted by name).
struct FieldEntry {
  std::string name;
  const toml::node* node;
  SourceLocation key_where;
};

// Everything a field check needs to know about the rule's pattern.
struct PatternInfo {
  bool present = false;             // the rule has a `pattern` key
  bool groups_known = false;        // it compiled and has named groups
  std::vector<std::string> groups;  // in pattern order
  // An element rule (select or xpath): fields use css, xpath and attr; a
  // field written as a string is in the rule's own language.
  bool css = false;
  bool xpath = false;
  bool json = false;  // a JSON rule (records): fields are JSONPath queries
};

// The transforms every field may have: trim (bool, default true),
// strip_prefix and strip_suffix (strings, default ""), type ("text" | "int" |
// "real", default "text"), required (bool, default false).
void ReadTransforms(ProblemList* problems, TableReader* reader, Field* field) {
  reader->ReadBool("trim", &field->trim);
  reader->ReadBool("required", &field->required);
  reader->ReadString("strip_prefix", /*non_empty=*/false, &field->strip_prefix);
  reader->ReadString("strip_suffix", /*non_empty=*/false, &field->strip_suffix);
  std::string type;
  SourceLocation type_where;
  if (reader->ReadString("type", /*non_empty=*/false, &type, &type_where)) {
    if (type == "text") {
      field->type = FieldType::kText;
    } else if (type == "int") {
      field->type = FieldType::kInt;
    } else if (type == "real") {
      field->type = FieldType::kReal;
    } else if (type == "json") {
      field->type = FieldType::kJson;
    } else {
      problems->Add(type_where, reader->PathOf("type"),
                    "one of text, int, real, json", Quote(type));
    }
  }
}

// `rules[i].fields.<name> = "group"` or `= { group|template, trim,
// strip_prefix, strip_suffix, type }`: one column of the rule's records.
Field LoadField(ProblemList* problems, const FieldEntry& entry,
                const std::string& path, const PatternInfo& pattern) {
  Field field;
  field.name = entry.name;
  field.where = problems->At(*entry.node);
  if (!IsIdentifier(entry.name)) {
    problems->Add(entry.key_where, path, kFieldNameExpected, Quote(entry.name));
  }
  // Where the group name came from, to report a group the pattern does not
  // have.
  std::string group_key = path;
  SourceLocation group_where = field.where;
  SourceLocation template_where;

  if (pattern.json) {
    // In a JSON rule: title = "$.name", or a table with json and the
    // transforms. Default: the member of the field's name.
    if (const auto* query = entry.node->as_string()) {
      field.json = query->get();
    } else if (const toml::table* options = entry.node->as_table()) {
      TableReader reader(problems, options, path, field.where);
      reader.CheckKnownKeys(
          {"json", "trim", "strip_prefix", "strip_suffix", "type", "required"});
      reader.ReadString("json", /*non_empty=*/true, &field.json, &field.where);
      ReadTransforms(problems, &reader, &field);
    } else {
      problems->Add(field.where, path,
                    "a table of field options or a JSONPath query (string)",
                    TypeName(*entry.node));
    }
    if (field.json.empty()) field.json = "$['" + field.name + "']";
    return field;
  }
  if (pattern.css || pattern.xpath) {
    // In an element rule: title = "p.name a" (CSS in a select rule, XPath
    // in an xpath rule) names the value, or a table with css or xpath, attr
    // and the transforms.
    if (const auto* text = entry.node->as_string()) {
      (pattern.xpath ? field.xpath : field.css) = text->get();
    } else if (const toml::table* options = entry.node->as_table()) {
      TableReader reader(problems, options, path, field.where);
      reader.CheckKnownKeys({"css", "xpath", "attr", "trim", "strip_prefix",
                             "strip_suffix", "type", "required"});
      reader.ReadString("css", /*non_empty=*/false, &field.css);
      reader.ReadString("xpath", /*non_empty=*/true, &field.xpath,
                        &field.where);
      reader.ReadString("attr", /*non_empty=*/true, &field.attr);
      if (reader.Find("css") != nullptr && reader.Find("xpath") != nullptr) {
        problems->Add(problems->At(*reader.Find("xpath")),
                      reader.PathOf("xpath"), "either css or xpath, not both",
                      "both");
      }
      ReadTransforms(problems, &reader, &field);
    } else {
      problems->Add(field.where, path,
                    "a table of field options or a selector (string)",
                    TypeName(*entry.node));
    }
    if (field.type == FieldType::kJson) {
      problems->Add(field.where, path + ".type",
                    "one of text, int, real (json is for JSON rules)", "json");
    }
    return field;
  }
  if (const auto* group = entry.node->as_string()) {
    // title = "title_group": the value names the group.
    if (group->get().empty()) {
      problems->Add(field.where, path, "a non-empty group name",
                    "an empty string");
    }
    field.group = group->get();
  } else if (const toml::table* options = entry.node->as_table()) {
    TableReader reader(problems, options, path, field.where);
    reader.CheckKnownKeys({"group", "template", "trim", "strip_prefix",
                           "strip_suffix", "type", "required"});
    // group: string, a named group of the pattern. Default: the field's name.
    if (reader.ReadString("group", /*non_empty=*/true, &field.group,
                          &group_where)) {
      group_key = reader.PathOf("group");
    }
    // template: string; "{name}" is the value of a named group, "{{" and "}}"
    // are braces. Exclusive with group.
    reader.ReadString("template", /*non_empty=*/true, &field.format,
                      &template_where);
    if (reader.Find("group") != nullptr && reader.Find("template") != nullptr) {
      problems->Add(problems->At(*reader.Find("template")),
                    reader.PathOf("template"),
                    "either group or template, not both", "both");
      field.format.clear();
    }
    // trim: bool, default true.
    ReadTransforms(problems, &reader, &field);
  } else {
    problems->Add(field.where, path,
                  "a table of field options or a group name (string)",
                  TypeName(*entry.node));
    return field;
  }
  if (field.group.empty() && field.format.empty()) field.group = field.name;

  if (!pattern.groups_known) return field;
  std::string groups_text = "(one of: " + JoinNames(pattern.groups) + ")";
  if (!field.format.empty()) {
    std::vector<std::string> names;
    std::string error;
    if (!ParseFieldTemplate(field.format, &names, &error)) {
      problems->Add(template_where, path + ".template",
                    "a template of text, {group}, {{ and }}", error);
      return field;
    }
    std::string unknown;
    for (const std::string& name : names) {
      if (Contains(pattern.groups, name)) continue;
      if (!unknown.empty()) unknown += ", ";
      unknown += Quote("{" + name + "}");
    }
    if (!unknown.empty()) {
      problems->Add(
          template_where, path + ".template",
          "{name} placeholders naming groups of the pattern " + groups_text,
          unknown);
    }
  } else if (!field.group.empty() && !Contains(pattern.groups, field.group)) {
    std::string got = Quote(field.group);
    if (group_key == path && entry.node->is_table()) {
      got +=
          " (the field's name, its group when neither group nor template is "
          "set)";
    }
    problems->Add(group_where, group_key,
                  "a named group of the pattern " + groups_text, got);
  }
  return field;
}

// `[rules.fields]`: the fields in file order.
std::vector<Field> LoadFields(ProblemList* problems, const toml::table& table,
                              const std::string& path,
                              const PatternInfo& pattern) {
  std::vector<FieldEntry> entries;
  for (auto&& [key, node] : table) {
    // A field written as its own [rules.fields.x] table has its key on that
    // header line.
    const toml::source_region& region =
        key.source().begin.line > 0 ? key.source() : node.source();
    entries.push_back(
        FieldEntry{std::string(key.str()), &node, problems->At(region)});
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const FieldEntry& a, const FieldEntry& b) {
                     return std::pair(a.key_where.line, a.key_where.column) <
                            std::pair(b.key_where.line, b.key_where.column);
                   });
  std::vector<Field> fields;
  for (const FieldEntry& entry : entries) {
    fields.push_back(
        LoadField(problems, entry, path + "." + entry.name, pattern));
  }
  return fields;
}

// Rule names already taken → "rules[i]" of their first use.
using NamesSeen = std::map<std::string, std::string>;

Rule LoadRule(ProblemList* problems, const toml::table& table,
              const std::string& path, NamesSeen* names_seen) {
  Rule rule;
  rule.where = problems->At(table);
  TableReader reader(problems, &table, path, rule.where);
  reader.CheckKnownKeys({"name", "url", "pattern", "select", "xpath", "json",
                         "records", "follow", "follow_within", "follow_json",
                         "next_request", "follow_forms", "logged_out", "render",
                         "wait_for", "fields"});

  // name: required string, [a-z_][a-z0-9_]*, unique, not a storage table name;
  // the rule's view.
  std::string name;
  SourceLocation name_where;
  if (reader.Require("name", kRuleNameExpected) &&
      reader.ReadString("name", /*non_empty=*/false, &name, &name_where)) {
    if (!IsIdentifier(name)) {
      problems->Add(name_where, reader.PathOf("name"), kRuleNameExpected,
                    Quote(name));
    } else if (IsReservedRuleName(name)) {
      problems->Add(name_where, reader.PathOf("name"),
                    "a rule name other than crawls, frontier, pages, items and "
                    "not starting "
                    "with sqlite_",
                    Quote(name));
    } else if (auto [it, added] = names_seen->emplace(name, path); !added) {
      problems->Add(name_where, reader.PathOf("name"),
                    "a rule name no other rule uses",
                    Quote(name) + " (also the name of " + it->second + ")");
    } else {
      rule.name = name;
    }
  }

  // url: optional RE2, partial match on the page URL; default: every page.
  rule.url = reader.ReadRegex("url", /*dot_nl=*/false);
  if (rule.url == nullptr) rule.url = std::make_shared<const re2::RE2>("");

  // pattern: optional RE2 with >= 1 named group, compiled with dot_nl (DOTALL).
  PatternInfo pattern;
  pattern.present = reader.Find("pattern") != nullptr;
  SourceLocation pattern_where;
  rule.pattern = reader.ReadRegex("pattern", /*dot_nl=*/true, &pattern_where);
  if (rule.pattern != nullptr) {
    pattern.groups = NamedGroups(*rule.pattern);
    pattern.groups_known = !pattern.groups.empty();
    if (!pattern.groups_known) {
      problems->Add(
          pattern_where, reader.PathOf("pattern"),
          "a regular expression with at least one named group (?P<name>...)",
          "no named group in " + Quote(rule.pattern->pattern()));
    }
  }

  // select: optional non-empty CSS selector of record elements (compiled by
  // parser/); exclusive with pattern.
  reader.ReadString("select", /*non_empty=*/true, &rule.select,
                    &rule.select_where);
  pattern.css = !rule.select.empty();
  // xpath, json, records, follow_json, next_request, follow_forms,
  // logged_out.
  LoadRuleReach(problems, &reader, &rule);
  pattern.xpath = !rule.xpath.empty();
  pattern.json = !rule.records.text.empty();
  if (int(pattern.present) + int(pattern.css) + int(pattern.xpath) +
          int(pattern.json) >
      1) {
    // Reported at the last of them (select, xpath or records).
    const bool at_records = pattern.json;
    const bool at_xpath = !at_records && pattern.xpath;
    problems->Add(at_records ? rule.records.where
                  : at_xpath ? rule.xpath_where
                             : rule.select_where,
                  reader.PathOf(at_records ? "records"
                                : at_xpath ? "xpath"
                                           : "select"),
                  "one of pattern, select, xpath and records, not several",
                  "several");
  }

  // follow: optional array of RE2, partial match on resolved links.
  rule.follow = reader.ReadRegexArray("follow");
  // follow_within: optional non-empty string, a CSS selector compiled by
  // parser/.
  reader.ReadString("follow_within", /*non_empty=*/true, &rule.follow_within,
                    &rule.follow_within_where);

  // fields: optional table, requires pattern; without it, one text field per
  // named group.
  if (const toml::node* fields = reader.Find("fields")) {
    std::string fields_path = reader.PathOf("fields");
    if (const toml::table* table_of_fields = fields->as_table()) {
      if (!pattern.present && !pattern.css && !pattern.xpath && !pattern.json) {
        problems->Add(
            problems->At(*fields), fields_path,
            "a pattern with named groups in the rule to take fields from",
            "fields without a pattern");
      }
      rule.fields =
          LoadFields(problems, *table_of_fields, fields_path, pattern);
    } else {
      problems->Add(problems->At(*fields), fields_path, "a table of fields",
                    TypeName(*fields));
    }
  }
  if ((pattern.css || pattern.xpath || pattern.json) && rule.fields.empty()) {
    problems->Add(pattern.json    ? rule.records.where
                  : pattern.xpath ? rule.xpath_where
                                  : rule.select_where,
                  reader.PathOf("fields"),
                  "a [rules.fields] table: a select, xpath or records rule "
                  "names its fields",
                  "no fields");
  }
  if (rule.fields.empty() && pattern.groups_known) {
    for (const std::string& group : pattern.groups) {
      if (!IsIdentifier(group)) {
        // The group would become a column name; say how to name the column
        // instead.
        problems->Add(
            pattern_where, reader.PathOf("pattern"),
            "named groups that are field names ([a-z_][a-z0-9_]*), or a "
            "[rules.fields] table naming the fields",
            "the group " + Quote(group));
        continue;
      }
      Field field;
      field.name = group;
      field.group = group;
      field.where = pattern_where;
      rule.fields.push_back(std::move(field));
    }
  }
  return rule;
}

}  // namespace

bool ParseFieldTemplate(std::string_view text, std::vector<std::string>* names,
                        std::string* error) {
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      i += 2;
    } else if (c == '{') {
      size_t close = text.find('}', i + 1);
      if (close == std::string_view::npos) {
        *error = "an unclosed '{' in " + Quote(text);
        return false;
      }
      if (close == i + 1) {
        *error = "an empty '{}' in " + Quote(text);
        return false;
      }
      names->emplace_back(text.substr(i + 1, close - i - 1));
      i = close + 1;
    } else if (c == '}') {
      *error = "a lone '}' in " + Quote(text);
      return false;
    } else {
      ++i;
    }
  }
  return true;
}

std::vector<Rule> LoadRules(ProblemList* problems,
                            const toml::node* rules_node) {
  std::vector<Rule> rules;
  if (rules_node == nullptr) return rules;
  const toml::array* array = rules_node->as_array();
  if (array == nullptr) {
    problems->Add(problems->At(*rules_node), "rules",
                  "an array of tables ([[rules]])", TypeName(*rules_node));
    return rules;
  }
  NamesSeen names_seen;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = (*array)[i];
    std::string path = "rules[" + std::to_string(i) + "]";
    if (const toml::table* table = element.as_table()) {
      rules.push_back(LoadRule(problems, *table, path, &names_seen));
    } else {
      problems->Add(problems->At(element), path, "a table ([[rules]])",
                    TypeName(element));
    }
  }
  return rules;
}

}  // namespace crawlbox::config
