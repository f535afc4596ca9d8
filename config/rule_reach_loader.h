// The keys of a rule beyond regex and CSS records — JSON
// (json, records, follow_json, next_request), XPath (xpath), forms
// (follow_forms) and the logged-out marker (logged_out). Internal to config/
// except ParseJsonTemplate, which parser/ also uses to compile the templates.
#pragma once

#include "config/job.h"
#include "config/toml_reader.h"

namespace crawlbox::config {

// Reads those keys of the rule table `reader` reads into *rule, adding a
// problem at its file:line for each bad value. Query and selector syntax is
// parser/'s to check; this checks shapes, types and the {$.path} templates.
void LoadRuleReach(ProblemList* problems, TableReader* reader, Rule* rule);

// The {$.path} placeholders of a next_request template, in order ("{{" and
// "}}" are literal braces). False with *error (a "got" text naming the
// column) on a lone brace or a placeholder that does not start with '$'.
bool ParseJsonTemplate(std::string_view text, std::vector<std::string>* paths,
                       std::string* error);

}  // namespace crawlbox::config
