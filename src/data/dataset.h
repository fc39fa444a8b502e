// Image-classification datasets given as CSV files (train.csv, val.csv, test.csv), and the label map.
//
// A dataset CSV has a header line and one row per image; the default columns are `filename,label`, other
// columns may appear in any order and are ignored. The CSV syntax is csv.h's (RFC 4180, UTF-8, BOM and
// blank lines skipped, unquoted fields trimmed). Class ids follow the course's Python `Tensorize`
// (pandas.read_csv, then sorted(set(labels)) / np.unique): see LabelMap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace liteopt::data {

struct CsvDatasetOptions {
  std::string filename_column = "filename";
  std::string label_column = "label";
  // Rows that are bad at the CSV level (wrong field count, empty filename or label) are skipped and
  // described in CsvDataset::skipped instead of failing. Empty CSV / missing columns always fail, and so
  // does a file whose rows are all bad.
  bool skip_bad = false;
  // Folder that relative image paths are resolved against; empty = the CSV file's folder. Course CSVs hold
  // paths relative to the working directory: pass "." for those.
  std::string image_root;
};

struct CsvRow {
  std::string path;   // resolved: absolute as given, or relative to image_root / the CSV's folder (lexically normalized)
  std::string label;  // the label text as written (trimmed of surrounding spaces only if unquoted)
  int line = 0;       // 1-based line of the row in the CSV
};

struct CsvDataset {
  std::string csv_path;  // as given to ReadCsvDataset; it prefixes every message
  std::vector<CsvRow> rows;
  std::vector<std::string> skipped;  // "train.csv:12: row has 3 fields, the header has 2" ...
  // "train.csv:12" for error messages about row i (just csv_path if i is out of range).
  std::string Where(size_t i) const;
};

// Reads a dataset CSV. Errors name the file, and the line when there is one:
//   NotFound / IoError: the file cannot be opened or read;
//   DataLoss: zero-byte file, malformed CSV (unterminated quote, NUL byte);
//   InvalidArgument: no header line, header but no rows, a missing or duplicated column (columns are matched
//   exactly after trimming spaces; unnamed columns may repeat), and, unless options.skip_bad, a row whose field
//   count differs from the header's or whose filename or label is empty (the first such row is reported,
//   with the count of the others). Empty column names in `options` are InvalidArgument.
Result<CsvDataset> ReadCsvDataset(const std::string& csv_path, const CsvDatasetOptions& options = {});

// Class names <-> class ids.
//
// FromDataset numbers the distinct labels in sorted order, the mapping the course's pipeline gives
// (pandas.read_csv, then sorted(set(labels)) / np.unique / sklearn's LabelEncoder):
//   - byte-wise order (for UTF-8 this is code point order, Python's str order): "Zebra" < "cat" < "dog";
//   - except when every label is a decimal integer ([+-]?[0-9]{1,18}, as pandas reads an int64 column):
//     then by numeric value, ties (e.g. "1" and "01") broken byte-wise: "2" < "10".
class LabelMap {
 public:
  LabelMap() = default;
  static LabelMap FromDataset(const CsvDataset& dataset);  // distinct labels, sorted as above
  // Kept in the given order; an empty list, an empty name or a duplicate name fails.
  static Result<LabelMap> FromNames(std::vector<std::string> names);
  int size() const;
  // Precondition 0 <= id < size(); an id outside gives an empty string rather than undefined behaviour.
  const std::string& name(int id) const;
  const std::vector<std::string>& names() const;
  std::optional<int> Find(std::string_view label) const;
  // One id per row. A label not in the map fails with file and line:
  //   "val.csv:7: label 'horse' is not one of the 2 training labels (cat, dog)" (list truncated after 10).
  Result<std::vector<int32_t>> Encode(const CsvDataset& dataset) const;

 private:
  std::vector<std::string> names_;
  std::map<std::string, int, std::less<>> ids_;
};

// labels.txt: one class name per line, line index = class id (the format `liteopt run --labels` reads and
// TFLite's label files use). Write is atomic (temporary file + rename) and fails for an empty map or a name
// holding a line break. Read rejects a zero-byte file, an empty line before the last name, duplicate names and
// NUL bytes, naming file and line; CRLF line ends, a UTF-8 BOM and trailing empty lines are tolerated. Names
// are kept byte for byte (no trimming), so Write then Read gives the same map.
//
// A model's own label file may repeat a name (ImageNet's list "crane" and "maillot" twice): with
// `rename_repeated`, a name repeated on a later line is kept apart as "crane (class 517)" instead of rejected, so
// class ids stay line indices (and a CSV label means the first class of that name); `note`, when given, then says
// what was renamed ("1 repeated name kept apart as 'crane (class 517)'"), and is left empty otherwise.
struct ReadLabelsOptions {
  bool rename_repeated = false;
};
Result<LabelMap> ReadLabelsFile(const std::string& path, const ReadLabelsOptions& options = {},
                                std::string* note = nullptr);
Status WriteLabelsFile(const std::string& path, const LabelMap& labels);

}  // namespace liteopt::data
