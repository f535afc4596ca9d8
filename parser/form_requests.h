// Form following: an HTML <form> submitted as a browser would submit it —
// its entry list (HTML "constructing the entry list"), method, action and
// enctype, and the body encodings — for a rule's follow_forms.
#pragma once

#include <gumbo.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/job.h"
#include "parser/css_selector.h"

namespace crawlbox::parser {

// One name/value pair of a form's entry list, in UTF-8.
using FormEntry = std::pair<std::string, std::string>;

// A rule's follow_forms entry with its selectors compiled. `form` points into
// the Job, which must outlive it.
struct CompiledForm {
  const config::FormFollow* form = nullptr;
  Selector select;
  std::optional<Selector> submit;  // nullopt: submitted without a submitter
};

// Compiles form.select and form.submit. On success returns the compiled form;
// on failure appends one problem per bad selector (at form.where, keys
// `key`.select / `key`.submit) to *problems and returns nullopt.
std::optional<CompiledForm> CompileFormFollow(
    const config::FormFollow& form, const std::string& key,
    std::vector<config::JobProblem>* problems);

// The form's listed controls (input, button, select, textarea) in tree order:
// its descendants without a form= attribute, and, when the form has an id and
// is the first element with it, the page's elements whose form= names it.
// Controls the HTML parser ties to a form through its form element pointer
// only (a form opened in a table and closed at once) are not found, as they
// are not inside the form in the tree. Cost: the form's subtree, or the
// whole page for a form with an id (form= may name it from anywhere).
std::vector<const GumboNode*> FormControls(const GumboNode* form);

// The submitter `submit` picks: the first of the form's controls that matches
// it and is a submit button (<button> of type submit, <input type=submit> or
// type=image); nullptr when `submit` is null or none does.
const GumboNode* FindSubmitter(const GumboNode* form, const Selector* submit);

// The form's entry list as HTML's "constructing the entry list" builds it:
// controls that are not disabled (their own attribute, or a disabled
// <fieldset> outside its first <legend>), not inside a <datalist> and have a
// name; checkboxes and radios only when checked (value default "on"; of
// several checked radios of one name the last); buttons only when they are
// `submitter` (an image button adds name.x=0 and name.y=0); <select> its
// selected options (a single select without one: the first option that is not
// disabled), <textarea> its text; file inputs are left out; dirname adds
// (dirname, "ltr"); a hidden _charset_ without a value gives "UTF-8". Values
// are the attributes as the page wrote them (what a browser that ran no script
// and had no user input sends), without value sanitization beyond stripping
// newlines from single-line text inputs.
std::vector<FormEntry> FormEntryList(const GumboNode* form,
                                     const GumboNode* submitter);

// Job fields over the entry list: each replaces the value of the first entry
// of its name, removing the other entries of that name, or is appended when
// the form has none.
void SetFormFields(
    const std::vector<std::pair<std::string, std::string>>& fields,
    std::vector<FormEntry>* entries);

enum class FormEnctype { kUrlencoded, kMultipart, kTextPlain };

// How the form is sent: the form's method, action and enctype attributes, each
// overridden by the submitter's formmethod, formaction and formenctype.
struct FormSubmission {
  std::string method;  // "GET" or "POST" (invalid values are GET)
  // The action attribute as written; "" means the page's own URL.
  std::string action;
  FormEnctype enctype = FormEnctype::kUrlencoded;
};

// The submission of `form` pressed with `submitter` (nullable), or nullopt
// for method="dialog", which closes a dialog instead of sending anything.
std::optional<FormSubmission> FormSubmissionOf(const GumboNode* form,
                                               const GumboNode* submitter);

// application/x-www-form-urlencoded serialization of the entries (UTF-8,
// space as '+', line breaks as CRLF), e.g. "q=a+b&lang=en".
std::string UrlencodeFormEntries(const std::vector<FormEntry>& entries);

// A request body and the value of its Content-Type header.
struct FormBody {
  std::string content_type;
  std::string body;
};

// The entries encoded as `enctype`: urlencoded; multipart/form-data (RFC 7578,
// names escaped as HTML says) with a boundary derived from the entries, so the
// same entries always give the same bytes; or text/plain ("name=value" lines).
// Line breaks in names and values become CRLF.
FormBody EncodeFormBody(const std::vector<FormEntry>& entries,
                        FormEnctype enctype);

}  // namespace crawlbox::parser
