#include "data/model_input.h"

#include <cmath>
#include <cstring>
#include <string>

#include "base/quant_math.h"

namespace liteopt::data {

Status ValidateModelInputSpec(const ModelInputSpec& spec) {
  if (spec.dtype != DType::kFloat32 && spec.dtype != DType::kInt8 && spec.dtype != DType::kUInt8) {
    return Unsupported("model input dtype " + std::string(DTypeName(spec.dtype)) + " is not float32, int8 or uint8");
  }
  if (spec.dtype == DType::kFloat32) return Status::Ok();
  int32_t qmin = 0, qmax = 0;
  qmath::DTypeRange(spec.dtype, &qmin, &qmax);
  if (!(spec.scale > 0.0f) || !std::isfinite(spec.scale)) {
    return InvalidArgument("model input scale " + std::to_string(spec.scale) + " must be positive");
  }
  if (spec.zero_point < qmin || spec.zero_point > qmax) {
    return InvalidArgument("model input zero point " + std::to_string(spec.zero_point) + " outside [" +
                           std::to_string(qmin) + ", " + std::to_string(qmax) + "] of " +
                           std::string(DTypeName(spec.dtype)));
  }
  return Status::Ok();
}

Result<std::vector<float>> ImageToPixels(const Image& image, const ModelInputSpec& spec) {
  Image converted;
  const Image* src = &image;
  if (image.channels != spec.channels) {
    LITEOPT_ASSIGN_OR_RETURN(converted, ConvertChannels(image, spec.channels));
    src = &converted;
  }
  // Resize validates the image and the output size; at the same size it is an exact copy.
  return Resize(*src, spec.height, spec.width, spec.resize);
}

void PixelsToModelInput(const float* pixels, size_t count, const ModelInputSpec& spec, uint8_t* out) {
  // One loop per normalization so each is a plain vectorizable loop (division kept: x / 255 as the course).
  const auto convert = [&](auto normalize) {
    if (spec.dtype == DType::kFloat32) {
      float* f = reinterpret_cast<float*>(out);
      for (size_t i = 0; i < count; ++i) f[i] = normalize(pixels[i]);
      return;
    }
    int32_t qmin = 0, qmax = 0;
    qmath::DTypeRange(spec.dtype, &qmin, &qmax);
    for (size_t i = 0; i < count; ++i) {
      const int32_t q = qmath::QuantizeValue(normalize(pixels[i]), spec.scale, spec.zero_point, qmin, qmax);
      out[i] = spec.dtype == DType::kInt8 ? static_cast<uint8_t>(static_cast<int8_t>(q)) : static_cast<uint8_t>(q);
    }
  };
  switch (spec.normalization) {
    case PixelNormalization::kZeroToOne: convert([](float v) { return v / 255.0f; }); break;
    case PixelNormalization::kMinusOneToOne: convert([](float v) { return v / 127.5f - 1.0f; }); break;
    case PixelNormalization::kRaw: convert([](float v) { return v; }); break;
  }
}

Result<std::vector<uint8_t>> ToModelInput(const Image& image, const ModelInputSpec& spec) {
  if (Status st = ValidateModelInputSpec(spec); !st.ok()) return st.Prepend("ToModelInput");
  LITEOPT_ASSIGN_OR_RETURN(std::vector<float> pixels, ImageToPixels(image, spec));
  std::vector<uint8_t> out(pixels.size() * DTypeSize(spec.dtype));
  PixelsToModelInput(pixels.data(), pixels.size(), spec, out.data());
  return out;
}

}  // namespace liteopt::data
