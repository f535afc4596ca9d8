// The [login] section.
#include "config/login_loader.h"

#include <string>
#include <utility>

namespace crawlbox::config {

namespace {

// A page marker table { css = "..." } or { pattern = "..." } at `key`.
void ReadMarker(ProblemList* problems, TableReader* reader,
                std::string_view key, PageMarker* marker) {
  const toml::node* node = reader->Find(key);
  if (node == nullptr) return;
  const toml::table* table = node->as_table();
  const std::string path = reader->PathOf(key);
  if (table == nullptr) {
    problems->Add(problems->At(*node), path,
                  "a table { css = \"...\" } or { pattern = \"...\" }",
                  TypeName(*node));
    return;
  }
  TableReader marker_reader(problems, table, path, problems->At(*node));
  marker_reader.CheckKnownKeys({"css", "pattern"});
  marker_reader.ReadString("css", /*non_empty=*/true, &marker->css,
                           &marker->where);
  SourceLocation pattern_where;
  marker->pattern =
      marker_reader.ReadRegex("pattern", /*dot_nl=*/true, &pattern_where);
  if (marker->css.empty()) marker->where = pattern_where;
}

bool HasReference(const std::string& text) {
  return text.find("${") != std::string::npos;
}

}  // namespace

void LoadLoginSection(ProblemList* problems, const toml::table& root,
                      const std::string& job_file, LoginSettings* login) {
  const toml::node* node = root.get("login");
  if (node == nullptr) return;
  const toml::table* table = node->as_table();
  if (table == nullptr) {
    problems->Add(problems->At(*node), "login", "a table", TypeName(*node));
    return;
  }
  login->enabled = true;
  login->where = problems->At(*table);
  TableReader reader(problems, table, "login", login->where);
  reader.CheckKnownKeys({"page", "form", "submit", "url", "json", "fields",
                         "password_env", "password_file", "password_field",
                         "success", "success_cookie", "obey_robots"});
  SourceLocation page_where;
  if (reader.ReadString("page", /*non_empty=*/true, &login->page,
                        &page_where)) {
    ExpandEnvironment(problems, reader.PathOf("page"), page_where,
                      &login->page);
    login->url_where = page_where;
    login->form.where = page_where;
    if (reader.Require("form", "a CSS selector of the login form on page"))
      reader.ReadString("form", /*non_empty=*/true, &login->form.select,
                        &login->form.where);
    reader.ReadString("submit", /*non_empty=*/true, &login->form.submit);
  }
  SourceLocation url_where;
  if (reader.ReadString("url", /*non_empty=*/true, &login->url, &url_where)) {
    ExpandEnvironment(problems, reader.PathOf("url"), url_where, &login->url);
    login->url_where = url_where;
  }
  if (login->page.empty() == login->url.empty()) {
    problems->Add(login->where, "login",
                  "one of page (a login page with a form) and url (where to "
                  "send the fields)",
                  login->page.empty() ? "neither" : "both");
  }
  reader.ReadBool("json", &login->json);
  if (const toml::node* fields = reader.Find("fields")) {
    if (const toml::table* t = fields->as_table()) {
      for (const auto& [name, value] : *t) {
        const std::string key =
            reader.PathOf("fields") + "." + std::string(name.str());
        const auto* text = value.as_string();
        if (text == nullptr) {
          problems->Add(problems->At(value), key, "a string", TypeName(value));
          continue;
        }
        if (HasReference(text->get())) {
          // A ${VAR} would put the secret where the fleet publishes values.
          problems->Add(problems->At(value), key,
                        "a literal value (a secret goes in password_env or "
                        "password_file)",
                        Quote(text->get()));
          continue;
        }
        login->fields.emplace_back(std::string(name.str()), text->get());
      }
    } else {
      problems->Add(problems->At(*fields), reader.PathOf("fields"),
                    "a table of field names and values", TypeName(*fields));
    }
  }
  reader.ReadString("password_env", /*non_empty=*/true, &login->password_env);
  SourceLocation file_where;
  if (reader.ReadString("password_file", /*non_empty=*/true,
                        &login->password_file, &file_where)) {
    if (!login->password_file.starts_with('/')) {
      const size_t slash = job_file.rfind('/');
      if (slash != std::string::npos)
        login->password_file =
            job_file.substr(0, slash + 1) + login->password_file;
    }
  }
  if (!login->password_env.empty() && !login->password_file.empty()) {
    problems->Add(file_where, reader.PathOf("password_file"),
                  "one of password_env and password_file", "both");
  }
  reader.ReadString("password_field", /*non_empty=*/true,
                    &login->password_field);
  ReadMarker(problems, &reader, "success", &login->success);
  reader.ReadString("success_cookie", /*non_empty=*/true,
                    &login->success_cookie);
  reader.ReadBool("obey_robots", &login->obey_robots);
}

}  // namespace crawlbox::config
