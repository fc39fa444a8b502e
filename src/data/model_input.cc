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

Result<ModelInputSpec> ModelInputSpecFor(const InputTensorInfo& in, std::string_view normalize, ResizeMethod resize) {
  const auto shape_text = [&] {
    std::string t = "[";
    for (size_t i = 0; i < in.shape.size(); ++i) t += (i ? "," : "") + std::to_string(in.shape[i]);
    return t + "]";
  };
  ModelInputSpec spec;
  if (in.shape.size() == 4) {
    spec.height = in.shape[1];
    spec.width = in.shape[2];
    spec.channels = in.shape[3];
  } else if (in.shape.size() == 3) {
    spec.height = in.shape[1];
    spec.width = in.shape[2];
    spec.channels = 1;
  } else {
    return InvalidArgument("input '" + in.name + "' has shape " + shape_text() +
                           ", which is not an image ([N,H,W,C] or [N,H,W])");
  }
  if (spec.height < 1 || spec.width < 1) {
    return InvalidArgument("input '" + in.name + "' has shape " + shape_text() + " with no fixed height and width");
  }
  if (spec.channels != 1 && spec.channels != 3 && spec.channels != 4) {
    return InvalidArgument("input '" + in.name + "' has " + std::to_string(spec.channels) +
                           " channels; images can feed 1, 3 or 4");
  }
  if (in.dtype != DType::kFloat32 && in.dtype != DType::kInt8 && in.dtype != DType::kUInt8) {
    return InvalidArgument("input '" + in.name + "' is " + std::string(DTypeName(in.dtype)) +
                           "; images can feed float32, int8 or uint8 inputs");
  }
  spec.dtype = in.dtype;
  if (in.dtype != DType::kFloat32) {
    if (!in.quantized) {
      return InvalidArgument("input '" + in.name + "' is " + std::string(DTypeName(in.dtype)) +
                             " without quantization parameters");
    }
    spec.scale = in.scale;
    spec.zero_point = in.zero_point;
  }
  if (normalize == "-1,1") {
    spec.normalization = PixelNormalization::kMinusOneToOne;
  } else if (normalize == "0,255") {
    spec.normalization = PixelNormalization::kRaw;
  } else if (normalize == "0,1" || normalize == "auto") {
    spec.normalization = PixelNormalization::kZeroToOne;
  } else {
    return InvalidArgument("pixel range '" + std::string(normalize) + "' is not 0,1, -1,1, 0,255 or auto");
  }
  if (normalize == "auto" && in.dtype != DType::kFloat32) {
    // An integer input's quantization tells the real range the model was trained on: (q - zp) * scale over
    // the dtype's range reaching well below zero means pixels in [-1, 1] (legacy Coral MobileNets).
    int32_t qmin, qmax;
    qmath::DTypeRange(in.dtype, &qmin, &qmax);
    if (qmath::DequantizeValue(qmin, spec.scale, spec.zero_point) < -0.5f) {
      spec.normalization = PixelNormalization::kMinusOneToOne;
    } else if (qmath::DequantizeValue(qmax, spec.scale, spec.zero_point) > 2.0f) {
      spec.normalization = PixelNormalization::kRaw;  // e.g. scale 1, zero point -128: raw 0..255
    }
  }
  spec.resize = resize;
  if (Status st = ValidateModelInputSpec(spec); !st.ok()) return st.Prepend("input '" + in.name + "'");
  return spec;
}

Result<std::vector<uint8_t>> ToModelInput(const Image& image, const ModelInputSpec& spec) {
  if (Status st = ValidateModelInputSpec(spec); !st.ok()) return st.Prepend("ToModelInput");
  LITEOPT_ASSIGN_OR_RETURN(std::vector<float> pixels, ImageToPixels(image, spec));
  std::vector<uint8_t> out(pixels.size() * DTypeSize(spec.dtype));
  PixelsToModelInput(pixels.data(), pixels.size(), spec, out.data());
  return out;
}

}  // namespace liteopt::data
