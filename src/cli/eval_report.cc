#include "cli/eval_report.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "cli/format.h"
#include "cli/model_flags.h"

namespace liteopt::cli {

void EvalFlags::Add(CLI::App& app, bool with_data) {
  if (with_data) app.add_option("--data", data, "labelled test set: a CSV with filename and label columns")->required();
  app.add_option("--labels", labels,
                 "class names, one per line (line index = the model's class id); default: labels.txt beside the "
                 "model, else the CSV's labels in sorted order");
  app.add_option("--limit", limit, "evaluate only the first N rows of the CSV (0 = all)");
  app.add_option("--threads", threads, "threads for the batched throughput (0 = every core this process may use)")
      ->check(CLI::Range(0, 256));
  app.add_flag("--no-batched", no_batched, "skip the batched throughput measurement (faster)");
  app.add_option("--normalize", normalize,
                 "pixel range images are scaled to: 0,1, -1,1, 0,255 (raw), or auto (0,1 for float inputs; for "
                 "integer inputs the range their quantization covers)")
      ->check(CLI::IsMember({"auto", "0,1", "-1,1", "0,255"}));
  AddKerasConfigOption(app, &keras_config);
  dataset.Add(app);
}

eval::EvalOptions EvalFlags::Options() const {
  eval::EvalOptions o;
  o.data_csv = data;
  o.csv.filename_column = dataset.filename_column;
  o.csv.label_column = dataset.label_column;
  o.csv.skip_bad = dataset.skip_bad;
  o.csv.image_root = dataset.image_root;
  o.labels_path = labels;
  o.normalize = normalize;
  o.resize = dataset.ResizeMethod();
  o.jpeg_dct_scaling = !dataset.exact_decode;
  o.limit = limit;
  o.threads = threads;
  o.top_k = top_k;
  o.batched = !no_batched;
  o.keras_config = keras_config;
  return o;
}

void CompareProgress::Attach(eval::CompareOptions* o) {
  o->on_model = [this](size_t i, size_t count, const std::string& path) {
    Done();
    label_ = "[" + std::to_string(i + 1) + "/" + std::to_string(count) + "] " +
             std::filesystem::path(path).filename().string();
  };
  o->eval.progress = [this](size_t done, size_t total) {
    if (!bar_) bar_ = std::make_unique<Progress>(label_, total, quiet_);
    bar_->Update(done);
  };
  const int rounds = o->latency_rounds;
  const double seconds = o->latency_round_seconds;
  o->on_latency = [this, rounds, seconds](size_t count) {
    Done();
    if (!quiet_)
      std::fprintf(stderr, "timing the %zu models: %d interleaved rounds of %.2f s each (about %.0f s)\n", count,
                   rounds, seconds, static_cast<double>(count) * rounds * seconds);
  };
}

void CompareProgress::Done() {
  if (bar_) bar_->Done();
  bar_.reset();
}

std::string NormalizationText(data::PixelNormalization n) {
  switch (n) {
    case data::PixelNormalization::kZeroToOne:
      return "[0,1]";
    case data::PixelNormalization::kMinusOneToOne:
      return "[-1,1]";
    case data::PixelNormalization::kRaw:
      return "[0,255]";
  }
  return "?";
}

nlohmann::json EvalJson(const eval::EvalResult& r, bool details) {
  nlohmann::json j;
  j["model"] = r.model_path;
  j["kind"] = std::string(eval::ModelKindName(r.kind));
  j["size_bytes"] = r.size_bytes;
  j["gzip_bytes"] = r.gzip_bytes;
  j["data"] = r.data_csv;
  j["labels_source"] = r.labels_source;
  j["num_classes"] = r.labels.size();
  j["input"] = {{"name", r.input_name},
                {"shape", r.input_shape},
                {"dtype", std::string(DTypeName(r.input.dtype))},
                {"range", NormalizationText(r.input.normalization)}};
  j["rows"] = r.rows;
  j["skipped"] = r.skipped.size();
  j["n"] = r.n;
  j["correct"] = r.top1_correct;
  j["top1"] = r.top1;
  j["top5"] = r.top5;
  j["top_k"] = {{"k", r.top_k}, {"accuracy", r.topk}, {"correct", r.topk_correct}};
  j["images_per_second"] = r.images_per_second;
  j["end_to_end_images_per_second"] = r.end_to_end_images_per_second;
  j["latency_ms"] = {{"p50", r.latency.p50_ms},   {"p90", r.latency.p90_ms}, {"p99", r.latency.p99_ms},
                     {"mean", r.latency.mean_ms}, {"min", r.latency.min_ms}, {"max", r.latency.max_ms}};
  // How latency_ms and images_per_second were measured: over the accuracy pass, or in interleaved rounds.
  j["latency_rounds"] = r.latency_rounds;
  j["latency_runs"] = r.latency_runs;
  if (r.batched) {
    nlohmann::json b;
    b["images_per_second"] = r.batched->images_per_second;
    b["mode"] = r.batched->mode;
    b["distinct_inputs"] = r.batched->distinct_inputs;
    b["trials"] = nlohmann::json::array();
    for (const auto& t : r.batched->trials) {
      nlohmann::json tj = {{"mode", t.mode},
                           {"batch", t.batch},
                           {"threads", t.threads},
                           {"interpreters", t.interpreters},
                           {"images_per_second", t.images_per_second}};
      if (!t.note.empty()) tj["note"] = t.note;
      b["trials"].push_back(tj);
    }
    j["batched"] = b;
  }
  if (details) {
    j["per_class"] = nlohmann::json::array();
    for (const auto& c : r.per_class)
      j["per_class"].push_back({{"name", c.name}, {"n", c.count}, {"correct", c.correct}, {"top1", c.accuracy()}});
    if (r.confusion.size() <= 100) {
      j["confusion"] = r.confusion;
    } else {
      nlohmann::json cells = nlohmann::json::array();  // [true, predicted, count]
      for (size_t t = 0; t < r.confusion.size(); ++t)
        for (size_t p = 0; p < r.confusion[t].size(); ++p)
          if (r.confusion[t][p]) cells.push_back({t, p, r.confusion[t][p]});
      j["confusion_cells"] = cells;
    }
  }
  return j;
}

nlohmann::json CompareJson(const eval::CompareReport& report) {
  nlohmann::json j;
  j["data"] = report.data_csv;
  j["baseline"] = report.baseline;
  j["baseline_reason"] = report.baseline_reason;
  j["models"] = nlohmann::json::array();
  for (const auto& row : report.rows) {
    nlohmann::json m = EvalJson(row.result, false);
    m["name"] = row.name;
    m["top1_delta"] = row.top1_delta;
    m["agreement"] = row.agreement;
    m["agreement_n"] = row.agreement_n;
    j["models"].push_back(m);
  }
  j["hints"] = report.hints;
  return j;
}

void PrintEvalText(const eval::EvalResult& r) {
  const auto pct = [](double f) { return f * 100.0; };
  std::printf("model      %s (%s, %s; gzip %s)\n", r.model_path.c_str(), std::string(ModelKindName(r.kind)).c_str(),
              HumanBytes(r.size_bytes).c_str(), HumanBytes(r.gzip_bytes).c_str());
  std::printf("input      '%s' %s%s: %dx%dx%d, pixels scaled to %s\n", r.input_name.c_str(),
              std::string(DTypeName(r.input.dtype)).c_str(), ShapeText(r.input_shape).c_str(), r.input.height,
              r.input.width, r.input.channels, NormalizationText(r.input.normalization).c_str());
  std::printf("labels     %d classes from %s\n", r.labels.size(), r.labels_source.c_str());
  std::printf("data       %s: %zu images evaluated (%zu rows, %zu skipped)\n\n", r.data_csv.c_str(), r.n, r.rows,
              r.skipped.size());
  std::printf("accuracy   top-1 %.2f%% (%lld/%zu)   top-5 %.2f%% (%lld/%zu)", pct(r.top1),
              static_cast<long long>(r.top1_correct), r.n, pct(r.top5), static_cast<long long>(r.top5_correct), r.n);
  if (r.top_k != 5 && r.top_k != 1) {
    std::printf("   top-%d %.2f%% (%lld/%zu)", r.top_k, pct(r.topk), static_cast<long long>(r.topk_correct), r.n);
  }
  std::printf(
      "\nspeed      %.1f images/s (batch 1, 1 thread: input copy + invoke + argmax, as the course measures); "
      "%.1f images/s end to end (with read, decode and resize)\n",
      r.images_per_second, r.end_to_end_images_per_second);
  std::printf(
      "latency    p50 %.3f ms   p90 %.3f ms   p99 %.3f ms   (mean %.3f, min %.3f, max %.3f; batch 1, 1 thread)\n",
      r.latency.p50_ms, r.latency.p90_ms, r.latency.p99_ms, r.latency.mean_ms, r.latency.min_ms, r.latency.max_ms);
  if (r.batched) {
    std::printf("batched    %.1f images/s with %s (inference only, %zu decoded inputs cycled)",
                r.batched->images_per_second, r.batched->mode.c_str(), r.batched->distinct_inputs);
    for (const auto& t : r.batched->trials) {
      if (t.mode == r.batched->mode) continue;
      if (t.images_per_second > 0)
        std::printf("; %s: %.1f images/s", t.mode.c_str(), t.images_per_second);
      else
        std::printf("; %s: not possible (%s)", t.mode.c_str(), t.note.c_str());
    }
    std::printf("\n");
  }

  // Per class: only classes present in the data (a 1001-class model evaluated on 3 classes lists 3).
  size_t name_width = 5;
  for (const auto& c : r.per_class)
    if (c.count) name_width = std::max(name_width, std::min<size_t>(c.name.size(), 32));
  std::printf("\nper class  %-*s %6s %8s\n", static_cast<int>(name_width), "class", "n", "top-1");
  for (size_t i = 0; i < r.per_class.size(); ++i) {
    const auto& c = r.per_class[i];
    if (!c.count) continue;
    std::printf("  %4zu     %-*s %6lld %7.1f%%\n", i, static_cast<int>(name_width), c.name.substr(0, 32).c_str(),
                static_cast<long long>(c.count), pct(c.accuracy()));
  }

  const size_t classes = r.confusion.size();
  if (classes <= 20) {
    std::printf("\nconfusion matrix (rows: true class, columns: predicted class)\n      ");
    for (size_t p = 0; p < classes; ++p) std::printf(" %5zu", p);
    std::printf("\n");
    for (size_t t = 0; t < classes; ++t) {
      std::printf("  %4zu", t);
      for (size_t p = 0; p < classes; ++p) std::printf(" %5lld", static_cast<long long>(r.confusion[t][p]));
      std::printf("  %s\n", r.labels.name(static_cast<int>(t)).c_str());
    }
  } else {
    // Too many classes for a matrix: the most frequent confusions.
    struct Cell {
      size_t t, p;
      int64_t count;
    };
    std::vector<Cell> cells;
    for (size_t t = 0; t < classes; ++t)
      for (size_t p = 0; p < classes; ++p)
        if (t != p && r.confusion[t][p]) cells.push_back({t, p, r.confusion[t][p]});
    std::stable_sort(cells.begin(), cells.end(), [](const Cell& a, const Cell& b) { return a.count > b.count; });
    if (!cells.empty()) std::printf("\nmost frequent confusions (true -> predicted)\n");
    for (size_t i = 0; i < std::min<size_t>(cells.size(), 10); ++i) {
      std::printf("  %5lld  %s -> %s\n", static_cast<long long>(cells[i].count),
                  r.labels.name(static_cast<int>(cells[i].t)).c_str(),
                  r.labels.name(static_cast<int>(cells[i].p)).c_str());
    }
  }
}

}  // namespace liteopt::cli
