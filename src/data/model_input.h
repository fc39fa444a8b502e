// Turns a decoded image into the bytes of a classifier's input tensor (NHWC, batch 1).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/dtype.h"
#include "base/status.h"
#include "data/image.h"
#include "data/resize.h"

namespace liteopt::data {

// How 8-bit pixels map to the real values the model was trained on.
enum class PixelNormalization {
  kZeroToOne,      // x / 255
  kMinusOneToOne,  // x / 127.5 - 1
  kRaw,            // x (0..255), for models trained on raw pixel values
};

struct ModelInputSpec {
  int height = 0;
  int width = 0;
  int channels = 3;  // 1 or 3 (or 4)
  DType dtype = DType::kFloat32;  // kFloat32, kInt8 or kUInt8
  // Quantization of integer inputs: q = clamp(round(real / scale) + zero_point). Ignored for float.
  float scale = 1.0f;
  int32_t zero_point = 0;
  PixelNormalization normalization = PixelNormalization::kZeroToOne;
  ResizeMethod resize = ResizeMethod::kBilinear;
};

// Converts channels, resizes (skipped when the size already matches), normalizes, then quantizes for
// integer inputs with qmath::QuantizeValue. There is no "raw pixel" special case: a uint8 input with
// scale 1/255 and zero point 0 gets back exactly the (resized) pixel value through the generic path.
// Returns height * width * channels * DTypeSize(dtype) bytes.
Result<std::vector<uint8_t>> ToModelInput(const Image& image, const ModelInputSpec& spec);

// What a model's image input expects, from its tensor: shape [N,H,W,C] or [N,H,W] (one channel; N is the
// batch, any value), dtype float32/int8/uint8, and for integer inputs the quantization (scale, zero point).
// `normalize` is "0,1", "-1,1", "0,255" (raw pixels) or "auto": [0,1] for float inputs; for integer inputs the
// range their quantization covers ([-1,1] when its lowest value is below -0.5, raw 0..255 when its highest is
// above 2, else [0,1]). Errors name the tensor (`tensor_name`) and say what is wrong.
struct InputTensorInfo {
  std::string name;
  std::vector<int32_t> shape;
  DType dtype = DType::kFloat32;
  bool quantized = false;
  float scale = 0.0f;
  int32_t zero_point = 0;
};
Result<ModelInputSpec> ModelInputSpecFor(const InputTensorInfo& input, std::string_view normalize = "auto",
                                         ResizeMethod resize = ResizeMethod::kBilinear);

// The steps of ToModelInput, for pipelines that augment between them.
// Checks dtype, scale and zero point (not the size).
Status ValidateModelInputSpec(const ModelInputSpec& spec);
// Channel conversion and resize: float32 HWC in [0, 255] with spec.channels channels.
Result<std::vector<float>> ImageToPixels(const Image& image, const ModelInputSpec& spec);
// Normalizes `count` pixel values in [0, 255] and writes them as spec.dtype (count * DTypeSize bytes) to `out`.
// The spec must have passed ValidateModelInputSpec.
void PixelsToModelInput(const float* pixels, size_t count, const ModelInputSpec& spec, uint8_t* out);

}  // namespace liteopt::data
