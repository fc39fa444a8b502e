#include "data/pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "base/quant_math.h"
#include "data/test_util.h"

namespace liteopt::data {
namespace {

using testing::ScratchDir;

// n gray images of h x w whose pixels encode (index, y, x), so any reordering, flip or mix-up shows.
IdxImages MakeImages(int n, int h, int w) {
  IdxImages images;
  images.count = n;
  images.rows = h;
  images.cols = w;
  images.pixels.resize(static_cast<size_t>(n) * h * w);
  for (int i = 0; i < n; ++i)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) images.pixels[(static_cast<size_t>(i) * h + y) * w + x] = (i * 7 + y * 13 + x * 3) % 256;
  return images;
}

std::shared_ptr<const SampleSource> MakeSource(int n, int h = 6, int w = 5) {
  std::vector<uint8_t> labels(n);
  for (int i = 0; i < n; ++i) labels[i] = static_cast<uint8_t>(i % 3);
  auto src = MakeIdxSource(MakeImages(n, h, w), labels, "synthetic");
  EXPECT_TRUE(src.ok()) << src.status().message();
  return *src;
}

PipelineOptions RawOptions(int h, int w, int c = 1) {
  PipelineOptions o;
  o.input.height = h;
  o.input.width = w;
  o.input.channels = c;
  o.input.normalization = PixelNormalization::kRaw;  // pixel values come out unchanged
  return o;
}

struct Drained {
  std::vector<Batch> batches;
  Status status = Status::Ok();
};

Drained Drain(std::shared_ptr<const SampleSource> src, const PipelineOptions& o, size_t max_batches = 100000) {
  Drained d;
  auto p = Pipeline::Create(std::move(src), o);
  if (!p.ok()) {
    d.status = p.status();
    return d;
  }
  Batch b;
  while (d.batches.size() < max_batches) {
    auto more = (*p)->Next(&b);
    if (!more.ok()) {
      d.status = more.status();
      break;
    }
    if (!*more) break;
    d.batches.push_back(b);
  }
  return d;
}

std::vector<float> Pixels(const IdxImages& images, size_t i) {
  const size_t n = static_cast<size_t>(images.rows) * images.cols;
  return std::vector<float>(images.pixels.begin() + i * n, images.pixels.begin() + (i + 1) * n);
}

TEST(Random, ShuffledOrderIsASeededPermutation) {
  const auto a = ShuffledOrder(1000, 42), b = ShuffledOrder(1000, 42), c = ShuffledOrder(1000, 43);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  std::vector<size_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) ASSERT_EQ(sorted[i], i);
  size_t fixed_points = 0;
  for (size_t i = 0; i < a.size(); ++i) fixed_points += a[i] == i;
  EXPECT_LT(fixed_points, 10u);  // a uniform permutation has about 1
}

TEST(Random, BelowIsUniformEnough) {
  SplitMix64 rng(7);
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 30000; ++i) ++counts[rng.Below(3)];
  for (int c : counts) EXPECT_NEAR(c, 10000, 500);
  for (int i = 0; i < 1000; ++i) {
    const float u = rng.Unit();
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
  }
}

TEST(Pipeline, InOrderBatchesWithPartialLastBatch) {
  auto src = MakeSource(10);
  PipelineOptions o = RawOptions(6, 5);
  o.batch_size = 4;
  const Drained d = Drain(src, o);
  ASSERT_TRUE(d.status.ok()) << d.status.message();
  ASSERT_EQ(d.batches.size(), 3u);
  EXPECT_EQ(d.batches[2].size, 2);
  EXPECT_EQ(d.batches[0].shape, (std::vector<int32_t>{4, 6, 5, 1}));
  const IdxImages images = MakeImages(10, 6, 5);
  size_t i = 0;
  for (const Batch& b : d.batches) {
    for (int k = 0; k < b.size; ++k, ++i) {
      EXPECT_EQ(b.indices[k], i);
      EXPECT_EQ(b.labels[k], static_cast<int32_t>(i % 3));
      const std::vector<float> want = Pixels(images, i);
      EXPECT_EQ(0, std::memcmp(b.as<float>() + k * 30, want.data(), 30 * sizeof(float))) << "sample " << i;
    }
  }
  o.drop_remainder = true;
  const Drained dropped = Drain(src, o);
  ASSERT_EQ(dropped.batches.size(), 2u);
}

TEST(Pipeline, BatchesStayWithinAnEpochAndEachEpochIsAFreshPermutation) {
  auto src = MakeSource(10);
  PipelineOptions o = RawOptions(6, 5);
  o.batch_size = 4;
  o.shuffle = true;
  o.epochs = 3;
  const Drained d = Drain(src, o);
  ASSERT_TRUE(d.status.ok());
  ASSERT_EQ(d.batches.size(), 9u);
  std::vector<std::vector<size_t>> epochs(3);
  for (const Batch& b : d.batches)
    for (size_t idx : b.indices) epochs[b.epoch].push_back(idx);
  for (auto& e : epochs) {
    std::vector<size_t> sorted = e;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, (std::vector<size_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  }
  EXPECT_NE(epochs[0], epochs[1]);
  EXPECT_NE(epochs[1], epochs[2]);
}

TEST(Pipeline, SameOutputWhateverTheThreadCount) {
  auto src = MakeSource(203, 12, 10);
  PipelineOptions o = RawOptions(9, 8);  // a real resize
  o.batch_size = 16;
  o.shuffle = true;
  o.seed = 1234;
  o.epochs = 2;
  o.augment.flip_left_right = true;
  o.augment.flip_up_down = true;
  o.augment.crop_fraction = 0.75f;
  o.augment.brightness_max_delta = 0.2f;
  o.threads = -1;
  const Drained inline_run = Drain(src, o);
  ASSERT_TRUE(inline_run.status.ok()) << inline_run.status.message();
  for (int threads : {1, 2, 5}) {
    for (int prefetch : {1, 3}) {
      o.threads = threads;
      o.prefetch = prefetch;
      const Drained d = Drain(src, o);
      ASSERT_TRUE(d.status.ok());
      ASSERT_EQ(d.batches.size(), inline_run.batches.size());
      for (size_t i = 0; i < d.batches.size(); ++i) {
        ASSERT_EQ(d.batches[i].indices, inline_run.batches[i].indices) << "threads " << threads << " batch " << i;
        ASSERT_EQ(d.batches[i].data, inline_run.batches[i].data) << "threads " << threads << " batch " << i;
      }
    }
  }
  o.seed = 1235;
  const Drained other = Drain(src, o);
  EXPECT_NE(other.batches[0].indices, inline_run.batches[0].indices);
}

TEST(Pipeline, FlipsMirrorAboutHalfTheSamples) {
  const int n = 400, h = 4, w = 5;
  auto src = MakeSource(n, h, w);
  const IdxImages images = MakeImages(n, h, w);
  for (bool left_right : {true, false}) {
    PipelineOptions o = RawOptions(h, w);
    o.batch_size = n;
    o.augment.flip_left_right = left_right;
    o.augment.flip_up_down = !left_right;
    const Drained d = Drain(src, o);
    ASSERT_EQ(d.batches.size(), 1u);
    int flipped = 0;
    for (int i = 0; i < n; ++i) {
      const std::vector<float> orig = Pixels(images, i);
      std::vector<float> mirrored(orig.size());
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
          mirrored[y * w + x] = left_right ? orig[y * w + (w - 1 - x)] : orig[(h - 1 - y) * w + x];
      const float* got = d.batches[0].as<float>() + i * h * w;
      const bool is_orig = std::equal(orig.begin(), orig.end(), got);
      const bool is_mirror = std::equal(mirrored.begin(), mirrored.end(), got);
      ASSERT_TRUE(is_orig || is_mirror) << "sample " << i;
      flipped += is_mirror;
    }
    EXPECT_GT(flipped, n * 4 / 10);
    EXPECT_LT(flipped, n * 6 / 10);
  }
}

TEST(Pipeline, BrightnessShiftsEveryPixelOfASampleByOneDelta) {
  const int n = 50, h = 3, w = 3;
  auto src = MakeSource(n, h, w);
  const IdxImages images = MakeImages(n, h, w);
  PipelineOptions o = RawOptions(h, w);
  o.batch_size = n;
  o.augment.brightness_max_delta = 0.1f;
  const Drained d = Drain(src, o);
  ASSERT_EQ(d.batches.size(), 1u);
  std::set<int> distinct;
  for (int i = 0; i < n; ++i) {
    const std::vector<float> orig = Pixels(images, i);
    const float* got = d.batches[0].as<float>() + i * h * w;
    const float delta = got[0] - orig[0];
    EXPECT_LE(std::fabs(delta), 0.1f * 255.0f + 1e-3f);
    for (int k = 0; k < h * w; ++k) EXPECT_NEAR(got[k] - orig[k], delta, 1e-3f);
    distinct.insert(static_cast<int>(std::lround(delta * 100)));
  }
  EXPECT_GT(distinct.size(), 40u);
}

TEST(Pipeline, QuantizesForIntegerInputsAndScalesFloatToUnitRange) {
  auto src = MakeSource(8);
  const IdxImages images = MakeImages(8, 6, 5);
  PipelineOptions o = RawOptions(6, 5);
  o.batch_size = 8;
  o.input.normalization = PixelNormalization::kZeroToOne;
  const Drained f = Drain(src, o);
  ASSERT_EQ(f.batches.size(), 1u);
  for (int i = 0; i < 8 * 30; ++i) EXPECT_FLOAT_EQ(f.batches[0].as<float>()[i], images.pixels[i] / 255.0f);

  o.input.dtype = DType::kInt8;
  o.input.scale = 1.0f / 255.0f;
  o.input.zero_point = -128;
  const Drained q = Drain(src, o);
  ASSERT_EQ(q.batches.size(), 1u);
  EXPECT_EQ(q.batches[0].dtype, DType::kInt8);
  ASSERT_EQ(q.batches[0].data.size(), 8u * 30u);
  for (int i = 0; i < 8 * 30; ++i) {
    const int want = qmath::QuantizeValue(images.pixels[i] / 255.0f, o.input.scale, -128, -128, 127);
    EXPECT_EQ(static_cast<int8_t>(q.batches[0].data[i]), want);
    EXPECT_EQ(want, images.pixels[i] - 128);  // scale 1/255, zero point -128 maps pixels exactly
  }
  o.input.zero_point = 200;  // outside int8
  EXPECT_FALSE(Drain(src, o).status.ok());
}

TEST(Pipeline, OneHotLabels) {
  auto src = MakeSource(7);
  PipelineOptions o = RawOptions(6, 5);
  o.batch_size = 7;
  o.one_hot = true;
  o.num_classes = 3;
  const Drained d = Drain(src, o);
  ASSERT_EQ(d.batches.size(), 1u);
  const Batch& b = d.batches[0];
  ASSERT_EQ(b.one_hot.size(), 21u);
  for (int i = 0; i < 7; ++i)
    for (int k = 0; k < 3; ++k) EXPECT_EQ(b.one_hot[i * 3 + k], k == i % 3 ? 1.0f : 0.0f);
  o.num_classes = 2;  // label 2 does not fit
  const Drained bad = Drain(src, o);
  ASSERT_FALSE(bad.status.ok());
  EXPECT_NE(bad.status.message().find("synthetic image 2"), std::string::npos) << bad.status.message();
}

TEST(Pipeline, MemoryStaysBoundedByPrefetchTimesBatch) {
  auto src = MakeSource(500, 4, 4);
  PipelineOptions o = RawOptions(4, 4);
  o.batch_size = 8;
  o.prefetch = 2;
  o.threads = 2;
  auto p = Pipeline::Create(src, o);
  ASSERT_TRUE(p.ok());
  Batch b;
  size_t batches = 0;
  while (*(*p)->Next(&b)) ++batches;
  EXPECT_EQ(batches, 63u);
  EXPECT_LE((*p)->max_samples_in_flight(), 16u);
  EXPECT_GE((*p)->max_samples_in_flight(), 1u);
}

TEST(Pipeline, RepeatsForeverWhenEpochsIsZero) {
  auto src = MakeSource(5);
  PipelineOptions o = RawOptions(6, 5);
  o.batch_size = 2;
  o.epochs = 0;
  const Drained d = Drain(src, o, 20);
  ASSERT_TRUE(d.status.ok());
  ASSERT_EQ(d.batches.size(), 20u);  // 3 batches per epoch: 2 + 2 + 1
  EXPECT_EQ(d.batches[19].epoch, 6);
}

TEST(Pipeline, RejectsBadOptions) {
  auto src = MakeSource(5);
  PipelineOptions o = RawOptions(6, 5);
  o.batch_size = 0;
  EXPECT_FALSE(Drain(src, o).status.ok());
  o = RawOptions(0, 5);
  EXPECT_FALSE(Drain(src, o).status.ok());
  o = RawOptions(6, 5, 2);
  EXPECT_FALSE(Drain(src, o).status.ok());
  o = RawOptions(6, 5);
  o.augment.crop_fraction = 1.5f;
  EXPECT_FALSE(Drain(src, o).status.ok());
  o = RawOptions(6, 5);
  o.cache = CacheMode::kFile;  // no path
  EXPECT_FALSE(Drain(src, o).status.ok());
}

// --- CSV + image files ------------------------------------------------------------------------------------

class CsvPipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    LITEOPT_REQUIRE_FIXTURES();
    // Real photos and digits from the fixtures, under relative paths.
    std::filesystem::create_directories(dir_.File("img"));
    files_ = {"img/hopper.jpg", "img/chair.jpeg", "img/digit0.png", "img/digit1.png", "img/city.jpeg"};
    const std::vector<std::string> from = {"litert/grace_hopper.jpg", "litert_mini_benchmark/chair_224_224_3.jpeg",
                                           "tflm_mnist/sample0.png", "tflm_mnist/sample1.png",
                                           "litert_mini_benchmark/city_224_224_3.jpeg"};
    for (size_t i = 0; i < files_.size(); ++i)
      std::filesystem::copy_file(testing::ImageFixture(from[i]), dir_.File(files_[i]));
  }

  std::string WriteCsv(const std::vector<std::string>& paths, const std::string& name = "data.csv") {
    std::string text = "filename,label\n";
    for (size_t i = 0; i < paths.size(); ++i) text += paths[i] + "," + (i % 2 ? "dog" : "cat") + "\n";
    return dir_.Write(name, text.data(), text.size());
  }

  std::shared_ptr<const SampleSource> Source(const std::string& csv) {
    auto ds = ReadCsvDataset(csv);
    EXPECT_TRUE(ds.ok()) << ds.status().message();
    auto labels = LabelMap::FromDataset(*ds).Encode(*ds);
    EXPECT_TRUE(labels.ok());
    auto src = MakeCsvImageSource(std::move(*ds), std::move(*labels));
    EXPECT_TRUE(src.ok());
    return *src;
  }

  static PipelineOptions Options() {
    PipelineOptions o;
    o.input.height = 32;
    o.input.width = 24;
    o.input.channels = 3;
    o.batch_size = 2;
    o.jpeg_dct_scaling = false;
    return o;
  }

  ScratchDir dir_;
  std::vector<std::string> files_;
};

TEST_F(CsvPipeline, MatchesDecodeResizeScaleOfEachFile) {
  auto src = Source(WriteCsv(files_));
  const Drained d = Drain(src, Options());
  ASSERT_TRUE(d.status.ok()) << d.status.message();
  ASSERT_EQ(d.batches.size(), 3u);
  size_t i = 0;
  for (const Batch& b : d.batches) {
    for (int k = 0; k < b.size; ++k, ++i) {
      auto img = ReadImage(dir_.File(files_[i]));
      ASSERT_TRUE(img.ok());
      auto want = ToModelInput(*img, Options().input);
      ASSERT_TRUE(want.ok());
      ASSERT_EQ(0, std::memcmp(b.data.data() + k * want->size(), want->data(), want->size())) << files_[i];
      EXPECT_EQ(b.labels[k], i % 2 ? 1 : 0);  // cat = 0, dog = 1
    }
  }
}

TEST_F(CsvPipeline, DctScalingStaysCloseToTheFullDecode) {
  // A 1280x720 photo to 224x224: decoded at 1/2 scale (640x360), then resized.
  std::filesystem::copy_file(testing::ImageFixture("coral/cat_720p.jpg"), dir_.File("img/cat_720p.jpg"));
  auto src = Source(WriteCsv({"img/cat_720p.jpg"}));
  PipelineOptions exact = Options();
  exact.input.height = exact.input.width = 224;
  PipelineOptions fast = exact;
  fast.jpeg_dct_scaling = true;
  const Drained a = Drain(src, exact), b = Drain(src, fast);
  ASSERT_EQ(a.batches.size(), 1u);
  ASSERT_EQ(b.batches.size(), 1u);
  const size_t n = a.batches[0].data.size() / 4;
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += std::fabs(a.batches[0].as<float>()[i] - b.batches[0].as<float>()[i]);
  // Measured 0.0069 of the [0,1] range: the scaled decode averages pixels that the full-size bilinear
  // resize (no antialiasing, as tf.image.resize) skips.
  EXPECT_GT(sum / n, 0.0);  // the DCT path was taken
  EXPECT_LT(sum / n, 0.01);
}

TEST_F(CsvPipeline, BadFilesNameTheCsvLineOrAreSkipped) {
  dir_.Write("img/empty.png", "", 0);
  const std::vector<uint8_t> jpeg = testing::ReadAll(dir_.File("img/hopper.jpg"));
  dir_.Write("img/truncated.jpg", jpeg.data(), jpeg.size() / 3);
  dir_.Write("img/notes.txt", "hello, not an image\n", 20);
  const std::vector<std::string> rows = {"img/chair.jpeg", "img/missing.jpg", "img/empty.png",
                                         "img/truncated.jpg", "img/notes.txt", "img/city.jpeg"};
  const std::string csv = WriteCsv(rows);
  auto src = Source(csv);

  const Drained strict = Drain(src, Options());
  ASSERT_FALSE(strict.status.ok());
  EXPECT_NE(strict.status.message().find("data.csv:3"), std::string::npos) << strict.status.message();
  EXPECT_NE(strict.status.message().find("missing.jpg"), std::string::npos) << strict.status.message();
  EXPECT_NE(strict.status.message().find("--skip-bad"), std::string::npos);

  PipelineOptions o = Options();
  o.skip_bad = true;
  auto p = Pipeline::Create(src, o);
  ASSERT_TRUE(p.ok());
  Batch b;
  std::vector<size_t> delivered;
  while (true) {
    auto more = (*p)->Next(&b);
    ASSERT_TRUE(more.ok()) << more.status().message();
    if (!*more) break;
    delivered.insert(delivered.end(), b.indices.begin(), b.indices.end());
  }
  EXPECT_EQ(delivered, (std::vector<size_t>{0, 5}));
  ASSERT_EQ((*p)->skipped(), 4u);
  const auto msgs = (*p)->skipped_messages();
  for (int k = 0; k < 4; ++k) {
    EXPECT_NE(msgs[k].find("data.csv:" + std::to_string(k + 3)), std::string::npos) << msgs[k];
  }
  EXPECT_NE(msgs[1].find("empty"), std::string::npos) << msgs[1];

  // Nothing readable at all is an error even with skip_bad: never train on nothing.
  auto none = Source(WriteCsv({"img/missing.jpg", "img/empty.png"}, "none.csv"));
  const Drained d = Drain(none, o);
  ASSERT_FALSE(d.status.ok());
  EXPECT_NE(d.status.message().find("every sample"), std::string::npos) << d.status.message();
}

TEST_F(CsvPipeline, MemoryCacheServesLaterEpochsWithoutTheFiles) {
  const std::string csv = WriteCsv(files_);
  auto src = Source(csv);
  PipelineOptions o = Options();
  o.cache = CacheMode::kMemory;
  o.epochs = 2;
  o.threads = 2;
  auto p = Pipeline::Create(src, o);
  ASSERT_TRUE(p.ok());
  Batch b;
  std::vector<std::vector<uint8_t>> epoch0;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(*(*p)->Next(&b));
    epoch0.push_back(b.data);
  }
  // Every sample was prepared once in epoch 0: delete the images, epoch 1 must come from the cache.
  std::filesystem::remove_all(dir_.File("img"));
  for (int i = 0; i < 3; ++i) {
    auto more = (*p)->Next(&b);
    ASSERT_TRUE(more.ok()) << more.status().message();
    ASSERT_TRUE(*more);
    EXPECT_EQ(b.data, epoch0[i]);
  }
  EXPECT_FALSE(*(*p)->Next(&b));
}

// Counts the images a pipeline actually loads.
class CountingSource final : public SampleSource {
 public:
  explicit CountingSource(std::shared_ptr<const SampleSource> inner) : inner_(std::move(inner)) {}
  size_t size() const override { return inner_->size(); }
  int32_t label(size_t i) const override { return inner_->label(i); }
  Result<Image> Load(size_t i, const DecodeOptions& o) const override {
    ++loads;
    return inner_->Load(i, o);
  }
  std::string Where(size_t i) const override { return inner_->Where(i); }
  uint64_t Fingerprint() const override { return inner_->Fingerprint(); }
  mutable std::atomic<int> loads{0};

 private:
  std::shared_ptr<const SampleSource> inner_;
};

TEST_F(CsvPipeline, FileCacheIsReusedAcrossRunsAndRebuiltWhenDataOrSizeChange) {
  const std::string csv = WriteCsv(files_);
  PipelineOptions o = Options();
  o.cache = CacheMode::kFile;
  o.cache_path = dir_.File("train.cache");
  o.epochs = 2;
  auto counting = std::make_shared<CountingSource>(Source(csv));
  const Drained first = Drain(counting, o);
  ASSERT_TRUE(first.status.ok()) << first.status.message();
  EXPECT_EQ(counting->loads, 5);  // epoch 1 came from the cache file being built
  ASSERT_TRUE(std::filesystem::exists(o.cache_path));
  EXPECT_FALSE(std::filesystem::exists(o.cache_path + ".partial"));

  // A second run over the same data reads the cache, not the images, and gives the same batches.
  auto again = std::make_shared<CountingSource>(Source(csv));
  const Drained second = Drain(again, o);
  ASSERT_TRUE(second.status.ok()) << second.status.message();
  EXPECT_EQ(again->loads, 0);
  ASSERT_EQ(second.batches.size(), first.batches.size());
  for (size_t i = 0; i < first.batches.size(); ++i) EXPECT_EQ(second.batches[i].data, first.batches[i].data);

  // Another input size does not match the cache key: rebuilt.
  o.input.height = 16;
  o.epochs = 1;
  auto resized = std::make_shared<CountingSource>(Source(csv));
  ASSERT_TRUE(Drain(resized, o).status.ok());
  EXPECT_EQ(resized->loads, 5);

  // An image replaced in place (new size and time) changes the key too; an interrupted build leaves no file.
  std::filesystem::copy_file(dir_.File("img/city.jpeg"), dir_.File("img/chair.jpeg"),
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::remove(dir_.File("img/digit1.png"));
  auto changed = std::make_shared<CountingSource>(Source(csv));
  const Drained third = Drain(changed, o);
  EXPECT_FALSE(third.status.ok());  // digit1.png is gone: the cache was not used
  EXPECT_GT(changed->loads, 0);
  EXPECT_FALSE(std::filesystem::exists(o.cache_path + ".partial"));
}

TEST_F(CsvPipeline, RepresentativeSamplesAreDeterministicAndUnaugmented) {
  auto src = Source(WriteCsv(files_));
  RepresentativeOptions r;
  r.count = 3;
  r.jpeg_dct_scaling = false;
  auto a = RepresentativeSamples(src, Options().input, r);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_EQ(a->size(), 3u);
  r.threads = -1;
  auto b = RepresentativeSamples(src, Options().input, r);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
  // Each one is exactly some file's plain decode + resize + scale.
  std::vector<std::vector<uint8_t>> plain;
  for (const auto& f : files_) plain.push_back(*ToModelInput(*ReadImage(dir_.File(f)), Options().input));
  for (const auto& s : *a) EXPECT_NE(std::find(plain.begin(), plain.end(), s), plain.end());
  r.count = 50;  // more than the dataset: all of it
  auto all = RepresentativeSamples(src, Options().input, r);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), files_.size());
}

}  // namespace
}  // namespace liteopt::data
