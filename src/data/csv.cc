#include "data/csv.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "data/file_util.h"

namespace liteopt::data {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimBlanks(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && IsBlank(s[b])) ++b;
  while (e > b && IsBlank(s[e - 1])) --e;
  return s.substr(b, e - b);
}

// "1 GiB", "1 MiB" or "4096 bytes": limits as a person would state them.
std::string FormatBytes(size_t bytes) {
  constexpr size_t kMiB = size_t{1} << 20, kGiB = size_t{1} << 30;
  if (bytes >= kGiB && bytes % kGiB == 0) return std::to_string(bytes / kGiB) + " GiB";
  if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  return std::to_string(bytes) + " bytes";
}

Status TooLarge(std::string_view name, uint64_t size, size_t limit) {
  return InvalidArgument(std::string(name) + ": " + std::to_string(size) + " bytes, over the limit of " +
                         FormatBytes(limit));
}

// One pass over the text. Line ends are LF, CRLF or a lone CR, inside quoted fields too, so `line_` is the
// line number an editor shows.
class Parser {
 public:
  Parser(std::string_view text, std::string_view name, const CsvLimits& limits)
      : s_(text), name_(name), limits_(limits) {}

  Result<std::vector<CsvRecord>> Run() {
    if (s_.size() > limits_.max_bytes) return TooLarge(name_, s_.size(), limits_.max_bytes);
    if (const size_t nul = s_.find('\0'); nul != std::string_view::npos) {
      return DataLoss(At(LineOf(nul)) + "NUL byte at offset " + std::to_string(nul) +
                      "; a CSV file must be UTF-8 text (is this UTF-16 or a binary file?)");
    }
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;

    std::vector<CsvRecord> records;
    size_t total_fields = 0;
    while (pos_ < s_.size()) {
      CsvRecord record;
      record.line = line_;
      bool any_quoted = false;
      while (true) {
        size_t p = pos_;
        while (p < s_.size() && IsBlank(s_[p])) ++p;
        std::string field;
        if (p < s_.size() && s_[p] == '"') {
          pos_ = p;
          any_quoted = true;
          LITEOPT_RETURN_IF_ERROR(ReadQuoted(&field));
        } else {
          LITEOPT_RETURN_IF_ERROR(ReadUnquoted(&field));
        }
        record.fields.push_back(std::move(field));
        // A record's first field may still turn out to be a blank line, so it is counted at the record's end.
        if (record.fields.size() > 1 && total_fields + record.fields.size() > limits_.max_fields) {
          return TooManyFields(record.line);
        }
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        break;
      }
      // The field readers stop only at ',', a line end or the end of the text.
      if (pos_ < s_.size()) ConsumeLineEnd();
      if (!any_quoted && record.fields.size() == 1 && record.fields[0].empty()) continue;  // a blank line
      if (total_fields + record.fields.size() > limits_.max_fields) return TooManyFields(record.line);
      total_fields += record.fields.size();
      records.push_back(std::move(record));
    }
    return records;
  }

 private:
  std::string At(int line) const { return std::string(name_) + ":" + std::to_string(line) + ": "; }

  // True if s_[i] ends a line: LF, or CR not followed by LF (the LF of a CRLF ends it instead).
  bool EndsLine(size_t i) const {
    return s_[i] == '\n' || (s_[i] == '\r' && (i + 1 == s_.size() || s_[i + 1] != '\n'));
  }

  int LineOf(size_t offset) const {
    int line = 1;
    for (size_t i = 0; i < offset; ++i) line += EndsLine(i);
    return line;
  }

  // pos_ is at '\r' or '\n'.
  void ConsumeLineEnd() {
    if (s_[pos_] == '\r' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
  }

  Status TooManyFields(int line) const {
    return InvalidArgument(At(line) + "more than " + std::to_string(limits_.max_fields) +
                           " fields in the file, the limit for a CSV file");
  }

  Status FieldTooLong(int line) const {
    return InvalidArgument(At(line) + "a field is longer than " + FormatBytes(limits_.max_field_bytes) +
                           ", the limit for a CSV field (an unbalanced '\"' can make a field swallow the file)");
  }

  // pos_ is at the opening quote. Leaves pos_ at the ',' or line end after the field, or at the end.
  Status ReadQuoted(std::string* out) {
    const int open_line = line_;
    ++pos_;
    while (true) {
      const size_t q = s_.find('"', pos_);
      if (q == std::string_view::npos) {
        return DataLoss(At(open_line) + "unterminated quoted field: the '\"' opened on this line is never closed");
      }
      if (out->size() + (q - pos_) > limits_.max_field_bytes) return FieldTooLong(open_line);
      for (size_t i = pos_; i < q; ++i) line_ += EndsLine(i);
      out->append(s_.substr(pos_, q - pos_));
      pos_ = q + 1;
      if (pos_ < s_.size() && s_[pos_] == '"') {  // "" is one literal quote
        if (out->size() + 1 > limits_.max_field_bytes) return FieldTooLong(open_line);
        out->push_back('"');
        ++pos_;
        continue;
      }
      break;
    }
    while (pos_ < s_.size() && IsBlank(s_[pos_])) ++pos_;
    if (pos_ < s_.size() && s_[pos_] != ',' && s_[pos_] != '\n' && s_[pos_] != '\r') {
      const size_t stop = s_.find_first_of(",\r\n", pos_);
      const std::string_view rest = s_.substr(pos_, stop == std::string_view::npos ? stop : stop - pos_);
      return DataLoss(At(line_) + "unexpected '" + internal::Printable(rest, 40) +
                      "' after the closing quote of a field (inside a quoted field a quote is written \"\")");
    }
    return Status::Ok();
  }

  Status ReadUnquoted(std::string* out) {
    const size_t start = pos_;
    pos_ = s_.find_first_of(",\r\n", pos_);
    if (pos_ == std::string_view::npos) pos_ = s_.size();
    const std::string_view field = TrimBlanks(s_.substr(start, pos_ - start));
    if (field.size() > limits_.max_field_bytes) return FieldTooLong(line_);
    out->assign(field);
    return Status::Ok();
  }

  std::string_view s_;
  std::string_view name_;
  const CsvLimits& limits_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

Result<std::vector<CsvRecord>> ParseCsv(std::string_view text, std::string_view name, const CsvLimits& limits) {
  return Parser(text, name, limits).Run();
}

Result<std::vector<uint8_t>> ReadCsvBytes(const std::string& path, const CsvLimits& limits) {
  // Refuses an oversized regular file before reading it; pipes and the like are checked after the read.
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) {
    const uintmax_t size = std::filesystem::file_size(path, ec);
    if (!ec && size > limits.max_bytes) return TooLarge(path, size, limits.max_bytes);
  }
  LITEOPT_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, internal::ReadFileBytes(path));
  if (bytes.size() > limits.max_bytes) return TooLarge(path, bytes.size(), limits.max_bytes);
  return bytes;
}

Result<std::vector<CsvRecord>> ReadCsvFile(const std::string& path, const CsvLimits& limits) {
  LITEOPT_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadCsvBytes(path, limits));
  return ParseCsv(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path, limits);
}

namespace internal {

std::string Printable(std::string_view s, size_t max_bytes) {
  size_t end = s.size();
  const bool cut = end > max_bytes;
  if (cut) {
    end = max_bytes;
    while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;  // not inside a character
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(end + 3);
  for (size_t i = 0; i < end; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (cut) out += "...";
  return out;
}

}  // namespace internal
}  // namespace liteopt::data
