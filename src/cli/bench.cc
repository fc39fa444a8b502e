// `liteopt bench MODEL`: latency and memory of the interpreter on one model, like TFLite's benchmark_model: init
// time (load + allocate), the first invoke, then min / median / p90 / max over timed invokes after a warm-up,
// images/s, peak memory, CPU time beside wall time, and with --profile a per-op table.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "base/cpu.h"
#include "base/process_stats.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "cli/model_flags.h"
#include "ops/common/isa.h"
#include "io/model_file.h"
#include "runtime/interpreter.h"

namespace liteopt::cli {

namespace {

struct BenchConfig {
  std::string model;
  std::string keras_config;
  int threads = 1;
  int warmup = 5;
  int runs = 50;
  bool reference = false;
  bool profile = false;
  bool json = false;
  std::string numerics = "tflite-runtime";
};

double Ms(std::chrono::steady_clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// Deterministic random data of the tensor's dtype (seeded per input): floats in [-1, 1], integers over their
// dtype's range (int32 / int64 in [0, 10): they are usually indices or shapes), booleans 0/1.
void FillRandom(const ops::TensorRef& t, uint8_t* data, uint32_t seed) {
  std::mt19937 rng(seed);
  const int64_t n = t.num_elements();
  for (int64_t i = 0; i < n; ++i) {
    switch (t.dtype) {
      case DType::kFloat32: {
        const float v = std::uniform_real_distribution<float>(-1.0f, 1.0f)(rng);
        std::memcpy(data + i * 4, &v, 4);
        break;
      }
      case DType::kInt8:
      case DType::kUInt8: data[i] = static_cast<uint8_t>(rng()); break;
      case DType::kBool: data[i] = static_cast<uint8_t>(rng() & 1); break;
      case DType::kInt16: {
        const auto v = static_cast<int16_t>(rng());
        std::memcpy(data + i * 2, &v, 2);
        break;
      }
      case DType::kInt32: {
        const auto v = static_cast<int32_t>(rng() % 10);
        std::memcpy(data + i * 4, &v, 4);
        break;
      }
      case DType::kInt64: {
        const auto v = static_cast<int64_t>(rng() % 10);
        std::memcpy(data + i * 8, &v, 8);
        break;
      }
      default: std::memset(data, 0, t.bytes); return;
    }
  }
}

struct Stats {
  double min = 0, median = 0, p90 = 0, max = 0, mean = 0;
};

// Nearest-rank percentiles of a non-empty sample.
Stats Summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  Stats s;
  const size_t n = v.size();
  s.min = v.front();
  s.max = v.back();
  s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  s.p90 = v[static_cast<size_t>(std::ceil(0.9 * static_cast<double>(n))) - 1];
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(n);
  return s;
}

int RunBench(const BenchConfig& cfg) {
  runtime::InterpreterOptions opt;
  opt.num_threads = cfg.threads;
  opt.reference = cfg.reference;
  opt.numerics = cfg.numerics == "tflite-builtin" ? ops::Numerics::kTfliteBuiltin : ops::Numerics::kTfliteRuntime;
  const auto t_init = std::chrono::steady_clock::now();
  auto graph = io::ReadModelFile(cfg.model, {cfg.keras_config});
  if (!graph.ok()) return Fail(graph.status().message());
  auto interp_or = runtime::Interpreter::Create(std::move(*graph), opt);
  if (!interp_or.ok()) return Fail(cfg.model + ": " + interp_or.status().message());
  const double init_ms = Ms(std::chrono::steady_clock::now() - t_init);
  runtime::Interpreter& interp = **interp_or;

  for (int i = 0; i < interp.num_inputs(); ++i)
    FillRandom(interp.input(i), interp.input_bytes(i), 1234u + static_cast<uint32_t>(i));
  const int batch = interp.num_inputs() > 0 && interp.input(0).rank() > 0 ? interp.input(0).dim(0) : 1;

  auto invoke = [&]() -> Status { return interp.Invoke(); };
  const auto t_first = std::chrono::steady_clock::now();
  if (Status st = invoke(); !st.ok()) return Fail(st.message());
  const double first_ms = Ms(std::chrono::steady_clock::now() - t_first);
  for (int r = 0; r < cfg.warmup; ++r)
    if (Status st = invoke(); !st.ok()) return Fail(st.message());

  const int n_ops = static_cast<int>(interp.subgraph().ops.size());
  std::vector<double> op_ms(static_cast<size_t>(n_ops), 0.0);
  interp.EnableProfiling(cfg.profile);
  std::vector<double> wall, cpu;
  wall.reserve(cfg.runs);
  cpu.reserve(cfg.runs);
  for (int r = 0; r < cfg.runs; ++r) {
    const double c0 = ProcessCpuSeconds() * 1e3;
    const auto t0 = std::chrono::steady_clock::now();
    Status st = invoke();
    const auto t1 = std::chrono::steady_clock::now();
    const double c1 = ProcessCpuSeconds() * 1e3;
    if (!st.ok()) return Fail(st.message());
    wall.push_back(Ms(t1 - t0));
    cpu.push_back(c1 - c0);
    if (cfg.profile)
      for (int k = 0; k < n_ops; ++k) op_ms[k] += static_cast<double>(interp.op_times_ns()[k]) * 1e-6;
  }
  const Stats lat = Summarize(wall);
  const Stats cpu_stats = Summarize(cpu);
  const long long peak = static_cast<long long>(PeakRssBytes());
  const double images_per_second = lat.median > 0 ? batch * 1e3 / lat.median : 0;
  const std::string isa = cfg.reference ? "reference" : ops::IsaName(ops::SelectedIsa());

  // Per-op averages over the timed runs.
  double op_total = 0;
  for (double& t : op_ms) {
    t /= cfg.runs;
    op_total += t;
  }

  if (cfg.json) {
    nlohmann::json j = {
        {"model", cfg.model},
        {"threads", cfg.threads},
        {"threads_used", interp.threads()},
        {"kernels", isa},
        {"numerics", cfg.numerics},
        {"cpu_features", CpuFeaturesString(GetCpuFeatures())},
        {"batch", batch},
        {"warmup", cfg.warmup},
        {"runs", cfg.runs},
        {"init_ms", init_ms},
        {"first_run_ms", first_ms},
        {"latency_ms",
         {{"min", lat.min}, {"median", lat.median}, {"p90", lat.p90}, {"max", lat.max}, {"mean", lat.mean}}},
        {"cpu_ms", {{"median", cpu_stats.median}, {"mean", cpu_stats.mean}}},
        {"images_per_second", images_per_second},
        {"peak_memory_bytes", peak},
        {"arena_bytes", interp.memory().arena_bytes},
        {"persistent_bytes", interp.memory().persistent_bytes},
    };
    if (cfg.profile) {
      nlohmann::json ops = nlohmann::json::array();
      for (int k = 0; k < n_ops; ++k) {
        if (interp.op_folded(k)) continue;
        const int64_t macs = interp.OpMacs(k);
        nlohmann::json o = {{"index", k},
                            {"type", ir::OpTypeName(interp.subgraph().ops[k].type)},
                            {"ms", op_ms[k]},
                            {"share", op_total > 0 ? op_ms[k] / op_total : 0.0},
                            {"macs", macs}};
        if (macs > 0 && op_ms[k] > 0) o["gops"] = 2.0 * static_cast<double>(macs) / (op_ms[k] * 1e6);
        ops.push_back(o);
      }
      j["ops"] = ops;
    }
    std::printf("%s\n", j.dump(2).c_str());
    return kExitOk;
  }

  std::printf("model             %s\n", cfg.model.c_str());
  std::printf("kernels           %s (cpu: %s), %d thread%s (%d available cores), numerics %s\n", isa.c_str(),
              CpuFeaturesString(GetCpuFeatures()).c_str(), interp.threads(), interp.threads() == 1 ? "" : "s",
              AvailableCores(), cfg.numerics.c_str());
  std::printf("init              %.3f ms (load + allocate)\n", init_ms);
  std::printf("first run         %.3f ms\n", first_ms);
  std::printf("latency (%d runs) min %.3f  median %.3f  p90 %.3f  max %.3f  mean %.3f ms\n", cfg.runs, lat.min,
              lat.median, lat.p90, lat.max, lat.mean);
  std::printf("cpu time          median %.3f ms per run (all threads)\n", cpu_stats.median);
  std::printf("throughput        %.1f images/s (batch %d)\n", images_per_second, batch);
  std::printf("memory            peak RSS %s, arena %s, folded constants %s\n", HumanBytes(peak).c_str(),
              HumanBytes(static_cast<long long>(interp.memory().arena_bytes)).c_str(),
              HumanBytes(static_cast<long long>(interp.memory().persistent_bytes)).c_str());
  if (cfg.profile) {
    std::printf("\n%5s  %-22s %10s %7s %12s %9s\n", "op", "type", "ms", "share", "MMAC", "GOP/s");
    for (int k = 0; k < n_ops; ++k) {
      if (interp.op_folded(k)) continue;
      const int64_t macs = interp.OpMacs(k);
      std::printf("%5d  %-22s %10.4f %6.1f%%", k, ir::OpTypeName(interp.subgraph().ops[k].type).c_str(), op_ms[k],
                  op_total > 0 ? 100.0 * op_ms[k] / op_total : 0.0);
      if (macs > 0 && op_ms[k] > 0)
        std::printf(" %12.3f %9.1f\n", static_cast<double>(macs) * 1e-6,
                    2.0 * static_cast<double>(macs) / (op_ms[k] * 1e6));
      else
        std::printf("\n");
    }
    std::printf("%5s  %-22s %10.4f\n", "", "total", op_total);
  }
  return kExitOk;
}

}  // namespace

Command AddBenchCommand(CLI::App& root) {
  auto cfg = std::make_shared<BenchConfig>();
  CLI::App* app = root.add_subcommand(
      "bench", "Measure a model's latency and memory on random inputs (init, first run, min/median/p90/max)");
  app->add_option("model", cfg->model, "a .tflite file or a Keras .h5 model")->required();
  app->add_option("--threads", cfg->threads, "threads for inference (capped at the cores this process may use)")
      ->check(CLI::Range(1, 256));
  app->add_option("--warmup", cfg->warmup, "untimed invokes after the first")->check(CLI::Range(0, 100000));
  app->add_option("--runs", cfg->runs, "timed invokes")->check(CLI::Range(1, 1000000));
  app->add_flag("--reference", cfg->reference, "run every op on its reference kernel");
  app->add_flag("--profile", cfg->profile, "per-op table: time, share, achieved GOP/s (2 ops per MAC)");
  app->add_flag("--json", cfg->json, "print one JSON object");
  AddKerasConfigOption(*app, &cfg->keras_config);
  app->add_option("--numerics", cfg->numerics,
                  "integer arithmetic to reproduce: tflite-runtime (default) or tflite-builtin (see `run --help`)")
      ->check(CLI::IsMember({"tflite-runtime", "tflite-builtin"}));
  return {app, [cfg] { return RunBench(*cfg); }};
}

}  // namespace liteopt::cli
