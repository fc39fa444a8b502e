#include "data/model_input.h"

#include <cmath>
#include <cstring>
#include <string>

#include "base/quant_math.h"

namespace liteopt::data {

Result<std::vector<uint8_t>> ToModelInput(const Image& image, const ModelInputSpec& spec) {
  if (spec.dtype != DType::kFloat32 && spec.dtype != DType::kInt8 && spec.dtype != DType::kUInt8) {
    return Unsupported("ToModelInput: input dtype " + std::string(DTypeName(spec.dtype)) +
                       " is not float32, int8 or uint8");
  }
  const bool quantized = spec.dtype != DType::kFloat32;
  int32_t qmin = 0, qmax = 0;
  if (quantized) {
    qmath::DTypeRange(spec.dtype, &qmin, &qmax);
    if (!(spec.scale > 0.0f) || !std::isfinite(spec.scale)) {
      return InvalidArgument("ToModelInput: input scale " + std::to_string(spec.scale) + " must be positive");
    }
    if (spec.zero_point < qmin || spec.zero_point > qmax) {
      return InvalidArgument("ToModelInput: zero point " + std::to_string(spec.zero_point) + " outside [" +
                             std::to_string(qmin) + ", " + std::to_string(qmax) + "] of " +
                             std::string(DTypeName(spec.dtype)));
    }
  }
  Image converted;
  const Image* src = &image;
  if (image.channels != spec.channels) {
    LITEOPT_ASSIGN_OR_RETURN(converted, ConvertChannels(image, spec.channels));
    src = &converted;
  }
  // Resize validates the image and the output size.
  LITEOPT_ASSIGN_OR_RETURN(std::vector<float> values, Resize(*src, spec.height, spec.width, spec.resize));

  std::vector<uint8_t> out(values.size() * DTypeSize(spec.dtype));
  for (size_t i = 0; i < values.size(); ++i) {
    const float real = spec.normalization == PixelNormalization::kZeroToOne     ? values[i] / 255.0f
                       : spec.normalization == PixelNormalization::kMinusOneToOne ? values[i] / 127.5f - 1.0f
                                                                                  : values[i];
    if (!quantized) {
      std::memcpy(&out[i * 4], &real, 4);
    } else {
      const int32_t q = qmath::QuantizeValue(real, spec.scale, spec.zero_point, qmin, qmax);
      out[i] = spec.dtype == DType::kInt8 ? static_cast<uint8_t>(static_cast<int8_t>(q)) : static_cast<uint8_t>(q);
    }
  }
  return out;
}

}  // namespace liteopt::data
