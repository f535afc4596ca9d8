// The bodies FaultServer (fault_server.h) sends, apart from its socket
// plumbing and endpoint dispatch. Each function is pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace crawlbox::testing {

// A small HTML page titled `title` that links to each of `links`.
std::string Page(std::string_view title, const std::vector<std::string>& links);

// Bytes [begin, begin + size) of the bodies of /trickle, /reset,
// /lying-length, /big and the chunked endpoints: an HTML start, then one line
// repeated, so that any prefix looks like a page being loaded.
std::string Filler(uint64_t begin, size_t size);

// The gzip bomb of /gzip-bomb: `layers` = 1, a gzip member inflating to 1 GiB
// of spaces (about 1 MiB); 2, that member gzipped again (a few KiB). Built on
// first use and shared; the reference stays valid for the program's life.
const std::string& GzipBomb(int layers);

// The HTML page of /invalid-utf8: labelled UTF-8, with invalid sequences in
// text, attributes and hrefs.
std::string InvalidUtf8Page();

// 4096 fixed pseudo-random bytes, NULs included.
std::string BinaryBody();

}  // namespace crawlbox::testing
