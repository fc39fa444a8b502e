// BMP decoding: uncompressed 8-bit palette, 24-bit BGR and 32-bit (BI_RGB or BI_BITFIELDS), bottom-up or
// top-down, with BITMAPINFOHEADER (40 bytes) or the larger V2/V3/V4/V5 headers. RLE, 1/4/16-bit and OS/2
// core headers are rejected as unsupported.
//
// Output: gray (1 channel) when every palette entry is gray, as the MNIST and person-detection fixtures
// are; RGB otherwise; RGBA for 32-bit files whose header declares a non-zero alpha mask.
#include <string>

#include "data/image_decoders.h"

namespace liteopt::data::internal {
namespace {

uint32_t U16(const uint8_t* p) { return p[0] | (p[1] << 8); }
uint32_t U32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

constexpr uint32_t kBiRgb = 0, kBiBitfields = 3, kBiAlphaBitfields = 6;

// Extracts one channel described by a bit mask and scales it to 8 bits (a 5-bit field 31 -> 255).
struct MaskField {
  int shift = 0;
  int bits = 0;
  explicit MaskField(uint32_t mask) {
    if (mask == 0) return;
    while (!(mask & 1u)) mask >>= 1, ++shift;
    while (mask & 1u) mask >>= 1, ++bits;
  }
  uint8_t Extract(uint32_t v) const {
    if (bits == 0) return 0;
    const uint32_t max = bits >= 32 ? 0xFFFFFFFFu : ((1u << bits) - 1);
    const uint32_t x = (v >> shift) & max;
    if (bits == 8) return static_cast<uint8_t>(x);
    return static_cast<uint8_t>((static_cast<uint64_t>(x) * 255 + max / 2) / max);
  }
};

}  // namespace

Result<Image> DecodeBmp(const uint8_t* data, size_t size, const std::string& name) {
  auto truncated = [&](const std::string& what) {
    return DataLoss(name + ": truncated BMP: " + what + " (file has " + std::to_string(size) + " bytes)");
  };
  auto corrupt = [&](const std::string& what) { return DataLoss(name + ": corrupt BMP: " + what); };
  if (size < 14 + 4) return truncated("file header needs 18 bytes");
  const uint32_t pixel_offset = U32(data + 10);
  const uint32_t header_size = U32(data + 14);
  if (header_size == 12) return Unsupported(name + ": BMP with an OS/2 core header (12 bytes) is not supported");
  if (header_size != 40 && header_size != 52 && header_size != 56 && header_size != 108 && header_size != 124) {
    return corrupt("info header size " + std::to_string(header_size) + " is not 40, 52, 56, 108 or 124");
  }
  if (size < 14 + static_cast<size_t>(header_size)) {
    return truncated("info header needs " + std::to_string(14 + header_size) + " bytes");
  }
  const uint8_t* h = data + 14;
  const int32_t width = static_cast<int32_t>(U32(h + 4));
  const int32_t raw_height = static_cast<int32_t>(U32(h + 8));
  const uint32_t bit_count = U16(h + 14);
  const uint32_t compression = U32(h + 16);
  const uint32_t colors_used = U32(h + 32);
  if (raw_height == INT32_MIN) return corrupt("height is INT32_MIN");
  const bool top_down = raw_height < 0;
  const int32_t height = top_down ? -raw_height : raw_height;
  LITEOPT_RETURN_IF_ERROR(CheckImageSize(width, height, name, "BMP"));

  // Bit masks for 32-bit: from the V2+ header, or from the 12 bytes after a 40-byte BI_BITFIELDS header.
  uint32_t masks[4] = {0x00FF0000u, 0x0000FF00u, 0x000000FFu, 0};
  size_t palette_offset = 14 + header_size;
  if (compression == kBiBitfields || compression == kBiAlphaBitfields) {
    if (bit_count != 32) {
      return Unsupported(name + ": BMP bitfields with " + std::to_string(bit_count) +
                         " bits per pixel are not supported (only 32)");
    }
    const int n_masks = compression == kBiAlphaBitfields ? 4 : 3;
    const uint8_t* m = h + 40;
    if (header_size == 40) {
      if (size < palette_offset + 4 * n_masks) return truncated("bitfield masks missing");
      palette_offset += 4 * n_masks;
    }
    for (int i = 0; i < n_masks; ++i) masks[i] = U32(m + 4 * i);
    if (header_size >= 56 && compression == kBiBitfields) masks[3] = U32(h + 52);
  } else if (compression != kBiRgb) {
    return Unsupported(name + ": compressed BMP (compression " + std::to_string(compression) +
                       ", e.g. RLE) is not supported");
  }
  if (bit_count != 8 && bit_count != 24 && bit_count != 32) {
    return Unsupported(name + ": BMP with " + std::to_string(bit_count) +
                       " bits per pixel is not supported (8, 24 or 32)");
  }

  // Palette (8-bit only): colors_used entries of B,G,R,reserved; 0 means the full 2^8.
  uint8_t palette[256][3] = {};
  uint32_t palette_size = 0;
  bool gray_palette = true;
  if (bit_count == 8) {
    palette_size = colors_used == 0 ? 256 : colors_used;
    if (palette_size > 256) return corrupt("palette of " + std::to_string(colors_used) + " colors for 8-bit pixels");
    if (palette_offset + 4 * static_cast<size_t>(palette_size) > size) {
      return truncated("palette of " + std::to_string(palette_size) + " colors");
    }
    for (uint32_t i = 0; i < palette_size; ++i) {
      const uint8_t* p = data + palette_offset + 4 * i;
      palette[i][0] = p[2];
      palette[i][1] = p[1];
      palette[i][2] = p[0];
      gray_palette = gray_palette && p[0] == p[1] && p[1] == p[2];
    }
  }

  const size_t row_bytes = ((static_cast<size_t>(width) * bit_count + 31) / 32) * 4;
  const size_t data_bytes = row_bytes * static_cast<size_t>(height);
  if (pixel_offset > size || data_bytes > size - pixel_offset) {
    return truncated("pixel data needs " + std::to_string(data_bytes) + " bytes at offset " +
                     std::to_string(pixel_offset));
  }

  Image image;
  image.width = width;
  image.height = height;
  const bool has_alpha = bit_count == 32 && masks[3] != 0;
  image.channels = bit_count == 8 ? (gray_palette ? 1 : 3) : (has_alpha ? 4 : 3);
  image.pixels.resize(static_cast<size_t>(width) * height * image.channels);
  const MaskField fields[4] = {MaskField(masks[0]), MaskField(masks[1]), MaskField(masks[2]), MaskField(masks[3])};
  for (int32_t y = 0; y < height; ++y) {
    const uint8_t* src = data + pixel_offset + row_bytes * static_cast<size_t>(top_down ? y : height - 1 - y);
    uint8_t* dst = image.pixels.data() + static_cast<size_t>(y) * width * image.channels;
    for (int32_t x = 0; x < width; ++x) {
      switch (bit_count) {
        case 8: {
          const uint8_t idx = src[x];
          if (idx >= palette_size) {
            return corrupt("pixel (" + std::to_string(x) + ", " + std::to_string(y) + ") uses palette index " +
                           std::to_string(idx) + ", palette has " + std::to_string(palette_size) + " colors");
          }
          if (gray_palette) {
            dst[x] = palette[idx][0];
          } else {
            for (int c = 0; c < 3; ++c) dst[3 * x + c] = palette[idx][c];
          }
          break;
        }
        case 24:
          dst[3 * x + 0] = src[3 * x + 2];
          dst[3 * x + 1] = src[3 * x + 1];
          dst[3 * x + 2] = src[3 * x + 0];
          break;
        case 32: {
          const uint32_t v = U32(src + 4 * x);
          uint8_t* d = dst + static_cast<size_t>(x) * image.channels;
          for (int c = 0; c < image.channels; ++c) d[c] = fields[c].Extract(v);
          break;
        }
      }
    }
  }
  return image;
}

}  // namespace liteopt::data::internal
