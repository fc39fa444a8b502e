#include "eval/evaluate.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <latch>
#include <thread>

#include "base/cpu.h"
#include "base/quant_math.h"
#include "data/dataset.h"
#include "data/pipeline.h"
#include "io/model_file.h"
#include "runtime/interpreter.h"

namespace liteopt::eval {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

std::string ShapeString(const std::vector<int32_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

// The classifier's interface: one image input, one class-score output.
struct ClassifierIo {
  int output = 0;  // output index of the scores
  int num_classes = 0;
  data::ModelInputSpec spec;
};

// Scores are [C], [B,C] or [B,1,1,C]; returns C, or 0 when the shape is not one of those.
int64_t ClassCount(const std::vector<int32_t>& shape) {
  if (shape.size() == 1) return shape[0];
  if (shape.size() == 2) return shape[1];
  if (shape.size() == 4 && shape[1] == 1 && shape[2] == 1) return shape[3];
  return 0;
}

bool ScoreDType(DType d) {
  return d == DType::kFloat32 || d == DType::kInt8 || d == DType::kUInt8 || d == DType::kInt16;
}

Result<ClassifierIo> FindClassifierIo(const runtime::Interpreter& interp, const std::string& model,
                                      const EvalOptions& o) {
  if (interp.num_inputs() != 1) {
    return Unsupported(model + ": the model has " + std::to_string(interp.num_inputs()) +
                       " inputs; evaluation needs an image classifier with one image input");
  }
  ClassifierIo io;
  const ops::TensorRef& in = interp.input(0);
  const data::InputTensorInfo info{in.ir->name, in.shape, in.dtype, in.quant->quantized(), in.scale(), in.zero_point()};
  auto spec = data::ModelInputSpecFor(info, o.normalize, o.resize);
  if (!spec.ok()) return InvalidArgument(model + ": input 0: " + spec.status().message());
  io.spec = *spec;
  io.output = -1;
  std::string shapes;
  for (int k = 0; k < interp.num_outputs(); ++k) {
    const ops::TensorRef& t = interp.output(k);
    shapes +=
        std::string(k ? ", " : "") + "'" + t.ir->name + "' " + std::string(DTypeName(t.dtype)) + ShapeString(t.shape);
    const int64_t c = ClassCount(t.shape);
    const bool batch_one = t.shape.size() == 1 || t.shape[0] == 1;
    if (io.output < 0 && c >= 2 && batch_one && ScoreDType(t.dtype)) {
      io.output = k;
      io.num_classes = static_cast<int>(c);
    }
  }
  if (io.output < 0) {
    return Unsupported(model +
                       ": no output holds class scores ([1,C] or [C], C >= 2, float32/int8/uint8/int16); "
                       "outputs: " +
                       shapes);
  }
  return io;
}

// Score i of a score tensor as a real number (dequantized when quantized; order is what matters).
float ScoreAt(const ops::TensorRef& t, int64_t i) {
  const bool q = t.quant->quantized();
  switch (t.dtype) {
    case DType::kFloat32:
      return t.as<float>()[i];
    case DType::kInt8:
      return q ? (t.as<int8_t>()[i] - t.zero_point()) * t.scale() : t.as<int8_t>()[i];
    case DType::kUInt8:
      return q ? (t.as<uint8_t>()[i] - t.zero_point()) * t.scale() : t.as<uint8_t>()[i];
    case DType::kInt16:
      return q ? (t.as<int16_t>()[i] - t.zero_point()) * t.scale() : t.as<int16_t>()[i];
    default:
      return 0.0f;
  }
}

// Top-1 class (lowest id among equal best scores) and the rank of `label` (classes strictly better, or equal
// with a lower id) among the scores of sample `b` of the batch.
void Rank(const ops::TensorRef& t, int b, int classes, int32_t label, int32_t* top1, int32_t* rank) {
  const int64_t base = static_cast<int64_t>(b) * classes;
  int32_t best = 0;
  float best_score = ScoreAt(t, base);
  const float label_score = ScoreAt(t, base + label);
  int32_t above = 0;
  for (int32_t c = 0; c < classes; ++c) {
    const float s = ScoreAt(t, base + c);
    if (s > best_score) {
      best_score = s;
      best = c;
    }
    if (s > label_score || (s == label_score && c < label)) ++above;
  }
  *top1 = best;
  *rank = above;
}

// Percentiles (nearest rank), extremes and mean of per-run latencies (ms, at least one) that took `seconds` in all.
LatencyStats Latencies(std::vector<double> ms, double seconds) {
  std::sort(ms.begin(), ms.end());
  LatencyStats l;
  l.p50_ms = PercentileSorted(ms, 50);
  l.p90_ms = PercentileSorted(ms, 90);
  l.p99_ms = PercentileSorted(ms, 99);
  l.min_ms = ms.front();
  l.max_ms = ms.back();
  l.mean_ms = seconds * 1e3 / static_cast<double>(ms.size());
  return l;
}

// The labels the model's class ids mean, and where they came from.
Status ResolveLabels(const std::string& model, const EvalOptions& o, data::LabelMap* labels, std::string* source,
                     bool* from_csv) {
  *from_csv = false;
  std::string path = o.labels_path;
  if (!path.empty()) {
    *source = path + " (--labels)";
  } else {
    const fs::path beside = fs::path(model).parent_path() / "labels.txt";
    std::error_code ec;
    if (fs::is_regular_file(beside, ec)) {
      path = beside.string();
      *source = path + " (beside the model)";
    }
  }
  if (path.empty()) {
    *from_csv = true;
    return Status::Ok();
  }
  std::string note;
  auto l = data::ReadLabelsFile(path, {.rename_repeated = true}, &note);
  if (!l.ok()) return l.status();
  *labels = std::move(*l);
  if (!note.empty()) *source += "; " + note;
  return Status::Ok();
}

Status CheckClassCount(const std::string& model, const runtime::Interpreter& interp, const ClassifierIo& io,
                       const data::LabelMap& labels, const std::string& source) {
  if (labels.size() == io.num_classes) return Status::Ok();
  const ops::TensorRef& out = interp.output(io.output);
  return InvalidArgument(model + ": output '" + out.ir->name + "' " + ShapeString(out.shape) + " scores " +
                         std::to_string(io.num_classes) + " classes, but " + source + " has " +
                         std::to_string(labels.size()) +
                         " labels; the class ids would not mean the same classes "
                         "(give the model's own labels.txt with --labels)");
}

// A model file (.tflite or Keras .h5) and how to read it.
struct ModelSource {
  std::string path;
  io::ModelReadOptions read;
};

// The model file in an interpreter.
Result<std::unique_ptr<runtime::Interpreter>> LoadModel(const ModelSource& m, const runtime::InterpreterOptions& o) {
  const std::string& path = m.path;
  LITEOPT_ASSIGN_OR_RETURN(std::shared_ptr<ir::Graph> graph, io::ReadModelFile(path, m.read));
  auto interp = runtime::Interpreter::Create(std::move(graph), o);
  if (!interp.ok()) return Status(interp.status()).Prepend(path);
  return interp;
}

// Batch-1 input shape of the model's input tensor.
std::vector<int32_t> WithBatch(std::vector<int32_t> shape, int batch) {
  if (!shape.empty()) shape[0] = batch;
  return shape;
}

// One interpreter, batch resized to `batch`, on `threads` threads; inputs cycled from `inputs`.
ThroughputTrial MeasureBatched(const ModelSource& model, const runtime::InterpreterOptions& base,
                               const ClassifierIo& io, const std::vector<std::vector<uint8_t>>& inputs, int batch,
                               int threads, double min_seconds) {
  ThroughputTrial t;
  t.batch = batch;
  t.threads = threads;
  t.interpreters = 1;
  t.mode = "batch " + std::to_string(batch) + " x " + std::to_string(threads) + " thread" + (threads == 1 ? "" : "s");
  runtime::InterpreterOptions opt = base;
  opt.num_threads = threads;
  auto interp_or = LoadModel(model, opt);
  if (!interp_or.ok()) {
    t.note = interp_or.status().message();
    return t;
  }
  runtime::Interpreter& interp = **interp_or;
  t.threads = interp.threads();
  const std::vector<int32_t> shape = WithBatch(interp.input(0).shape, batch);
  if (Status st = interp.ResizeInput(0, shape); !st.ok()) {
    t.note = "the model does not take batch " + std::to_string(batch) + ": " + st.message();
    return t;
  }
  const ops::TensorRef& out = interp.output(io.output);
  if (out.shape.empty() || out.shape[0] != batch || ClassCount(out.shape) != io.num_classes) {
    t.note = "with batch " + std::to_string(batch) + " the scores have shape " + ShapeString(out.shape) +
             " (the graph fixes the batch)";
    return t;
  }
  const size_t sample_bytes = inputs.front().size();
  if (interp.input(0).bytes != sample_bytes * batch) {
    t.note = "unexpected input size after resizing";
    return t;
  }
  size_t next = 0;
  auto fill = [&] {
    uint8_t* dst = interp.input_bytes(0);
    for (int b = 0; b < batch; ++b, next = (next + 1) % inputs.size())
      std::memcpy(dst + b * sample_bytes, inputs[next].data(), sample_bytes);
  };
  fill();
  if (Status st = interp.Invoke(); !st.ok()) {  // warm-up
    t.note = st.message();
    return t;
  }
  const size_t min_images = inputs.size();
  size_t images = 0;
  const auto t0 = Clock::now();
  double elapsed = 0;
  while (images < min_images || elapsed < min_seconds) {
    fill();
    if (Status st = interp.Invoke(); !st.ok()) {
      t.note = st.message();
      return t;
    }
    images += batch;
    elapsed = Seconds(t0, Clock::now());
  }
  t.images_per_second = elapsed > 0 ? images / elapsed : 0;
  return t;
}

// `count` single-thread interpreters at batch 1, one per thread, each cycling through its share of the inputs.
ThroughputTrial MeasureInterpreters(const ModelSource& model, const runtime::InterpreterOptions& base,
                                    const ClassifierIo& io, const std::vector<std::vector<uint8_t>>& inputs, int count,
                                    double min_seconds) {
  ThroughputTrial t;
  t.batch = 1;
  t.threads = count;
  t.interpreters = count;
  t.mode = std::to_string(count) + " interpreter" + (count == 1 ? "" : "s") + " x batch 1";
  std::vector<std::unique_ptr<runtime::Interpreter>> interps;
  runtime::InterpreterOptions opt = base;
  opt.num_threads = 1;
  for (int i = 0; i < count; ++i) {
    auto interp_or = LoadModel(model, opt);
    if (!interp_or.ok()) {
      t.note = interp_or.status().message();
      return t;
    }
    if (Status st = (*interp_or)->ResizeInput(0, WithBatch((*interp_or)->input(0).shape, 1)); !st.ok()) {
      t.note = st.message();
      return t;
    }
    interps.push_back(std::move(*interp_or));
  }
  const size_t per_worker = std::max<size_t>(1, inputs.size() / count);
  std::atomic<bool> failed{false};
  std::atomic<bool> stop{false};
  std::vector<size_t> images(count, 0);
  std::latch ready(count + 1);
  std::vector<std::thread> workers;
  for (int w = 0; w < count; ++w) {
    workers.emplace_back([&, w] {
      runtime::Interpreter& interp = *interps[w];
      size_t next = (w * per_worker) % inputs.size();
      auto run_one = [&] {
        std::memcpy(interp.input_bytes(0), inputs[next].data(), inputs[next].size());
        next = (next + 1) % inputs.size();
        if (!interp.Invoke().ok()) failed = true;
      };
      run_one();  // warm-up
      ready.arrive_and_wait();
      size_t done = 0;
      while (!failed && (done < per_worker || !stop.load(std::memory_order_relaxed))) {
        run_one();
        ++done;
      }
      images[w] = done;
    });
  }
  ready.arrive_and_wait();
  const auto t0 = Clock::now();
  while (Seconds(t0, Clock::now()) < min_seconds && !failed) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  for (auto& th : workers) th.join();
  const double elapsed = Seconds(t0, Clock::now());
  if (failed) {
    t.note = "invoke failed";
    return t;
  }
  size_t total = 0;
  for (size_t n : images) total += n;
  t.images_per_second = elapsed > 0 ? total / elapsed : 0;
  return t;
}

}  // namespace

Result<EvalResult> Evaluate(const std::string& model_path, const EvalOptions& o) {
  EvalResult r;
  r.model_path = model_path;
  r.data_csv = o.data_csv;
  std::error_code ec;
  if (!fs::is_regular_file(model_path, ec)) return NotFound(model_path + ": no such model file");
  if (o.top_k < 1) return InvalidArgument("top-k must be at least 1, got " + std::to_string(o.top_k));
  if (o.batched && o.batch < 1) return InvalidArgument("batch must be at least 1, got " + std::to_string(o.batch));
  r.size_bytes = static_cast<int64_t>(fs::file_size(model_path, ec));
  if (ec) return IoError(model_path + ": cannot read the file size: " + ec.message());

  runtime::InterpreterOptions iopt;
  iopt.num_threads = 1;
  const ModelSource model{model_path, {o.keras_config}};
  LITEOPT_ASSIGN_OR_RETURN(std::unique_ptr<runtime::Interpreter> interp, LoadModel(model, iopt));
  LITEOPT_ASSIGN_OR_RETURN(ClassifierIo io, FindClassifierIo(*interp, model_path, o));
  r.kind = ClassifyModel(interp->graph(), iopt.subgraph);
  r.input = io.spec;
  r.input_name = interp->input(0).ir->name;
  r.input_shape = interp->input(0).shape;
  r.output_name = interp->output(io.output).ir->name;

  // Labels: a file first (so a mismatch is reported before the dataset is read), else the CSV's.
  bool from_csv = false;
  LITEOPT_RETURN_IF_ERROR(ResolveLabels(model_path, o, &r.labels, &r.labels_source, &from_csv));
  if (!from_csv) LITEOPT_RETURN_IF_ERROR(CheckClassCount(model_path, *interp, io, r.labels, r.labels_source));

  LITEOPT_ASSIGN_OR_RETURN(data::CsvDataset dataset, data::ReadCsvDataset(o.data_csv, o.csv));
  if (from_csv) {
    // From every row, so that --limit does not change the class ids.
    r.labels = data::LabelMap::FromDataset(dataset);
    r.labels_source = "the sorted labels of " + o.data_csv + " (no labels.txt beside the model; --labels sets it)";
    LITEOPT_RETURN_IF_ERROR(CheckClassCount(model_path, *interp, io, r.labels, r.labels_source));
  }
  if (o.limit > 0 && dataset.rows.size() > o.limit) dataset.rows.resize(o.limit);
  auto ids = r.labels.Encode(dataset);
  if (!ids.ok()) return InvalidArgument(ids.status().message() + " (class names from " + r.labels_source + ")");
  r.skipped = dataset.skipped;
  r.rows = dataset.rows.size();
  LITEOPT_ASSIGN_OR_RETURN(std::shared_ptr<const data::SampleSource> source,
                           data::MakeCsvImageSource(std::move(dataset), std::move(*ids)));

  // Batch 1 on one thread, decoding on the same thread: the course's loop, plus the decode it does beforehand.
  if (!interp->input(0).shape.empty() && interp->input(0).shape[0] != 1)
    LITEOPT_RETURN_IF_ERROR(interp->ResizeInput(0, WithBatch(interp->input(0).shape, 1)));
  data::PipelineOptions popt;
  popt.input = io.spec;
  popt.batch_size = 1;
  popt.threads = -1;
  popt.skip_bad = o.csv.skip_bad;
  popt.jpeg_dct_scaling = o.jpeg_dct_scaling;
  LITEOPT_ASSIGN_OR_RETURN(std::unique_ptr<data::Pipeline> pipeline, data::Pipeline::Create(source, popt));
  if (interp->input(0).bytes != io.spec.height * io.spec.width * io.spec.channels * DTypeSize(io.spec.dtype)) {
    return Internal(model_path + ": the input tensor size does not match its image size");
  }

  // Inputs kept for the batched measurement: the first ones, up to 256 images or 64 MiB.
  const size_t sample_bytes = interp->input(0).bytes;
  const size_t keep = std::max(
      o.batched ? std::clamp<size_t>((size_t{64} << 20) / std::max<size_t>(1, sample_bytes), 1, 256) : 0,
      o.keep_inputs);
  std::vector<std::vector<uint8_t>> kept;

  const int classes = io.num_classes;
  r.top_k = o.top_k;
  r.confusion.assign(classes, std::vector<int64_t>(classes, 0));
  std::vector<double> latencies_ms;
  latencies_ms.reserve(r.rows);
  double infer_seconds = 0;
  data::Batch batch;
  const ops::TensorRef& out = interp->output(io.output);
  const auto start = Clock::now();
  while (true) {
    LITEOPT_ASSIGN_OR_RETURN(bool more, pipeline->Next(&batch));
    if (!more) break;
    if (r.predictions.empty()) {
      // One untimed invoke first: the first touches cold caches and pages of the model, which would dominate the
      // mean of a small test set (the course's loop, over thousands of images, hides it).
      std::memcpy(interp->input_bytes(0), batch.data.data(), sample_bytes);
      LITEOPT_RETURN_IF_ERROR(interp->Invoke());
    }
    const auto t0 = Clock::now();
    std::memcpy(interp->input_bytes(0), batch.data.data(), sample_bytes);
    LITEOPT_RETURN_IF_ERROR(interp->Invoke());
    Prediction p;
    p.index = batch.indices[0];
    p.label = batch.labels[0];
    Rank(out, 0, classes, p.label, &p.top1, &p.rank);
    const auto t1 = Clock::now();
    const double s = Seconds(t0, t1);
    infer_seconds += s;
    latencies_ms.push_back(s * 1e3);
    r.predictions.push_back(p);
    if (kept.size() < keep) kept.emplace_back(batch.data.begin(), batch.data.begin() + sample_bytes);
    if (o.progress) o.progress(r.predictions.size() + pipeline->skipped(), r.rows);
  }
  const double wall = Seconds(start, Clock::now());
  for (const std::string& m : pipeline->skipped_messages()) r.skipped.push_back(m);
  r.n = r.predictions.size();
  if (r.n == 0) return InvalidArgument(o.data_csv + ": no usable rows to evaluate");

  for (const Prediction& p : r.predictions) {
    r.top1_correct += p.rank == 0;
    r.top5_correct += p.rank < 5;
    r.topk_correct += p.rank < o.top_k;
    ++r.confusion[p.label][p.top1];
  }
  const double n = static_cast<double>(r.n);
  r.top1 = r.top1_correct / n;
  r.top5 = r.top5_correct / n;
  r.topk = r.topk_correct / n;
  r.per_class.resize(classes);
  for (int c = 0; c < classes; ++c) {
    r.per_class[c].name = r.labels.name(c);
    for (int p = 0; p < classes; ++p) r.per_class[c].count += r.confusion[c][p];
    r.per_class[c].correct = r.confusion[c][c];
  }

  r.images_per_second = infer_seconds > 0 ? n / infer_seconds : 0;
  r.end_to_end_images_per_second = wall > 0 ? n / wall : 0;
  r.latency = Latencies(std::move(latencies_ms), infer_seconds);
  r.latency_runs = r.n;
  interp.reset();  // free its arena before the batched interpreters exist
  r.kept_inputs.assign(kept.begin(), kept.begin() + static_cast<ptrdiff_t>(std::min(kept.size(), o.keep_inputs)));

  if (o.batched) {
    const int threads = o.threads > 0 ? o.threads : AvailableCores();
    Throughput tp;
    tp.distinct_inputs = kept.size();
    tp.trials.push_back(MeasureBatched(model, iopt, io, kept, o.batch, threads, o.min_measure_seconds));
    tp.trials.push_back(
        MeasureInterpreters(model, iopt, io, kept, std::min(threads, AvailableCores()), o.min_measure_seconds));
    for (const ThroughputTrial& t : tp.trials) {
      if (t.images_per_second > tp.images_per_second) {
        tp.images_per_second = t.images_per_second;
        tp.mode = t.mode;
      }
    }
    r.batched = std::move(tp);
  }

  LITEOPT_ASSIGN_OR_RETURN(r.gzip_bytes, GzipSize(model_path));
  return r;
}

Status MeasureLatencyInterleaved(const std::vector<EvalResult*>& results, const EvalOptions& o, int rounds,
                                 double seconds_per_round) {
  if (rounds < 1) return InvalidArgument("latency rounds must be at least 1, got " + std::to_string(rounds));
  struct Timed {
    std::unique_ptr<runtime::Interpreter> interp;
    ClassifierIo io;
    std::vector<double> ms;
    double seconds = 0;
    size_t next = 0;
    int64_t top1_sum = 0;
  };
  std::vector<Timed> timed(results.size());
  runtime::InterpreterOptions iopt;
  iopt.num_threads = 1;
  for (size_t i = 0; i < results.size(); ++i) {
    const EvalResult& r = *results[i];
    Timed& t = timed[i];
    if (r.kept_inputs.empty())
      return InvalidArgument(r.model_path + ": no decoded inputs were kept to time it (EvalOptions::keep_inputs)");
    LITEOPT_ASSIGN_OR_RETURN(t.interp, LoadModel({r.model_path, {o.keras_config}}, iopt));
    LITEOPT_ASSIGN_OR_RETURN(t.io, FindClassifierIo(*t.interp, r.model_path, o));
    if (!t.interp->input(0).shape.empty() && t.interp->input(0).shape[0] != 1)
      LITEOPT_RETURN_IF_ERROR(t.interp->ResizeInput(0, WithBatch(t.interp->input(0).shape, 1)));
    if (t.interp->input(0).bytes != r.kept_inputs.front().size())
      return Internal(r.model_path + ": its kept inputs do not match its input tensor size");
    std::memcpy(t.interp->input_bytes(0), r.kept_inputs.front().data(), r.kept_inputs.front().size());
    LITEOPT_RETURN_IF_ERROR(t.interp->Invoke());  // warm-up, untimed
  }
  for (int round = 0; round < rounds; ++round) {
    for (size_t i = 0; i < results.size(); ++i) {
      Timed& t = timed[i];
      const std::vector<std::vector<uint8_t>>& inputs = results[i]->kept_inputs;
      const ops::TensorRef& out = t.interp->output(t.io.output);
      const auto start = Clock::now();
      do {
        const auto t0 = Clock::now();
        std::memcpy(t.interp->input_bytes(0), inputs[t.next].data(), inputs[t.next].size());
        LITEOPT_RETURN_IF_ERROR(t.interp->Invoke());
        int32_t top1 = 0, rank = 0;
        Rank(out, 0, t.io.num_classes, 0, &top1, &rank);
        t.top1_sum += top1;  // used below, so the argmax stays in the timed loop
        const auto t1 = Clock::now();
        t.ms.push_back(Seconds(t0, t1) * 1e3);
        t.seconds += Seconds(t0, t1);
        t.next = (t.next + 1) % inputs.size();
      } while (Seconds(start, Clock::now()) < seconds_per_round);
    }
  }
  for (size_t i = 0; i < results.size(); ++i) {
    EvalResult& r = *results[i];
    const size_t runs = timed[i].ms.size();
    r.latency = Latencies(std::move(timed[i].ms), timed[i].seconds);
    r.images_per_second = timed[i].seconds > 0 ? static_cast<double>(runs) / timed[i].seconds : 0;
    r.latency_rounds = rounds;
    r.latency_runs = runs;
    if (timed[i].top1_sum < 0) return Internal(r.model_path + ": negative class id");
  }
  return Status::Ok();
}

}  // namespace liteopt::eval
