// CDXJ index lines ("surt timestamp {json}", the format pywb and
// cdxj-indexer write) for the records of a WARC file.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crawler/archive/warc_record.h"

namespace crawlbox::crawler {

// The SURT form of `url` that CDX indexes sort by: scheme dropped, host
// lowercased with its labels reversed and comma-joined ("www." dropped, a
// port kept after ':'), then ')' and the path and query (query arguments
// sorted, fragment dropped), all lowercase: "https://www.Example.com/a?b=1&a=2"
// → "com,example)/a?a=2&b=1". A string that is not an absolute http(s) URL is
// returned lowercased.
std::string Surt(std::string_view url);

// What an index says of `record`, apart from where it is stored: its key
// ("surt timestamp") and its JSON members url, mime, status, digest; false
// for records an index does not list (warcinfo, request, metadata). A
// response or revisit's status and mime come from its HTTP block, a
// resource's mime from its Content-Type; "digest" is the payload digest's
// base32.
bool CdxjEntry(const WarcRecord& record, std::string* key, std::string* fields);

// The index line (no newline) of an entry stored at `offset` (its gzip
// member, `length` bytes) in `filename`.
std::string CdxjLine(std::string_view key, std::string_view fields,
                     std::string_view filename, uint64_t offset,
                     uint64_t length);

// CdxjEntry and CdxjLine in one; nullopt for records not listed.
std::optional<std::string> CdxjLine(const WarcRecord& record,
                                    std::string_view filename, uint64_t offset,
                                    uint64_t length);

}  // namespace crawlbox::crawler
