#include "train/trainer.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include "base/file_io.h"
#include "base/quant_math.h"
#include "data/dataset.h"
#include "data/model_input.h"
#include "data/pipeline.h"
#include "io/model_file.h"
#include "io/tflite/reader.h"
#include "io/tflite/writer.h"
#include "runtime/interpreter.h"
#include "train/model.h"
#include "train/qat.h"

namespace liteopt::train {

namespace {

namespace fs = std::filesystem;

std::atomic<bool> g_interrupted{false};
extern "C" void OnSigint(int) { g_interrupted.store(true); }

// Installs the SIGINT handler for the duration of a run; a second Ctrl-C kills the process as usual.
class SigintScope {
 public:
  SigintScope() {
    g_interrupted.store(false);
    struct sigaction sa = {};
    sa.sa_handler = OnSigint;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    installed_ = ::sigaction(SIGINT, &sa, &previous_) == 0;
  }
  ~SigintScope() {
    if (installed_) ::sigaction(SIGINT, &previous_, nullptr);
  }

 private:
  struct sigaction previous_ = {};
  bool installed_ = false;
};

double ProcessCpuSeconds() {
  struct rusage u = {};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string Seconds(double s) {
  char buf[64];
  if (s < 60) std::snprintf(buf, sizeof buf, "%.0fs", s);
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  else std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s) / 3600, static_cast<int>(s) / 60 % 60);
  return buf;
}

// The learning rate (and, for onecycle, Adam's beta1 / SGD's momentum) at `step` of `total`.
struct Schedule {
  std::string kind;
  double lr = 0;
  int64_t total = 1;

  // PyTorch's OneCycleLR defaults: pct_start 0.2 (as the baseline), div_factor 25, final_div_factor 1e4, cosine
  // annealing, momentum cycled between 0.85 and 0.95.
  std::pair<double, double> At(int64_t step) const {
    if (kind == "cosine") return {lr * 0.5 * (1 + std::cos(M_PI * static_cast<double>(step) / total)), -1};
    if (kind != "onecycle") return {lr, -1};
    const double initial = lr / 25, minimum = initial / 1e4;
    const double up_end = 0.2 * total - 1, down_end = static_cast<double>(total) - 1;
    auto anneal = [](double start, double end, double pct) { return end + (start - end) / 2 * (std::cos(M_PI * pct) + 1); };
    if (step <= up_end) {
      const double pct = up_end > 0 ? step / up_end : 1.0;
      return {anneal(initial, lr, pct), anneal(0.95, 0.85, pct)};
    }
    const double pct = (step - up_end) / std::max(down_end - up_end, 1.0);
    return {anneal(lr, minimum, std::min(pct, 1.0)), anneal(0.85, 0.95, std::min(pct, 1.0))};
  }
};

void ApplySchedule(torch::optim::Optimizer& opt, bool adam, const std::pair<double, double>& v) {
  for (auto& group : opt.param_groups()) {
    if (adam) {
      auto& o = static_cast<torch::optim::AdamOptions&>(group.options());
      o.lr(v.first);
      if (v.second >= 0) o.betas(std::make_tuple(v.second, std::get<1>(o.betas())));
    } else {
      auto& o = static_cast<torch::optim::SGDOptions&>(group.options());
      o.lr(v.first);
      if (v.second >= 0) o.momentum(v.second);
    }
  }
}

// Everything a checkpoint holds besides the tensors.
struct Position {
  int epoch = 0;     // epochs completed
  int64_t step = 0;  // batches done in epoch `epoch` (interrupted mid-epoch), else 0
  int best_epoch = 0;
  double best_accuracy = -1;
  std::vector<EpochRecord> history;
};

nlohmann::json HistoryJson(const std::vector<EpochRecord>& history) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : history) {
    nlohmann::json j = {{"epoch", r.epoch}, {"loss", r.loss}, {"accuracy", r.accuracy}, {"lr", r.lr},
                        {"seconds", r.seconds}, {"images_per_second", r.images_per_second},
                        {"cpu_seconds", r.cpu_seconds}};
    if (r.val_accuracy >= 0) {
      j["val_loss"] = r.val_loss;
      j["val_accuracy"] = r.val_accuracy;
    }
    rows.push_back(std::move(j));
  }
  return rows;
}

std::vector<EpochRecord> HistoryFromJson(const nlohmann::json& rows) {
  std::vector<EpochRecord> out;
  for (const auto& j : rows) {
    EpochRecord r;
    r.epoch = j.at("epoch").get<int>();
    r.loss = j.at("loss").get<double>();
    r.accuracy = j.at("accuracy").get<double>();
    r.lr = j.at("lr").get<double>();
    r.seconds = j.at("seconds").get<double>();
    r.images_per_second = j.at("images_per_second").get<double>();
    r.cpu_seconds = j.value("cpu_seconds", 0.0);
    r.val_loss = j.value("val_loss", -1.0);
    r.val_accuracy = j.value("val_accuracy", -1.0);
    out.push_back(r);
  }
  return out;
}

Status WriteHistory(const std::vector<EpochRecord>& history, const std::string& csv, const std::string& json) {
  std::string text = "epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds,images_per_second,cpu_seconds\n";
  for (const auto& r : history) {
    text += std::to_string(r.epoch) + "," + Fixed(r.loss, 6) + "," + Fixed(r.accuracy, 6) + "," +
            (r.val_accuracy >= 0 ? Fixed(r.val_loss, 6) : "") + "," +
            (r.val_accuracy >= 0 ? Fixed(r.val_accuracy, 6) : "") + "," + Fixed(r.lr, 8) + "," +
            Fixed(r.seconds, 3) + "," + Fixed(r.images_per_second, 1) + "," + Fixed(r.cpu_seconds, 3) + "\n";
  }
  LITEOPT_RETURN_IF_ERROR(WriteFileAtomic(csv, text));
  return WriteFileAtomic(json, HistoryJson(history).dump(1) + "\n");
}

Status SaveCheckpoint(const std::string& path, const Net& net, torch::optim::Optimizer& opt,
                      const std::string& optimizer_name, const data::LabelMap& labels, const Position& pos) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive state;
  for (const auto& [name, t] : net.State()) state.write(name, t.detach());
  archive.write("state", state);
  torch::serialize::OutputArchive optimizer;
  opt.save(optimizer);
  archive.write("optimizer", optimizer);
  at::Tensor rng;
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    rng = gen.get_state();
  }
  archive.write("rng", rng);
  nlohmann::json meta = {{"format", "liteopt-train-checkpoint-1"}, {"signature", net.Signature()},
                         {"labels", labels.names()},   {"epoch", pos.epoch},
                         {"step", pos.step},           {"best_epoch", pos.best_epoch},
                         {"best_accuracy", pos.best_accuracy}, {"history", HistoryJson(pos.history)},
                         {"optimizer", optimizer_name}};
  archive.write("meta", c10::IValue(meta.dump()));
  std::ostringstream bytes;
  archive.save_to(bytes);
  return WriteFileAtomic(path, bytes.str());
}

Status LoadCheckpoint(const std::string& path, Net& net, torch::optim::Optimizer& opt,
                      const std::string& optimizer_name, const data::LabelMap& labels, Position* pos) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return NotFound(path + ": no such checkpoint");
  torch::serialize::InputArchive archive;
  nlohmann::json meta;
  try {
    archive.load_from(path);
    c10::IValue m;
    archive.read("meta", m);
    meta = nlohmann::json::parse(m.toStringRef());
  } catch (const std::exception& e) {
    return DataLoss(path + ": not a liteopt training checkpoint (" + std::string(e.what()).substr(0, 200) + ")");
  }
  if (meta.value("format", "") != "liteopt-train-checkpoint-1") return DataLoss(path + ": not a liteopt training checkpoint");
  const std::string sig = meta.value("signature", "");
  if (sig != net.Signature()) {
    auto head = [](const std::string& s) { return s.substr(0, s.find(';')); };
    return InvalidArgument(path + ": the checkpoint is of another model (" + head(sig) + ") than this run builds (" +
                           head(net.Signature()) + "); use the same --arch/--init, --alpha and --input-size");
  }
  if (meta.value("labels", std::vector<std::string>{}) != labels.names())
    return InvalidArgument(path + ": the checkpoint was trained on other classes than " + std::to_string(labels.size()) +
                           " labels of this training set");
  if (meta.value("optimizer", "") != optimizer_name)
    return InvalidArgument(path + ": the checkpoint was trained with --optimizer " + meta.value("optimizer", "?") +
                           "; resume with the same optimizer");
  at::NoGradGuard no_grad;
  torch::serialize::InputArchive state;
  archive.read("state", state);
  for (auto& [name, t] : net.State()) {
    at::Tensor saved;
    state.read(name, saved);
    t.copy_(saved);
  }
  torch::serialize::InputArchive optimizer;
  archive.read("optimizer", optimizer);
  opt.load(optimizer);
  at::Tensor rng;
  archive.read("rng", rng);
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(rng);
  }
  pos->epoch = meta.at("epoch").get<int>();
  pos->step = meta.at("step").get<int64_t>();
  pos->best_epoch = meta.at("best_epoch").get<int>();
  pos->best_accuracy = meta.at("best_accuracy").get<double>();
  pos->history = HistoryFromJson(meta.at("history"));
  return Status::Ok();
}

// Progress on stderr: redrawn in place on a terminal; one line per epoch otherwise.
class EpochProgress {
 public:
  EpochProgress(bool quiet) : quiet_(quiet), tty_(::isatty(STDERR_FILENO) == 1) {}
  void Start(int epoch, int epochs, int64_t steps) {
    epoch_ = epoch;
    epochs_ = epochs;
    steps_ = steps;
    start_ = last_ = std::chrono::steady_clock::now();
  }
  void Update(int64_t step, double loss, double acc, int64_t images) {
    if (quiet_ || !tty_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(200) && step < steps_) return;
    last_ = now;
    const double t = std::chrono::duration<double>(now - start_).count();
    const double eta = step > 0 ? t / step * (steps_ - step) : 0;
    std::fprintf(stderr, "\repoch %d/%d %3.0f%% (%lld/%lld) loss %.4f acc %.4f %.0f img/s ETA %s   ", epoch_,
                 epochs_, 100.0 * step / std::max<int64_t>(steps_, 1), static_cast<long long>(step),
                 static_cast<long long>(steps_), loss, acc, t > 0 ? images / t : 0.0, Seconds(eta).c_str());
    std::fflush(stderr);
  }
  void End(const EpochRecord& r, bool best, double eta) {
    if (quiet_) return;
    std::string line = "epoch " + std::to_string(r.epoch) + "/" + std::to_string(epochs_) + ": loss " +
                       Fixed(r.loss, 4) + " acc " + Fixed(r.accuracy, 4);
    if (r.val_accuracy >= 0) line += " | val_loss " + Fixed(r.val_loss, 4) + " val_acc " + Fixed(r.val_accuracy, 4);
    line += " | " + Fixed(r.images_per_second, 0) + " img/s, " + Seconds(r.seconds) + ", lr " + Fixed(r.lr, 6);
    if (eta > 0) line += ", ETA " + Seconds(eta);
    if (best) line += " (best)";
    std::fprintf(stderr, "%s%s\n", tty_ ? "\r\33[K" : "", line.c_str());
  }
  void Note(const std::string& text) {
    if (!quiet_) std::fprintf(stderr, "%s%s\n", tty_ ? "\r\33[K" : "", text.c_str());
  }

 private:
  bool quiet_, tty_;
  int epoch_ = 0, epochs_ = 0;
  int64_t steps_ = 0;
  std::chrono::steady_clock::time_point start_, last_;
};

struct Evaluation {
  double loss = 0, accuracy = 0;
};

Result<Evaluation> Evaluate(const Net& net, data::Pipeline& pipeline, int64_t batches) {
  at::NoGradGuard no_grad;
  double loss = 0;
  int64_t correct = 0, count = 0;
  data::Batch batch;
  for (int64_t i = 0; i < batches; ++i) {
    LITEOPT_ASSIGN_OR_RETURN(bool more, pipeline.Next(&batch));
    if (!more) break;
    const auto& s = batch.shape;
    at::Tensor x = at::from_blob(batch.data.data(), {s[0], s[1], s[2], s[3]}, at::kFloat).permute({0, 3, 1, 2});
    at::Tensor y = at::from_blob(batch.labels.data(), {s[0]}, at::kInt).to(at::kLong);
    at::Tensor logits = net.Forward(x, false);
    loss += at::cross_entropy_loss(logits, y).item<double>() * s[0];
    correct += logits.argmax(1).eq(y).sum().item<int64_t>();
    count += s[0];
  }
  if (count == 0) return InvalidArgument("the validation set produced no samples");
  return Evaluation{loss / count, static_cast<double>(correct) / count};
}

std::string SizeText(int h, int w, int c) {
  return std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(c);
}

// The model's input from float pixels: copied, or quantized with the input's parameters (int8 / uint8 I/O).
void SetInput(runtime::Interpreter& interp, const float* x) {
  const ops::TensorRef& in = interp.input(0);
  const int64_t n = in.num_elements();
  if (in.dtype == DType::kFloat32) {
    std::memcpy(interp.input_bytes(0), x, n * 4);
    return;
  }
  int32_t qmin, qmax;
  qmath::DTypeRange(in.dtype, &qmin, &qmax);
  uint8_t* out = interp.input_bytes(0);
  for (int64_t i = 0; i < n; ++i) {
    const int32_t q = qmath::QuantizeValue(x[i], in.scale(), in.zero_point(), qmin, qmax);
    out[i] = in.dtype == DType::kInt8 ? static_cast<uint8_t>(static_cast<int8_t>(q)) : static_cast<uint8_t>(q);
  }
}

// The index of the largest output (float, or int8 / uint8: dequantization keeps the order).
int TopClass(const ops::TensorRef& out) {
  const int64_t n = out.num_elements();
  auto top = [n](const auto* p) { return static_cast<int>(std::max_element(p, p + n) - p); };
  if (out.dtype == DType::kInt8) return top(out.as<int8_t>());
  if (out.dtype == DType::kUInt8) return top(out.as<uint8_t>());
  return top(out.as<float>());
}

// Runs the written model in liteopt's interpreter over the validation set: the accuracy the .tflite gives.
Result<double> InterpreterAccuracy(const std::string& model, data::Pipeline& pipeline, int threads) {
  LITEOPT_ASSIGN_OR_RETURN(auto interp, runtime::Interpreter::FromFile(model, {.num_threads = threads}));
  int64_t correct = 0, count = 0;
  data::Batch batch;
  const int64_t batches = static_cast<int64_t>(pipeline.batches_per_epoch());
  for (int64_t i = 0; i < batches; ++i) {
    LITEOPT_ASSIGN_OR_RETURN(bool more, pipeline.Next(&batch));
    if (!more) break;
    // One image at a time: models with a batch-1 RESHAPE (most converted Keras models) cannot be resized.
    const ops::TensorRef& in = interp->input(0);
    const int64_t image_values = static_cast<int64_t>(batch.data.size() / 4 / batch.size);
    if (in.num_elements() != image_values)
      return InvalidArgument("the model input takes " + std::to_string(in.num_elements()) + " values, an image has " +
                             std::to_string(image_values));
    for (int n = 0; n < batch.size; ++n) {
      SetInput(*interp, reinterpret_cast<const float*>(batch.data.data()) + n * image_values);
      LITEOPT_RETURN_IF_ERROR(interp->Invoke());
      correct += TopClass(interp->output(0)) == batch.labels[n];
    }
    count += batch.size;
  }
  return count > 0 ? static_cast<double>(correct) / count : 0.0;
}

Result<QatOptions> QatOptionsFrom(const QatConfig& c) {
  QatOptions o;
  if (c.io_type == "int8") o.io_type = DType::kInt8;
  else if (c.io_type == "uint8") o.io_type = DType::kUInt8;
  else if (c.io_type != "float32") return InvalidArgument("--io-type must be float32, int8 or uint8, got '" + c.io_type + "'");
  o.keep_float = c.keep_float;
  o.per_tensor = c.per_tensor;
  return o;
}

// QAT's net: init_model cleaned as the converter does, imported with fake quantization whose ranges start from
// calibration on training images (the same samples `liteopt convert --representative-data` takes from the CSV
// with the same --samples and --seed).
Result<Net> PrepareQatNet(const TrainConfig& cfg, std::shared_ptr<const data::SampleSource> train_source,
                          const data::LabelMap& labels, EpochProgress& progress, int* points) {
  LITEOPT_ASSIGN_OR_RETURN(QatOptions options, QatOptionsFrom(cfg.qat));
  LITEOPT_ASSIGN_OR_RETURN(auto graph, io::ReadModelFile(cfg.init_model));
  const ir::Subgraph& sg = graph->main();
  if (sg.inputs.size() != 1)
    return Unsupported(cfg.init_model + ": QAT needs a model with one image input (found " +
                       std::to_string(sg.inputs.size()) + ")");
  const ir::Tensor& t = sg.tensors[sg.inputs[0]];
  if (t.dtype != DType::kFloat32)
    return Unsupported(cfg.init_model + ": input '" + t.name + "' is " + std::string(DTypeName(t.dtype)) +
                       "; QAT starts from the float model");
  auto spec = data::ModelInputSpecFor({t.name, t.shape, t.dtype, false, 0.0f, 0}, cfg.normalize,
                                      static_cast<data::ResizeMethod>(cfg.resize));
  if (!spec.ok()) return Status(spec.status()).Prepend(cfg.init_model);
  data::RepresentativeOptions ro;
  ro.count = cfg.qat.calibration_samples;
  ro.seed = cfg.seed;
  ro.threads = cfg.threads;
  ro.skip_bad = cfg.skip_bad;
  ro.jpeg_dct_scaling = !cfg.exact_decode;
  LITEOPT_ASSIGN_OR_RETURN(auto samples, data::RepresentativeSamples(std::move(train_source), *spec, ro));
  progress.Note("calibrating the initial activation ranges on " + std::to_string(samples.size()) +
                " training images");
  auto prepared = PrepareQat(*graph, options, samples, std::max(cfg.threads, 1));
  if (!prepared.ok()) return Status(prepared.status()).Prepend(cfg.init_model);
  Net net = std::move(prepared->net);
  if (net.num_classes != labels.size())
    return InvalidArgument(cfg.init_model + " has " + std::to_string(net.num_classes) + " outputs, " + cfg.train_csv +
                           " " + std::to_string(labels.size()) +
                           " classes: QAT fine-tunes the model's own classifier (train a new head with `liteopt "
                           "train --init` first)");
  *points = static_cast<const FakeQuantizer&>(*net.quant).QuantizedValues();
  return net;
}

// Writes the model of the current weights: the float .tflite, or for QAT the float checkpoint and the int8
// model converted with the learned ranges (checked to load in liteopt before anything is written).
Status WriteModel(const Net& net, const TrainConfig& cfg, TrainOutcome& out) {
  if (!cfg.qat.enabled) {
    LITEOPT_ASSIGN_OR_RETURN(ir::Graph g, ExportGraph(net));
    return io::tflite::WriteTfliteFile(g, out.model_path);
  }
  LITEOPT_ASSIGN_OR_RETURN(QatOptions options, QatOptionsFrom(cfg.qat));
  LITEOPT_ASSIGN_OR_RETURN(QatExport e, ExportQat(net, options));
  if (cfg.qat.preserve_sparsity) {
    LITEOPT_ASSIGN_OR_RETURN(out.sparse_filters, StoreSparse(e));
  }
  auto int8 = std::make_shared<const ir::Graph>(std::move(e.int8_model));
  auto check = runtime::Interpreter::Create(int8);
  if (!check.ok())
    return Internal("the int8 model does not load in liteopt (not written): " + check.status().message());
  LITEOPT_RETURN_IF_ERROR(io::tflite::WriteTfliteFile(e.float_model, out.float_model_path));
  return io::tflite::WriteTfliteFile(*int8, out.model_path);
}

Result<TrainOutcome> TrainImpl(const TrainConfig& cfg, const TrainHooks& hooks) {
  TrainOutcome out;
  if (cfg.output.empty()) return InvalidArgument("no output model (-o)");
  if (cfg.epochs < (cfg.qat.enabled ? 0 : 1) || cfg.batch < 1)
    return InvalidArgument("--epochs and --batch must be at least 1");
  if (cfg.qat.enabled && cfg.init_model.empty()) return InvalidArgument("QAT needs a float model to start from");
  const fs::path output(cfg.output);
  const fs::path dir = output.has_parent_path() ? output.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return NotFound("output directory " + dir.string() + " does not exist");
  out.model_path = cfg.output;
  out.labels_path = (dir / "labels.txt").string();
  out.history_csv = (dir / (output.stem().string() + ".history.csv")).string();
  out.history_json = (dir / (output.stem().string() + ".history.json")).string();
  out.checkpoint_path = cfg.checkpoint.empty() ? (dir / (output.stem().string() + ".ckpt")).string() : cfg.checkpoint;
  if (cfg.qat.enabled)
    out.float_model_path = cfg.qat.float_output.empty() ? (dir / (output.stem().string() + ".float.tflite")).string()
                                                        : cfg.qat.float_output;

  at::set_num_threads(std::max(cfg.threads, 1));
  // libtorch allocates and frees multi-megabyte activations and gradients every step. With glibc's defaults the
  // freed memory goes back to the kernel (munmap, heap trimming) and is page-faulted in again at the next step:
  // measured at a third of this process's CPU time on the Fashion-MNIST MobileNet. Keep it in the heap instead.
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 1 << 30);
  EpochProgress progress(cfg.quiet);

  // Data.
  data::CsvDatasetOptions copt;
  copt.filename_column = cfg.filename_column;
  copt.label_column = cfg.label_column;
  copt.skip_bad = cfg.skip_bad;
  copt.image_root = cfg.image_root;
  LITEOPT_ASSIGN_OR_RETURN(data::CsvDataset train_csv, data::ReadCsvDataset(cfg.train_csv, copt));
  const data::LabelMap labels = data::LabelMap::FromDataset(train_csv);
  if (labels.size() < 2)
    return InvalidArgument(cfg.train_csv + ": the training set has a single class ('" + labels.name(0) +
                           "'); a classifier needs at least 2");
  LITEOPT_ASSIGN_OR_RETURN(std::vector<int32_t> train_ids, labels.Encode(train_csv));
  const size_t train_rows = train_csv.rows.size();
  LITEOPT_ASSIGN_OR_RETURN(auto train_source, data::MakeCsvImageSource(std::move(train_csv), std::move(train_ids)));
  std::shared_ptr<const data::SampleSource> val_source;
  if (!cfg.val_csv.empty()) {
    LITEOPT_ASSIGN_OR_RETURN(data::CsvDataset val_csv, data::ReadCsvDataset(cfg.val_csv, copt));
    LITEOPT_ASSIGN_OR_RETURN(std::vector<int32_t> val_ids, labels.Encode(val_csv));
    LITEOPT_ASSIGN_OR_RETURN(val_source, data::MakeCsvImageSource(std::move(val_csv), std::move(val_ids)));
  }
  // Labels first: it checks that the output directory is writable before any time is spent.
  LITEOPT_RETURN_IF_ERROR(data::WriteLabelsFile(out.labels_path, labels));

  // Model.
  at::manual_seed(cfg.seed);
  Net net;
  LITEOPT_ASSIGN_OR_RETURN(data::Image first, train_source->Load(0, {}));
  if (cfg.qat.enabled) {
    LITEOPT_ASSIGN_OR_RETURN(net, PrepareQatNet(cfg, train_source, labels, progress, &out.qat_points));
  } else if (!cfg.init_model.empty()) {
    LITEOPT_ASSIGN_OR_RETURN(auto graph, io::ReadModelFile(cfg.init_model));
    auto imported = NetFromGraph(graph);
    if (!imported.ok()) return Status(imported.status()).Prepend(cfg.init_model);
    net = std::move(imported).value();
    if (cfg.input_height > 0 &&
        (cfg.input_height != net.height || cfg.input_width != net.width || cfg.input_channels != net.channels))
      return InvalidArgument("--input-size " + SizeText(cfg.input_height, cfg.input_width, cfg.input_channels) +
                             " differs from the input of " + cfg.init_model + " (" +
                             SizeText(net.height, net.width, net.channels) + ")");
    if (net.num_classes != labels.size()) {
      progress.Note("new classifier head: " + cfg.init_model + " has " + std::to_string(net.num_classes) +
                    " outputs, the training set " + std::to_string(labels.size()) + " classes");
      LITEOPT_RETURN_IF_ERROR(ReplaceHead(net, labels.size()));
    }
  } else {
    ArchOptions a;
    a.height = cfg.input_height > 0 ? cfg.input_height : first.height;
    a.width = cfg.input_height > 0 ? cfg.input_width : first.width;
    a.channels = cfg.input_height > 0 ? cfg.input_channels : first.channels;
    a.num_classes = labels.size();
    a.alpha = cfg.alpha;
    a.dropout = cfg.dropout;
    LITEOPT_ASSIGN_OR_RETURN(net, BuildArchitecture(cfg.arch, a));
  }
  if (!cfg.freeze_until.empty()) LITEOPT_RETURN_IF_ERROR(FreezeUntil(net, cfg.freeze_until));
  if (first.height != net.height || first.width != net.width || first.channels != net.channels)
    progress.Note("note: images are " + SizeText(first.height, first.width, first.channels) + " (" +
                  train_source->Where(0) + "), the model takes " + SizeText(net.height, net.width, net.channels) +
                  ": resizing every image");
  out.parameters = net.NumParameters();
  const std::vector<at::Tensor> params = net.TrainableParameters();
  if (params.empty()) return InvalidArgument("--freeze-until " + cfg.freeze_until + " leaves nothing to train");

  const bool adam = cfg.optimizer == "adam";
  std::unique_ptr<torch::optim::Optimizer> opt;
  if (adam) {
    opt = std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(cfg.lr).weight_decay(cfg.weight_decay));
  } else if (cfg.optimizer == "sgd") {
    opt = std::make_unique<torch::optim::SGD>(
        params, torch::optim::SGDOptions(cfg.lr).momentum(cfg.momentum).weight_decay(cfg.weight_decay));
  } else {
    return InvalidArgument("unknown optimizer '" + cfg.optimizer + "' (adam, sgd)");
  }

  Position pos;
  if (!cfg.resume.empty()) {
    LITEOPT_RETURN_IF_ERROR(LoadCheckpoint(cfg.resume, net, *opt, cfg.optimizer, labels, &pos));
    if (pos.epoch >= cfg.epochs)
      return InvalidArgument(cfg.resume + ": the checkpoint has already done " + std::to_string(pos.epoch) +
                             " epochs; ask for more with --epochs");
    progress.Note("resuming from " + cfg.resume + " at epoch " + std::to_string(pos.epoch + 1) + ", batch " +
                  std::to_string(pos.step + 1));
  }

  // Pipelines: training batches for every epoch from one seeded pipeline (a resumed run replays it to the saved
  // position); validation repeats the same unshuffled batches.
  data::PipelineOptions popt;
  popt.input.height = net.height;
  popt.input.width = net.width;
  popt.input.channels = net.channels;
  popt.input.normalization =
      cfg.normalize == "-1,1" ? data::PixelNormalization::kMinusOneToOne : data::PixelNormalization::kZeroToOne;
  popt.input.resize = static_cast<data::ResizeMethod>(cfg.resize);
  popt.jpeg_dct_scaling = !cfg.exact_decode;
  popt.skip_bad = cfg.skip_bad;
  const double sample_bytes = 4.0 * net.height * net.width * net.channels;
  popt.cache = sample_bytes * (train_rows + (val_source ? val_source->size() : 0)) < 2e9 ? data::CacheMode::kMemory
                                                                                         : data::CacheMode::kNone;
  data::PipelineOptions vopt = popt;
  popt.batch_size = cfg.batch;
  popt.shuffle = true;
  popt.seed = cfg.seed;
  popt.epochs = cfg.epochs;
  popt.augment.flip_left_right = cfg.flip_left_right;
  popt.augment.flip_up_down = cfg.flip_up_down;
  popt.augment.crop_fraction = cfg.crop_fraction;
  popt.augment.brightness_max_delta = cfg.brightness;
  popt.one_hot = true;
  popt.num_classes = labels.size();
  LITEOPT_ASSIGN_OR_RETURN(auto train_pipe, data::Pipeline::Create(train_source, popt));
  std::unique_ptr<data::Pipeline> val_pipe;
  if (val_source) {
    vopt.batch_size = std::max(cfg.batch, 128);
    vopt.epochs = 0;
    LITEOPT_ASSIGN_OR_RETURN(val_pipe, data::Pipeline::Create(val_source, vopt));
  }
  const int64_t steps_per_epoch = static_cast<int64_t>(train_pipe->batches_per_epoch());
  const int64_t steps = cfg.max_steps > 0 ? std::min<int64_t>(cfg.max_steps, steps_per_epoch) : steps_per_epoch;
  Schedule schedule{cfg.lr_schedule, cfg.lr, std::max<int64_t>(steps * cfg.epochs, 1)};
  if (hooks.on_start) LITEOPT_RETURN_IF_ERROR(hooks.on_start(net, steps * cfg.epochs));

  SigintScope sigint;
  data::Batch batch;
  // Replays the pipeline to the resume position.
  for (int64_t skip = static_cast<int64_t>(pos.epoch) * steps_per_epoch + pos.step; skip > 0; --skip) {
    LITEOPT_ASSIGN_OR_RETURN(bool more, train_pipe->Next(&batch));
    if (!more) break;
  }
  const auto run_start = std::chrono::steady_clock::now();
  const int start_epoch = pos.epoch;
  for (int epoch = pos.epoch; epoch < cfg.epochs; ++epoch) {
    progress.Start(epoch + 1, cfg.epochs, steps);
    const auto t0 = std::chrono::steady_clock::now();
    const double cpu0 = ProcessCpuSeconds();
    double loss_sum = 0;
    int64_t correct = 0, seen = 0;
    double lr_now = cfg.lr;
    const int64_t first_step = epoch == pos.epoch ? pos.step : 0;
    for (int64_t step = first_step; step < steps_per_epoch; ++step) {
      LITEOPT_ASSIGN_OR_RETURN(bool more, train_pipe->Next(&batch));
      if (!more) break;
      if (step >= steps) continue;  // --max-steps: drain the rest of the epoch
      const auto& s = batch.shape;
      at::Tensor x = at::from_blob(batch.data.data(), {s[0], s[1], s[2], s[3]}, at::kFloat).permute({0, 3, 1, 2});
      at::Tensor target = at::from_blob(batch.one_hot.data(), {s[0], labels.size()}, at::kFloat);
      const auto lr = schedule.At(epoch * steps + step);
      ApplySchedule(*opt, adam, lr);
      lr_now = lr.first;
      at::Tensor logits = net.Forward(x, true);
      at::Tensor loss = at::cross_entropy_loss(logits, target, {}, at::Reduction::Mean, -100, cfg.label_smoothing);
      const double loss_value = loss.item<double>();
      if (!std::isfinite(loss_value)) {
        std::string kept = pos.history.empty() ? "no epoch completed, nothing was written besides labels.txt"
                                               : "the files of epoch " + std::to_string(pos.history.back().epoch) +
                                                     " are kept: " + out.model_path + " and " + out.checkpoint_path;
        progress.Note("");
        return InvalidArgument("the loss became " + std::string(std::isnan(loss_value) ? "NaN" : "infinite") +
                               " at epoch " + std::to_string(epoch + 1) + ", batch " + std::to_string(step + 1) +
                               " (learning rate " + Fixed(lr_now, 6) + "; try a lower --lr); training stopped, " + kept);
      }
      opt->zero_grad();
      loss.backward();
      opt->step();
      if (hooks.after_step) hooks.after_step(net, epoch * steps + step);
      loss_sum += loss_value * s[0];
      correct += logits.detach().argmax(1).eq(target.argmax(1)).sum().item<int64_t>();
      seen += s[0];
      progress.Update(step + 1 - first_step, loss_sum / seen, static_cast<double>(correct) / seen, seen);
      if (g_interrupted.load()) {
        pos.epoch = epoch;
        pos.step = step + 1;
        LITEOPT_RETURN_IF_ERROR(SaveCheckpoint(out.checkpoint_path, net, *opt, cfg.optimizer, labels, pos));
        progress.Note("");
        std::fprintf(stderr, "interrupted: checkpoint saved to %s (epoch %d, batch %lld); continue with --resume %s\n",
                     out.checkpoint_path.c_str(), epoch + 1, static_cast<long long>(step + 1),
                     out.checkpoint_path.c_str());
        out.interrupted = true;
        out.epochs_done = epoch;
        out.history = pos.history;
        return out;
      }
    }
    if (seen == 0) return InvalidArgument(cfg.train_csv + ": the training set produced no samples");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EpochRecord r;
    r.epoch = epoch + 1;
    r.loss = loss_sum / seen;
    r.accuracy = static_cast<double>(correct) / seen;
    r.lr = lr_now;
    r.seconds = seconds;
    r.images_per_second = seen / std::max(seconds, 1e-9);
    r.cpu_seconds = ProcessCpuSeconds() - cpu0;
    if (val_pipe) {
      LITEOPT_ASSIGN_OR_RETURN(Evaluation e,
                               Evaluate(net, *val_pipe, static_cast<int64_t>(val_pipe->batches_per_epoch())));
      r.val_loss = e.loss;
      r.val_accuracy = e.accuracy;
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double score = val_pipe ? r.val_accuracy : r.accuracy;
    const bool best = (!val_pipe || score > pos.best_accuracy) && (!hooks.may_keep || hooks.may_keep(epoch + 1));
    if (best) {
      LITEOPT_RETURN_IF_ERROR(WriteModel(net, cfg, out));
      pos.best_accuracy = score;
      pos.best_epoch = epoch + 1;
    }
    pos.history.push_back(r);
    pos.epoch = epoch + 1;
    pos.step = 0;
    LITEOPT_RETURN_IF_ERROR(SaveCheckpoint(out.checkpoint_path, net, *opt, cfg.optimizer, labels, pos));
    LITEOPT_RETURN_IF_ERROR(WriteHistory(pos.history, out.history_csv, out.history_json));
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
    const int left = cfg.epochs - (epoch + 1);
    const int done_here = epoch + 1 - start_epoch;
    progress.End(r, best && val_pipe != nullptr, left > 0 ? elapsed / done_here * left : 0);
  }
  if (cfg.epochs == 0) LITEOPT_RETURN_IF_ERROR(WriteModel(net, cfg, out));  // QAT: the calibrated model
  if (val_pipe) {
    progress.Note("checking " + out.model_path + " in liteopt's interpreter on the validation set...");
    auto acc = InterpreterAccuracy(out.model_path, *val_pipe, std::max(cfg.threads, 1));
    if (!acc.ok()) return Status(acc.status()).Prepend("running the exported model in liteopt's interpreter");
    out.interpreter_accuracy = *acc;
  }
  out.epochs_done = pos.epoch;
  out.best_epoch = pos.best_epoch;
  out.best_accuracy = pos.best_accuracy;
  out.history = pos.history;
  return out;
}

}  // namespace

Result<TrainOutcome> Train(const TrainConfig& config, const TrainHooks& hooks) {
  try {
    return TrainImpl(config, hooks);
  } catch (const c10::Error& e) {
    return Internal(std::string("libtorch: ") + e.what_without_backtrace());
  } catch (const std::exception& e) {
    return Internal(std::string("training: ") + e.what());
  }
}

}  // namespace liteopt::train

extern "C" __attribute__((visibility("default"))) int liteopt_train_abi() { return liteopt::train::kTrainPluginAbi; }

extern "C" __attribute__((visibility("default"))) int liteopt_train_main(const liteopt::train::TrainConfig* config,
                                                                         std::string* error) {
  using namespace liteopt::train;
  auto outcome = Train(*config, config->qat.enabled && config->qat.preserve_sparsity
                                    ? PreserveSparsityHooks(config->quiet)
                                    : TrainHooks{});
  if (!outcome.ok()) {
    *error = outcome.status().message();
    return 1;
  }
  if (outcome->interrupted) return kTrainInterrupted;
  const auto& o = *outcome;
  std::printf("%s %s: %d epochs, %lld parameters", config->qat.enabled ? "quantization-aware training of" : "trained",
              config->init_model.empty() ? config->arch.c_str() : config->init_model.c_str(), o.epochs_done,
              static_cast<long long>(o.parameters));
  if (config->qat.enabled) std::printf(", %d int8 tensors simulated", o.qat_points);
  std::printf("\n");
  if (!o.history.empty()) {
    const auto& last = o.history.back();
    std::printf("last epoch: loss %.4f, accuracy %.4f%s, %.0f images/s\n", last.loss, last.accuracy,
                last.val_accuracy >= 0 ? (", val accuracy " + std::to_string(last.val_accuracy)).c_str() : "",
                last.images_per_second);
  }
  if (o.best_epoch > 0)
    std::printf("best epoch %d (%s%s accuracy %.4f)\n", o.best_epoch, config->qat.enabled ? "fake-quantized, " : "",
                config->val_csv.empty() ? "training" : "validation", o.best_accuracy);
  if (o.interpreter_accuracy >= 0)
    std::printf("the written %smodel in liteopt's interpreter: validation accuracy %.4f\n",
                config->qat.enabled ? "int8 " : "", o.interpreter_accuracy);
  if (config->qat.preserve_sparsity)
    std::printf("zero weights preserved; %d int8 filters stored in TFLite's sparse format\n", o.sparse_filters);
  std::printf("wrote %s%s\n", o.model_path.c_str(), config->qat.enabled ? " (full integer)" : "");
  if (!o.float_model_path.empty()) std::printf("      %s (float checkpoint)\n", o.float_model_path.c_str());
  std::printf("      %s\n", o.labels_path.c_str());
  if (o.epochs_done > 0)
    std::printf("      %s\n      %s\n      %s\n", o.history_csv.c_str(), o.history_json.c_str(),
                o.checkpoint_path.c_str());
  return 0;
}
