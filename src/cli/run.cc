// `liteopt run MODEL --input FILE ...`: one inference on .npy tensors or images, outputs as .npy, top-5.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <numeric>

#include "base/quant_math.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/model_flags.h"
#include "data/dataset.h"
#include "data/image.h"
#include "data/model_input.h"
#include "data/npy.h"
#include "io/model_file.h"
#include "runtime/interpreter.h"

namespace liteopt::cli {

namespace {

struct RunConfig {
  std::string model;
  std::string keras_config;
  std::vector<std::string> inputs;
  std::string output_dir;
  int threads = 1;
  bool reference = false;
  std::string labels;
  int top_k = 5;
  std::string normalize = "auto";
  std::string resize = "bilinear";
  std::string numerics = "tflite-runtime";
};

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && std::equal(suffix.rbegin(), suffix.rend(), s.rbegin(),
                                                 [](char a, char b) { return std::tolower(a) == b; });
}

Status FillFromNpy(runtime::Interpreter& interp, int i, const std::string& path) {
  auto arr = data::ReadNpy(path);
  if (!arr.ok()) return arr.status();
  const ops::TensorRef& in = interp.input(i);
  std::vector<int32_t> shape;
  for (int64_t d : arr->shape) {
    if (d <= 0 || d > INT32_MAX) return InvalidArgument(path + ": shape dimension " + std::to_string(d) + " is invalid");
    shape.push_back(static_cast<int32_t>(d));
  }
  if (arr->dtype != in.dtype)
    return InvalidArgument(path + ": dtype " + std::string(DTypeName(arr->dtype)) + ", but model input " +
                           std::to_string(i) + " '" + in.ir->name + "' is " + std::string(DTypeName(in.dtype)));
  if (shape != in.shape) {
    // A different batch size is fine: the model is re-prepared for it.
    const bool batch_only = shape.size() == in.shape.size() && !shape.empty() &&
                            std::equal(shape.begin() + 1, shape.end(), in.shape.begin() + 1);
    if (!batch_only)
      return InvalidArgument(path + ": shape " + ShapeText(shape) + ", but model input " + std::to_string(i) + " '" +
                             in.ir->name + "' has shape " + ShapeText(in.shape));
    LITEOPT_RETURN_IF_ERROR(interp.ResizeInput(i, shape));
  }
  std::memcpy(interp.input_bytes(i), arr->data.data(), arr->data.size());
  return Status::Ok();
}

Status FillFromImage(runtime::Interpreter& interp, int i, const std::string& path, const RunConfig& cfg) {
  const ops::TensorRef& in = interp.input(i);
  if ((in.rank() != 4 && in.rank() != 3) || in.dim(0) != 1) {
    return InvalidArgument("model input " + std::to_string(i) + " '" + in.ir->name + "' has shape " +
                           ShapeText(in.shape) + ", which is not an image ([1,H,W,C] or [1,H,W]); give a .npy file");
  }
  data::InputTensorInfo info{in.ir->name, in.shape, in.dtype, in.quant->quantized(), in.scale(), in.zero_point()};
  const data::ResizeMethod resize = cfg.resize == "nearest" ? data::ResizeMethod::kNearest
                                    : cfg.resize == "area"  ? data::ResizeMethod::kArea
                                                            : data::ResizeMethod::kBilinear;
  auto spec_or = data::ModelInputSpecFor(info, cfg.normalize, resize);
  if (!spec_or.ok()) {
    return InvalidArgument("model input " + std::to_string(i) + ": " + spec_or.status().message() +
                           "; give a .npy file");
  }
  const data::ModelInputSpec& spec = *spec_or;
  data::DecodeOptions dopt;
  dopt.channels = spec.channels;
  auto image = data::ReadImage(path, dopt);
  if (!image.ok()) return image.status();
  auto bytes = data::ToModelInput(*image, spec);
  if (!bytes.ok()) return bytes.status().message().empty() ? Internal(path) : bytes.status();
  if (bytes->size() != in.bytes) return Internal(path + ": converted image has the wrong size");
  std::memcpy(interp.input_bytes(i), bytes->data(), bytes->size());
  return Status::Ok();
}

// A classifier output: [N] or [1, N] with N > 1.
bool LooksLikeScores(const ops::TensorRef& t) {
  const int64_t n = t.num_elements();
  return n > 1 && (t.rank() == 1 || (t.rank() == 2 && t.dim(0) == 1)) &&
         (t.dtype == DType::kFloat32 || t.dtype == DType::kInt8 || t.dtype == DType::kUInt8);
}

float ScoreAt(const ops::TensorRef& t, int64_t i) {
  switch (t.dtype) {
    case DType::kFloat32: return t.as<float>()[i];
    case DType::kInt8: return t.quant->quantized() ? qmath::DequantizeValue(t.as<int8_t>()[i], t.scale(), t.zero_point())
                                                   : t.as<int8_t>()[i];
    default: return t.quant->quantized() ? qmath::DequantizeValue(t.as<uint8_t>()[i], t.scale(), t.zero_point())
                                         : t.as<uint8_t>()[i];
  }
}

int RunRun(const RunConfig& cfg) {
  runtime::InterpreterOptions opt;
  opt.num_threads = cfg.threads;
  opt.reference = cfg.reference;
  opt.numerics = cfg.numerics == "tflite-builtin" ? ops::Numerics::kTfliteBuiltin : ops::Numerics::kTfliteRuntime;
  auto graph = io::ReadModelFile(cfg.model, {cfg.keras_config});
  if (!graph.ok()) return Fail(graph.status().message());
  auto interp_or = runtime::Interpreter::Create(std::move(*graph), opt);
  if (!interp_or.ok()) return Fail(cfg.model + ": " + interp_or.status().message());
  runtime::Interpreter& interp = **interp_or;

  if (static_cast<int>(cfg.inputs.size()) != interp.num_inputs()) {
    std::string msg = cfg.model + " has " + std::to_string(interp.num_inputs()) + " input" +
                      (interp.num_inputs() == 1 ? "" : "s") + " but " + std::to_string(cfg.inputs.size()) +
                      " --input given; one per input, in order:";
    for (int i = 0; i < interp.num_inputs(); ++i)
      msg += "\n  " + std::to_string(i) + " '" + interp.input(i).ir->name + "' " +
             std::string(DTypeName(interp.input(i).dtype)) + ShapeText(interp.input(i).shape);
    std::fprintf(stderr, "liteopt: error: %s\n", msg.c_str());
    return kExitUsage;
  }
  for (int i = 0; i < interp.num_inputs(); ++i) {
    const std::string& path = cfg.inputs[i];
    Status st = EndsWith(path, ".npy") ? FillFromNpy(interp, i, path) : FillFromImage(interp, i, path, cfg);
    if (!st.ok()) return Fail(st.message());
  }
  const auto t0 = std::chrono::steady_clock::now();
  Status st = interp.Invoke();
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!st.ok()) return Fail(st.message());
  std::fprintf(stderr, "liteopt: invoke took %.3f ms (%d thread%s%s)\n", ms, cfg.threads, cfg.threads == 1 ? "" : "s",
               cfg.reference ? ", reference kernels" : "");

  if (!cfg.output_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(cfg.output_dir, ec);
    if (ec) return Fail(cfg.output_dir + ": cannot create the output directory: " + ec.message());
    for (int k = 0; k < interp.num_outputs(); ++k) {
      const ops::TensorRef& o = interp.output(k);
      const std::string path = cfg.output_dir + "/output_" + std::to_string(k) + ".npy";
      std::vector<int64_t> shape(o.shape.begin(), o.shape.end());
      Status ws = data::WriteNpy(path, o.dtype, shape, o.data, o.bytes);
      if (!ws.ok()) return Fail(ws.message());
      std::fprintf(stderr, "liteopt: wrote %s (%s%s)\n", path.c_str(), std::string(DTypeName(o.dtype)).c_str(),
                   ShapeText(o.shape).c_str());
    }
  }

  std::vector<std::string> labels;
  if (!cfg.labels.empty()) {
    auto l = data::ReadLabelsFile(cfg.labels, {.rename_repeated = true});
    if (!l.ok()) return Fail(l.status().message());
    for (int id = 0; id < l->size(); ++id) labels.push_back(l->name(id));
  }
  for (int k = 0; k < interp.num_outputs(); ++k) {
    const ops::TensorRef& o = interp.output(k);
    if (!LooksLikeScores(o)) {
      std::printf("output %d '%s': %s%s\n", k, o.ir->name.c_str(), std::string(DTypeName(o.dtype)).c_str(),
                  ShapeText(o.shape).c_str());
      continue;
    }
    const int64_t n = o.num_elements();
    std::vector<int64_t> idx(static_cast<size_t>(n));
    std::iota(idx.begin(), idx.end(), 0);
    const int64_t k_top = std::min<int64_t>(cfg.top_k, n);
    std::partial_sort(idx.begin(), idx.begin() + k_top, idx.end(), [&](int64_t a, int64_t b) {
      const float sa = ScoreAt(o, a), sb = ScoreAt(o, b);
      return sa > sb || (sa == sb && a < b);
    });
    std::printf("output %d '%s': top-%lld of %lld classes\n", k, o.ir->name.c_str(), static_cast<long long>(k_top),
                static_cast<long long>(n));
    for (int64_t r = 0; r < k_top; ++r) {
      const int64_t c = idx[r];
      const std::string name = c < static_cast<int64_t>(labels.size()) ? labels[c] : "";
      std::printf("  %lld  class %-5lld %10.6f  %s\n", static_cast<long long>(r + 1), static_cast<long long>(c),
                  ScoreAt(o, c), name.c_str());
    }
  }
  return kExitOk;
}

}  // namespace

Command AddRunCommand(CLI::App& root) {
  auto cfg = std::make_shared<RunConfig>();
  CLI::App* app = root.add_subcommand("run", "Run a model once on .npy tensors or images; write outputs, print top-5");
  app->add_option("model", cfg->model, "a .tflite file or a Keras .h5 model")->required();
  AddKerasConfigOption(*app, &cfg->keras_config);
  app->add_option("-i,--input", cfg->inputs,
                  "one per model input, in order: a .npy file (dtype and shape checked) or an image (JPEG, PNG, BMP)");
  app->add_option("-o,--output-dir", cfg->output_dir, "write output_0.npy, output_1.npy, ... here");
  app->add_option("--threads", cfg->threads, "threads for the optimized conv, depthwise and fully connected kernels")->check(CLI::Range(1, 256));
  app->add_flag("--reference", cfg->reference, "run every op on its reference kernel");
  app->add_option("--labels", cfg->labels, "class names, one per line (line index = class id)");
  app->add_option("--top", cfg->top_k, "how many classes to print")->check(CLI::Range(1, 1000));
  app->add_option("--normalize", cfg->normalize, "pixel range an image is scaled to: 0,1, -1,1, 0,255 (raw), or auto (0,1 for float inputs; "
                  "for integer inputs the range their quantization covers)")
      ->check(CLI::IsMember({"auto", "0,1", "-1,1", "0,255"}));
  app->add_option("--numerics", cfg->numerics,
                  "integer arithmetic to reproduce: tflite-runtime (the official runtime's default, with its XNNPACK "
                  "delegate) or tflite-builtin (TFLite's built-in kernels, as TFLite Micro)")
      ->check(CLI::IsMember({"tflite-runtime", "tflite-builtin"}));
  app->add_option("--resize", cfg->resize, "image resize method")->check(CLI::IsMember({"bilinear", "nearest", "area"}));
  return {app, [cfg] { return RunRun(*cfg); }};
}

}  // namespace liteopt::cli
