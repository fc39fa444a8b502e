#include "data/resize.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace liteopt::data {
namespace {

// TensorFlow's CalculateResizeScale with align_corners=False.
float Scale(int in, int out) { return static_cast<float>(in) / static_cast<float>(out); }

struct Interp {
  int lower;
  int upper;
  float lerp;
};

// TensorFlow's compute_interpolation_weights with HalfPixelScaler: in = (i + 0.5) * scale - 0.5.
std::vector<Interp> BilinearWeights(int out, int in) {
  const float scale = Scale(in, out);
  std::vector<Interp> w(out);
  for (int i = 0; i < out; ++i) {
    const float x = (static_cast<float>(i) + 0.5f) * scale - 0.5f;
    const float xf = std::floor(x);
    w[i].lower = std::max(static_cast<int>(xf), 0);
    w[i].upper = std::min(static_cast<int>(std::ceil(x)), in - 1);
    w[i].lerp = x - xf;
  }
  return w;
}

// Separable form of TF's per-pixel formula
//   top = tl + (tr - tl) * x_lerp;  bottom = bl + (br - bl) * x_lerp;  out = top + (bottom - top) * y_lerp
// with the same operations in the same order, so results are bit-identical to it; each input row's horizontal
// pass is computed once and shared by the output rows that use it.
void ResizeBilinear(const Image& img, int oh, int ow, float* out) {
  const int c = img.channels;
  const std::vector<Interp> ys = BilinearWeights(oh, img.height);
  const std::vector<Interp> xs = BilinearWeights(ow, img.width);
  const size_t n = static_cast<size_t>(ow) * c;
  std::vector<int> lo(n), hi(n);
  std::vector<float> lerp(n);
  for (int x = 0; x < ow; ++x) {
    for (int k = 0; k < c; ++k) {
      lo[x * c + k] = xs[x].lower * c + k;
      hi[x * c + k] = xs[x].upper * c + k;
      lerp[x * c + k] = xs[x].lerp;
    }
  }
  const size_t in_row = static_cast<size_t>(img.width) * c;
  std::vector<float> rows(2 * n);
  int cached[2] = {-1, -1};  // input row held by rows[0..n) and rows[n..2n)
  // The horizontal pass of input row iy, computed into the slot not holding row `keep`.
  const auto horizontal = [&](int iy, int keep) -> const float* {
    for (int slot = 0; slot < 2; ++slot)
      if (cached[slot] == iy) return &rows[slot * n];
    const int slot = cached[0] == keep ? 1 : 0;
    cached[slot] = iy;
    const uint8_t* src = img.pixels.data() + iy * in_row;
    float* h = &rows[slot * n];
    for (size_t i = 0; i < n; ++i) {
      const float l = src[lo[i]], u = src[hi[i]];
      h[i] = l + (u - l) * lerp[i];
    }
    return h;
  };
  for (int y = 0; y < oh; ++y) {
    const float* top = horizontal(ys[y].lower, -1);
    const float* bot = horizontal(ys[y].upper, ys[y].lower);
    const float yl = ys[y].lerp;
    for (size_t i = 0; i < n; ++i) out[i] = top[i] + (bot[i] - top[i]) * yl;
    out += n;
  }
}

// ResizeNearestNeighbor with half_pixel_centers: floor((i + 0.5) * scale), clamped to [0, in - 1].
void ResizeNearest(const Image& img, int oh, int ow, float* out) {
  const int c = img.channels;
  const float sy = Scale(img.height, oh), sx = Scale(img.width, ow);
  std::vector<int> xs(ow);
  for (int x = 0; x < ow; ++x) {
    xs[x] = std::clamp(static_cast<int>(std::floor((static_cast<float>(x) + 0.5f) * sx)), 0, img.width - 1);
  }
  for (int y = 0; y < oh; ++y) {
    const int iy = std::clamp(static_cast<int>(std::floor((static_cast<float>(y) + 0.5f) * sy)), 0, img.height - 1);
    const uint8_t* row = img.pixels.data() + static_cast<size_t>(iy) * img.width * c;
    for (int x = 0; x < ow; ++x) {
      for (int k = 0; k < c; ++k) *out++ = row[xs[x] * c + k];
    }
  }
}

struct AreaSpan {
  int start;
  int end;  // exclusive
  std::vector<float> weights;
};

// ResizeArea's per-axis coverage: output cell i spans [i * scale, (i + 1) * scale) in input pixels, and
// input pixel j contributes its overlap with that span (indices clamped to the image, as TF's BOUND).
std::vector<AreaSpan> AreaSpans(int out, int in) {
  const float scale = Scale(in, out);
  std::vector<AreaSpan> spans(out);
  for (int i = 0; i < out; ++i) {
    const float v0 = static_cast<float>(i) * scale;
    const float v1 = static_cast<float>(i + 1) * scale;
    spans[i].start = static_cast<int>(std::floor(v0));
    spans[i].end = static_cast<int>(std::ceil(v1));
    for (int j = spans[i].start; j < spans[i].end; ++j) {
      float w;
      if (static_cast<float>(j) < v0) {
        w = static_cast<float>(j + 1) > v1 ? scale : static_cast<float>(j + 1) - v0;
      } else {
        w = static_cast<float>(j + 1) > v1 ? v1 - static_cast<float>(j) : 1.0f;
      }
      spans[i].weights.push_back(w);
    }
  }
  return spans;
}

void ResizeArea(const Image& img, int oh, int ow, float* out) {
  const int c = img.channels;
  const std::vector<AreaSpan> ys = AreaSpans(oh, img.height);
  const std::vector<AreaSpan> xs = AreaSpans(ow, img.width);
  const float norm = 1.0f / (Scale(img.height, oh) * Scale(img.width, ow));
  for (int y = 0; y < oh; ++y) {
    for (int x = 0; x < ow; ++x) {
      for (int k = 0; k < c; ++k) {
        float sum = 0.0f;
        for (int iy = ys[y].start; iy < ys[y].end; ++iy) {
          const int by = std::clamp(iy, 0, img.height - 1);
          const uint8_t* row = img.pixels.data() + static_cast<size_t>(by) * img.width * c;
          float sum_y = 0.0f;
          for (int ix = xs[x].start; ix < xs[x].end; ++ix) {
            const int bx = std::clamp(ix, 0, img.width - 1);
            sum_y += static_cast<float>(row[bx * c + k]) * xs[x].weights[ix - xs[x].start];
          }
          sum += sum_y * ys[y].weights[iy - ys[y].start];
        }
        *out++ = sum * norm;
      }
    }
  }
}

}  // namespace

Result<std::vector<float>> Resize(const Image& image, int out_height, int out_width, ResizeMethod method) {
  if (image.width <= 0 || image.height <= 0 || image.channels <= 0 ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * image.channels) {
    return InvalidArgument("Resize: malformed image " + std::to_string(image.width) + "x" +
                           std::to_string(image.height) + "x" + std::to_string(image.channels) + " with " +
                           std::to_string(image.pixels.size()) + " bytes");
  }
  if (out_height <= 0 || out_width <= 0 ||
      static_cast<int64_t>(out_height) * out_width > kMaxImagePixels) {
    return InvalidArgument("Resize: invalid output size " + std::to_string(out_height) + "x" +
                           std::to_string(out_width));
  }
  std::vector<float> out(static_cast<size_t>(out_height) * out_width * image.channels);
  if (out_height == image.height && out_width == image.width) {
    // Every method is the identity at scale 1 (bilinear lerps are 0, area weights 1): the same values, faster.
    std::copy(image.pixels.begin(), image.pixels.end(), out.begin());
    return out;
  }
  switch (method) {
    case ResizeMethod::kBilinear: ResizeBilinear(image, out_height, out_width, out.data()); break;
    case ResizeMethod::kNearest: ResizeNearest(image, out_height, out_width, out.data()); break;
    case ResizeMethod::kArea: ResizeArea(image, out_height, out_width, out.data()); break;
  }
  return out;
}

}  // namespace liteopt::data
