// PNG and JPEG encoding with libpng's and libjpeg's classic APIs, into memory.
//
// Both libraries report fatal errors by longjmp. As in the decoders, each setjmp frame (EncodePngRaw,
// EncodeJpegRaw) creates no automatic objects with non-trivial destructors; the output vector and row
// pointers live in the caller. Growing the output vector can throw std::bad_alloc, which must not cross a
// C library frame, so the write callbacks catch it and turn it into a library error.
#include "data/image_encode.h"

#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <string>

// jpeglib.h needs FILE and size_t declared first.
#include <jerror.h>
#include <jpeglib.h>

namespace liteopt::data {
namespace {

// Where encoded bytes go.
struct Sink {
  std::vector<uint8_t>* out;
  bool out_of_memory;
};

bool Append(Sink* sink, const void* data, size_t size) noexcept {
  try {
    const auto* p = static_cast<const uint8_t*>(data);
    sink->out->insert(sink->out->end(), p, p + size);
    return true;
  } catch (...) {
    sink->out_of_memory = true;
    return false;
  }
}

Status CheckImage(const Image& image, const char* format) {
  const std::string prefix = std::string("cannot encode ") + format + ": ";
  const std::string size = std::to_string(image.width) + "x" + std::to_string(image.height);
  if (image.width <= 0 || image.height <= 0) return InvalidArgument(prefix + "image size " + size + " is not positive");
  if (static_cast<int64_t>(image.width) * image.height > kMaxImagePixels) {
    return InvalidArgument(prefix + "image " + size + " has more than " + std::to_string(kMaxImagePixels) + " pixels");
  }
  if (image.channels < 1 || image.channels > 4) {
    return InvalidArgument(prefix + "image has " + std::to_string(image.channels) + " channels, expected 1 to 4");
  }
  const size_t expected = static_cast<size_t>(image.width) * image.height * image.channels;
  if (image.pixels.size() != expected) {
    return InvalidArgument(prefix + "image " + size + "x" + std::to_string(image.channels) + " needs " +
                           std::to_string(expected) + " pixel bytes, has " + std::to_string(image.pixels.size()));
  }
  return Status::Ok();
}

enum class RawResult { kOk, kLibraryError, kOutOfMemory };

// ---- PNG ----

struct PngState {
  Sink sink;
  char message[256];
};

void PngWrite(png_structp png, png_bytep data, png_size_t length) {
  auto* st = static_cast<PngState*>(png_get_io_ptr(png));
  if (!Append(&st->sink, data, length)) png_error(png, "out of memory for the encoded bytes");
}

void PngFlush(png_structp) {}

void PngOnError(png_structp png, png_const_charp msg) {
  auto* st = static_cast<PngState*>(png_get_error_ptr(png));
  std::snprintf(st->message, sizeof(st->message), "%s", msg);
  png_longjmp(png, 1);
}

void PngOnWarning(png_structp, png_const_charp) {}

// The setjmp frame. `rows` holds image.height row pointers into image.pixels.
RawResult EncodePngRaw(const Image* image, png_bytep* rows, PngState* st) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, st, PngOnError, PngOnWarning);
  if (png == nullptr) return RawResult::kOutOfMemory;
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    return RawResult::kOutOfMemory;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return RawResult::kLibraryError;
  }
  png_set_write_fn(png, st, PngWrite, PngFlush);
  static constexpr int kColorType[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                        PNG_COLOR_TYPE_RGB_ALPHA};
  png_set_IHDR(png, info, static_cast<png_uint_32>(image->width), static_cast<png_uint_32>(image->height), 8,
               kColorType[image->channels], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return RawResult::kOk;
}

// ---- JPEG ----

struct JpegErrorManager {
  jpeg_error_mgr pub;  // must be first: libjpeg passes a jpeg_error_mgr*
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void JpegErrorExit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Warnings and trace messages: the library stays silent.
void JpegEmitMessage(j_common_ptr, int) {}

constexpr size_t kJpegChunk = 16384;

struct JpegDestination {
  jpeg_destination_mgr pub;  // must be first: libjpeg passes a jpeg_destination_mgr*
  Sink sink;
  JOCTET buffer[kJpegChunk];
};

void JpegInitDestination(j_compress_ptr cinfo) {
  auto* dest = reinterpret_cast<JpegDestination*>(cinfo->dest);
  dest->pub.next_output_byte = dest->buffer;
  dest->pub.free_in_buffer = kJpegChunk;
}

// Called when the buffer is full; libjpeg's contract is to flush the whole buffer, ignoring the pointers.
boolean JpegEmptyOutputBuffer(j_compress_ptr cinfo) {
  auto* dest = reinterpret_cast<JpegDestination*>(cinfo->dest);
  if (!Append(&dest->sink, dest->buffer, kJpegChunk)) ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
  dest->pub.next_output_byte = dest->buffer;
  dest->pub.free_in_buffer = kJpegChunk;
  return TRUE;
}

void JpegTermDestination(j_compress_ptr cinfo) {
  auto* dest = reinterpret_cast<JpegDestination*>(cinfo->dest);
  if (!Append(&dest->sink, dest->buffer, kJpegChunk - dest->pub.free_in_buffer)) {
    ERREXIT1(cinfo, JERR_OUT_OF_MEMORY, 0);
  }
}

// The setjmp frame. The image has 1 or 3 channels (checked by the caller).
RawResult EncodeJpegRaw(const Image* image, int quality, JpegDestination* dest, JpegErrorManager* err) {
  jpeg_compress_struct cinfo = {};  // zeroed so that destroy is safe even if create fails early
  cinfo.err = jpeg_std_error(&err->pub);
  err->pub.error_exit = JpegErrorExit;
  err->pub.emit_message = JpegEmitMessage;
  err->message[0] = '\0';
  if (setjmp(err->jump)) {
    jpeg_destroy_compress(&cinfo);
    return RawResult::kLibraryError;
  }
  jpeg_create_compress(&cinfo);
  dest->pub.init_destination = JpegInitDestination;
  dest->pub.empty_output_buffer = JpegEmptyOutputBuffer;
  dest->pub.term_destination = JpegTermDestination;
  cinfo.dest = &dest->pub;
  cinfo.image_width = static_cast<JDIMENSION>(image->width);
  cinfo.image_height = static_cast<JDIMENSION>(image->height);
  cinfo.input_components = image->channels;
  cinfo.in_color_space = image->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  const size_t stride = static_cast<size_t>(image->width) * static_cast<size_t>(image->channels);
  // libjpeg takes non-const rows but only reads them.
  auto* pixels = const_cast<JSAMPLE*>(image->pixels.data());
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = pixels + static_cast<size_t>(cinfo.next_scanline) * stride;
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return RawResult::kOk;
}

}  // namespace

Result<std::vector<uint8_t>> EncodePng(const Image& image) {
  LITEOPT_RETURN_IF_ERROR(CheckImage(image, "PNG"));
  std::vector<uint8_t> out;
  std::vector<png_bytep> rows(static_cast<size_t>(image.height));
  const size_t stride = static_cast<size_t>(image.width) * static_cast<size_t>(image.channels);
  // libpng takes non-const rows but only reads them (no transformations are set).
  auto* pixels = const_cast<png_bytep>(image.pixels.data());
  for (size_t y = 0; y < rows.size(); ++y) rows[y] = pixels + y * stride;
  PngState st{{&out, false}, {0}};
  switch (EncodePngRaw(&image, rows.data(), &st)) {
    case RawResult::kOk:
      return out;
    case RawResult::kLibraryError:
      if (st.sink.out_of_memory) break;
      return Internal(std::string("libpng failed to encode a PNG: ") + st.message);
    case RawResult::kOutOfMemory:
      break;
  }
  return Internal("out of memory while encoding a PNG of " + std::to_string(image.width) + "x" +
                  std::to_string(image.height));
}

Result<std::vector<uint8_t>> EncodeJpeg(const Image& image, int quality) {
  LITEOPT_RETURN_IF_ERROR(CheckImage(image, "JPEG"));
  if (image.channels != 1 && image.channels != 3) {
    return InvalidArgument("cannot encode JPEG: image has " + std::to_string(image.channels) +
                           " channels; JPEG holds gray (1) or RGB (3), without alpha (drop it with ConvertChannels)");
  }
  if (quality < 1 || quality > 100) {
    return InvalidArgument("cannot encode JPEG: quality " + std::to_string(quality) + " is outside 1..100");
  }
  std::vector<uint8_t> out;
  JpegDestination dest;  // holds a 16 KiB staging buffer
  dest.sink = {&out, false};
  JpegErrorManager err;
  switch (EncodeJpegRaw(&image, quality, &dest, &err)) {
    case RawResult::kOk:
      return out;
    case RawResult::kLibraryError:
      if (dest.sink.out_of_memory) break;
      return Internal(std::string("libjpeg failed to encode a JPEG: ") + err.message);
    case RawResult::kOutOfMemory:
      break;
  }
  return Internal("out of memory while encoding a JPEG of " + std::to_string(image.width) + "x" +
                  std::to_string(image.height));
}

}  // namespace liteopt::data
