// Internal to config/: the `fetch.resolve` table of a job file → the pinned
// addresses, checked.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/job.h"
#include "config/toml_reader.h"

namespace crawlbox::config {

// Reads `resolve` from the [fetch] table `reader` reads ("host:port" =
// "address" entries) into `out`, in file order. A key that is not host:port
// with a port 1..65535, or a value that is not an IPv4 or IPv6 literal, is a
// problem at its line and is left out. Borrows its arguments for the call.
void LoadResolvePins(ProblemList* problems, const TableReader& reader,
                     std::vector<ResolvePin>* out);

// Whether `text` is an IPv4 or IPv6 literal (IPv6 without brackets).
bool IsIpLiteral(const std::string& text);

// Whether `host` is a host as parsed URLs carry it: a domain or IPv4 address,
// or an IPv6 literal in brackets; no scheme, user, port, path, query or
// fragment (the WHATWG URL standard's forbidden domain code points are
// refused). For scope.allowed_hosts and the keys of fetch.resolve.
bool IsHost(std::string_view host);

}  // namespace crawlbox::config
