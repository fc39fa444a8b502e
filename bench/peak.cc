// The arithmetic peak of one core, so kernel figures can be stated as a fraction of it (docs/PERFORMANCE.md).
//
// Each probe is a loop of independent register-only instructions written in inline assembly (so the compiler
// can neither hoist nor merge them): enough independent accumulator chains to cover the instruction's latency,
// all registers zeroed first (no denormals). The instruction sets are checked at run time with base/cpu.h, the
// same detection the kernels use; what the CPU lacks is listed as skipped. No -march flag is needed: the
// assembler encodes every instruction, and only the probes the CPU runs are executed.
//
//   liteopt_peak [--ms N] [--repeat N] [--json]
//
// Counting: an FMA lane is 2 FLOP; an 8-bit multiply-accumulate is 2 OP (the convention of `liteopt bench
// --profile`). Each probe reports the best and the median of `repeat` windows of about `ms` milliseconds,
// timed with the thread's CPU clock (time the scheduler gave another process is not counted, but a busy
// sibling hyperthread still slows it). The clock rate comes from a chain of dependent 1-cycle adds.
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "base/cpu.h"

namespace {

// Thread CPU time in seconds.
double ThreadSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Register names for the assembly bodies: R(ymm, 3) is "%%ymm3".
#define R(kind, n) "%%" #kind #n

// Zeroes registers 0-15 (a VEX xor of the xmm part clears the whole ymm/zmm register).
#define ZERO16                                                                                                 \
  "vpxor %%xmm0, %%xmm0, %%xmm0\n vpxor %%xmm1, %%xmm1, %%xmm1\n vpxor %%xmm2, %%xmm2, %%xmm2\n"              \
  "vpxor %%xmm3, %%xmm3, %%xmm3\n vpxor %%xmm4, %%xmm4, %%xmm4\n vpxor %%xmm5, %%xmm5, %%xmm5\n"              \
  "vpxor %%xmm6, %%xmm6, %%xmm6\n vpxor %%xmm7, %%xmm7, %%xmm7\n vpxor %%xmm8, %%xmm8, %%xmm8\n"              \
  "vpxor %%xmm9, %%xmm9, %%xmm9\n vpxor %%xmm10, %%xmm10, %%xmm10\n vpxor %%xmm11, %%xmm11, %%xmm11\n"        \
  "vpxor %%xmm12, %%xmm12, %%xmm12\n vpxor %%xmm13, %%xmm13, %%xmm13\n vpxor %%xmm14, %%xmm14, %%xmm14\n"     \
  "vpxor %%xmm15, %%xmm15, %%xmm15\n"

#define CLOBBER16                                                                                          \
  "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", \
      "xmm13", "xmm14", "xmm15", "cc"

// One instruction `op src1, src2, acc` on 12 independent accumulators (registers 0-11; sources 12 and 13).
#define ACC12(op, kind)                                                                                     \
  op " " R(kind, 12) ", " R(kind, 13) ", " R(kind, 0) "\n " op " " R(kind, 12) ", " R(kind, 13) ", " R(kind, 1) "\n " \
  op " " R(kind, 12) ", " R(kind, 13) ", " R(kind, 2) "\n " op " " R(kind, 12) ", " R(kind, 13) ", " R(kind, 3) "\n " \
  op " " R(kind, 12) ", " R(kind, 13) ", " R(kind, 4) "\n " op " " R(kind, 12) ", " R(kind, 13) ", " R(kind, 5) "\n " \
  op " " R(kind, 12) ", " R(kind, 13) ", " R(kind, 6) "\n " op " " R(kind, 12) ", " R(kind, 13) ", " R(kind, 7) "\n " \
  op " " R(kind, 12) ", " R(kind, 13) ", " R(kind, 8) "\n " op " " R(kind, 12) ", " R(kind, 13) ", " R(kind, 9) "\n " \
  op " " R(kind, 12) ", " R(kind, 13) ", " R(kind, 10) "\n " op " " R(kind, 12) ", " R(kind, 13) ", " R(kind, 11) "\n"

// The pre-VNNI int8 dot product: vpmaddubsw (u8 x s8 -> pairs summed to s16, saturating), vpmaddwd with ones
// (s16 pairs -> s32), vpaddd into an accumulator. Four chains of three instructions, temporaries 8-11.
#define MADDUBS_STEP(kind, t, acc)                                                            \
  "vpmaddubsw " R(kind, 12) ", " R(kind, 13) ", " R(kind, t) "\n "                            \
  "vpmaddwd " R(kind, 14) ", " R(kind, t) ", " R(kind, t) "\n "                               \
  "vpaddd " R(kind, t) ", " R(kind, acc) ", " R(kind, acc) "\n "
#define MADDUBS8(kind)                                                                        \
  MADDUBS_STEP(kind, 8, 0) MADDUBS_STEP(kind, 9, 1) MADDUBS_STEP(kind, 10, 2) MADDUBS_STEP(kind, 11, 3) \
  MADDUBS_STEP(kind, 8, 4) MADDUBS_STEP(kind, 9, 5) MADDUBS_STEP(kind, 10, 6) MADDUBS_STEP(kind, 11, 7)

// The exact AVX2 int8 path (int8 widened to int16 first): vpmaddwd (s16 pairs -> s32) then vpaddd.
#define MADDWD_STEP(kind, t, acc) \
  "vpmaddwd " R(kind, 12) ", " R(kind, 13) ", " R(kind, t) "\n vpaddd " R(kind, t) ", " R(kind, acc) ", " R(kind, acc) "\n "
#define MADDWD8(kind)                                                                       \
  MADDWD_STEP(kind, 8, 0) MADDWD_STEP(kind, 9, 1) MADDWD_STEP(kind, 10, 2) MADDWD_STEP(kind, 11, 3) \
  MADDWD_STEP(kind, 8, 4) MADDWD_STEP(kind, 9, 5) MADDWD_STEP(kind, 10, 6) MADDWD_STEP(kind, 11, 7)

// A loop of `iters` iterations of BODY.
#define PROBE(name, body)                                                                 \
  void name(int64_t iters) {                                                              \
    asm volatile(ZERO16 "1:\n " body "dec %0\n jnz 1b\n vzeroupper\n" : "+r"(iters) : : CLOBBER16); \
  }

PROBE(FmaYmm, ACC12("vfmadd231ps", ymm))
PROBE(FmaZmm, ACC12("vfmadd231ps", zmm))
PROBE(MaddubsYmm, MADDUBS8(ymm))
PROBE(MaddubsZmm, MADDUBS8(zmm))
PROBE(MaddwdYmm, MADDWD8(ymm))
PROBE(MaddwdZmm, MADDWD8(zmm))
PROBE(VnniZmm, ACC12("vpdpbusd", zmm))
PROBE(VnniYmmEvex, ACC12("vpdpbusd", ymm))     // AVX512-VNNI + AVX512VL encoding
PROBE(VnniYmmVex, ACC12("%{vex%} vpdpbusd", ymm))  // AVX-VNNI encoding

// 64 dependent 1-cycle adds per iteration: iterations * 64 / seconds is the core clock.
void AddChain(int64_t iters) {
  uint64_t x = 0;
#define ADD8 "add $1, %1\n add $1, %1\n add $1, %1\n add $1, %1\n add $1, %1\n add $1, %1\n add $1, %1\n add $1, %1\n"
  asm volatile("1:\n " ADD8 ADD8 ADD8 ADD8 ADD8 ADD8 ADD8 ADD8 "dec %0\n jnz 1b\n" : "+r"(iters), "+r"(x) : : "cc");
#undef ADD8
}

struct Probe {
  const char* name;
  const char* unit;        // GFLOP/s or GOP/s
  double ops_per_iter;     // FLOP or OP (2 per MAC) per loop iteration
  bool (*supported)(const liteopt::CpuFeatures&);
  void (*run)(int64_t);
};

const Probe kProbes[] = {
    {"clock (dependent add chain)", "GHz", 64, [](const liteopt::CpuFeatures&) { return true; }, AddChain},
    {"fp32 FMA 256-bit (vfmadd231ps ymm)", "GFLOP/s", 12 * 8 * 2,
     [](const liteopt::CpuFeatures& f) { return f.avx2 && f.fma; }, FmaYmm},
    {"fp32 FMA 512-bit (vfmadd231ps zmm)", "GFLOP/s", 12 * 16 * 2,
     [](const liteopt::CpuFeatures& f) { return f.avx512f; }, FmaZmm},
    {"int8 vpmaddubsw+vpmaddwd+vpaddd 256-bit", "GOP/s", 8 * 32 * 2,
     [](const liteopt::CpuFeatures& f) { return f.avx2; }, MaddubsYmm},
    {"int8 vpmaddubsw+vpmaddwd+vpaddd 512-bit", "GOP/s", 8 * 64 * 2,
     [](const liteopt::CpuFeatures& f) { return f.avx512bw; }, MaddubsZmm},
    {"int16 vpmaddwd+vpaddd 256-bit (exact int8 on AVX2)", "GOP/s", 8 * 16 * 2,
     [](const liteopt::CpuFeatures& f) { return f.avx2; }, MaddwdYmm},
    {"int16 vpmaddwd+vpaddd 512-bit", "GOP/s", 8 * 32 * 2,
     [](const liteopt::CpuFeatures& f) { return f.avx512bw; }, MaddwdZmm},
    {"int8 VNNI vpdpbusd ymm (AVX512-VNNI+VL)", "GOP/s", 12 * 32 * 2,
     [](const liteopt::CpuFeatures& f) { return f.avx512vnni && f.avx512vl; }, VnniYmmEvex},
    {"int8 VNNI vpdpbusd ymm (AVX-VNNI)", "GOP/s", 12 * 32 * 2,
     [](const liteopt::CpuFeatures& f) { return f.avx_vnni; }, VnniYmmVex},
    {"int8 VNNI vpdpbusd zmm (AVX512-VNNI)", "GOP/s", 12 * 64 * 2,
     [](const liteopt::CpuFeatures& f) { return f.avx512vnni; }, VnniZmm},
};

// Iterations that take about `ms` milliseconds of thread CPU time.
int64_t Calibrate(void (*run)(int64_t), double ms) {
  int64_t iters = 1000;
  for (;;) {
    const double t0 = ThreadSeconds();
    run(iters);
    const double dt = ThreadSeconds() - t0;
    if (dt > 5e-3) return std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(iters) * (ms / 1e3) / dt));
    iters *= 4;
  }
}

int Usage() {
  std::fprintf(stderr, "usage: liteopt_peak [--ms N] [--repeat N] [--json]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  double ms = 50;
  int repeat = 9;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json")) {
      json = true;
    } else if (!std::strcmp(argv[i], "--ms") && i + 1 < argc) {
      ms = std::atof(argv[++i]);
    } else if (!std::strcmp(argv[i], "--repeat") && i + 1 < argc) {
      repeat = std::atoi(argv[++i]);
    } else {
      return Usage();
    }
  }
  if (ms <= 0 || repeat <= 0) return Usage();
  const liteopt::CpuFeatures& f = liteopt::GetCpuFeatures();
  const std::string features = liteopt::CpuFeaturesString(f);
  if (json) std::printf("{\"cpu_features\": \"%s\", \"probes\": [", features.c_str());
  else std::printf("cpu features: %s\none core, best / median of %d windows of %.0f ms (thread CPU time)\n\n%-52s %10s %10s %s\n",
                   features.c_str(), repeat, ms, "probe", "best", "median", "unit");
  bool first = true;
  for (const Probe& p : kProbes) {
    if (!p.supported(f)) {
      if (json) std::printf("%s\n {\"name\": \"%s\", \"skipped\": true}", first ? "" : ",", p.name);
      else std::printf("%-52s %10s %10s (the CPU lacks it)\n", p.name, "skipped", "");
      first = false;
      continue;
    }
    const int64_t iters = Calibrate(p.run, ms);
    std::vector<double> rates;
    for (int r = 0; r < repeat; ++r) {
      const double t0 = ThreadSeconds();
      p.run(iters);
      const double dt = ThreadSeconds() - t0;
      rates.push_back(p.ops_per_iter * static_cast<double>(iters) / dt * 1e-9);
    }
    std::sort(rates.begin(), rates.end());
    const double best = rates.back(), median = rates[rates.size() / 2];
    if (json) std::printf("%s\n {\"name\": \"%s\", \"unit\": \"%s\", \"best\": %.2f, \"median\": %.2f}", first ? "" : ",",
                          p.name, p.unit, best, median);
    else std::printf("%-52s %10.1f %10.1f %s\n", p.name, best, median, p.unit);
    first = false;
  }
  if (json) std::printf("\n]}\n");
  return 0;
}
