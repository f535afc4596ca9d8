// Serializes extracted Items as JSON objects: the form stored in `items.record`
// and printed by `crawlbox extract`.
#pragma once

#include <string>

#include "parser/parsed.h"

namespace crawlbox::crawler {

// {"field": value, ...} in field order; null for missing values. Invalid UTF-8
// in text is replaced by U+FFFD rather than failing.
std::string ItemToJson(const parser::Item& item);

}  // namespace crawlbox::crawler
