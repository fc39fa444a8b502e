// Image resizing with tf.image.resize semantics (TensorFlow 2, antialias=False), float output.
//
// The arithmetic follows TensorFlow's CPU kernels (resize_bilinear_op.cc, resize_nearest_neighbor_op.cc,
// resize_area_op.cc), in float32 and in the same order, so results should match tf.image.resize up to
// float rounding. resize_test.cc compares against independent double-precision references on [0, 255]:
// the max difference is 8.8e-3 (bilinear) and 5.2e-3 (area), almost all of it from TF's float32 sample
// positions; with positions rounded to float32 as TF does, bilinear is within 3.1e-5. Nearest is exact.
// After the usual /255 scaling these are below 4e-5.
#pragma once

#include <vector>

#include "base/status.h"
#include "data/image.h"

namespace liteopt::data {

enum class ResizeMethod {
  kBilinear,  // ResizeBilinear, half_pixel_centers=True, align_corners=False
  kNearest,   // ResizeNearestNeighbor, half_pixel_centers=True, align_corners=False
  kArea,      // ResizeArea, align_corners=False
};

// Resizes an 8-bit HWC image to out_height x out_width. The result is float32 HWC with the input's
// channel count and values in [0, 255] (the caller scales). Output sizes must be in [1, 2^28 pixels].
Result<std::vector<float>> Resize(const Image& image, int out_height, int out_width,
                                  ResizeMethod method = ResizeMethod::kBilinear);

}  // namespace liteopt::data
