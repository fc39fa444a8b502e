// Flags and helpers shared by every command that reads a dataset (data bench; later evaluate, convert,
// train, qat): CSV column names, --skip-bad, resize method, exact decoding; loading a CSV into a sample
// source; progress on stderr.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/cpu.h"
#include "base/status.h"
#include "data/dataset.h"
#include "data/pipeline.h"

namespace liteopt::cli {

struct DatasetFlags {
  std::string filename_column = "filename";
  std::string label_column = "label";
  std::string image_root;
  bool skip_bad = false;
  std::string resize = "bilinear";
  bool exact_decode = false;

  void Add(CLI::App& app);
  data::ResizeMethod ResizeMethod() const;
};

struct ImageSize {
  int height = 0, width = 0, channels = 3;
};
// "224x224x3", "28x28x1" or "224x224" (3 channels).
Result<ImageSize> ParseImageSize(const std::string& text);

struct LoadedCsv {
  std::shared_ptr<const data::SampleSource> source;
  data::LabelMap labels;                  // the mapping used (derived from this CSV, or the one given)
  std::vector<std::string> skipped_rows;  // CSV rows skipped with --skip-bad
};
// Reads the CSV and encodes its labels with `mapping` (a training set's), or with its own sorted labels
// when mapping is null.
Result<LoadedCsv> LoadCsvSource(const std::string& csv, const DatasetFlags& flags, const data::LabelMap* mapping);

// With --skip-bad: "skipped 3 bad samples:" and the first few reasons, on stderr.
void ReportSkipped(const std::vector<std::string>& skipped_rows, const data::Pipeline& pipeline);

// A progress line on stderr: redrawn in place on a terminal, a line per 10% otherwise; silent when quiet.
class Progress {
 public:
  Progress(std::string label, size_t total, bool quiet);
  void Update(size_t done);
  void Done();

 private:
  std::string label_;
  size_t total_;
  bool quiet_, tty_;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace liteopt::cli
