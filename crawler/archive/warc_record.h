// WARC/1.1 records: building and reading one record, the digests and ids its
// header needs, and the gzip member each record is stored as (one member per
// record, so that an index can point at any record and a reader can start
// there).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/status.h"
#include "storage/rows.h"

namespace crawlbox::crawler {

// One record. Its header is "WARC/1.1", then WARC-Type, WARC-Record-ID and
// WARC-Date, then `fields` in order, then Content-Type (when not empty) and
// Content-Length (of `block`, computed).
struct WarcRecord {
  std::string type;       // warcinfo, request, response, revisit, resource, ...
  std::string record_id;  // "<urn:uuid:…>" (NewRecordId)
  std::string date;       // WARC-Date (WarcDate)
  std::vector<std::pair<std::string, std::string>> fields;
  std::string content_type;
  std::string block;

  // The value of the first field named `name` (case-insensitive), counting
  // the WARC-Type, -Record-ID, -Date and Content-Type above; nullopt if none.
  std::optional<std::string_view> Field(std::string_view name) const;
};

// The record as bytes: header lines with CRLF, an empty line, the block and
// the two CRLFs that end a record.
std::string SerializeWarcRecord(const WarcRecord& record);

// Parses one serialized record (as SerializeWarcRecord writes it, or any
// WARC/1.0 or 1.1 record); Corruption saying what is wrong otherwise. The
// block is exactly Content-Length bytes.
config::Result<WarcRecord> ParseWarcRecord(std::string_view bytes);

// "<urn:uuid:…>", a random (version 4) UUID.
std::string NewRecordId();

// WARC-Date of `when`: UTC, ISO 8601 with microseconds
// ("2026-12-07T07:30:00.123456Z"), as WARC 1.1 allows.
std::string WarcDate(std::chrono::system_clock::time_point when);

// The 14-digit timestamp of a WARC-Date ("20261207073000"), as CDX indexes
// write it; "" when `warc_date` is not one.
std::string CdxTimestamp(std::string_view warc_date);

// "sha1:" and the RFC 4648 base32 of the SHA-1 of `data` (32 characters), the
// form of WARC-Block-Digest and WARC-Payload-Digest.
std::string Sha1Digest(std::string_view data);

// Sha1Digest of `first` followed by `second`, without joining them: a
// response's block digest over its HTTP head and the body where it lies.
std::string Sha1Digest(std::string_view first, std::string_view second);

// `data` as one gzip member at zlib level `level` (1..9).
std::string GzipMember(std::string_view data, int level);

// A record compressed before the file it goes to is known, so that parse
// threads compress in parallel and the one writer only appends: everything
// after the record's first line ("WARC/1.1") as raw deflate. FinishMember
// puts the first line and the file's WARC-Warcinfo-ID in front of it, as a
// stored deflate block of its own, and wraps both in one gzip member (the
// CRC-32s combine), so the record is still one member.
// (The struct is storage's: records travel in a page's outcome to the store
// node, and over the fleet's wire.)
//
// The record's block is `record.block` followed by `block_tail`, which is
// read where it lies and not copied (Content-Length counts both): the
// exchange records pass the HTTP head as the block and the body, as the
// Response holds it, as the tail, so archiving copies no body. The digests in
// `record.fields` must already cover both. `block_tail` need only stay valid
// during the call.
using PreparedRecord = storage::ArchiveMember;
PreparedRecord PrepareRecord(const WarcRecord& record, int level,
                             std::string_view block_tail = {});

// The gzip member of `record` with the header field WARC-Warcinfo-ID:
// `warcinfo_id` first after "WARC/1.1"; ParseWarcRecord reads it back with
// that field.
// Thread-safe; costs no compression (the head is stored as it is).
std::string FinishMember(const PreparedRecord& record,
                         std::string_view warcinfo_id);

// A gzip member at the start of `bytes`: its inflated content and how many
// bytes of `bytes` the member took (header, deflate stream and trailer).
// Corruption when the member is incomplete (a file cut by a crash) or bad.
struct GzipMemberRead {
  std::string data;
  size_t consumed = 0;
};
config::Result<GzipMemberRead> ReadGzipMember(std::string_view bytes);

}  // namespace crawlbox::crawler
