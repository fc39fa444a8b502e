#include "data/dataset.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <utility>

#include "base/file_io.h"
#include "data/csv.h"

namespace liteopt::data {
namespace {

using internal::Printable;

std::string_view TrimBlanks(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return s.substr(b, e - b);
}

std::string Plural(size_t n, const char* noun) { return std::to_string(n) + " " + noun + (n == 1 ? "" : "s"); }

// "a, b, c" showing at most `max_items` names, then "... (N more)". Empty names show as ''.
std::string JoinNames(const std::vector<std::string>& names, size_t max_items) {
  std::string out;
  const size_t shown = std::min(names.size(), max_items);
  for (size_t i = 0; i < shown; ++i) {
    if (i) out += ", ";
    out += names[i].empty() ? "''" : Printable(names[i], 60);
  }
  if (names.size() > shown) out += ", ... (" + std::to_string(names.size() - shown) + " more)";
  return out;
}

std::string ResolvePath(const std::filesystem::path& csv_dir, const std::string& filename) {
  const std::filesystem::path p(filename);
  if (p.is_absolute()) return filename;
  return (csv_dir / p).lexically_normal().string();
}

// Decimal integers as pandas reads an int64 column: optional sign, 1 to 18 digits (so no overflow).
bool ParseInteger(std::string_view s, int64_t* value) {
  size_t i = 0;
  const bool negative = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) i = 1;
  if (s.size() == i || s.size() - i > 18) return false;
  int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *value = negative ? -v : v;
  return true;
}

constexpr size_t kMaxNamesInMessage = 10;

}  // namespace

std::string CsvDataset::Where(size_t i) const {
  if (i >= rows.size()) return csv_path;
  return csv_path + ":" + std::to_string(rows[i].line);
}

Result<CsvDataset> ReadCsvDataset(const std::string& csv_path, const CsvDatasetOptions& options) {
  const std::string filename_column(TrimBlanks(options.filename_column));
  const std::string label_column(TrimBlanks(options.label_column));
  if (filename_column.empty() || label_column.empty()) {
    return InvalidArgument(csv_path + ": the filename and label column names must not be empty");
  }

  std::vector<CsvRecord> records;
  {
    LITEOPT_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadCsvBytes(csv_path));
    if (bytes.empty()) {
      return DataLoss(csv_path + ": zero-byte file; expected a header line such as '" + filename_column + "," +
                      label_column + "' and one row per image");
    }
    LITEOPT_ASSIGN_OR_RETURN(
        records, ParseCsv(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), csv_path));
  }
  if (records.empty()) return InvalidArgument(csv_path + ": no header line: the file holds only blank lines");

  const CsvRecord& header = records[0];
  const std::string at_header = csv_path + ":" + std::to_string(header.line) + ": ";
  std::vector<std::string> columns;
  for (const std::string& f : header.fields) columns.emplace_back(TrimBlanks(f));
  // Unnamed columns (Excel's trailing commas) may repeat: they cannot be selected, so they are not ambiguous.
  std::map<std::string_view, size_t> first_seen;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].empty()) continue;
    const auto [it, inserted] = first_seen.emplace(columns[i], i);
    if (!inserted) {
      return InvalidArgument(at_header + "column '" + Printable(columns[i]) +
                             "' appears twice in the header (columns " + std::to_string(it->second + 1) + " and " +
                             std::to_string(i + 1) + ")");
    }
  }
  const auto filename_it = first_seen.find(filename_column);
  const auto label_it = first_seen.find(label_column);
  if (filename_it == first_seen.end() || label_it == first_seen.end()) {
    std::string missing;
    if (filename_it == first_seen.end()) missing = "'" + Printable(filename_column) + "'";
    if (label_it == first_seen.end()) {
      missing += (missing.empty() ? "'" : " nor '") + Printable(label_column) + "'";
    }
    std::string hint;
    if (columns.size() == 1 && columns[0].find_first_of(";\t") != std::string::npos) {
      hint = " (fields must be separated by ',', not ';' or tabs)";
    }
    return InvalidArgument(at_header + "has no column " + missing + "; its header is: " + JoinNames(columns, 20) +
                           hint);
  }
  if (records.size() == 1) return InvalidArgument(csv_path + ": has a header but no rows");
  const size_t filename_index = filename_it->second;
  const size_t label_index = label_it->second;

  CsvDataset dataset;
  dataset.csv_path = csv_path;
  dataset.rows.reserve(records.size() - 1);
  const std::filesystem::path csv_dir =
      options.image_root.empty() ? std::filesystem::path(csv_path).parent_path()
                                 : std::filesystem::path(options.image_root);
  // Without skip_bad only the first bad row is described; the others are counted.
  std::string first_bad;
  size_t bad_count = 0;
  auto bad_row = [&](std::string message) {
    if (bad_count++ == 0) first_bad = message;
    if (options.skip_bad) dataset.skipped.push_back(std::move(message));
  };
  for (size_t r = 1; r < records.size(); ++r) {
    CsvRecord& record = records[r];
    const std::string at = csv_path + ":" + std::to_string(record.line) + ": ";
    if (record.fields.size() != columns.size()) {
      bad_row(at + "row has " + Plural(record.fields.size(), "field") + ", the header has " +
              std::to_string(columns.size()) +
              (record.fields.size() > columns.size() ? " (a field holding a comma must be in double quotes)" : ""));
      continue;
    }
    if (record.fields[filename_index].empty()) {
      bad_row(at + "empty filename (column '" + Printable(filename_column) + "')");
      continue;
    }
    if (record.fields[label_index].empty()) {
      bad_row(at + "empty label (column '" + Printable(label_column) + "')");
      continue;
    }
    dataset.rows.push_back(CsvRow{ResolvePath(csv_dir, record.fields[filename_index]),
                                  std::move(record.fields[label_index]), record.line});
  }
  if (bad_count > 0 && !options.skip_bad) {
    if (bad_count == 1) return InvalidArgument(first_bad);
    return InvalidArgument(first_bad + " (and " + Plural(bad_count - 1, "more bad row") + ")");
  }
  if (dataset.rows.empty()) {
    return InvalidArgument(csv_path + ": no usable rows: all " + Plural(bad_count, "row") +
                           " are bad; the first: " + first_bad);
  }
  return dataset;
}

LabelMap LabelMap::FromDataset(const CsvDataset& dataset) {
  std::set<std::string_view> distinct;  // std::string_view orders bytes as unsigned char, like memcmp
  for (const CsvRow& row : dataset.rows) distinct.insert(row.label);

  std::vector<std::pair<int64_t, std::string_view>> numeric;
  numeric.reserve(distinct.size());
  for (std::string_view label : distinct) {
    int64_t value;
    if (!ParseInteger(label, &value)) break;
    numeric.emplace_back(value, label);
  }
  std::vector<std::string_view> order(distinct.begin(), distinct.end());
  if (!numeric.empty() && numeric.size() == distinct.size()) {
    // Stable: equal values ("1", "01") keep their byte-wise order.
    std::stable_sort(numeric.begin(), numeric.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t i = 0; i < numeric.size(); ++i) order[i] = numeric[i].second;
  }

  LabelMap map;
  map.names_.reserve(order.size());
  for (std::string_view label : order) {
    map.ids_.emplace(std::string(label), static_cast<int>(map.names_.size()));
    map.names_.emplace_back(label);
  }
  return map;
}

Result<LabelMap> LabelMap::FromNames(std::vector<std::string> names) {
  if (names.empty()) return InvalidArgument("label map: no class names");
  LabelMap map;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) return InvalidArgument("label map: class " + std::to_string(i) + " has an empty name");
    const auto [it, inserted] = map.ids_.emplace(names[i], static_cast<int>(i));
    if (!inserted) {
      return InvalidArgument("label map: classes " + std::to_string(it->second) + " and " + std::to_string(i) +
                             " are both named '" + Printable(names[i]) + "'");
    }
  }
  map.names_ = std::move(names);
  return map;
}

int LabelMap::size() const { return static_cast<int>(names_.size()); }

const std::string& LabelMap::name(int id) const {
  static const std::string kNone;
  if (id < 0 || id >= size()) return kNone;
  return names_[static_cast<size_t>(id)];
}

const std::vector<std::string>& LabelMap::names() const { return names_; }

std::optional<int> LabelMap::Find(std::string_view label) const {
  const auto it = ids_.find(label);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

Result<std::vector<int32_t>> LabelMap::Encode(const CsvDataset& dataset) const {
  std::vector<int32_t> ids;
  ids.reserve(dataset.rows.size());
  size_t first_unknown = 0, unknown = 0;
  for (size_t i = 0; i < dataset.rows.size(); ++i) {
    const std::optional<int> id = Find(dataset.rows[i].label);
    if (!id) {
      if (unknown++ == 0) first_unknown = i;
      continue;
    }
    ids.push_back(*id);
  }
  if (unknown == 0) return ids;
  std::string message =
      dataset.Where(first_unknown) + ": label '" + Printable(dataset.rows[first_unknown].label) +
      "' is not one of the " + std::to_string(names_.size()) + " training labels (" +
      (names_.empty() ? std::string("the label map is empty") : JoinNames(names_, kMaxNamesInMessage)) + ")";
  if (unknown > 1) message += "; " + Plural(unknown - 1, "more row") + " with a label outside the map";
  return InvalidArgument(std::move(message));
}

Result<LabelMap> ReadLabelsFile(const std::string& path, const ReadLabelsOptions& options, std::string* note) {
  if (note != nullptr) note->clear();
  LITEOPT_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadCsvBytes(path));
  if (bytes.empty()) return DataLoss(path + ": zero-byte file; expected one class name per line");
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);

  std::vector<std::string> names;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    names.emplace_back(line);
  }
  while (!names.empty() && names.back().empty()) names.pop_back();
  if (names.empty()) return InvalidArgument(path + ": no class names, only empty lines");

  std::map<std::string, size_t, std::less<>> first_line;
  std::vector<std::string> renamed;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string at = path + ":" + std::to_string(i + 1) + ": ";
    if (names[i].empty()) {
      return InvalidArgument(at + "empty line; every line up to the last holds a class name (line index = class id)");
    }
    if (names[i].find('\0') != std::string::npos) {
      return DataLoss(at + "NUL byte; a labels file must be UTF-8 text (is this UTF-16 or a binary file?)");
    }
    const auto [it, inserted] = first_line.emplace(names[i], i);
    if (inserted) continue;
    if (!options.rename_repeated) {
      return InvalidArgument(at + "class name '" + Printable(names[i]) + "' already appears on line " +
                             std::to_string(it->second + 1));
    }
    std::string unique = names[i] + " (class " + std::to_string(i) + ")";
    while (!first_line.emplace(unique, i).second) unique += "'";
    renamed.push_back("'" + Printable(unique) + "'");
    names[i] = std::move(unique);
  }
  if (note != nullptr && !renamed.empty()) {
    *note = Plural(renamed.size(), "repeated name") + " kept apart as ";
    for (size_t i = 0; i < renamed.size() && i < 3; ++i) *note += (i ? ", " : "") + renamed[i];
    if (renamed.size() > 3) *note += ", ...";
  }
  return LabelMap::FromNames(std::move(names));
}

Status WriteLabelsFile(const std::string& path, const LabelMap& labels) {
  if (labels.size() == 0) return InvalidArgument(path + ": cannot write an empty label map");
  std::string text;
  for (int id = 0; id < labels.size(); ++id) {
    const std::string& name = labels.name(id);
    if (name.empty() || name.find_first_of(std::string_view("\n\r\0", 3)) != std::string::npos) {
      return InvalidArgument(path + ": class " + std::to_string(id) + " has the name '" + Printable(name) +
                             "', which labels.txt cannot hold (empty, or a line break or NUL byte in it)");
    }
    text += name;
    text += '\n';
  }
  return WriteFileAtomic(path, text);
}

}  // namespace liteopt::data
