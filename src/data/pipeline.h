// The input pipeline: labelled samples in (CSV + image files, or IDX arrays), model-ready batches out.
//
// What the course's tf.data chain does (decode, scale to [0,1], resize, random flips, shuffle with a seed,
// repeat, batch, cache, prefetch), in C++ with worker threads, and with two guarantees tf.data does not give:
//  - Deterministic: for a given seed, the batches (order, pixels, augmentation) are identical whatever the
//    thread count. Every random choice is drawn from a generator keyed by (seed, epoch, position), never from
//    a shared stream.
//  - Bounded memory: without a cache, at most `prefetch * batch_size` prepared samples exist at once,
//    whatever the dataset size.
// Bad samples (missing, zero-byte, corrupt, truncated or unsupported files) stop the pipeline with an error
// naming the CSV file and line, or, with skip_bad, are skipped, counted and reported by skipped().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/dtype.h"
#include "base/status.h"
#include "data/dataset.h"
#include "data/idx.h"
#include "data/image.h"
#include "data/model_input.h"
#include "data/random.h"

namespace liteopt::data {

// Random access to labelled images. Load must be safe to call from several threads at once.
class SampleSource {
 public:
  virtual ~SampleSource() = default;
  virtual size_t size() const = 0;
  virtual int32_t label(size_t i) const = 0;
  virtual Result<Image> Load(size_t i, const DecodeOptions& options) const = 0;
  // Where sample i comes from, for messages: "train.csv:12 (images/cat1.jpg)".
  virtual std::string Where(size_t i) const = 0;
  // Mixed into file-cache keys so a cache built from other data is never reused.
  virtual uint64_t Fingerprint() const = 0;
};

// Images listed by a CSV dataset, with their encoded labels (one per row, e.g. from LabelMap::Encode).
Result<std::shared_ptr<const SampleSource>> MakeCsvImageSource(CsvDataset dataset, std::vector<int32_t> labels);
// Gray images from IDX arrays (e.g. Fashion-MNIST read with ReadIdxImages / ReadIdxLabels). `name` is used
// in messages.
Result<std::shared_ptr<const SampleSource>> MakeIdxSource(IdxImages images, std::vector<uint8_t> labels,
                                                          std::string name);

// Random augmentation, applied after resizing (crop: before), in this order: crop, flips, brightness.
struct Augmentation {
  bool flip_left_right = false;  // tf.image.random_flip_left_right: probability 1/2
  bool flip_up_down = false;     // tf.image.random_flip_up_down: probability 1/2
  // Random crop keeping this fraction of each side (e.g. 0.875), at a uniform random offset, then resized
  // to the model size. 0 or 1: no crop.
  float crop_fraction = 0.0f;
  // tf.image.random_brightness: adds a uniform delta in [-max_delta, max_delta] to the [0,1]-scaled image,
  // i.e. delta * 255 to the pixel values whatever the normalization. Not clamped (as TF); integer inputs
  // saturate when quantized.
  float brightness_max_delta = 0.0f;

  bool any() const {
    return flip_left_right || flip_up_down || (crop_fraction > 0.0f && crop_fraction < 1.0f) ||
           brightness_max_delta > 0.0f;
  }
};

enum class CacheMode {
  kNone,
  kMemory,  // prepared (resized, not yet augmented or quantized) samples kept after the first epoch
  kFile,    // the same, in PipelineOptions::cache_path, reused by later runs over the same data and size
};

struct PipelineOptions {
  ModelInputSpec input;  // size, channels, dtype (float32, or int8/uint8 with scale and zero point), resize
  int batch_size = 32;
  bool drop_remainder = false;  // drop the last partial batch of each epoch
  bool shuffle = false;         // reshuffled each epoch from (seed, epoch)
  uint64_t seed = 42;
  int epochs = 1;  // repeat count; 0 repeats forever
  Augmentation augment;
  bool one_hot = false;  // also fill Batch::one_hot (float32 [n, num_classes])
  int num_classes = 0;   // required with one_hot; labels outside [0, num_classes) are errors
  CacheMode cache = CacheMode::kNone;
  std::string cache_path;  // for CacheMode::kFile
  int threads = 0;         // worker threads; 0 = the cores this process may use; -1 = none (prepare inline)
  int prefetch = 2;        // batches prepared ahead of the consumer
  bool skip_bad = false;
  // JPEG: decode at 1/2, 1/4 or 1/8 scale in the DCT domain when the image stays at least the model size.
  // Much faster for photos far larger than the input; pixels differ slightly from a full decode + resize.
  bool jpeg_dct_scaling = true;
};

struct Batch {
  int size = 0;                 // samples in this batch (the last one may be partial)
  int epoch = 0;
  std::vector<int32_t> shape;   // [size, height, width, channels]
  DType dtype = DType::kFloat32;
  std::vector<uint8_t> data;    // size * height * width * channels values of dtype
  std::vector<int32_t> labels;  // class ids
  std::vector<float> one_hot;   // size * num_classes, when PipelineOptions::one_hot
  std::vector<size_t> indices;  // source index of each sample

  template <typename T>
  const T* as() const { return reinterpret_cast<const T*>(data.data()); }
};

class Pipeline {
 public:
  static Result<std::unique_ptr<Pipeline>> Create(std::shared_ptr<const SampleSource> source,
                                                  const PipelineOptions& options);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // The next batch, in order. Returns false after the last batch of the last epoch. An error (a bad sample
  // without skip_bad, a cache file problem) ends the pipeline; later calls return the same error.
  Result<bool> Next(Batch* batch);

  size_t source_size() const;
  // Full batches per epoch, plus one for a partial batch unless drop_remainder (before skipping bad samples).
  size_t batches_per_epoch() const;
  // Bad samples skipped so far (skip_bad), with where and why, e.g. "val.csv:9 (x.jpg): x.jpg: truncated JPEG".
  size_t skipped() const;
  std::vector<std::string> skipped_messages() const;
  // Prepared samples alive right now (queued or being assembled), for memory tests.
  size_t samples_in_flight() const;
  size_t max_samples_in_flight() const;

 private:
  struct Impl;
  explicit Pipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A representative dataset for calibration: `count` samples (all if the source is smaller) from a seeded
// shuffle, no augmentation, each as the bytes of a batch-1 model input. Deterministic for a seed.
struct RepresentativeOptions {
  int count = 300;
  uint64_t seed = 42;
  int threads = 0;
  bool skip_bad = false;
  bool jpeg_dct_scaling = true;  // as PipelineOptions; calibrate on what evaluation will feed
};
Result<std::vector<std::vector<uint8_t>>> RepresentativeSamples(std::shared_ptr<const SampleSource> source,
                                                                const ModelInputSpec& input,
                                                                const RepresentativeOptions& options = {});

}  // namespace liteopt::data
