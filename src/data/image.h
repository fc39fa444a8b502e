// Image decoding (JPEG, PNG, BMP) into 8-bit interleaved pixels, and channel-count conversion.
//
// Inputs are untrusted: every decoder validates sizes before it allocates, and a corrupt, truncated or
// unsupported file yields a Status naming the file and the problem. Nothing here prints or exits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace liteopt::data {

// Row-major, interleaved (HWC) 8-bit pixels. channels is 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA).
struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::vector<uint8_t> pixels;  // size == width * height * channels

  uint8_t at(int y, int x, int c) const {
    return pixels[(static_cast<size_t>(y) * width + x) * channels + c];
  }
};

enum class ImageFormat { kUnknown, kJpeg, kPng, kBmp };

// Images with more pixels than this are rejected before any pixel buffer is allocated.
inline constexpr int64_t kMaxImagePixels = int64_t{1} << 28;

struct DecodeOptions {
  // Output channel count: 0 keeps the file's own layout; 1, 3 or 4 converts with ConvertChannels.
  int channels = 0;
  // JPEG only: when both are > 0, the decoder uses libjpeg's DCT-domain downscaling with the largest
  // reduction in {1/8, 1/4, 1/2} whose output keeps width >= min_width and height >= min_height.
  // Off by default because it changes pixel values compared to a full decode followed by a resize.
  int min_width = 0;
  int min_height = 0;
};

// Identifies the format from the first bytes (never from the file name).
ImageFormat DetectImageFormat(const uint8_t* data, size_t size);
std::string_view ImageFormatName(ImageFormat format);

// Decodes an in-memory file. `name` is used only in error messages.
Result<Image> DecodeImage(const uint8_t* data, size_t size, const DecodeOptions& options = {},
                          std::string_view name = "<memory>");

// Reads and decodes a file.
Result<Image> ReadImage(const std::string& path, const DecodeOptions& options = {});

// Converts between channel layouts (source 1..4, target 1, 3 or 4):
//   gray -> RGB replicates; RGB -> gray uses ITU-R 601 luma rounded exactly as PIL's convert('L'):
//   (r*19595 + g*38470 + b*7471 + 0x8000) >> 16; alpha is dropped when the target has none and set to 255
//   when the source has none.
Result<Image> ConvertChannels(const Image& image, int channels);

}  // namespace liteopt::data
