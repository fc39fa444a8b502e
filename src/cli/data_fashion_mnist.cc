// `liteopt data fashion-mnist --out DIR`: Fashion-MNIST as PNG/JPEG files plus filename,label CSVs, from the IDX
// files of Debian's dataset-fashion-mnist (no network). The layout is documented in data/fashion_mnist.h.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "cli/format.h"
#include "data/fashion_mnist.h"
#include "data/idx.h"

namespace liteopt::cli {

namespace {

struct FashionMnistConfig {
  std::string out_dir;
  std::string format = "png";
  double val_fraction = 0.1;
  std::string classes;  // comma-separated names or indices; empty = all
  uint64_t seed = 42;
  int max_per_class = 0;
  int threads = 0;
  std::string source = data::kFashionMnistDebianDir;
};

// Progress on stderr: one line per stage, rewritten in place with \r on a terminal; on a pipe or file, plain
// lines at every quarter so that logs stay short.
class ProgressPrinter {
 public:
  ProgressPrinter() : tty_(::isatty(::fileno(stderr)) == 1) {}

  void operator()(const char* stage, size_t done, size_t total) {
    if (stage_ != stage) {
      EndLine();
      stage_ = stage;
      percent_ = -1;
    }
    const int percent = total == 0 ? 100 : static_cast<int>(done * 100 / total);
    if (percent == percent_) return;
    const bool report = tty_ || percent / 25 > (percent_ < 0 ? 0 : percent_ / 25);
    percent_ = percent;
    if (!report) return;
    const char* unit = stage_ == "read" ? "IDX files" : "images";
    std::fprintf(stderr, "%sliteopt: %-5s %3d%% (%zu/%zu %s)%s", tty_ ? "\r" : "", stage_.c_str(), percent, done, total,
                 unit, tty_ ? "" : "\n");
    open_line_ = tty_;
    if (done == total) EndLine();
    std::fflush(stderr);
  }

  // Terminates a line left open by \r updates (before an error message, or at the end of a stage).
  void EndLine() {
    if (open_line_) std::fputc('\n', stderr);
    open_line_ = false;
  }

 private:
  bool tty_;
  bool open_line_ = false;
  std::string stage_;
  int percent_ = -1;
};

int UsageError(const std::string& message) {
  std::fprintf(stderr, "liteopt: error: %s\n", message.c_str());
  return kExitUsage;
}

int RunDataFashionMnist(const FashionMnistConfig& cfg) {
  data::FashionMnistExportOptions options;
  options.out_dir = cfg.out_dir;
  options.format = cfg.format == "png" ? data::ImageFormat::kPng : data::ImageFormat::kJpeg;
  if (cfg.val_fraction >= 1.0) return UsageError("--val-fraction must be below 1 (the training split cannot be empty)");
  options.val_fraction = cfg.val_fraction;
  if (!cfg.classes.empty()) {
    auto classes = data::ParseFashionMnistClassList(cfg.classes);
    if (!classes.ok()) return UsageError("--classes: " + classes.status().message());
    options.classes = std::move(classes).value();
  }
  options.seed = cfg.seed;
  options.max_per_class = cfg.max_per_class;
  options.threads = cfg.threads;

  ProgressPrinter printer;
  const auto t0 = std::chrono::steady_clock::now();
  auto summary = data::ExportFashionMnist(
      cfg.source, options, [&printer](const char* stage, size_t done, size_t total) { printer(stage, done, total); });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  printer.EndLine();
  if (!summary.ok()) return Fail(summary.status().message());

  const std::string limit =
      cfg.max_per_class > 0 ? ", first " + std::to_string(cfg.max_per_class) + " per class and source file" : "";
  std::printf("Fashion-MNIST -> %s (%s, val fraction %g, seed %llu%s)\n", cfg.out_dir.c_str(), cfg.format.c_str(),
              cfg.val_fraction, static_cast<unsigned long long>(cfg.seed), limit.c_str());
  std::printf("\n  %-12s %7s %7s %7s\n", "class", "train", "val", "test");
  for (const auto& c : summary->classes) {
    std::printf("  %-12s %7d %7d %7d\n", c.name.c_str(), c.train, c.val, c.test);
  }
  std::printf("  %-12s %7d %7d %7d\n", "total", summary->train, summary->val, summary->test);
  const int images = summary->train + summary->val + summary->test;
  std::printf("\nFiles\n  %s\n  %s\n  %s\n  %s (%zu classes, sorted)\n  %s/images/{train,val,test}/ (%d images, %s)\n",
              summary->train_csv.c_str(), summary->val_csv.c_str(), summary->test_csv.c_str(),
              summary->labels_txt.c_str(), summary->classes.size(), cfg.out_dir.c_str(), images,
              HumanBytes(static_cast<long long>(summary->image_bytes)).c_str());
  std::printf("\nTime %.2f s (%d encoding thread%s, %.0f images/s)\n", seconds, summary->threads,
              summary->threads == 1 ? "" : "s", seconds > 0 ? images / seconds : 0.0);
  return kExitOk;
}

}  // namespace

Command AddDataFashionMnistCommand(CLI::App& data) {
  auto cfg = std::make_shared<FashionMnistConfig>();
  CLI::App* app = data.add_subcommand(
      "fashion-mnist",
      "Export Fashion-MNIST as PNG/JPEG files with filename,label CSVs (train/val/test) and labels.txt, "
      "from Debian's dataset-fashion-mnist; no network");
  app->add_option("-o,--out", cfg->out_dir,
                  "output directory: created if missing; a previous export there is replaced; any other non-empty "
                  "directory is refused")
      ->required();
  app->add_option("--format", cfg->format, "image file format")
      ->check(CLI::IsMember({"png", "jpeg"}))
      ->capture_default_str();
  app->add_option("--val-fraction", cfg->val_fraction,
                  "share of each class of the training file held out as val.csv (stratified, chosen by --seed)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app->add_option("--classes", cfg->classes,
                  "comma-separated class names (case-insensitive, e.g. \"T-shirt/top,Ankle boot\") or indices "
                  "0-9; default all 10");
  app->add_option("--seed", cfg->seed, "seed of the train/val split")->capture_default_str();
  app->add_option("--max-per-class", cfg->max_per_class,
                  "keep only the first N images of each class of each source file (quick tests, demos); 0 = all")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app->add_option("--threads", cfg->threads, "encoding threads; 0 = all available cores")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  app->add_option("--source", cfg->source, "directory with the four {train,t10k}-*-ubyte.gz IDX files")
      ->capture_default_str();
  return {app, [cfg] { return RunDataFashionMnist(*cfg); }};
}

}  // namespace liteopt::cli
