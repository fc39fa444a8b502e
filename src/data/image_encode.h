// Image encoding (PNG, JPEG) from an 8-bit interleaved `Image` into in-memory file bytes.
//
// Output is deterministic: the same image and settings give the same bytes (no timestamps, no metadata
// chunks). Invalid images (non-positive size, more than kMaxImagePixels, channels outside 1..4, a pixel
// buffer of the wrong size) and layouts the format cannot hold are errors; nothing prints or exits.
#pragma once

#include <cstdint>
#include <vector>

#include "base/status.h"
#include "data/image.h"

namespace liteopt::data {

// 8-bit PNG (libpng, zlib's default compression level, adaptive filtering): 1 channel -> gray,
// 2 -> gray+alpha, 3 -> RGB, 4 -> RGBA. Decoding the result with DecodeImage gives back the exact pixels.
Result<std::vector<uint8_t>> EncodePng(const Image& image);

// Baseline JPEG (libjpeg-turbo, integer DCT, 4:2:0 chroma subsampling for RGB): 1 channel -> grayscale
// JPEG (decodes as 1 channel), 3 -> YCbCr. quality is libjpeg's 1..100 scale. JPEG has no alpha, so 2 and
// 4 channels are errors (drop alpha with ConvertChannels first). Lossy: a decode is close, not exact.
Result<std::vector<uint8_t>> EncodeJpeg(const Image& image, int quality = 95);

}  // namespace liteopt::data
