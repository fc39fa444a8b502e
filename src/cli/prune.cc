// `liteopt prune MODEL --data train.csv --val val.csv --epochs N --target-sparsity 0.5 -o pruned.tflite`:
// magnitude pruning while fine-tuning in the training plugin (src/train/prune.h) on TFMOT's schedules, then
// optionally full-integer conversion (--int8), and the pruned weights written in TFLite's sparse format
// (io/tflite/sparse.h) so the file itself shrinks. Reports per-layer sparsity, validation accuracy before and
// after (liteopt's interpreter), and raw and gzipped sizes.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/dataset_flags.h"
#include "cli/eval_report.h"
#include "cli/samples.h"
#include "cli/train_plugin.h"
#include "eval/metrics.h"
#include "io/tflite/reader.h"
#include "io/tflite/sparse.h"
#include "io/tflite/writer.h"
#include "quant/convert.h"
#include "runtime/interpreter.h"
#include "train/prune_api.h"

namespace liteopt::cli {

namespace {

namespace fs = std::filesystem;

struct PruneFlags {
  train::PruneConfig config;
  DatasetFlags dataset;
  bool int8 = false;
  std::string representative;
  SampleFlags samples;
  std::string io_type = "float32";
  bool dense = false;  // --no-sparse-format
};

// CONV_2D / FULLY_CONNECTED ops with constant float weights: what pruning can act on.
int PrunableOps(const ir::Graph& g) {
  int n = 0;
  for (const ir::Op& op : g.main().ops) {
    if ((op.type != ir::OpType::CONV_2D && op.type != ir::OpType::FULLY_CONNECTED) || op.inputs.size() < 2 ||
        op.inputs[1] < 0)
      continue;
    const ir::Tensor& w = g.main().tensors[op.inputs[1]];
    n += w.dtype == DType::kFloat32 && !g.data(w).empty();
  }
  return n;
}

Status CheckFlags(const PruneFlags& f, const ir::Graph& model) {
  const train::PruneConfig& c = f.config;
  LITEOPT_RETURN_IF_ERROR(train::CheckSchedule(c.schedule));
  if (c.structure == "2:4" && c.schedule.target_sparsity != 0.5)
    return InvalidArgument("--block 2:4 prunes 2 of every 4 weights: use --target-sparsity 0.5");
  if (c.structure == "2:4" && c.scope == "global")
    return InvalidArgument("--scope global ranks 1x1 or 1x4 units; 2:4 keeps 2 of every 4 in each layer");
  if (f.int8 != !f.representative.empty())
    return InvalidArgument("--int8 and --representative-data go together (calibration images for the int8 model)");
  if (f.io_type != "float32" && !f.int8) return InvalidArgument("--io-type " + f.io_type + " needs --int8");
  std::error_code ec;
  if (fs::exists(c.train.output, ec) && fs::equivalent(c.train.init_model, c.train.output, ec))
    return InvalidArgument(c.train.output + ": the output would overwrite the input model; choose another path");
  if (PrunableOps(model) == 0)
    return NotFound("no prunable layers: " + c.train.init_model +
                    " has no CONV_2D or FULLY_CONNECTED with float weights (pruning follows TFMOT: convolution and "
                    "dense kernels; depthwise kernels are not pruned)");
  return Status::Ok();
}

// Top-1 on the validation CSV in liteopt's interpreter (labels.txt beside the model, else the CSV's sorted
// labels, the training encoding).
Result<double> Accuracy(const std::string& model, const PruneFlags& f) {
  EvalFlags e;
  e.data = f.config.train.val_csv;
  e.dataset = f.dataset;
  e.normalize = f.config.train.normalize;
  e.no_batched = true;
  e.threads = f.config.train.threads;
  LITEOPT_ASSIGN_OR_RETURN(eval::EvalResult r, eval::Evaluate(model, e.Options()));
  return r.top1;
}

struct Sizes {
  int64_t raw = 0, gzip = 0;
};
Result<Sizes> SizesOf(const ir::Graph& g) {
  LITEOPT_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, io::tflite::SerializeTflite(g));
  return Sizes{static_cast<int64_t>(bytes.size()), eval::GzipSize(bytes.data(), bytes.size())};
}

std::string ShapeText(const std::vector<int32_t>& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "," : "") + std::to_string(s[i]);
  return out + "]";
}

void PrintLayers(const std::vector<io::tflite::SparsifiedWeight>& weights, bool sparse_format) {
  std::printf("%-4s %-17s %-16s %-40s %8s  %s\n", "op", "type", "shape", "weights", "sparsity", "stored");
  for (const auto& w : weights) {
    std::string stored = w.sparse ? "sparse " + std::string(w.block == 4 ? "1x4" : "1x1") + ", " +
                                        std::to_string(w.dense_bytes) + " -> " + std::to_string(w.sparse_bytes) +
                                        " bytes"
                                  : "dense, " + std::to_string(w.dense_bytes) + " bytes";
    if (!w.sparse && sparse_format && w.zeros > 0 && !w.note.empty()) stored += " (" + w.note + ")";
    std::string name = w.tensor.size() > 40 ? "..." + w.tensor.substr(w.tensor.size() - 37) : w.tensor;
    std::printf("%-4d %-17s %-16s %-40s %7.1f%%  %s\n", w.op_index, w.op_type.c_str(), ShapeText(w.shape).c_str(),
                name.c_str(), 100.0 * w.sparsity(), stored.c_str());
  }
}

std::string Fixed4(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4f", v);
  return b;
}

// One written model: its weights' report, sizes with dense and with sparse weights, validation accuracy.
struct Variant {
  std::string kind, path;
  std::vector<io::tflite::SparsifiedWeight> weights;
  Sizes dense, written;
  double accuracy = -1;
};

// Writes `g` with its pruned weights in the sparse format (unless --no-sparse-format), after checking that the
// result loads in liteopt: a bug never leaves a broken file behind.
Result<Variant> WriteVariant(const ir::Graph& g, const std::string& path, const std::string& kind,
                             const PruneFlags& f) {
  Variant v;
  v.kind = kind;
  v.path = path;
  LITEOPT_ASSIGN_OR_RETURN(v.dense, SizesOf(g));
  ir::Graph model = g;
  io::tflite::SparsifyOptions so;
  so.block = f.config.structure == "1x1" ? 1 : 4;
  if (f.dense) so.min_saving_bytes = SIZE_MAX;  // report only
  LITEOPT_ASSIGN_OR_RETURN(v.weights, io::tflite::SparsifyWeights(model, so));
  auto shared = std::make_shared<const ir::Graph>(std::move(model));
  auto check = runtime::Interpreter::Create(shared);
  if (!check.ok())
    return Internal("the pruned " + kind + " model does not load in liteopt (not written): " + check.status().message());
  LITEOPT_RETURN_IF_ERROR(io::tflite::WriteTfliteFile(*shared, path));
  LITEOPT_ASSIGN_OR_RETURN(v.written, SizesOf(*shared));
  if (!f.config.train.val_csv.empty()) {
    LITEOPT_ASSIGN_OR_RETURN(v.accuracy, Accuracy(path, f));
  }
  return v;
}

// The plugin's run: the pruned float model (zeros in place, masks stripped) at config.train.output.
Result<train::PruneOutcome> RunPlugin(PruneFlags& f, int* code) {
  ApplyDatasetFlags(f.config.train, f.dataset);
  LITEOPT_ASSIGN_OR_RETURN(void* symbol, TrainingPluginSymbol(train::kPruneEntryPoint));
  auto entry = reinterpret_cast<train::PruneMainFn>(symbol);
  train::PruneOutcome outcome;
  std::string error;
  *code = entry(&f.config, &outcome, &error);
  if (*code != kExitOk && *code != train::kTrainInterrupted) return InvalidArgument(error.empty() ? "pruning failed" : error);
  return outcome;
}

int RunPrune(PruneFlags& f) {
  const train::PruneConfig& c = f.config;
  auto input = io::tflite::ReadTfliteFile(c.train.init_model);
  if (!input.ok()) return Fail(input.status().message());
  Status ok = CheckFlags(f, **input);
  if (!ok.ok()) return Fail(ok.message());
  auto input_sizes = SizesOf(**input);
  if (!input_sizes.ok()) return Fail(input_sizes.status().message());
  double before = -1;
  if (!c.train.val_csv.empty()) {
    if (!c.train.quiet) std::fprintf(stderr, "validation accuracy of %s...\n", c.train.init_model.c_str());
    auto acc = Accuracy(c.train.init_model, f);
    if (!acc.ok()) return Fail(acc.status().message());
    before = *acc;
  }

  int code = kExitOk;
  auto outcome = RunPlugin(f, &code);
  if (!outcome.ok()) return Fail(outcome.status().message());
  if (code == train::kTrainInterrupted) return code;

  // The pruned float model, written sparse; with --int8 also its full-integer conversion (zeros stay zeros:
  // weights are symmetric), written at -o with the float one beside it.
  auto pruned = io::tflite::ReadTfliteFile(c.train.output);
  if (!pruned.ok()) return Fail(pruned.status().message());
  const fs::path out(c.train.output);
  const std::string float_path =
      f.int8 ? (out.parent_path() / (out.stem().string() + ".float.tflite")).string() : c.train.output;
  std::vector<Variant> variants;
  auto fv = WriteVariant(**pruned, float_path, "float", f);
  if (!fv.ok()) return Fail(fv.status().message());
  variants.push_back(std::move(*fv));
  if (f.int8) {
    SampleFlags sf = f.samples;
    sf.normalize = c.train.normalize;  // the range the model was trained on
    auto samples = LoadModelSamples(f.representative, **pruned, sf, f.dataset, "--representative-data");
    if (!samples.ok()) return Fail(samples.status().message());
    quant::ConvertOptions o;
    o.mode = quant::Mode::kFullInteger;
    o.io_type = f.io_type == "int8" ? DType::kInt8 : f.io_type == "uint8" ? DType::kUInt8 : DType::kFloat32;
    auto q = quant::Convert(**pruned, o, *samples);
    if (!q.ok()) return Fail(c.train.output + ": int8 conversion: " + q.status().message());
    auto iv = WriteVariant(*q, c.train.output, "int8", f);
    if (!iv.ok()) return Fail(iv.status().message());
    variants.push_back(std::move(*iv));
  }

  const train::ResolvedSchedule& s = outcome->schedule;
  std::printf(
      "pruned %s: %zu layers (%s%s), %s schedule %g -> %g at steps %lld..%lld every %lld (%lld steps, %d epochs)\n",
      c.train.init_model.c_str(), outcome->layers.size(), c.structure.c_str(),
      c.scope == "global" ? ", global ranking" : "", s.s.kind.c_str(),
      s.s.kind == "polynomial" ? s.s.initial_sparsity : s.s.target_sparsity, s.final_sparsity,
      static_cast<long long>(s.s.begin_step), static_cast<long long>(s.s.end_step),
      static_cast<long long>(s.s.frequency), static_cast<long long>(s.total_steps), outcome->train.epochs_done);
  if (!s.note.empty()) std::printf("note: %s\n", s.note.c_str());
  PrintLayers(variants.back().weights, !f.dense);
  std::printf("%-8s %12s %12s %9s\n", "model", "bytes", "gzip", "val top-1");
  std::printf("%-8s %12lld %12lld %9s\n", "input", static_cast<long long>(input_sizes->raw),
              static_cast<long long>(input_sizes->gzip), before >= 0 ? Fixed4(before).c_str() : "-");
  for (const Variant& v : variants) {
    std::printf("%-8s %12lld %12lld %9s  pruned %s, weights dense (zeros in place)\n", v.kind.c_str(),
                static_cast<long long>(v.dense.raw), static_cast<long long>(v.dense.gzip), "", v.kind.c_str());
    std::printf("%-8s %12lld %12lld %9s  %s, %.3fx of the dense file\n", v.kind.c_str(),
                static_cast<long long>(v.written.raw), static_cast<long long>(v.written.gzip),
                v.accuracy >= 0 ? Fixed4(v.accuracy).c_str() : "-", v.path.c_str(),
                v.dense.raw ? static_cast<double>(v.written.raw) / v.dense.raw : 0.0);
  }
  if (before >= 0)
    std::printf("validation top-1 (liteopt's interpreter): %+.2f points for the written %s model (kept epoch %d)\n",
                100.0 * (variants.back().accuracy - before), variants.back().kind.c_str(), outcome->train.best_epoch);
  std::printf("wrote");
  for (const Variant& v : variants) std::printf(" %s\n     ", v.path.c_str());
  std::printf(" %s\n      %s\n      %s\n", outcome->train.labels_path.c_str(), outcome->train.history_csv.c_str(),
              outcome->train.checkpoint_path.c_str());
  return kExitOk;
}

}  // namespace

Command AddPruneCommand(CLI::App& root) {
  auto f = std::make_shared<PruneFlags>();
  train::TrainConfig& c = f->config.train;
  train::PruneSchedule& s = f->config.schedule;
  // Fine-tuning defaults, measured on the Fashion-MNIST MobileNetV2 (docs/PERFORMANCE.md, pruning section): Adam
  // at 1e-3 (TFMOT's example) decaying to 0 on a cosine, batch 32 and 4 epochs. TFMOT's 2 epochs at a constant
  // rate lose 2.8 points at 50% sparsity; 2 epochs with the cosine still 1.4; 4 epochs 0.6.
  c.epochs = 4;
  c.lr = 1e-3f;
  c.lr_schedule = "cosine";
  CLI::App* app = root.add_subcommand(
      "prune",
      "Magnitude pruning while fine-tuning a float .tflite (TFMOT's PolynomialDecay / ConstantSparsity schedules), "
      "optionally converted to int8, written with the pruned weights in TFLite's sparse format (smaller file; "
      "runs in liteopt and in the official runtime)");
  AddFineTuningFlags(*app, c, f->dataset,
                     {"the float .tflite to prune (e.g. from `liteopt train`)",
                      "validation CSV: accuracy before and after, and the best pruned epoch",
                      "constant, cosine (to 0 over the run) or onecycle", "seed of shuffling"});
  app->add_flag("--flip-lr", c.flip_left_right, "augment: random left-right flips");
  app->add_option("--target-sparsity", s.target_sparsity, "fraction of the pruned layers' weights set to zero, in (0, 1)")
      ->capture_default_str();
  app->add_option("--schedule", s.kind, "polynomial (PolynomialDecay) or constant (ConstantSparsity)")
      ->capture_default_str()->check(CLI::IsMember({"polynomial", "constant"}));
  app->add_option("--initial-sparsity", s.initial_sparsity, "polynomial: sparsity at --begin-step")->capture_default_str();
  app->add_option("--begin-step", s.begin_step, "first step with a mask update (default 0)");
  app->add_option("--end-step", s.end_step,
                  "last step of mask updates (default: the last update within 75% of the run; constant: the end)");
  app->add_option("--frequency", s.frequency, "steps between mask updates (default 100, fewer on short runs)");
  app->add_option("--power", s.power, "polynomial exponent")->capture_default_str();
  app->add_option("--block", f->config.structure,
                  "1x1 (single weights), 1x4 (blocks of 4 input channels: TFLite's sparse block) or 2:4 (2 of every 4)")
      ->capture_default_str()->check(CLI::IsMember({"1x1", "1x4", "2:4"}));
  app->add_option("--scope", f->config.scope,
                  "layer (every pruned layer at the target sparsity, TFMOT) or global (one magnitude ranking over "
                  "all pruned layers, the target sparsity overall)")
      ->capture_default_str()->check(CLI::IsMember({"layer", "global"}));
  app->add_flag("--int8", f->int8, "convert the pruned model to full integer (with --representative-data)");
  app->add_option("--representative-data", f->representative, "CSV of calibration images for --int8");
  app->add_option("--samples", f->samples.count, "calibration samples")->capture_default_str()->check(CLI::Range(1, 1000000));
  app->add_option("--io-type", f->io_type, "input/output type of the int8 model")->capture_default_str()
      ->check(CLI::IsMember({"float32", "int8", "uint8"}));
  app->add_flag("--no-sparse-format", f->dense, "write the pruned weights dense (zeros in place)");
  app->add_option("-o,--output", c.output,
                  "the pruned model (.tflite); with --int8 the int8 one, the float one beside it as <stem>.float.tflite")
      ->required();
  app->add_flag("--quiet", c.quiet, "no progress on stderr");
  app->add_option("--max-steps", c.max_steps, "stop every epoch after this many batches (smoke tests)");
  return {app, [f] { return RunPrune(*f); }};
}

}  // namespace liteopt::cli
