#include "data/pipeline.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "base/cpu.h"
#include "data/file_util.h"

namespace liteopt::data {

namespace {

uint64_t Mix(uint64_t a, uint64_t b) { return SplitMix64(a ^ (b * 0xD6E8FEB86659FD93ull)).Next(); }

uint64_t HashBytes(uint64_t h, const void* data, size_t n) {
  // FNV-1a, 64-bit.
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001B3ull;
  return h;
}
uint64_t HashString(uint64_t h, const std::string& s) {
  h = HashBytes(h, s.data(), s.size());
  return HashBytes(h, "\0", 1);
}

// ---------------------------------------------------------------------------------------------------------
// Sources

class CsvImageSource final : public SampleSource {
 public:
  CsvImageSource(CsvDataset dataset, std::vector<int32_t> labels)
      : dataset_(std::move(dataset)), labels_(std::move(labels)) {}
  size_t size() const override { return dataset_.rows.size(); }
  int32_t label(size_t i) const override { return labels_[i]; }
  Result<Image> Load(size_t i, const DecodeOptions& options) const override {
    auto bytes = internal::ReadFileBytes(dataset_.rows[i].path);
    if (!bytes.ok()) {
      if (bytes.status().code() != StatusCode::kNotFound) return bytes.status();
      return NotFound(bytes.status().message() +
                      " (relative paths are resolved against the CSV's folder unless an image root is given)");
    }
    return DecodeImage(bytes->data(), bytes->size(), options, dataset_.rows[i].path);
  }
  std::string Where(size_t i) const override { return dataset_.Where(i); }
  uint64_t Fingerprint() const override {
    uint64_t h = 0xCBF29CE484222325ull;
    for (size_t i = 0; i < dataset_.rows.size(); ++i) {
      h = HashString(h, dataset_.rows[i].path);
      h = HashBytes(h, &labels_[i], sizeof(int32_t));
      // An image rewritten in place changes its size or modification time.
      struct stat st {};
      if (::stat(dataset_.rows[i].path.c_str(), &st) == 0) {
        const int64_t meta[3] = {static_cast<int64_t>(st.st_size), static_cast<int64_t>(st.st_mtim.tv_sec),
                                 static_cast<int64_t>(st.st_mtim.tv_nsec)};
        h = HashBytes(h, meta, sizeof meta);
      }
    }
    return h;
  }

 private:
  CsvDataset dataset_;
  std::vector<int32_t> labels_;
};

class IdxSource final : public SampleSource {
 public:
  IdxSource(IdxImages images, std::vector<uint8_t> labels, std::string name)
      : images_(std::move(images)), labels_(std::move(labels)), name_(std::move(name)) {}
  size_t size() const override { return static_cast<size_t>(images_.count); }
  int32_t label(size_t i) const override { return labels_[i]; }
  Result<Image> Load(size_t i, const DecodeOptions& options) const override {
    Image img;
    img.width = images_.cols;
    img.height = images_.rows;
    img.channels = 1;
    const size_t n = static_cast<size_t>(images_.rows) * images_.cols;
    img.pixels.assign(images_.pixels.begin() + i * n, images_.pixels.begin() + (i + 1) * n);
    if (options.channels != 0 && options.channels != 1) return ConvertChannels(img, options.channels);
    return img;
  }
  std::string Where(size_t i) const override { return name_ + " image " + std::to_string(i); }
  uint64_t Fingerprint() const override {
    uint64_t h = HashBytes(0xCBF29CE484222325ull, images_.pixels.data(), images_.pixels.size());
    return HashBytes(h, labels_.data(), labels_.size());
  }

 private:
  IdxImages images_;
  std::vector<uint8_t> labels_;
  std::string name_;
};

}  // namespace

Result<std::shared_ptr<const SampleSource>> MakeCsvImageSource(CsvDataset dataset, std::vector<int32_t> labels) {
  if (labels.size() != dataset.rows.size()) {
    return InvalidArgument(dataset.csv_path + ": " + std::to_string(labels.size()) + " labels for " +
                           std::to_string(dataset.rows.size()) + " rows");
  }
  return std::shared_ptr<const SampleSource>(std::make_shared<CsvImageSource>(std::move(dataset), std::move(labels)));
}

Result<std::shared_ptr<const SampleSource>> MakeIdxSource(IdxImages images, std::vector<uint8_t> labels,
                                                          std::string name) {
  if (images.count < 0 || labels.size() != static_cast<size_t>(images.count)) {
    return InvalidArgument(name + ": " + std::to_string(images.count) + " images but " +
                           std::to_string(labels.size()) + " labels");
  }
  if (images.pixels.size() != static_cast<size_t>(images.count) * images.rows * images.cols) {
    return InvalidArgument(name + ": pixel data does not match " + std::to_string(images.count) + " images of " +
                           std::to_string(images.rows) + "x" + std::to_string(images.cols));
  }
  return std::shared_ptr<const SampleSource>(
      std::make_shared<IdxSource>(std::move(images), std::move(labels), std::move(name)));
}

// ---------------------------------------------------------------------------------------------------------
// The pipeline

namespace {

constexpr size_t kForever = std::numeric_limits<size_t>::max();

// The prepared, not yet augmented form of a sample, as cached. `image` when random crop is on (the crop
// comes before the resize), otherwise the resized pixels: exact bytes when all values are integers (no
// resize, or nearest), float32 otherwise.
struct Prepared {
  Image image;
  std::vector<uint8_t> u8;
  std::vector<float> f32;
};

enum : uint8_t { kEmpty = 0, kFilling = 1, kReady = 2, kBad = 3 };

struct CacheEntry {
  std::atomic<uint8_t> state{kEmpty};
  Prepared prepared;
  std::string error;  // kBad
};

// The file cache: a header, then one fixed-size record per sample: status byte, 3 bytes padding, float32
// pixels. Built in `<path>.partial` during the first pass and renamed into place once every record is in.
struct FileCacheHeader {
  char magic[8];  // "LOPTCCH1"
  uint64_t key;
  uint64_t count;
  uint64_t record_bytes;
};
constexpr char kCacheMagic[8] = {'L', 'O', 'P', 'T', 'C', 'C', 'H', '1'};

class FileCache {
 public:
  ~FileCache() {
    if (fd_ >= 0) ::close(fd_);
    if (!complete_ && !partial_path_.empty()) ::unlink(partial_path_.c_str());
  }

  Status Open(const std::string& path, uint64_t key, size_t count, size_t floats) {
    path_ = path;
    header_ = {};
    std::memcpy(header_.magic, kCacheMagic, 8);
    header_.key = key;
    header_.count = count;
    header_.record_bytes = 4 + floats * 4;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      FileCacheHeader h{};
      struct stat st {};
      const bool valid = ::pread(fd, &h, sizeof h, 0) == static_cast<ssize_t>(sizeof h) &&
                         std::memcmp(&h, &header_, sizeof h) == 0 && ::fstat(fd, &st) == 0 &&
                         static_cast<uint64_t>(st.st_size) == sizeof h + count * header_.record_bytes;
      if (valid) {
        fd_ = fd;
        complete_ = true;
        reading_ = true;
        return Status::Ok();
      }
      ::close(fd);  // built from other data, another size, or damaged: rebuild it
    }
    partial_path_ = path + ".partial";
    fd_ = ::open(partial_path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) return IoError(partial_path_ + ": cannot create the cache file: " + std::strerror(errno));
    if (::pwrite(fd_, &header_, sizeof header_, 0) != static_cast<ssize_t>(sizeof header_) ||
        ::ftruncate(fd_, static_cast<off_t>(sizeof header_ + count * header_.record_bytes)) != 0) {
      return IoError(partial_path_ + ": cannot size the cache file: " + std::strerror(errno));
    }
    written_.assign(count, 0);
    return Status::Ok();
  }

  // Whether record i can be read back (the cache was complete at open, or this run has written it).
  bool Has(size_t i) {
    if (reading_) return true;
    std::lock_guard<std::mutex> lock(mu_);
    return written_[i] != 0;
  }
  const std::string& path() const { return path_; }

  // Reads record i: true with pixels, false for a sample recorded as bad.
  Result<bool> Read(size_t i, std::vector<float>* pixels) const {
    std::vector<uint8_t> rec(header_.record_bytes);
    if (::pread(fd_, rec.data(), rec.size(), Offset(i)) != static_cast<ssize_t>(rec.size())) {
      return IoError(path_ + ": cannot read record " + std::to_string(i) + ": " + std::strerror(errno));
    }
    if (rec[0] != kReady) return false;
    pixels->resize((rec.size() - 4) / 4);
    std::memcpy(pixels->data(), rec.data() + 4, rec.size() - 4);
    return true;
  }

  // Writes record i (first pass); renames the file into place when the last record is in.
  Status Write(size_t i, const float* pixels, bool bad) {
    std::vector<uint8_t> rec(header_.record_bytes, 0);
    rec[0] = bad ? kBad : kReady;
    if (!bad) std::memcpy(rec.data() + 4, pixels, rec.size() - 4);
    if (::pwrite(fd_, rec.data(), rec.size(), Offset(i)) != static_cast<ssize_t>(rec.size())) {
      return IoError(partial_path_ + ": cannot write the cache: " + std::strerror(errno));
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (written_[i]) return Status::Ok();
    written_[i] = 1;
    if (++written_count_ == written_.size()) {
      if (::fsync(fd_) != 0 || std::rename(partial_path_.c_str(), path_.c_str()) != 0) {
        return IoError(path_ + ": cannot finish the cache file: " + std::strerror(errno));
      }
      complete_ = true;
    }
    return Status::Ok();
  }

 private:
  off_t Offset(size_t i) const { return static_cast<off_t>(sizeof header_ + i * header_.record_bytes); }

  std::string path_, partial_path_;
  FileCacheHeader header_{};
  int fd_ = -1;
  bool reading_ = false;
  bool complete_ = false;
  std::mutex mu_;
  std::vector<uint8_t> written_;
  size_t written_count_ = 0;
};

// One prepared sample waiting for the consumer.
struct Slot {
  bool ready = false;
  bool ok = false;
  std::string error;
  size_t index = 0;
  std::vector<uint8_t> bytes;  // the model-input bytes of one sample
};

}  // namespace

struct Pipeline::Impl {
  std::shared_ptr<const SampleSource> source;
  PipelineOptions opt;
  size_t n = 0;
  size_t total = 0;  // positions over all epochs (kForever when repeating forever)
  size_t values_per_sample = 0;
  size_t bytes_per_sample = 0;
  bool crop = false;

  mutable std::vector<CacheEntry> memory_cache;
  std::unique_ptr<FileCache> file_cache;

  // Shared state, under mu.
  std::mutex mu;
  std::condition_variable work_cv;  // workers wait for window space
  std::condition_variable done_cv;  // the consumer waits for its next slot
  std::vector<Slot> slots;          // ring of `window` slots, position p in slots[p % window]
  size_t window = 0;
  size_t next_claim = 0;  // next position a worker may take
  size_t consumed = 0;    // positions the consumer has taken out of the ring
  bool stop = false;
  Status fatal = Status::Ok();  // a pipeline-level error (cache I/O)
  std::map<size_t, std::shared_ptr<const std::vector<size_t>>> orders;  // epoch -> order
  size_t in_flight = 0, max_in_flight = 0;
  size_t ready_upto = 0;     // every position below it is ready or consumed
  size_t consumer_need = 0;  // while the consumer waits: the end of the ready range it waits for
  int idle_workers = 0;
  std::vector<std::thread> workers;

  // Consumer-only state.
  Status final_status = Status::Ok();
  bool finished = false;
  std::vector<std::string> skipped;
  mutable std::mutex skipped_mu;

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stop = true;
    }
    work_cv.notify_all();
    for (auto& t : workers) t.join();
  }

  std::shared_ptr<const std::vector<size_t>> OrderFor(size_t epoch) {
    // Called with mu held.
    auto it = orders.find(epoch);
    if (it != orders.end()) return it->second;
    std::shared_ptr<const std::vector<size_t>> order;
    if (opt.shuffle) {
      order = std::make_shared<const std::vector<size_t>>(ShuffledOrder(n, Mix(opt.seed, epoch)));
    } else {
      auto identity = std::make_shared<std::vector<size_t>>(n);
      for (size_t i = 0; i < n; ++i) (*identity)[i] = i;
      order = identity;
    }
    orders[epoch] = order;
    // Epochs the consumer has left behind are not needed again.
    while (!orders.empty() && orders.begin()->first + 1 < consumed / n) orders.erase(orders.begin());
    return order;
  }

  DecodeOptions DecodeFor() const {
    DecodeOptions d;
    d.channels = opt.input.channels;
    if (opt.jpeg_dct_scaling) {
      const float keep = crop ? opt.augment.crop_fraction : 1.0f;
      d.min_height = static_cast<int>(std::ceil(opt.input.height / keep));
      d.min_width = static_cast<int>(std::ceil(opt.input.width / keep));
    }
    return d;
  }

  // Decode + resize (or decode only, with crop): the cacheable stage. Errors are about the sample.
  Status PrepareFresh(size_t idx, Prepared* out) const {
    auto image = source->Load(idx, DecodeFor());
    if (!image.ok()) return image.status();
    if (image->channels != opt.input.channels) {
      auto converted = ConvertChannels(*image, opt.input.channels);
      if (!converted.ok()) return converted.status();
      *image = std::move(*converted);
    }
    if (crop) {
      out->image = std::move(*image);
      return Status::Ok();
    }
    auto pixels = ImageToPixels(*image, opt.input);
    if (!pixels.ok()) return pixels.status();
    // Exact integers (no resize, or nearest) are kept as bytes: 4x less cache memory.
    const bool integral = std::all_of(pixels->begin(), pixels->end(), [](float v) {
      return v >= 0.0f && v <= 255.0f && v == std::floor(v);
    });
    if (integral) {
      out->u8.assign(pixels->begin(), pixels->end());
    } else {
      out->f32 = std::move(*pixels);
    }
    return Status::Ok();
  }

  // Returns the prepared form of sample idx through the configured cache. `local` is scratch storage used
  // when the result does not live in the cache.
  Result<const Prepared*> GetPrepared(size_t idx, Prepared* local, bool* fatal_error) const {
    *fatal_error = false;
    if (opt.cache == CacheMode::kMemory) {
      CacheEntry& e = memory_cache[idx];
      uint8_t state = e.state.load(std::memory_order_acquire);
      if (state == kReady) return &e.prepared;
      if (state == kBad) return InvalidArgument(e.error);
      uint8_t expected = kEmpty;
      const bool claimed = e.state.compare_exchange_strong(expected, kFilling, std::memory_order_acq_rel);
      if (!claimed) {  // another worker is filling it: compute our own copy
        Status st = PrepareFresh(idx, local);
        if (!st.ok()) return st;
        return local;
      }
      Status st = PrepareFresh(idx, &e.prepared);
      if (!st.ok()) {
        e.error = st.message();
        e.prepared = {};
        e.state.store(kBad, std::memory_order_release);
        return st;
      }
      e.state.store(kReady, std::memory_order_release);
      return &e.prepared;
    }
    if (opt.cache == CacheMode::kFile) {
      if (file_cache->Has(idx)) {
        auto got = file_cache->Read(idx, &local->f32);
        if (!got.ok()) {
          *fatal_error = true;
          return got.status();
        }
        if (!*got) return InvalidArgument("recorded as unreadable in the cache file " + file_cache->path());
        return local;
      }
      Status st = PrepareFresh(idx, local);
      std::vector<float> as_float;
      const float* pixels = local->f32.data();
      if (st.ok() && !local->u8.empty()) {
        as_float.assign(local->u8.begin(), local->u8.end());
        pixels = as_float.data();
      }
      if (Status w = file_cache->Write(idx, pixels, !st.ok()); !w.ok()) {
        *fatal_error = true;
        return w;
      }
      if (!st.ok()) return st;
      return local;
    }
    Status st = PrepareFresh(idx, local);
    if (!st.ok()) return st;
    return local;
  }

  // Augments and converts one sample to model-input bytes. `owned` says p may be consumed (it is not the cache's).
  Status Finish(const Prepared& p, bool owned, size_t idx, size_t epoch, std::vector<uint8_t>* bytes) const {
    SplitMix64 rng(Mix(Mix(opt.seed ^ 0xA5A5A5A5A5A5A5A5ull, epoch), idx));
    const ModelInputSpec& spec = opt.input;
    std::vector<float> pixels;
    if (crop) {
      const Image& img = p.image;
      const int ch = std::max(1, static_cast<int>(std::lround(img.height * opt.augment.crop_fraction)));
      const int cw = std::max(1, static_cast<int>(std::lround(img.width * opt.augment.crop_fraction)));
      const int y0 = static_cast<int>(rng.Below(static_cast<uint64_t>(img.height - ch + 1)));
      const int x0 = static_cast<int>(rng.Below(static_cast<uint64_t>(img.width - cw + 1)));
      Image cropped;
      cropped.width = cw;
      cropped.height = ch;
      cropped.channels = img.channels;
      cropped.pixels.resize(static_cast<size_t>(cw) * ch * img.channels);
      const size_t row = static_cast<size_t>(cw) * img.channels;
      for (int y = 0; y < ch; ++y) {
        std::memcpy(&cropped.pixels[y * row], &img.pixels[((static_cast<size_t>(y0) + y) * img.width + x0) * img.channels],
                    row);
      }
      auto resized = ImageToPixels(cropped, spec);
      if (!resized.ok()) return resized.status();
      pixels = std::move(*resized);
    } else if (!p.u8.empty()) {
      pixels.assign(p.u8.begin(), p.u8.end());
    } else if (owned) {
      pixels = std::move(const_cast<Prepared&>(p).f32);
    } else {
      pixels = p.f32;
    }
    if (pixels.size() != values_per_sample) {
      return Internal("prepared sample has " + std::to_string(pixels.size()) + " values, expected " +
                      std::to_string(values_per_sample));
    }
    const int h = spec.height, w = spec.width, c = spec.channels;
    // Draw every random number whether or not it is used, so one option never shifts another's values.
    const bool flip_lr = rng.Next() >> 63;
    const bool flip_ud = rng.Next() >> 63;
    const float delta = (rng.Unit() * 2.0f - 1.0f) * opt.augment.brightness_max_delta * 255.0f;
    if (opt.augment.flip_left_right && flip_lr) {
      for (int y = 0; y < h; ++y) {
        float* row = &pixels[static_cast<size_t>(y) * w * c];
        for (int x = 0; x < w / 2; ++x) {
          for (int k = 0; k < c; ++k) std::swap(row[x * c + k], row[(w - 1 - x) * c + k]);
        }
      }
    }
    if (opt.augment.flip_up_down && flip_ud) {
      const size_t row = static_cast<size_t>(w) * c;
      for (int y = 0; y < h / 2; ++y) {
        std::swap_ranges(pixels.begin() + y * row, pixels.begin() + (y + 1) * row, pixels.begin() + (h - 1 - y) * row);
      }
    }
    if (opt.augment.brightness_max_delta > 0.0f) {
      for (float& v : pixels) v += delta;
    }
    bytes->resize(bytes_per_sample);
    PixelsToModelInput(pixels.data(), pixels.size(), spec, bytes->data());
    return Status::Ok();
  }

  // Prepares position `pos` into `slot` (no lock held). Returns false on a pipeline-level error.
  bool Produce(size_t pos, const std::vector<size_t>& order, Slot* slot, Status* fatal_status) const {
    const size_t epoch = pos / n;
    const size_t idx = order[pos % n];
    slot->index = idx;
    Prepared local;
    bool fatal_error = false;
    auto prepared = GetPrepared(idx, &local, &fatal_error);
    if (!prepared.ok()) {
      if (fatal_error) {
        *fatal_status = prepared.status();
        return false;
      }
      slot->ok = false;
      slot->error = source->Where(idx) + ": " + prepared.status().message();
      return true;
    }
    Status st = Finish(**prepared, *prepared == &local, idx, epoch, &slot->bytes);
    slot->ok = st.ok();
    if (!st.ok()) slot->error = source->Where(idx) + ": " + st.message();
    return true;
  }

  bool Claimable() const { return next_claim < total && next_claim < consumed + window; }

  void WorkerLoop() {
    std::unique_lock<std::mutex> lock(mu);
    while (true) {
      if (!stop && !Claimable()) {
        ++idle_workers;
        work_cv.wait(lock, [&] { return stop || Claimable(); });
        --idle_workers;
      }
      if (stop) return;
      const size_t pos = next_claim++;
      auto order = OrderFor(pos / n);
      Slot slot;
      slot.bytes.swap(slots[pos % window].bytes);  // reuse the ring's buffer
      ++in_flight;
      max_in_flight = std::max(max_in_flight, in_flight);
      lock.unlock();
      Status fatal_status = Status::Ok();
      const bool ok = Produce(pos, *order, &slot, &fatal_status);
      lock.lock();
      slot.ready = true;
      slots[pos % window] = std::move(slot);
      // Positions below ready_upto are ready (or already consumed); slots of positions in
      // [consumed, consumed + window) are unambiguous, and ready_upto never passes next_claim.
      while (ready_upto < next_claim && slots[ready_upto % window].ready) ++ready_upto;
      if (!ok && fatal.ok()) fatal = fatal_status;
      // Wake the consumer only once everything it asked for is there: one wake per batch, not per sample.
      if (consumer_need > 0 && (ready_upto >= consumer_need || !fatal.ok())) done_cv.notify_one();
    }
  }

  // Takes position `pos` out of the ring into `out` (whose previous buffer goes back to the ring for reuse),
  // waiting if needed until positions [pos, want_end) are all ready: the consumer sleeps until it can fill
  // the rest of its batch. Returns false on a pipeline-level error.
  bool Take(size_t pos, size_t want_end, Slot* out) {
    if (workers.empty()) {  // inline mode
      std::shared_ptr<const std::vector<size_t>> order;
      {
        std::lock_guard<std::mutex> lock(mu);
        order = OrderFor(pos / n);
        consumed = pos;
        max_in_flight = 1;
      }
      Status fatal_status = Status::Ok();
      if (!Produce(pos, *order, out, &fatal_status)) {
        final_status = fatal_status;
        return false;
      }
      return true;
    }
    std::unique_lock<std::mutex> lock(mu);
    if (ready_upto <= pos && fatal.ok()) {
      consumer_need = std::max(pos + 1, std::min(want_end, consumed + window));
      if (idle_workers > 0 && Claimable()) work_cv.notify_all();
      done_cv.wait(lock, [&] { return !fatal.ok() || ready_upto >= consumer_need; });
      consumer_need = 0;
    }
    if (!fatal.ok()) {
      final_status = fatal;
      return false;
    }
    Slot& s = slots[pos % window];
    std::swap(*out, s);
    s.ready = false;
    consumed = pos + 1;
    --in_flight;
    // Idle workers are woken in bulk, once a quarter of the window is free again.
    if (idle_workers > 0 && Claimable() && next_claim + window / 4 <= consumed + window) work_cv.notify_all();
    return true;
  }

  size_t next_pos = 0;        // consumer position
  size_t good_in_epoch = 0;   // samples delivered in the consumer's current epoch
};

Pipeline::Pipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pipeline::~Pipeline() = default;

Result<std::unique_ptr<Pipeline>> Pipeline::Create(std::shared_ptr<const SampleSource> source,
                                                   const PipelineOptions& options) {
  if (!source) return InvalidArgument("pipeline: no data source");
  if (source->size() == 0) return InvalidArgument("pipeline: the dataset has no samples");
  const ModelInputSpec& in = options.input;
  LITEOPT_RETURN_IF_ERROR(ValidateModelInputSpec(in));
  if (in.height < 1 || in.width < 1 || in.height > 16384 || in.width > 16384) {
    return InvalidArgument("pipeline: input size " + std::to_string(in.height) + "x" + std::to_string(in.width) +
                           " is not in [1, 16384]");
  }
  if (in.channels != 1 && in.channels != 3 && in.channels != 4) {
    return InvalidArgument("pipeline: " + std::to_string(in.channels) + " channels; images have 1, 3 or 4");
  }
  if (options.batch_size < 1) return InvalidArgument("pipeline: batch size must be at least 1");
  if (options.epochs < 0) return InvalidArgument("pipeline: epochs must be 0 (forever) or more");
  if (options.prefetch < 1) return InvalidArgument("pipeline: prefetch must be at least 1 batch");
  if (options.one_hot && options.num_classes < 1) {
    return InvalidArgument("pipeline: one-hot labels need the number of classes");
  }
  const Augmentation& aug = options.augment;
  if (!(aug.crop_fraction >= 0.0f && aug.crop_fraction <= 1.0f)) {
    return InvalidArgument("pipeline: crop fraction must be in (0, 1]");
  }
  if (!(aug.brightness_max_delta >= 0.0f && aug.brightness_max_delta <= 1.0f)) {
    return InvalidArgument("pipeline: brightness max delta must be in [0, 1]");
  }
  auto impl = std::make_unique<Impl>();
  impl->source = std::move(source);
  impl->opt = options;
  impl->n = impl->source->size();
  impl->total = options.epochs == 0 ? kForever : impl->n * static_cast<size_t>(options.epochs);
  impl->crop = aug.crop_fraction > 0.0f && aug.crop_fraction < 1.0f;
  impl->values_per_sample = static_cast<size_t>(in.height) * in.width * in.channels;
  impl->bytes_per_sample = impl->values_per_sample * DTypeSize(in.dtype);
  if (options.one_hot) {
    for (size_t i = 0; i < impl->n; ++i) {
      const int32_t l = impl->source->label(i);
      if (l < 0 || l >= options.num_classes) {
        return InvalidArgument(impl->source->Where(i) + ": label id " + std::to_string(l) + " is outside the " +
                               std::to_string(options.num_classes) + " classes");
      }
    }
  }
  if (options.cache == CacheMode::kMemory) {
    impl->memory_cache = std::vector<CacheEntry>(impl->n);
  } else if (options.cache == CacheMode::kFile) {
    if (options.cache_path.empty()) return InvalidArgument("pipeline: the file cache needs a path");
    if (impl->crop) {
      return InvalidArgument("pipeline: the file cache stores resized images, so it cannot be combined with a "
                             "random crop (which comes before the resize); use the memory cache");
    }
    uint64_t key = impl->source->Fingerprint();
    const int32_t params[] = {in.height, in.width, in.channels, static_cast<int32_t>(in.resize),
                              options.jpeg_dct_scaling ? 1 : 0};
    key = HashBytes(key, params, sizeof params);
    impl->file_cache = std::make_unique<FileCache>();
    LITEOPT_RETURN_IF_ERROR(impl->file_cache->Open(options.cache_path, key, impl->n, impl->values_per_sample));
  }
  const int threads = options.threads == 0 ? AvailableCores() : options.threads;
  if (threads > 0) {
    impl->window = static_cast<size_t>(options.prefetch) * options.batch_size;
    impl->slots.resize(impl->window);
    Impl* raw = impl.get();
    for (int t = 0; t < threads; ++t) impl->workers.emplace_back([raw] { raw->WorkerLoop(); });
  }
  return std::unique_ptr<Pipeline>(new Pipeline(std::move(impl)));
}

Result<bool> Pipeline::Next(Batch* batch) {
  Impl& m = *impl_;
  if (!m.final_status.ok()) return m.final_status;
  const ModelInputSpec& spec = m.opt.input;
  const size_t cap = static_cast<size_t>(m.opt.batch_size);
  batch->dtype = spec.dtype;
  batch->data.resize(cap * m.bytes_per_sample);
  Slot slot;
  while (!m.finished) {
    batch->size = 0;
    batch->labels.clear();
    batch->indices.clear();
    batch->one_hot.clear();
    while (m.next_pos < m.total && static_cast<size_t>(batch->size) < cap) {
      const size_t pos = m.next_pos;
      const size_t epoch = pos / m.n;
      if (pos % m.n == 0) {
        if (batch->size > 0) break;  // batches stay within an epoch
        if (pos > 0 && m.good_in_epoch == 0) {
          m.final_status = InvalidArgument("every sample of the dataset was skipped as unreadable; the first: " +
                                           m.skipped.front());
          return m.final_status;
        }
        m.good_in_epoch = 0;
      }
      const size_t epoch_end = (epoch + 1) * m.n;
      const size_t want_end = std::min({pos + (cap - batch->size), epoch_end, m.total});
      if (!m.Take(pos, want_end, &slot)) return m.final_status;
      ++m.next_pos;
      batch->epoch = static_cast<int>(epoch);
      if (!slot.ok) {
        if (!m.opt.skip_bad) {
          m.final_status = InvalidArgument(slot.error + " (use --skip-bad to skip unreadable samples)");
          return m.final_status;
        }
        std::lock_guard<std::mutex> lock(m.skipped_mu);
        m.skipped.push_back(slot.error);
        continue;
      }
      ++m.good_in_epoch;
      std::memcpy(batch->data.data() + batch->size * m.bytes_per_sample, slot.bytes.data(), m.bytes_per_sample);
      batch->labels.push_back(m.source->label(slot.index));
      batch->indices.push_back(slot.index);
      ++batch->size;
    }
    if (m.next_pos >= m.total) {
      m.finished = true;
      if (m.good_in_epoch == 0 && !m.skipped.empty()) {
        m.final_status = InvalidArgument("every sample of the dataset was skipped as unreadable; the first: " +
                                         m.skipped.front());
        return m.final_status;
      }
    }
    // An empty batch (all skipped) or a partial one to drop: go on with the next epoch, if any.
    if (batch->size == 0 || (m.opt.drop_remainder && static_cast<size_t>(batch->size) < cap)) continue;
    batch->data.resize(static_cast<size_t>(batch->size) * m.bytes_per_sample);
    batch->shape = {batch->size, spec.height, spec.width, spec.channels};
    if (m.opt.one_hot) {
      const size_t k = static_cast<size_t>(m.opt.num_classes);
      batch->one_hot.assign(static_cast<size_t>(batch->size) * k, 0.0f);
      for (int i = 0; i < batch->size; ++i) batch->one_hot[i * k + batch->labels[i]] = 1.0f;
    }
    return true;
  }
  return false;
}

size_t Pipeline::source_size() const { return impl_->n; }

size_t Pipeline::batches_per_epoch() const {
  const size_t b = static_cast<size_t>(impl_->opt.batch_size);
  return impl_->opt.drop_remainder ? impl_->n / b : (impl_->n + b - 1) / b;
}

size_t Pipeline::skipped() const {
  std::lock_guard<std::mutex> lock(impl_->skipped_mu);
  return impl_->skipped.size();
}

std::vector<std::string> Pipeline::skipped_messages() const {
  std::lock_guard<std::mutex> lock(impl_->skipped_mu);
  return impl_->skipped;
}

size_t Pipeline::samples_in_flight() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->in_flight;
}

size_t Pipeline::max_samples_in_flight() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->max_in_flight;
}

Result<std::vector<std::vector<uint8_t>>> RepresentativeSamples(std::shared_ptr<const SampleSource> source,
                                                                const ModelInputSpec& input,
                                                                const RepresentativeOptions& options) {
  if (options.count < 1) return InvalidArgument("representative dataset: count must be at least 1");
  PipelineOptions p;
  p.input = input;
  p.batch_size = 1;
  p.shuffle = true;
  p.seed = options.seed;
  p.epochs = 1;
  p.threads = options.threads;
  p.skip_bad = options.skip_bad;
  p.jpeg_dct_scaling = options.jpeg_dct_scaling;
  p.prefetch = 16;
  LITEOPT_ASSIGN_OR_RETURN(std::unique_ptr<Pipeline> pipeline, Pipeline::Create(std::move(source), p));
  std::vector<std::vector<uint8_t>> samples;
  Batch batch;
  while (static_cast<int>(samples.size()) < options.count) {
    LITEOPT_ASSIGN_OR_RETURN(bool more, pipeline->Next(&batch));
    if (!more) break;
    samples.push_back(batch.data);
  }
  return samples;
}

}  // namespace liteopt::data
