// Markers on a page ([login]'s success check) and a form submitted from a
// page (the login step), outside the rules' Parse.
#include <re2/re2.h>

#include "parser/charset.h"
#include "parser/css_selector.h"
#include "parser/dom.h"
#include "parser/form_requests.h"
#include "parser/page_parser.h"

namespace crawlbox::parser {

bool PageParser::MatchesMarker(std::string_view url,
                               std::string_view content_type,
                               std::string_view body,
                               const config::PageMarker& marker) const {
  (void)url;
  Decoded decoded = DecodeToUtf8(body, content_type);
  const std::string& text = decoded.utf8;
  if (marker.pattern != nullptr &&
      re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()),
                             *marker.pattern))
    return true;
  if (marker.css.empty() || !IsHtmlContent(content_type)) return false;
  auto selector = Selector::Parse(marker.css);
  if (!selector.ok()) return false;
  Document doc = Document::Parse(text);
  std::vector<const GumboNode*> found;
  selector->Select(doc.document(), &found);
  return !found.empty();
}

std::optional<RequestSpec> PageParser::SubmitForm(
    std::string_view url, std::string_view content_type, std::string_view body,
    const config::FormFollow& form,
    const std::vector<std::pair<std::string, std::string>>& values) const {
  auto page_url = ParseUrl(url);
  if (!page_url.ok() || !IsHtmlContent(content_type)) return std::nullopt;
  auto select = Selector::Parse(form.select);
  if (!select.ok()) return std::nullopt;
  std::optional<Selector> submit;
  if (!form.submit.empty()) {
    auto parsed = Selector::Parse(form.submit);
    if (!parsed.ok()) return std::nullopt;
    submit = std::move(parsed).value();
  }
  Decoded decoded = DecodeToUtf8(body, content_type);
  Document doc = Document::Parse(decoded.utf8);
  std::vector<const GumboNode*> forms;
  select->Select(doc.root(), &forms);
  for (const GumboNode* node : forms) {
    if (TagName(node) != "form") continue;
    const GumboNode* submitter =
        FindSubmitter(node, submit ? &*submit : nullptr);
    std::optional<FormSubmission> submission =
        FormSubmissionOf(node, submitter);
    if (!submission) continue;
    // The login page's <base href> is not looked for: login forms post to
    // their own site, and an empty action is the page itself either way.
    auto action = submission->action.empty()
                      ? config::Result<Url>(*page_url)
                      : ParseUrl(submission->action, &*page_url);
    if (!action.ok() || !action->IsHttp()) continue;
    std::vector<FormEntry> entries = FormEntryList(node, submitter);
    SetFormFields(form.fields, &entries);
    SetFormFields(values, &entries);
    RequestSpec request;
    request.method = submission->method;
    request.host = action->host;
    if (submission->method == "GET") {
      action->query = UrlencodeFormEntries(entries);
      request.url = action->HrefWithoutFragment();
      return request;
    }
    FormBody encoded = EncodeFormBody(entries, submission->enctype);
    request.url = action->HrefWithoutFragment();
    request.headers.push_back("Content-Type: " + encoded.content_type);
    request.body = std::move(encoded.body);
    return request;
  }
  return std::nullopt;
}

}  // namespace crawlbox::parser
