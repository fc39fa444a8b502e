// A small RFC 4180 CSV reader for dataset files (train.csv, val.csv, test.csv).
//
// Accepted syntax:
//   - fields separated by ',', records ended by LF, CRLF or a lone CR; the last line end is optional;
//   - a field whose first non-blank character is '"' is quoted: it runs to the matching '"', may hold commas,
//     CR and LF, and writes a literal quote as "". Spaces or tabs may surround the quotes; any other character
//     between the closing quote and the next ',' or line end is an error;
//   - unquoted fields are trimmed of surrounding spaces and tabs; a '"' inside an unquoted field is literal;
//     quoted fields keep every byte between their quotes;
//   - a UTF-8 byte order mark at the start is skipped; blank lines (empty, or only spaces and tabs) are
//     skipped; a line holding only "" is a record with one empty field, not a blank line.
// Bytes are not re-encoded: fields are the file's UTF-8 as written. A NUL byte is an error (a UTF-16 or
// binary file).
//
// Files are untrusted: the input size, each field's size and the total number of fields are bounded
// (CsvLimits), and every error is a Status naming the file and the line, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace liteopt::data {

struct CsvRecord {
  int line = 0;  // 1-based line of the file where the record starts
  std::vector<std::string> fields;
};

struct CsvLimits {
  size_t max_bytes = size_t{1} << 30;        // the whole input (1 GiB)
  size_t max_field_bytes = size_t{1} << 20;  // one field after unquoting (1 MiB)
  // All fields of all records: bounds memory, which for tiny fields is ~40x the input size. 2^25 fields is
  // 16M rows of two columns, more than any image dataset we know of.
  size_t max_fields = size_t{1} << 25;
};

// Parses `text`; `name` (usually the path) prefixes every error message: "train.csv:12: ...".
// Errors: InvalidArgument for input, field or field-count over the limits; DataLoss for an unterminated
// quote (naming the line where the quote opened), a character after a closing quote, or a NUL byte.
Result<std::vector<CsvRecord>> ParseCsv(std::string_view text, std::string_view name, const CsvLimits& limits = {});

// The bytes of a CSV file: NotFound / IoError as internal::ReadFileBytes; InvalidArgument for a file over
// limits.max_bytes, checked from the file size before reading when the file is a regular file.
Result<std::vector<uint8_t>> ReadCsvBytes(const std::string& path, const CsvLimits& limits = {});

// ReadCsvBytes + ParseCsv with the path as the name. A zero-byte file gives zero records.
Result<std::vector<CsvRecord>> ReadCsvFile(const std::string& path, const CsvLimits& limits = {});

namespace internal {

// `s` made safe to put in a one-line error message: control bytes escaped (\n, \r, \t, \x01), cut to at most
// `max_bytes` input bytes on a UTF-8 character boundary, with "..." appended when cut.
std::string Printable(std::string_view s, size_t max_bytes = 80);

}  // namespace internal
}  // namespace liteopt::data
