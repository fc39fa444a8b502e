#include "data/image.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "data/file_util.h"
#include "data/image_decoders.h"

namespace liteopt::data {
namespace {

std::string HexBytes(const uint8_t* data, size_t size) {
  std::string s;
  char buf[4];
  for (size_t i = 0; i < size && i < 8; ++i) {
    std::snprintf(buf, sizeof(buf), i ? " %02x" : "%02x", data[i]);
    s += buf;
  }
  return s;
}

}  // namespace

namespace internal {

Status CheckImageSize(int64_t width, int64_t height, const std::string& name, const char* format) {
  if (width <= 0 || height <= 0) {
    return DataLoss(name + ": corrupt " + format + ": invalid dimensions " + std::to_string(width) + "x" +
                    std::to_string(height));
  }
  // Both factors are below 2^31 in every caller, so the product cannot overflow int64.
  if (width * height > kMaxImagePixels) {
    return InvalidArgument(name + ": " + format + " image too large: " + std::to_string(width) + "x" +
                           std::to_string(height) + " exceeds the limit of " + std::to_string(kMaxImagePixels) +
                           " pixels");
  }
  return Status::Ok();
}

}  // namespace internal

ImageFormat DetectImageFormat(const uint8_t* data, size_t size) {
  if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return ImageFormat::kJpeg;
  static constexpr uint8_t kPngMagic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (size >= 8 && std::equal(kPngMagic, kPngMagic + 8, data)) return ImageFormat::kPng;
  if (size >= 2 && data[0] == 'B' && data[1] == 'M') return ImageFormat::kBmp;
  return ImageFormat::kUnknown;
}

std::string_view ImageFormatName(ImageFormat format) {
  switch (format) {
    case ImageFormat::kJpeg: return "JPEG";
    case ImageFormat::kPng: return "PNG";
    case ImageFormat::kBmp: return "BMP";
    case ImageFormat::kUnknown: break;
  }
  return "unknown";
}

Result<Image> DecodeImage(const uint8_t* data, size_t size, const DecodeOptions& options, std::string_view name_view) {
  const std::string name(name_view);
  if (options.channels != 0 && options.channels != 1 && options.channels != 3 && options.channels != 4) {
    return InvalidArgument(name + ": requested channel count " + std::to_string(options.channels) +
                           " is not 0, 1, 3 or 4");
  }
  if (size == 0) return DataLoss(name + ": zero-byte file, not an image");
  Result<Image> decoded = Status(StatusCode::kInternal, "unset");
  switch (DetectImageFormat(data, size)) {
    case ImageFormat::kJpeg:
      decoded = internal::DecodeJpeg(data, size, options.min_width, options.min_height, name);
      break;
    case ImageFormat::kPng:
      decoded = internal::DecodePng(data, size, name);
      break;
    case ImageFormat::kBmp:
      decoded = internal::DecodeBmp(data, size, name);
      break;
    case ImageFormat::kUnknown:
      return Unsupported(name + ": unsupported image format: first bytes are [" + HexBytes(data, size) +
                         "], expected JPEG (ff d8 ff), PNG (89 50 4e 47) or BMP (42 4d)");
  }
  if (!decoded.ok() || options.channels == 0 || decoded->channels == options.channels) return decoded;
  return ConvertChannels(*decoded, options.channels);
}

Result<Image> ReadImage(const std::string& path, const DecodeOptions& options) {
  LITEOPT_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, internal::ReadFileBytes(path));
  return DecodeImage(bytes.data(), bytes.size(), options, path);
}

Result<Image> ConvertChannels(const Image& image, int channels) {
  const int src_c = image.channels;
  if (src_c < 1 || src_c > 4) {
    return InvalidArgument("ConvertChannels: source has " + std::to_string(src_c) + " channels, expected 1..4");
  }
  if (channels != 1 && channels != 3 && channels != 4) {
    return InvalidArgument("ConvertChannels: target channel count " + std::to_string(channels) +
                           " is not 1, 3 or 4");
  }
  const size_t n = static_cast<size_t>(image.width) * static_cast<size_t>(image.height);
  if (image.pixels.size() != n * static_cast<size_t>(src_c)) {
    return InvalidArgument("ConvertChannels: pixel buffer has " + std::to_string(image.pixels.size()) +
                           " bytes, expected " + std::to_string(n * src_c));
  }
  Image out;
  out.width = image.width;
  out.height = image.height;
  out.channels = channels;
  out.pixels.resize(n * static_cast<size_t>(channels));
  const bool src_color = src_c >= 3;
  const bool src_alpha = src_c == 2 || src_c == 4;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* s = &image.pixels[i * src_c];
    uint8_t* d = &out.pixels[i * channels];
    const uint8_t r = s[0];
    const uint8_t g = src_color ? s[1] : s[0];
    const uint8_t b = src_color ? s[2] : s[0];
    const uint8_t a = src_alpha ? s[src_c - 1] : 255;
    if (channels == 1) {
      d[0] = src_color ? static_cast<uint8_t>((r * 19595u + g * 38470u + b * 7471u + 0x8000u) >> 16) : r;
    } else {
      d[0] = r;
      d[1] = g;
      d[2] = b;
      if (channels == 4) d[3] = a;
    }
  }
  return out;
}

}  // namespace liteopt::data
