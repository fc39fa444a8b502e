// `liteopt data bench CSV --size HxWxC`: images/s of the whole input pipeline (read, decode, resize, scale,
// batch; no cache), so a slow disk or a slow decoder shows before it slows training down.
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/process_stats.h"
#include "cli/commands.h"
#include "cli/dataset_flags.h"
#include "data/pipeline.h"

namespace liteopt::cli {

namespace {

struct DataBenchConfig {
  std::string csv;
  DatasetFlags dataset;
  std::string size;
  std::string dtype = "float32";
  int batch = 32;
  int threads = 0;
  int epochs = 1;
  bool json = false;
};

int RunDataBench(const DataBenchConfig& cfg) {
  auto size = ParseImageSize(cfg.size);
  if (!size.ok()) return Fail(size.status().message());
  auto loaded = LoadCsvSource(cfg.csv, cfg.dataset, nullptr);
  if (!loaded.ok()) return Fail(loaded.status().message());

  data::PipelineOptions o;
  o.input.height = size->height;
  o.input.width = size->width;
  o.input.channels = size->channels;
  o.input.resize = cfg.dataset.ResizeMethod();
  if (cfg.dtype != "float32") {
    // Integer inputs the way a full-integer model with [0,1] inputs declares them.
    o.input.dtype = cfg.dtype == "int8" ? DType::kInt8 : DType::kUInt8;
    o.input.scale = 1.0f / 255.0f;
    o.input.zero_point = cfg.dtype == "int8" ? -128 : 0;
  }
  o.batch_size = cfg.batch;
  o.threads = cfg.threads;
  o.epochs = cfg.epochs;
  o.skip_bad = cfg.dataset.skip_bad;
  o.jpeg_dct_scaling = !cfg.dataset.exact_decode;
  auto pipeline = data::Pipeline::Create(loaded->source, o);
  if (!pipeline.ok()) return Fail(pipeline.status().message());

  const int threads = cfg.threads == 0 ? AvailableCores() : cfg.threads;
  Progress progress("bench", (*pipeline)->batches_per_epoch() * cfg.epochs, cfg.json);
  const double cpu0 = ProcessCpuSeconds();
  const auto t0 = std::chrono::steady_clock::now();
  data::Batch batch;
  size_t images = 0, batches = 0;
  uint64_t checksum = 0;  // touch the data, as a consumer would
  while (true) {
    auto more = (*pipeline)->Next(&batch);
    if (!more.ok()) return Fail(more.status().message());
    if (!*more) break;
    images += batch.size;
    checksum += batch.data[batch.data.size() / 2];
    progress.Update(++batches);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = ProcessCpuSeconds() - cpu0;
  progress.Done();
  const double ips = seconds > 0 ? images / seconds : 0.0;
  ReportSkipped(loaded->skipped_rows, **pipeline);
  if (cfg.json) {
    nlohmann::json j;
    j["csv"] = cfg.csv;
    j["images"] = images;
    j["batches"] = batches;
    j["seconds"] = seconds;
    j["images_per_second"] = ips;
    j["cpu_seconds"] = cpu;
    j["threads"] = threads;
    j["batch"] = cfg.batch;
    j["size"] = {size->height, size->width, size->channels};
    j["dtype"] = cfg.dtype;
    j["skipped"] = loaded->skipped_rows.size() + (*pipeline)->skipped();
    j["peak_rss_bytes"] = PeakRssBytes();
    j["checksum"] = checksum;
    j["labels"] = loaded->labels.names();
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    std::printf("%d classes (ids in sorted order):", loaded->labels.size());
    for (int i = 0; i < loaded->labels.size() && i < 20; ++i) std::printf(" %d=%s", i, loaded->labels.name(i).c_str());
    std::printf("%s\n", loaded->labels.size() > 20 ? " ..." : "");
    std::printf("%zu images in %zu batches of %d, %dx%dx%d %s, %d thread%s\n", images, batches, cfg.batch,
                size->height, size->width, size->channels, cfg.dtype.c_str(), threads, threads == 1 ? "" : "s");
    std::printf("%.3f s wall, %.3f s CPU: %.1f images/s (%.1f images per CPU-second)\n", seconds, cpu, ips,
                cpu > 0 ? images / cpu : 0.0);
    std::printf("peak memory: %.1f MiB\n", static_cast<double>(PeakRssBytes()) / (1024.0 * 1024.0));
  }
  return kExitOk;
}

}  // namespace

Command AddDataBenchCommand(CLI::App& data) {
  auto cfg = std::make_shared<DataBenchConfig>();
  CLI::App* app = data.add_subcommand(
      "bench", "Measure the input pipeline (read, decode, resize, scale, batch; no cache) in images/s");
  app->add_option("csv", cfg->csv, "dataset CSV (header with filename and label columns)")->required();
  app->add_option("--size", cfg->size, "model input size HxWxC (or HxW for 3 channels), e.g. 224x224x3")
      ->required();
  app->add_option("--batch", cfg->batch, "batch size")->check(CLI::Range(1, 65536));
  app->add_option("--threads", cfg->threads, "decoding threads (0 = every core this process may use)")
      ->check(CLI::Range(0, 256));
  app->add_option("--epochs", cfg->epochs, "passes over the dataset")->check(CLI::Range(1, 1000));
  app->add_option("--dtype", cfg->dtype, "batch element type: float32 in [0,1], or int8/uint8 quantized")
      ->check(CLI::IsMember({"float32", "int8", "uint8"}));
  app->add_flag("--json", cfg->json, "print one JSON object (images_per_second, seconds, ...) instead of text");
  cfg->dataset.Add(*app);
  return {app, [cfg] { return RunDataBench(*cfg); }};
}

}  // namespace liteopt::cli
