// `liteopt convert IN.tflite -o OUT.tflite [options]`: TFLiteConverter's post-training modes (float cleanups,
// dynamic range, full integer with calibration, float16, 16x8) through quant::Convert.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include "cli/commands.h"
#include "cli/dataset_flags.h"
#include "cli/samples.h"
#include "data/model_input.h"
#include "data/pipeline.h"
#include "io/keras/qat_ranges.h"
#include "io/model_file.h"
#include "io/tflite/reader.h"
#include "io/tflite/writer.h"
#include "quant/calibration.h"
#include "quant/cleanup.h"
#include "quant/convert.h"
#include "runtime/interpreter.h"

namespace liteopt::cli {

namespace {

namespace fs = std::filesystem;

struct ConvertConfig {
  std::string input, output;
  std::string keras_config;
  std::string optimize;
  std::string representative;
  int samples = 300;
  uint64_t seed = 42;
  std::string normalize = "auto";
  DatasetFlags dataset;
  std::string calibration = "minmax";
  std::string io_type = "float32";
  bool float16 = false, int16x8 = false, per_tensor = false, quiet = false;
  std::vector<std::string> keep_float;
};

// qat: the model carries quantization-aware training ranges, so --optimize default alone is full integer.
Result<quant::ConvertOptions> OptionsFrom(const ConvertConfig& cfg, bool qat) {
  quant::ConvertOptions o;
  const bool data = !cfg.representative.empty();
  if (cfg.float16 && (cfg.int16x8 || data))
    return InvalidArgument("--float16 cannot be combined with --int16x8 or --representative-data");
  if (cfg.int16x8 && !data)
    return InvalidArgument("--int16x8 needs --representative-data (the int16 activation ranges are calibrated)");
  if (cfg.int16x8 && cfg.io_type != "float32")
    return InvalidArgument("--int16x8 keeps float32 model inputs and outputs (QUANTIZE / DEQUANTIZE at the edges); "
                           "--io-type " + cfg.io_type + " cannot be combined with it");
  if (cfg.int16x8) o.mode = quant::Mode::kInt16x8;
  else if (cfg.float16) o.mode = quant::Mode::kFloat16;
  else if (data) o.mode = quant::Mode::kFullInteger;  // TFLiteConverter: DEFAULT + a representative dataset
  else if (qat && cfg.optimize == "default") o.mode = quant::Mode::kFullInteger;  // from the learned ranges
  else if (cfg.optimize == "default") o.mode = quant::Mode::kDynamicRange;
  o.calibration = cfg.calibration == "percentile" ? quant::Calibration::kPercentile
                  : cfg.calibration == "mse"      ? quant::Calibration::kMse
                  : cfg.calibration == "entropy"  ? quant::Calibration::kEntropy
                                                  : quant::Calibration::kMinMax;
  o.io_type = cfg.io_type == "int8" ? DType::kInt8 : cfg.io_type == "uint8" ? DType::kUInt8 : DType::kFloat32;
  if (o.io_type != DType::kFloat32 && o.mode != quant::Mode::kFullInteger)
    return InvalidArgument("--io-type " + cfg.io_type +
                           " needs full-integer quantization (--representative-data, or a QAT model with --optimize default)");
  o.per_tensor = cfg.per_tensor;
  o.keep_float = cfg.keep_float;
  return o;
}

// Fails early (before a long calibration) when OUT cannot be written; refuses to overwrite the input.
Status CheckOutputPath(const std::string& in, const std::string& out) {
  std::error_code ec;
  if (fs::exists(out, ec) && fs::equivalent(in, out, ec))
    return InvalidArgument(out + ": the output would overwrite the input model; choose another path");
  const fs::path dir = fs::path(out).has_parent_path() ? fs::path(out).parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) return IoError(out + ": folder " + dir.string() + " does not exist");
  if (::access(dir.c_str(), W_OK) != 0) return IoError(out + ": folder " + dir.string() + " is not writable");
  if (fs::is_directory(out, ec)) return IoError(out + ": is a folder, expected a .tflite file path");
  return Status::Ok();
}

Result<std::vector<std::vector<uint8_t>>> LoadRepresentative(const ConvertConfig& cfg, const ir::Graph& g) {
  return LoadModelSamples(cfg.representative, g, {cfg.samples, cfg.seed, cfg.normalize}, cfg.dataset,
                          "--representative-data");
}

void CopyLabels(const std::string& in, const std::string& out) {
  const fs::path src = fs::path(in).parent_path() / "labels.txt";
  const fs::path dst = fs::path(out).parent_path() / "labels.txt";
  std::error_code ec;
  if (!fs::is_regular_file(src, ec) || fs::exists(dst, ec)) return;
  const fs::path tmp = dst.string() + ".tmp." + std::to_string(::getpid());
  if (fs::copy_file(src, tmp, fs::copy_options::overwrite_existing, ec)) fs::rename(tmp, dst, ec);
  if (ec) fs::remove(tmp, ec);
}

// A QAT model converted to full integer: the cleaned graph and activation_ranges from the learned ranges;
// tensors without one are calibrated on `samples` when there are samples, otherwise they are an error.
struct QatPlan {
  std::shared_ptr<ir::Graph> graph;
  int learned = 0, derived = 0, calibrated = 0;
};

Result<QatPlan> PlanQat(const ir::Graph& model, const io::keras::LearnedRanges& learned, quant::ConvertOptions& o,
                        const std::vector<std::vector<uint8_t>>& samples) {
  // activation_ranges index the graph the converter quantizes: clean first, as quant::Convert does.
  QatPlan plan{std::make_shared<ir::Graph>(model)};
  quant::CleanupOptions co;
  co.fold_dequantize = true;
  LITEOPT_RETURN_IF_ERROR(quant::CleanupGraph(*plan.graph, co).status());
  const io::keras::ResolvedRanges r = io::keras::ResolveQatRanges(*plan.graph, learned);
  o.activation_ranges.assign(r.by_tensor.size(), quant::TensorRange{});
  for (size_t t = 0; t < r.by_tensor.size(); ++t)
    if (r.by_tensor[t]) o.activation_ranges[t] = {true, r.by_tensor[t]->first, r.by_tensor[t]->second};
  if (!r.missing.empty()) {
    if (samples.empty())
      return InvalidArgument("the QAT model has no learned range for " + std::to_string(r.missing.size()) +
                             " tensor(s): " + io::keras::DescribeTensors(*plan.graph, r.missing) +
                             "; give --representative-data to calibrate those");
    LITEOPT_ASSIGN_OR_RETURN(auto calibrated, quant::Calibrate(*plan.graph, samples, o.calibration));
    for (int32_t t : r.missing) o.activation_ranges[t] = calibrated[t];
  }
  plan.learned = r.learned;
  plan.derived = r.derived;
  plan.calibrated = static_cast<int>(r.missing.size());
  return plan;
}

int RunConvert(const ConvertConfig& cfg) {
  Status out_ok = CheckOutputPath(cfg.input, cfg.output);
  if (!out_ok.ok()) return Fail(out_ok.message());
  auto model = io::ReadModel(cfg.input, {cfg.keras_config});
  if (!model.ok()) return Fail(model.status().message());
  const bool qat = !model->qat_ranges.empty();
  auto options = OptionsFrom(cfg, qat);
  if (!options.ok()) return Fail(options.status().message());
  std::shared_ptr<ir::Graph> graph = model->graph;

  std::vector<std::vector<uint8_t>> samples;
  double load_seconds = 0;
  if (!cfg.representative.empty()) {
    const auto t0 = std::chrono::steady_clock::now();
    auto s = LoadRepresentative(cfg, *graph);
    if (!s.ok()) return Fail(s.status().message());
    samples = std::move(*s);
    load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!cfg.quiet) std::fprintf(stderr, "loaded %zu representative samples in %.2f s\n", samples.size(), load_seconds);
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::optional<QatPlan> plan;
  if (qat && options->mode == quant::Mode::kFullInteger) {
    auto p = PlanQat(*graph, model->qat_ranges, *options, samples);
    if (!p.ok()) return Fail(cfg.input + ": " + p.status().message());
    plan = std::move(*p);
    graph = plan->graph;
  }
  auto converted = quant::Convert(*graph, *options, plan ? std::vector<std::vector<uint8_t>>{} : samples);
  if (!converted.ok()) return Fail(cfg.input + ": " + converted.status().message());
  const double convert_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // The result must load in liteopt before it is written: a bug never leaves a broken file behind.
  auto shared = std::make_shared<const ir::Graph>(std::move(*converted));
  auto check = runtime::Interpreter::Create(shared);
  if (!check.ok())
    return Fail("the converted model does not load in liteopt (not written): " + check.status().message());
  Status w = io::tflite::WriteTfliteFile(*shared, cfg.output);
  if (!w.ok()) return Fail(w.message());
  CopyLabels(cfg.input, cfg.output);
  std::error_code ec;
  const auto in_size = fs::file_size(cfg.input, ec);
  const auto out_size = fs::file_size(cfg.output, ec);
  std::printf("%s -> %s: %s", cfg.input.c_str(), cfg.output.c_str(), std::string(quant::ModeName(options->mode)).c_str());
  if (plan) {
    std::printf(" (QAT ranges used: %d learned, %d shared or fixed by the op", plan->learned, plan->derived);
    if (plan->calibrated > 0)
      std::printf(", %d calibrated (%s on %zu samples)", plan->calibrated,
                  std::string(quant::CalibrationName(options->calibration)).c_str(), samples.size());
    std::printf("; io %s)", cfg.io_type.c_str());
  } else if (options->mode == quant::Mode::kFullInteger || options->mode == quant::Mode::kInt16x8)
    std::printf(" (%s calibration on %zu samples, io %s)", std::string(quant::CalibrationName(options->calibration)).c_str(),
                samples.size(), cfg.io_type.c_str());
  std::printf("\n%ju -> %ju bytes (%.3fx), %zu ops, converted in %.2f s\n", static_cast<uintmax_t>(in_size),
              static_cast<uintmax_t>(out_size), in_size ? static_cast<double>(out_size) / in_size : 0.0,
              shared->main().ops.size(), convert_seconds);
  return kExitOk;
}

}  // namespace

Command AddConvertCommand(CLI::App& root) {
  auto cfg = std::make_shared<ConvertConfig>();
  CLI::App* app = root.add_subcommand(
      "convert", "Convert a float .tflite like TFLiteConverter: cleanups, dynamic range, full integer, float16, 16x8");
  app->add_option("model", cfg->input, "a float .tflite file or a Keras .h5 model (never modified)")->required();
  app->add_option("--config", cfg->keras_config, "architecture JSON (model.to_json()) for a Keras weights-only .h5");
  app->add_option("-o,--output", cfg->output, "the .tflite file to write (atomically)")->required();
  app->add_option("--optimize", cfg->optimize, "'default' quantizes (dynamic range; full integer with data or from a QAT model's learned ranges)")
      ->check(CLI::IsMember({"default"}));
  app->add_option("--representative-data", cfg->representative,
                  "CSV of images for calibration (full-integer and 16x8 quantization)");
  app->add_option("--samples", cfg->samples, "representative samples to calibrate on")->check(CLI::Range(1, 1000000));
  app->add_option("--seed", cfg->seed, "seed of the representative sample shuffle");
  app->add_option("--normalize", cfg->normalize, "pixel range the float model expects: auto, 0,1, -1,1 or 0,255")
      ->check(CLI::IsMember({"auto", "0,1", "-1,1", "0,255"}));
  app->add_option("--calibration", cfg->calibration, "activation range from calibration")
      ->check(CLI::IsMember({"minmax", "percentile", "mse", "entropy"}));
  app->add_option("--io-type", cfg->io_type, "input/output type of a full-integer model")
      ->check(CLI::IsMember({"float32", "int8", "uint8"}));
  app->add_flag("--float16", cfg->float16, "float16 weights expanded by DEQUANTIZE ops");
  app->add_flag("--int16x8", cfg->int16x8,
                "16x8 quantization (TFLite's EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8): int16 "
                "activations (symmetric, calibrated on --representative-data), int8 per-channel weights, int64 bias; "
                "float32 I/O");
  app->add_flag("--per-tensor", cfg->per_tensor, "one scale per weight tensor instead of per output channel");
  app->add_option("--keep-float", cfg->keep_float, "op types or op output tensor names left in float")
      ->delimiter(',');
  app->add_flag("-q,--quiet", cfg->quiet, "no progress on stderr");
  cfg->dataset.Add(*app);
  return {app, [cfg] { return RunConvert(*cfg); }};
}

}  // namespace liteopt::cli
