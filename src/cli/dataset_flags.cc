#include "cli/dataset_flags.h"

#include <unistd.h>

#include <cstdio>

namespace liteopt::cli {

void DatasetFlags::Add(CLI::App& app) {
  app.add_option("--filename-column", filename_column, "CSV column with the image paths");
  app.add_option("--label-column", label_column, "CSV column with the class labels");
  app.add_option("--image-root", image_root,
                 "folder relative image paths start from (default: the CSV's folder; '.' for paths relative to the "
                 "working directory, as the course's CSVs)");
  app.add_flag("--skip-bad", skip_bad,
               "skip unreadable rows and images (missing, empty, corrupt, truncated), count and list them at the "
               "end, instead of stopping at the first");
  app.add_option("--resize", resize, "resize method (tf.image.resize semantics)")
      ->check(CLI::IsMember({"bilinear", "nearest", "area"}));
  app.add_flag("--exact-decode", exact_decode,
               "decode JPEGs at full size before resizing, exactly as tf.io.decode_jpeg + tf.image.resize; by "
               "default a JPEG far larger than the model input is decoded at 1/2, 1/4 or 1/8 scale, which is "
               "faster and differs by under 1% of the pixel range on average");
}

data::ResizeMethod DatasetFlags::ResizeMethod() const {
  return resize == "nearest" ? data::ResizeMethod::kNearest
         : resize == "area"  ? data::ResizeMethod::kArea
                             : data::ResizeMethod::kBilinear;
}

Result<ImageSize> ParseImageSize(const std::string& text) {
  ImageSize s;
  int n = 0, consumed = 0;
  n = std::sscanf(text.c_str(), "%dx%dx%d%n", &s.height, &s.width, &s.channels, &consumed);
  if (n != 3 || consumed != static_cast<int>(text.size())) {
    s.channels = 3;
    n = std::sscanf(text.c_str(), "%dx%d%n", &s.height, &s.width, &consumed);
    if (n != 2 || consumed != static_cast<int>(text.size())) {
      return InvalidArgument("size '" + text + "' is not HxWxC or HxW (e.g. 224x224x3)");
    }
  }
  if (s.height < 1 || s.width < 1 || s.height > 16384 || s.width > 16384) {
    return InvalidArgument("size '" + text + "': height and width must be in [1, 16384]");
  }
  if (s.channels != 1 && s.channels != 3 && s.channels != 4) {
    return InvalidArgument("size '" + text + "': channels must be 1, 3 or 4");
  }
  return s;
}

Result<LoadedCsv> LoadCsvSource(const std::string& csv, const DatasetFlags& flags, const data::LabelMap* mapping) {
  data::CsvDatasetOptions copt;
  copt.filename_column = flags.filename_column;
  copt.label_column = flags.label_column;
  copt.skip_bad = flags.skip_bad;
  copt.image_root = flags.image_root;
  LITEOPT_ASSIGN_OR_RETURN(data::CsvDataset dataset, data::ReadCsvDataset(csv, copt));
  LoadedCsv out;
  out.labels = mapping ? *mapping : data::LabelMap::FromDataset(dataset);
  LITEOPT_ASSIGN_OR_RETURN(std::vector<int32_t> ids, out.labels.Encode(dataset));
  out.skipped_rows = dataset.skipped;
  LITEOPT_ASSIGN_OR_RETURN(out.source, data::MakeCsvImageSource(std::move(dataset), std::move(ids)));
  return out;
}

void ReportSkipped(const std::vector<std::string>& skipped_rows, const data::Pipeline& pipeline) {
  std::vector<std::string> all = skipped_rows;
  for (auto& m : pipeline.skipped_messages()) all.push_back(m);
  if (all.empty()) return;
  std::fprintf(stderr, "skipped %zu bad sample%s (--skip-bad):\n", all.size(), all.size() == 1 ? "" : "s");
  const size_t shown = std::min<size_t>(all.size(), 10);
  for (size_t i = 0; i < shown; ++i) std::fprintf(stderr, "  %s\n", all[i].c_str());
  if (shown < all.size()) std::fprintf(stderr, "  ... and %zu more\n", all.size() - shown);
}

Progress::Progress(std::string label, size_t total, bool quiet)
    : label_(std::move(label)), total_(total), quiet_(quiet), tty_(::isatty(STDERR_FILENO) != 0) {
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

void Progress::Update(size_t done) {
  if (quiet_ || total_ == 0) return;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double frac = static_cast<double>(std::min(done, total_)) / total_;
  const int decile = static_cast<int>(frac * 10);
  if (tty_) {
    if (now - last_draw_ < std::chrono::milliseconds(100) && done < total_) return;
    last_draw_ = now;
    const double eta = frac > 0 ? elapsed / frac - elapsed : 0;
    std::fprintf(stderr, "\r%s: %3.0f%% (%zu/%zu) %.1fs, ETA %.1fs   ", label_.c_str(), frac * 100, done, total_,
                 elapsed, eta);
  } else if (decile > last_decile_) {
    last_decile_ = decile;
    std::fprintf(stderr, "%s: %3.0f%% (%zu/%zu) %.1fs\n", label_.c_str(), frac * 100, done, total_, elapsed);
  }
}

void Progress::Done() {
  if (quiet_) return;
  if (tty_) std::fprintf(stderr, "\n");
}

}  // namespace liteopt::cli
