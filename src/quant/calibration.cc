#include "quant/calibration.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>

#include "base/cpu.h"
#include "runtime/interpreter.h"

namespace liteopt::quant {

namespace {

constexpr int kBins = 2048;

struct Track {
  int32_t tensor = 0;
  float min = std::numeric_limits<float>::infinity();
  float max = -std::numeric_limits<float>::infinity();
  std::vector<double> hist, abs_hist;
};

}  // namespace

float EntropyThreshold(const std::vector<double>& abs_counts, float max_abs, int levels) {
  const int n = static_cast<int>(abs_counts.size());
  if (n <= levels || max_abs <= 0.0f) return max_abs;
  const double bin = static_cast<double>(max_abs) / n;
  double best_kl = std::numeric_limits<double>::infinity();
  int best_i = n;
  std::vector<double> p, q;
  const int step = std::max(1, (n - levels) / 120);
  for (int i = levels; i <= n; i += step) {
    // Reference: the first i bins, with everything beyond folded into the last one (clipping).
    p.assign(abs_counts.begin(), abs_counts.begin() + i);
    for (int k = i; k < n; ++k) p[i - 1] += abs_counts[k];
    // Candidate: the first i bins merged into `levels` levels, spread back over their non-empty bins.
    q.assign(i, 0.0);
    for (int l = 0; l < levels; ++l) {
      const int b0 = static_cast<int>(static_cast<int64_t>(l) * i / levels);
      const int b1 = static_cast<int>(static_cast<int64_t>(l + 1) * i / levels);
      double sum = 0;
      int nonzero = 0;
      for (int k = b0; k < b1; ++k) {
        sum += abs_counts[k];
        if (abs_counts[k] > 0) ++nonzero;
      }
      for (int k = b0; k < b1; ++k)
        if (abs_counts[k] > 0) q[k] = sum / nonzero;
    }
    double psum = 0, qsum = 0;
    for (int k = 0; k < i; ++k) {
      psum += p[k];
      qsum += q[k];
    }
    if (psum <= 0 || qsum <= 0) continue;
    double kl = 0;
    for (int k = 0; k < i; ++k) {
      if (p[k] <= 0) continue;
      const double pk = p[k] / psum;
      // An empty candidate bin where the reference has mass: a small floor instead of infinity.
      const double qk = q[k] > 0 ? q[k] / qsum : 1e-12;
      kl += pk * std::log(pk / qk);
    }
    if (kl < best_kl) {
      best_kl = kl;
      best_i = i;
    }
  }
  return static_cast<float>(std::min(static_cast<double>(max_abs), (best_i + 0.5) * bin));
}

TensorRange RangeFromHistogram(const std::vector<double>& counts, float lo, float hi, Calibration method) {
  TensorRange r{true, lo, hi};
  const int n = static_cast<int>(counts.size());
  if (n == 0 || !(hi > lo)) return r;
  const double width = (static_cast<double>(hi) - lo) / n;
  double total = 0;
  for (double c : counts) total += c;
  if (total <= 0) return r;
  if (method == Calibration::kPercentile) {
    constexpr double kTail = 1e-4;
    double acc = 0;
    int first = 0, last = n - 1;
    for (int k = 0; k < n; ++k) {
      acc += counts[k];
      if (acc >= kTail * total) {
        first = k;
        break;
      }
    }
    acc = 0;
    for (int k = n - 1; k >= 0; --k) {
      acc += counts[k];
      if (acc >= kTail * total) {
        last = k;
        break;
      }
    }
    r.min = static_cast<float>(lo + first * width);
    r.max = static_cast<float>(lo + (last + 1) * width);
  } else if (method == Calibration::kMse) {
    double best = std::numeric_limits<double>::infinity();
    for (int k = 128; k >= 1; --k) {
      const double f = k / 128.0;
      const double a = std::min(0.0, lo * f), b = std::max(0.0, hi * f);
      if (!(b > a)) continue;
      const double scale = (b - a) / 255.0;
      double err = 0;
      for (int j = 0; j < n; ++j) {
        if (counts[j] <= 0) continue;
        const double c = lo + (j + 0.5) * width;
        const double d = c < a ? c - a : (c > b ? c - b : 0.0);
        err += counts[j] * (d != 0.0 ? d * d : scale * scale / 12.0);
      }
      if (err < best) {
        best = err;
        r.min = static_cast<float>(a);
        r.max = static_cast<float>(b);
      }
    }
  }
  r.min = std::min(r.min, 0.0f);
  r.max = std::max(r.max, 0.0f);
  return r;
}

Result<std::vector<TensorRange>> Calibrate(const ir::Graph& float_graph,
                                           const std::vector<std::vector<uint8_t>>& samples, Calibration method,
                                           int threads) {
  if (samples.empty()) return InvalidArgument("calibration needs at least one representative sample");
  runtime::InterpreterOptions o;
  o.preserve_all_tensors = true;
  o.num_threads = threads > 0 ? threads : AvailableCores();
  auto interp_or = runtime::Interpreter::Create(std::make_shared<const ir::Graph>(float_graph), o);
  if (!interp_or.ok()) return Status(interp_or.status()).Prepend("calibration");
  runtime::Interpreter& interp = **interp_or;
  // A sample is the bytes of every input in order (one input for image classifiers).
  size_t total = 0;
  std::string expected;
  for (int i = 0; i < interp.num_inputs(); ++i) {
    const ops::TensorRef& in = interp.input(i);
    if (in.dtype != DType::kFloat32)
      return InvalidArgument("model input '" + in.ir->name + "' is " + std::string(DTypeName(in.dtype)) +
                             ", expected float32 inputs to calibrate");
    total += in.bytes;
    expected += (expected.empty() ? "" : " + ") + std::to_string(in.bytes) + " (input '" + in.ir->name + "')";
  }
  for (size_t s = 0; s < samples.size(); ++s) {
    if (samples[s].size() != total)
      return InvalidArgument("representative sample " + std::to_string(s) + " has " +
                             std::to_string(samples[s].size()) + " bytes, but the model needs " + expected +
                             " bytes of float32 input");
  }
  std::vector<Track> tracks;
  for (int t = 0; t < interp.num_tensors(); ++t) {
    const ops::TensorRef& ref = interp.tensor(t);
    if (ref.dtype == DType::kFloat32 && !ref.is_const && ref.ir != nullptr) {
      Track track;
      track.tensor = t;
      tracks.push_back(std::move(track));
    }
  }
  auto run = [&](size_t s) -> Status {
    size_t offset = 0;
    for (int i = 0; i < interp.num_inputs(); ++i) {
      std::memcpy(interp.input_bytes(i), samples[s].data() + offset, interp.input(i).bytes);
      offset += interp.input(i).bytes;
    }
    Status st = interp.Invoke();
    if (!st.ok()) return st.Prepend("calibration sample " + std::to_string(s));
    return Status::Ok();
  };
  for (size_t s = 0; s < samples.size(); ++s) {
    LITEOPT_RETURN_IF_ERROR(run(s));
    for (Track& tr : tracks) {
      const ops::TensorRef& ref = interp.tensor(tr.tensor);
      if (ref.data == nullptr) continue;
      const float* v = ref.as<float>();
      const int64_t n = static_cast<int64_t>(ref.bytes / sizeof(float));
      float lo = tr.min, hi = tr.max;
      for (int64_t i = 0; i < n; ++i) {
        const float x = v[i];
        if (!std::isfinite(x)) continue;
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
      }
      tr.min = lo;
      tr.max = hi;
    }
  }
  if (method != Calibration::kMinMax) {
    for (Track& tr : tracks) {
      tr.hist.assign(kBins, 0.0);
      if (method == Calibration::kEntropy) tr.abs_hist.assign(kBins, 0.0);
    }
    for (size_t s = 0; s < samples.size(); ++s) {
      LITEOPT_RETURN_IF_ERROR(run(s));
      for (Track& tr : tracks) {
        const ops::TensorRef& ref = interp.tensor(tr.tensor);
        if (ref.data == nullptr || !(tr.max > tr.min)) continue;
        const float* v = ref.as<float>();
        const int64_t n = static_cast<int64_t>(ref.bytes / sizeof(float));
        const float inv = kBins / (tr.max - tr.min);
        const float max_abs = std::max(std::abs(tr.min), std::abs(tr.max));
        const float inv_abs = max_abs > 0 ? kBins / max_abs : 0.0f;
        for (int64_t i = 0; i < n; ++i) {
          const float x = v[i];
          if (!std::isfinite(x)) continue;
          tr.hist[std::clamp(static_cast<int>((x - tr.min) * inv), 0, kBins - 1)] += 1;
          // Exact zeros (half of a ReLU's outputs) stay out of the entropy histogram: the zero point represents
          // them exactly at any threshold, but in the first bin they would be spread over the first level's
          // bins by the candidate distribution, a fake error that grows with the threshold and drove it to the
          // lowest candidates (ReLU6 outputs clipped to ~1.0-1.5 of [0, 6]).
          if (!tr.abs_hist.empty() && x != 0.0f)
            tr.abs_hist[std::clamp(static_cast<int>(std::abs(x) * inv_abs), 0, kBins - 1)] += 1;
        }
      }
    }
  }
  std::vector<TensorRange> ranges(float_graph.main().tensors.size());
  for (Track& tr : tracks) {
    TensorRange r;
    if (!(tr.min <= tr.max)) {
      r = {true, 0.0f, 0.0f};  // never finite: an all-NaN tensor gets the degenerate range
    } else if (method == Calibration::kMinMax || !(tr.max > tr.min)) {
      r = {true, tr.min, tr.max};
    } else if (method == Calibration::kEntropy) {
      const int levels = tr.min >= 0.0f ? 255 : 128;
      const float max_abs = std::max(std::abs(tr.min), std::abs(tr.max));
      const float t = EntropyThreshold(tr.abs_hist, max_abs, levels);
      r = {true, std::max(tr.min, -t), std::min(tr.max, t)};
    } else {
      r = RangeFromHistogram(tr.hist, tr.min, tr.max, method);
    }
    r.min = std::min(r.min, 0.0f);
    r.max = std::max(r.max, 0.0f);
    ranges[tr.tensor] = r;
  }
  return ranges;
}

}  // namespace liteopt::quant
