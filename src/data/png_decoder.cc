// PNG decoding with libpng's classic API.
//
// libpng reports errors by longjmp to png_jmpbuf. As in the JPEG decoder, the setjmp frame
// (DecodePngRaw) creates no automatic objects with non-trivial destructors after setjmp; the output
// buffers live in the caller and the row-pointer array is owned by the caller too.
#include <png.h>

#include <csetjmp>
#include <cstring>
#include <string>
#include <vector>

#include "data/image_decoders.h"

namespace liteopt::data::internal {
namespace {

struct ReadState {
  const uint8_t* data;
  size_t size;
  size_t offset;
  char message[256];
};

void ReadFromMemory(png_structp png, png_bytep out, png_size_t length) {
  auto* st = static_cast<ReadState*>(png_get_io_ptr(png));
  if (length > st->size - st->offset) {
    std::snprintf(st->message, sizeof(st->message), "truncated: needed %zu bytes at offset %zu, file has %zu",
                  static_cast<size_t>(length), st->offset, st->size);
    png_error(png, st->message);
  }
  std::memcpy(out, st->data + st->offset, length);
  st->offset += length;
}

void OnError(png_structp png, png_const_charp msg) {
  auto* st = static_cast<ReadState*>(png_get_error_ptr(png));
  if (msg != st->message) std::snprintf(st->message, sizeof(st->message), "%s", msg);
  png_longjmp(png, 1);
}

// Warnings (e.g. an unknown ancillary chunk with a bad CRC) are not fatal and the library stays silent.
void OnWarning(png_structp, png_const_charp) {}

enum class RawResult { kOk, kLibpngError, kTooLarge, kOutOfMemory };

RawResult DecodePngRaw(ReadState* st, std::vector<uint8_t>* pixels, std::vector<png_bytep>* rows, int* width,
                       int* height, int* channels) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, st, OnError, OnWarning);
  if (png == nullptr) return RawResult::kOutOfMemory;
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    return RawResult::kOutOfMemory;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return RawResult::kLibpngError;
  }
  png_set_read_fn(png, st, ReadFromMemory);
  png_read_info(png, info);

  const png_uint_32 w = png_get_image_width(png, info);
  const png_uint_32 h = png_get_image_height(png, info);
  *width = static_cast<int>(w);
  *height = static_cast<int>(h);
  if (static_cast<int64_t>(w) * static_cast<int64_t>(h) > kMaxImagePixels) {
    png_destroy_read_struct(&png, &info, nullptr);
    return RawResult::kTooLarge;
  }
  const int color_type = png_get_color_type(png, info);
  const int bit_depth = png_get_bit_depth(png, info);
  // Normalize every variant to 8-bit gray, gray+alpha, RGB or RGBA.
  if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  // 16-bit samples keep their high byte, as tf.io.decode_png(dtype=uint8) does.
  if (bit_depth == 16) png_set_strip_16(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);

  *channels = png_get_channels(png, info);
  const size_t rowbytes = png_get_rowbytes(png, info);
  if (rowbytes != static_cast<size_t>(w) * static_cast<size_t>(*channels) || *channels < 1 || *channels > 4) {
    png_error(png, "unexpected row layout after transformations");
  }
  pixels->resize(rowbytes * h);
  rows->resize(h);
  for (png_uint_32 y = 0; y < h; ++y) (*rows)[y] = pixels->data() + y * rowbytes;
  png_read_image(png, rows->data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return RawResult::kOk;
}

}  // namespace

Result<Image> DecodePng(const uint8_t* data, size_t size, const std::string& name) {
  ReadState st{data, size, 0, {0}};
  Image image;
  std::vector<png_bytep> rows;
  switch (DecodePngRaw(&st, &image.pixels, &rows, &image.width, &image.height, &image.channels)) {
    case RawResult::kOk:
      return image;
    case RawResult::kLibpngError:
      return DataLoss(name + ": corrupt or truncated PNG: " + st.message);
    case RawResult::kTooLarge:
      LITEOPT_RETURN_IF_ERROR(CheckImageSize(image.width, image.height, name, "PNG"));
      return Internal(name + ": PNG size check inconsistent");
    case RawResult::kOutOfMemory:
      break;
  }
  return Internal(name + ": libpng could not allocate its decoder state");
}

}  // namespace liteopt::data::internal
