// Form following: HTML's form submission algorithm (entry list, method,
// action, enctype) over gumbo trees, the three body encodings, and the
// PageParser step that turns a rule's follow_forms into links and requests.
#include "parser/form_requests.h"

#include <gumbo.h>
#include <strings.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "parser/dom.h"
#include "parser/fields.h"
#include "parser/page_parser.h"

namespace crawlbox::parser {

namespace {

std::string LowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool HasAttribute(const GumboNode* node, std::string_view name) {
  return Attribute(node, name) != nullptr;
}

// The attribute's value lowercased, "" when absent: for enumerated attributes,
// which HTML matches ASCII case-insensitively.
std::string LowerAttribute(const GumboNode* node, std::string_view name) {
  const char* value = Attribute(node, name);
  return value != nullptr ? LowerAscii(value) : std::string();
}

GumboTag Tag(const GumboNode* node) {
  return IsElement(node) ? node->v.element.tag : GUMBO_TAG_UNKNOWN;
}

// The state of an <input>: its type attribute when it names a known type,
// else "text", as HTML's invalid value default says.
std::string InputType(const GumboNode* input) {
  std::string type = LowerAttribute(input, "type");
  for (std::string_view known :
       {"hidden",   "text",  "search", "tel",      "url",   "email",
        "password", "date",  "month",  "week",     "time",  "datetime-local",
        "number",   "range", "color",  "checkbox", "radio", "file",
        "submit",   "image", "reset",  "button"}) {
    if (type == known) return type;
  }
  return "text";
}

bool IsSubmitButton(const GumboNode* node) {
  if (Tag(node) == GUMBO_TAG_BUTTON) {
    std::string type = LowerAttribute(node, "type");
    // A missing or unknown type is submit.
    return type != "reset" && type != "button";
  }
  if (Tag(node) == GUMBO_TAG_INPUT) {
    std::string type = InputType(node);
    return type == "submit" || type == "image";
  }
  return false;
}

bool IsListed(const GumboNode* node) {
  GumboTag tag = Tag(node);
  return tag == GUMBO_TAG_INPUT || tag == GUMBO_TAG_BUTTON ||
         tag == GUMBO_TAG_SELECT || tag == GUMBO_TAG_TEXTAREA;
}

// The form a control without a form= attribute belongs to: its nearest
// ancestor <form>. Controls in a <template> belong to none: the template's
// contents are inert in a browser.
const GumboNode* AncestorForm(const GumboNode* node) {
  for (const GumboNode* p = node->parent; p != nullptr; p = p->parent) {
    if (p->type == GUMBO_NODE_TEMPLATE) return nullptr;
    if (Tag(p) == GUMBO_TAG_FORM) return p;
  }
  return nullptr;
}

const GumboNode* FirstChildWithTag(const GumboNode* parent, GumboTag tag) {
  const GumboVector& children = parent->v.element.children;
  for (unsigned i = 0; i < children.length; ++i) {
    const auto* child = static_cast<const GumboNode*>(children.data[i]);
    if (Tag(child) == tag) return child;
  }
  return nullptr;
}

// HTML's "actually disabled" for form controls: its own disabled attribute,
// or a disabled <fieldset> ancestor, unless the control is inside that
// fieldset's first <legend>, which stays usable.
bool IsDisabled(const GumboNode* control) {
  if (HasAttribute(control, "disabled")) return true;
  const GumboNode* child = control;
  for (const GumboNode* p = control->parent; p != nullptr;
       child = p, p = p->parent) {
    if (Tag(p) != GUMBO_TAG_FIELDSET || !HasAttribute(p, "disabled")) continue;
    if (child != FirstChildWithTag(p, GUMBO_TAG_LEGEND)) return true;
  }
  return false;
}

bool InDatalist(const GumboNode* node) {
  for (const GumboNode* p = node->parent; p != nullptr; p = p->parent) {
    if (Tag(p) == GUMBO_TAG_DATALIST) return true;
  }
  return false;
}

// HTML's "strip and collapse ASCII whitespace", for an option's text.
std::string StripAndCollapse(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

void AddSelectEntries(const GumboNode* select, const std::string& name,
                      std::vector<FormEntry>* entries) {
  // The select's list of options: option children and the option children
  // of its optgroup children.
  std::vector<const GumboNode*> options;
  const GumboVector& children = select->v.element.children;
  for (unsigned i = 0; i < children.length; ++i) {
    const auto* child = static_cast<const GumboNode*>(children.data[i]);
    if (Tag(child) == GUMBO_TAG_OPTION) {
      options.push_back(child);
    } else if (Tag(child) == GUMBO_TAG_OPTGROUP) {
      const GumboVector& group = child->v.element.children;
      for (unsigned j = 0; j < group.length; ++j) {
        const auto* option = static_cast<const GumboNode*>(group.data[j]);
        if (Tag(option) == GUMBO_TAG_OPTION) options.push_back(option);
      }
    }
  }
  auto disabled = [](const GumboNode* option) {
    return HasAttribute(option, "disabled") ||
           (Tag(option->parent) == GUMBO_TAG_OPTGROUP &&
            HasAttribute(option->parent, "disabled"));
  };
  const bool multiple = HasAttribute(select, "multiple");
  int display_size = multiple ? 4 : 1;
  if (const char* size = Attribute(select, "size")) {
    int value = std::atoi(size);
    if (value > 0) display_size = value;
  }
  std::vector<bool> selected(options.size());
  for (size_t i = 0; i < options.size(); ++i)
    selected[i] = HasAttribute(options[i], "selected");
  if (!multiple) {
    // As the parser inserts them, each selected option deselects the
    // earlier ones: the last one stays.
    bool seen = false;
    for (size_t i = options.size(); i-- > 0;) {
      if (selected[i] && seen) selected[i] = false;
      if (selected[i]) seen = true;
    }
    if (!seen && display_size == 1) {
      for (size_t i = 0; i < options.size(); ++i) {
        if (!disabled(options[i])) {
          selected[i] = true;
          break;
        }
      }
    }
  }
  for (size_t i = 0; i < options.size(); ++i) {
    if (!selected[i] || disabled(options[i])) continue;
    const char* value = Attribute(options[i], "value");
    entries->emplace_back(
        name, value != nullptr ? std::string(value)
                               : StripAndCollapse(TextContent(options[i])));
  }
}

// CR, LF and CRLF all become CRLF, as form submission sends line breaks.
std::string NormalizeLineBreaks(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (text[i] == '\n') {
      out += "\r\n";
    } else {
      out += text[i];
    }
  }
  return out;
}

void AppendUrlencoded(std::string_view text, std::string* out) {
  static const char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : NormalizeLineBreaks(text)) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '*' || c == '-' || c == '.' ||
        c == '_') {
      *out += static_cast<char>(c);
    } else if (c == ' ') {
      *out += '+';
    } else {
      *out += '%';
      *out += kHex[c >> 4];
      *out += kHex[c & 15];
    }
  }
}

// A multipart boundary the entries do not contain, from a hash of them: the
// same entries give the same body, so a form resubmitted on every page is one
// request to the crawl's dedup.
std::string MultipartBoundary(const std::vector<FormEntry>& entries) {
  for (uint64_t salt = 0;; ++salt) {
    uint64_t hash = 14695981039346656037ull ^ salt;
    auto mix = [&](std::string_view text) {
      for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
      hash = (hash ^ 0xff) * 1099511628211ull;
    };
    for (const auto& [name, value] : entries) {
      mix(name);
      mix(value);
    }
    static const char kHex[] = "0123456789abcdef";
    std::string boundary = "----crawlboxFormBoundary";
    for (int shift = 60; shift >= 0; shift -= 4)
      boundary += kHex[(hash >> shift) & 15];
    bool clash = false;
    for (const auto& [name, value] : entries) {
      if (name.find(boundary) != std::string::npos ||
          value.find(boundary) != std::string::npos) {
        clash = true;
        break;
      }
    }
    if (!clash) return boundary;
  }
}

}  // namespace

std::optional<CompiledForm> CompileFormFollow(
    const config::FormFollow& form, const std::string& key,
    std::vector<config::JobProblem>* problems) {
  CompiledForm compiled;
  compiled.form = &form;
  bool ok = true;
  auto select = Selector::Parse(form.select);
  if (!select.ok()) {
    problems->push_back({form.where, key + ".select", "a CSS selector",
                         select.status().message()});
    ok = false;
  } else {
    compiled.select = std::move(select).value();
  }
  if (!form.submit.empty()) {
    auto submit = Selector::Parse(form.submit);
    if (!submit.ok()) {
      problems->push_back({form.where, key + ".submit", "a CSS selector",
                           submit.status().message()});
      ok = false;
    } else {
      compiled.submit = std::move(submit).value();
    }
  }
  if (!ok) return std::nullopt;
  return compiled;
}

std::vector<const GumboNode*> FormControls(const GumboNode* form) {
  std::vector<const GumboNode*> out;
  if (Tag(form) != GUMBO_TAG_FORM) return out;
  const char* id = Attribute(form, "id");
  bool owns_by_id = false;
  const GumboNode* top = form;
  while (top->parent != nullptr) top = top->parent;
  if (id != nullptr && *id != '\0') {
    // form= names the first element in tree order with that id.
    const GumboNode* first = nullptr;
    ForEachElement(top, [&](const GumboNode* node) {
      const char* other = Attribute(node, "id");
      if (other != nullptr && std::strcmp(other, id) == 0) {
        first = node;
        return false;
      }
      return true;
    });
    owns_by_id = first == form;
  }
  // Without an id only the form's own subtree can hold its controls, so the
  // whole page is walked only for forms that form= may name.
  ForEachElement(owns_by_id ? top : form, [&](const GumboNode* node) {
    if (!IsListed(node)) return;
    if (const char* owner = Attribute(node, "form")) {
      if (owns_by_id && std::strcmp(owner, id) == 0) out.push_back(node);
      return;
    }
    if (AncestorForm(node) == form) out.push_back(node);
  });
  return out;
}

const GumboNode* FindSubmitter(const GumboNode* form, const Selector* submit) {
  if (submit == nullptr) return nullptr;
  for (const GumboNode* control : FormControls(form)) {
    if (IsSubmitButton(control) && submit->Matches(control)) return control;
  }
  return nullptr;
}

std::vector<FormEntry> FormEntryList(const GumboNode* form,
                                     const GumboNode* submitter) {
  std::vector<FormEntry> entries;
  const std::vector<const GumboNode*> controls = FormControls(form);
  // Of the radios of one name that say checked, the parser leaves only the
  // last one checked.
  std::unordered_map<std::string, const GumboNode*> checked_radio;
  for (const GumboNode* control : controls) {
    const char* name = Attribute(control, "name");
    if (Tag(control) == GUMBO_TAG_INPUT && name != nullptr &&
        InputType(control) == "radio" && HasAttribute(control, "checked")) {
      checked_radio[name] = control;
    }
  }
  for (const GumboNode* control : controls) {
    if (InDatalist(control) || IsDisabled(control)) continue;
    const GumboTag tag = Tag(control);
    const std::string type = tag == GUMBO_TAG_INPUT ? InputType(control) : "";
    if (tag == GUMBO_TAG_BUTTON || type == "submit" || type == "image" ||
        type == "reset" || type == "button") {
      if (control != submitter) continue;
    }
    if ((type == "checkbox" || type == "radio") &&
        !HasAttribute(control, "checked")) {
      continue;
    }
    const char* name_attr = Attribute(control, "name");
    const std::string name = name_attr != nullptr ? name_attr : "";
    if (type == "image") {
      // The click position; no click happened, so the top-left corner.
      const std::string prefix = name.empty() ? "" : name + ".";
      entries.emplace_back(prefix + "x", "0");
      entries.emplace_back(prefix + "y", "0");
      continue;
    }
    if (name.empty()) continue;
    if (type == "radio" && checked_radio[name] != control) continue;
    // A file input would send a file the crawler does not have.
    if (type == "file") continue;
    if (tag == GUMBO_TAG_SELECT) {
      AddSelectEntries(control, name, &entries);
      continue;
    }
    const char* value_attr = Attribute(control, "value");
    std::string value = value_attr != nullptr ? value_attr : "";
    if (tag == GUMBO_TAG_TEXTAREA) {
      value = TextContent(control);
    } else if (type == "checkbox" || type == "radio") {
      if (value_attr == nullptr) value = "on";
    } else if (type == "hidden") {
      if (value_attr == nullptr && strcasecmp(name.c_str(), "_charset_") == 0)
        value = "UTF-8";
    } else if (type == "text" || type == "search" || type == "tel" ||
               type == "password" || type == "url" || type == "email") {
      // The value sanitization of single-line inputs drops line breaks.
      std::erase_if(value, [](char c) { return c == '\r' || c == '\n'; });
    }
    entries.emplace_back(name, std::move(value));
    if (tag == GUMBO_TAG_TEXTAREA || type == "text" || type == "search") {
      const char* dirname = Attribute(control, "dirname");
      if (dirname != nullptr && *dirname != '\0')
        entries.emplace_back(dirname, "ltr");
    }
  }
  return entries;
}

void SetFormFields(
    const std::vector<std::pair<std::string, std::string>>& fields,
    std::vector<FormEntry>* entries) {
  for (const auto& [name, value] : fields) {
    bool found = false;
    std::erase_if(*entries, [&](FormEntry& entry) {
      if (entry.first != name) return false;
      if (found) return true;
      entry.second = value;
      found = true;
      return false;
    });
    if (!found) entries->emplace_back(name, value);
  }
}

std::optional<FormSubmission> FormSubmissionOf(const GumboNode* form,
                                               const GumboNode* submitter) {
  FormSubmission submission;
  const bool by_button = submitter != nullptr && IsSubmitButton(submitter);
  std::string method = LowerAttribute(form, "method");
  if (by_button && HasAttribute(submitter, "formmethod"))
    method = LowerAttribute(submitter, "formmethod");
  if (method == "dialog") return std::nullopt;
  submission.method = method == "post" ? "POST" : "GET";
  const char* action = Attribute(form, "action");
  if (by_button && HasAttribute(submitter, "formaction"))
    action = Attribute(submitter, "formaction");
  submission.action = action != nullptr ? action : "";
  std::string enctype = LowerAttribute(form, "enctype");
  if (by_button && HasAttribute(submitter, "formenctype"))
    enctype = LowerAttribute(submitter, "formenctype");
  if (enctype == "multipart/form-data") {
    submission.enctype = FormEnctype::kMultipart;
  } else if (enctype == "text/plain") {
    submission.enctype = FormEnctype::kTextPlain;
  }
  return submission;
}

std::string UrlencodeFormEntries(const std::vector<FormEntry>& entries) {
  std::string out;
  for (const auto& [name, value] : entries) {
    if (!out.empty()) out += '&';
    AppendUrlencoded(name, &out);
    out += '=';
    AppendUrlencoded(value, &out);
  }
  return out;
}

FormBody EncodeFormBody(const std::vector<FormEntry>& entries,
                        FormEnctype enctype) {
  FormBody out;
  switch (enctype) {
    case FormEnctype::kUrlencoded:
      out.content_type = "application/x-www-form-urlencoded";
      out.body = UrlencodeFormEntries(entries);
      break;
    case FormEnctype::kTextPlain:
      out.content_type = "text/plain";
      for (const auto& [name, value] : entries) {
        out.body += NormalizeLineBreaks(name) + "=" +
                    NormalizeLineBreaks(value) + "\r\n";
      }
      break;
    case FormEnctype::kMultipart: {
      std::vector<FormEntry> normalized;
      for (const auto& [name, value] : entries) {
        // HTML escapes these three in a part's name, as browsers do.
        std::string escaped;
        for (char c : NormalizeLineBreaks(name)) {
          if (c == '\n') {
            escaped += "%0A";
          } else if (c == '\r') {
            escaped += "%0D";
          } else if (c == '"') {
            escaped += "%22";
          } else {
            escaped += c;
          }
        }
        normalized.emplace_back(std::move(escaped), NormalizeLineBreaks(value));
      }
      const std::string boundary = MultipartBoundary(normalized);
      out.content_type = "multipart/form-data; boundary=" + boundary;
      for (const auto& [name, value] : normalized) {
        out.body += "--" + boundary +
                    "\r\nContent-Disposition: form-data; name=\"" + name +
                    "\"\r\n\r\n" + value + "\r\n";
      }
      out.body += "--" + boundary + "--\r\n";
      break;
    }
  }
  return out;
}

void PageParser::CompileFormFollows(size_t index, CompiledRule* compiled,
                                    std::vector<config::JobProblem>* problems) {
  const config::Rule& rule = *compiled->rule;
  for (size_t i = 0; i < rule.follow_forms.size(); ++i) {
    auto form =
        CompileFormFollow(rule.follow_forms[i],
                          "rules[" + std::to_string(index) + "].follow_forms[" +
                              std::to_string(i) + "]",
                          problems);
    if (form) compiled->forms.push_back(std::move(*form));
  }
}

void PageParser::ExtractForms(const CompiledRule& compiled, const Document& doc,
                              const Url& page_url, const Url& base,
                              Parsed* out) const {
  const config::Rule& rule = *compiled.rule;
  const size_t max_links = static_cast<size_t>(max_links_per_page());
  std::vector<const GumboNode*> forms;
  for (const CompiledForm& follow : compiled.forms) {
    follow.select.Select(doc.root(), &forms);
    for (size_t f = 0; f < forms.size(); ++f) {
      const GumboNode* form = forms[f];
      if (Tag(form) != GUMBO_TAG_FORM) continue;
      if (out->links.size() + out->requests.size() >= max_links) {
        AddCut(out, "links", static_cast<int64_t>(forms.size() - f));
        break;
      }
      const GumboNode* submitter =
          FindSubmitter(form, follow.submit ? &*follow.submit : nullptr);
      std::optional<FormSubmission> submission =
          FormSubmissionOf(form, submitter);
      if (!submission) continue;
      // An empty action is the page's own URL, not the <base href>.
      std::optional<Url> action;
      if (submission->action.empty()) {
        action = page_url;
      } else if (auto parsed = ParseUrl(submission->action, &base);
                 parsed.ok()) {
        action = std::move(parsed).value();
      } else {
        ++out->bad_links;
        continue;
      }
      if (!action->IsHttp()) continue;
      std::vector<FormEntry> entries = FormEntryList(form, submitter);
      SetFormFields(follow.form->fields, &entries);
      if (submission->method == "GET")
        action->query = UrlencodeFormEntries(entries);
      std::string key = CrawlKey(*action);
      if (!rule.follow.empty()) {
        bool follows = false;
        for (const auto& pattern : rule.follow) {
          if (re2::RE2::PartialMatch(key, *pattern)) {
            follows = true;
            break;
          }
        }
        if (!follows) continue;
      }
      if (submission->method == "GET") {
        bool seen = std::any_of(out->links.begin(), out->links.end(),
                                [&](const Link& l) { return l.url == key; });
        if (!seen) out->links.push_back({std::move(key), action->host});
        continue;
      }
      FormBody body = EncodeFormBody(entries, submission->enctype);
      RequestSpec request{"POST",
                          std::move(key),
                          action->host,
                          {"Content-Type: " + body.content_type},
                          std::move(body.body)};
      bool seen = std::any_of(out->requests.begin(), out->requests.end(),
                              [&](const RequestSpec& r) {
                                return r.method == request.method &&
                                       r.url == request.url &&
                                       r.body == request.body;
                              });
      if (!seen) out->requests.push_back(std::move(request));
    }
  }
}

}  // namespace crawlbox::parser
