// JPEG decoding with libjpeg(-turbo)'s classic API.
//
// libjpeg reports fatal errors through error_exit, which by default calls exit(). We replace it with a
// longjmp back into DecodeJpegRaw. To keep that well defined in C++, DecodeJpegRaw creates no automatic
// objects with non-trivial destructors after setjmp (the output vector lives in the caller), and it only
// reads the libjpeg state after a longjmp to destroy it.
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <string>

#include "data/image_decoders.h"

// jpeglib.h needs FILE and size_t declared first.
#include <jpeglib.h>
#include <jerror.h>

namespace liteopt::data::internal {
namespace {

struct ErrorManager {
  jpeg_error_mgr pub;  // must be first: libjpeg passes a jpeg_error_mgr*
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  int data_missing_warnings;  // warnings that mean the entropy-coded data is incomplete
  char first_warning[JMSG_LENGTH_MAX];
};

void ErrorExit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Called for warnings (level -1) and trace messages (level >= 0). Nothing is printed: the library must
// stay silent. A truncated file makes libjpeg insert a fake EOI and warn (JWRN_JPEG_EOF), and a cut
// scan warns JWRN_HIT_MARKER; the decoded picture would be part gray, so those count as errors.
void EmitMessage(j_common_ptr cinfo, int msg_level) {
  if (msg_level >= 0) return;
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  const int code = cinfo->err->msg_code;
  if (code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER) {
    if (err->data_missing_warnings++ == 0) (*cinfo->err->format_message)(cinfo, err->first_warning);
  }
  cinfo->err->num_warnings++;
}

enum class RawResult { kOk, kLibjpegError, kTooLarge, kUnsupportedColor };

// The setjmp frame. `pixels` is resized once the output size is known; out_* receive the header info.
RawResult DecodeJpegRaw(const uint8_t* data, size_t size, int min_width, int min_height,
                        std::vector<uint8_t>* pixels, int* out_width, int* out_height, int* out_channels,
                        int* image_width, int* image_height, bool* cmyk_inverted, ErrorManager* err) {
  jpeg_decompress_struct cinfo;
  cinfo.err = jpeg_std_error(&err->pub);
  err->pub.error_exit = ErrorExit;
  err->pub.emit_message = EmitMessage;
  err->data_missing_warnings = 0;
  err->message[0] = '\0';
  err->first_warning[0] = '\0';
  if (setjmp(err->jump)) {
    jpeg_destroy_decompress(&cinfo);
    return RawResult::kLibjpegError;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  *image_width = static_cast<int>(cinfo.image_width);
  *image_height = static_cast<int>(cinfo.image_height);

  switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
      cinfo.out_color_space = JCS_GRAYSCALE;
      break;
    case JCS_CMYK:
    case JCS_YCCK:
      cinfo.out_color_space = JCS_CMYK;  // converted to RGB below
      break;
    default:
      cinfo.out_color_space = JCS_RGB;
      break;
  }
  if (min_width > 0 && min_height > 0) {
    // Largest reduction first; ceil(dim / d) is the size libjpeg produces for scale 1/d.
    for (unsigned d : {8u, 4u, 2u}) {
      if ((cinfo.image_width + d - 1) / d >= static_cast<unsigned>(min_width) &&
          (cinfo.image_height + d - 1) / d >= static_cast<unsigned>(min_height)) {
        cinfo.scale_num = 1;
        cinfo.scale_denom = d;
        break;
      }
    }
  }
  jpeg_calc_output_dimensions(&cinfo);
  const int64_t w = cinfo.output_width, h = cinfo.output_height;
  if (w <= 0 || h <= 0 || w * h > kMaxImagePixels) {
    jpeg_destroy_decompress(&cinfo);
    *out_width = static_cast<int>(w);
    *out_height = static_cast<int>(h);
    return RawResult::kTooLarge;
  }
  const int comps = cinfo.output_components;
  if (comps != 1 && comps != 3 && comps != 4) {
    jpeg_destroy_decompress(&cinfo);
    return RawResult::kUnsupportedColor;
  }
  // Adobe-written CMYK JPEGs store inverted values (libjpeg passes them through untouched).
  *cmyk_inverted = cinfo.saw_Adobe_marker;
  pixels->resize(static_cast<size_t>(w) * static_cast<size_t>(h) * static_cast<size_t>(comps));
  jpeg_start_decompress(&cinfo);
  const size_t stride = static_cast<size_t>(w) * static_cast<size_t>(comps);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = pixels->data() + cinfo.output_scanline * stride;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  *out_width = static_cast<int>(w);
  *out_height = static_cast<int>(h);
  *out_channels = comps;
  return RawResult::kOk;
}

}  // namespace

Result<Image> DecodeJpeg(const uint8_t* data, size_t size, int min_width, int min_height, const std::string& name) {
  Image image;
  int image_width = 0, image_height = 0;
  bool cmyk_inverted = false;
  ErrorManager err;
  const RawResult r = DecodeJpegRaw(data, size, min_width, min_height, &image.pixels, &image.width, &image.height,
                                    &image.channels, &image_width, &image_height, &cmyk_inverted, &err);
  switch (r) {
    case RawResult::kOk:
      break;
    case RawResult::kLibjpegError:
      return DataLoss(name + ": corrupt or truncated JPEG: " + err.message);
    case RawResult::kTooLarge:
      LITEOPT_RETURN_IF_ERROR(CheckImageSize(image.width, image.height, name, "JPEG"));
      return Internal(name + ": JPEG size check inconsistent");
    case RawResult::kUnsupportedColor:
      return Unsupported(name + ": JPEG with an unsupported color space (not gray, RGB/YCbCr or CMYK)");
  }
  if (err.data_missing_warnings > 0) {
    return DataLoss(name + ": truncated or corrupt JPEG (" + std::to_string(image_width) + "x" +
                    std::to_string(image_height) + "): " + err.first_warning);
  }
  if (image.channels == 4) {
    // CMYK -> RGB: R = C * K / 255 on the (inverted, as Adobe stores them) values.
    const size_t n = static_cast<size_t>(image.width) * image.height;
    for (size_t i = 0; i < n; ++i) {
      const uint8_t* s = &image.pixels[i * 4];
      int c = s[0], m = s[1], y = s[2], k = s[3];
      if (!cmyk_inverted) c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
      uint8_t* d = &image.pixels[i * 3];
      d[0] = static_cast<uint8_t>((c * k + 127) / 255);
      d[1] = static_cast<uint8_t>((m * k + 127) / 255);
      d[2] = static_cast<uint8_t>((y * k + 127) / 255);
    }
    image.pixels.resize(n * 3);
    image.channels = 3;
  }
  return image;
}

}  // namespace liteopt::data::internal
