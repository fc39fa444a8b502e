// Internal: the per-format decoders behind DecodeImage. Each returns the file's native layout
// (1, 2, 3 or 4 channels); `name` appears in every error message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/status.h"
#include "data/image.h"

namespace liteopt::data::internal {

Result<Image> DecodeJpeg(const uint8_t* data, size_t size, int min_width, int min_height, const std::string& name);
Result<Image> DecodePng(const uint8_t* data, size_t size, const std::string& name);
Result<Image> DecodeBmp(const uint8_t* data, size_t size, const std::string& name);

// Ok if width x height is positive and at most kMaxImagePixels; the message names the file.
Status CheckImageSize(int64_t width, int64_t height, const std::string& name, const char* format);

}  // namespace liteopt::data::internal
