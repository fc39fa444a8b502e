#include "data/fashion_mnist.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <system_error>
#include <thread>

#include "base/cpu.h"
#include "base/file_io.h"
#include "data/idx.h"
#include "data/image_encode.h"
#include "data/random.h"

namespace liteopt::data {
namespace {

namespace fs = std::filesystem;

constexpr const char* kInstallHint = "install dataset-fashion-mnist (scripts/install-deps.sh)";
constexpr int kJpegQuality = 95;
constexpr const char* kSplitNames[3] = {"train", "val", "test"};
// Files of an export that make it look complete; deleted first when an export is replaced.
constexpr const char* kIndexFiles[4] = {"train.csv", "val.csv", "test.csv", "labels.txt"};

struct Source {
  IdxImages images;
  std::vector<uint8_t> labels;
};

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// RFC 4180: a field is quoted only if it holds a comma, a double quote or a line break; quotes are doubled.
std::string CsvField(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

Status CheckOptions(const FashionMnistExportOptions& o) {
  if (o.out_dir.empty()) return InvalidArgument("Fashion-MNIST export: no output directory given");
  if (o.format != ImageFormat::kPng && o.format != ImageFormat::kJpeg) {
    return InvalidArgument("Fashion-MNIST export: image format " + std::string(ImageFormatName(o.format)) +
                           " is not supported; use PNG or JPEG");
  }
  if (!(o.val_fraction >= 0.0 && o.val_fraction < 1.0)) {
    return InvalidArgument("Fashion-MNIST export: val_fraction " + std::to_string(o.val_fraction) +
                           " is outside [0, 1)");
  }
  bool seen[10] = {};
  for (int c : o.classes) {
    if (c < 0 || c > 9)
      return InvalidArgument("Fashion-MNIST export: class index " + std::to_string(c) + " is outside 0..9");
    if (seen[c])
      return InvalidArgument(std::string("Fashion-MNIST export: class ") + kFashionMnistClassNames[c] +
                             " is given twice");
    seen[c] = true;
  }
  if (o.max_per_class < 0) return InvalidArgument("Fashion-MNIST export: max_per_class is negative");
  if (o.threads < 0 || o.threads > 1024) {
    return InvalidArgument("Fashion-MNIST export: threads " + std::to_string(o.threads) + " is outside 0..1024");
  }
  return Status::Ok();
}

Status Corrupt(const Status& st) {
  return Status(st.code(), st.message() + "; the Fashion-MNIST files look damaged: reinstall dataset-fashion-mnist");
}

// Reads images and labels of one split ("train" or "t10k") and checks that they agree.
Result<Source> ReadSource(const std::string& dir, const std::string& split, const ExportProgress& progress,
                          size_t* files_read) {
  const std::string images_path = dir + "/" + split + "-images-idx3-ubyte.gz";
  const std::string labels_path = dir + "/" + split + "-labels-idx1-ubyte.gz";
  Source s;
  auto images = ReadIdxImages(images_path);
  if (!images.ok()) return Corrupt(images.status());
  s.images = std::move(images).value();
  if (progress) progress("read", ++*files_read, 4);
  auto labels = ReadIdxLabels(labels_path);
  if (!labels.ok()) return Corrupt(labels.status());
  s.labels = std::move(labels).value();
  if (progress) progress("read", ++*files_read, 4);
  if (static_cast<size_t>(s.images.count) != s.labels.size()) {
    return DataLoss(images_path + " holds " + std::to_string(s.images.count) + " images but " + labels_path +
                    " holds " + std::to_string(s.labels.size()) + " labels");
  }
  if (s.images.rows <= 0 || s.images.cols <= 0) {
    return DataLoss(images_path + ": images of " + std::to_string(s.images.rows) + "x" + std::to_string(s.images.cols) +
                    " pixels");
  }
  for (size_t i = 0; i < s.labels.size(); ++i) {
    if (s.labels[i] > 9) {
      return DataLoss(labels_path + ": label " + std::to_string(s.labels[i]) + " of item " + std::to_string(i) +
                      " is outside 0..9");
    }
  }
  return s;
}

// Per selected class, the source indices of its first max_per_class items (file order); 0 = all.
std::vector<std::vector<int>> PerClass(const std::vector<uint8_t>& labels, const std::vector<int>& classes,
                                       int max_per_class) {
  std::vector<int> slot(10, -1);
  for (size_t k = 0; k < classes.size(); ++k) slot[classes[k]] = static_cast<int>(k);
  std::vector<std::vector<int>> out(classes.size());
  for (size_t i = 0; i < labels.size(); ++i) {
    const int k = slot[labels[i]];
    if (k < 0) continue;
    if (max_per_class > 0 && static_cast<int>(out[k].size()) >= max_per_class) continue;
    out[k].push_back(static_cast<int>(i));
  }
  return out;
}

enum class OutputDirState { kMissing, kEmpty, kPreviousExport };

// Examines dir without changing it: refuses a non-directory and a foreign non-empty directory.
Result<OutputDirState> CheckOutputDir(const std::string& dir) {
  std::error_code ec;
  const fs::file_status st = fs::status(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) return IoError(dir + ": cannot examine: " + ec.message());
  if (!fs::exists(st)) return OutputDirState::kMissing;
  if (!fs::is_directory(st)) return InvalidArgument(dir + ": exists and is not a directory");
  fs::directory_iterator it(dir, ec);
  if (ec) return IoError(dir + ": cannot list: " + ec.message());
  if (it == fs::directory_iterator()) return OutputDirState::kEmpty;
  if (!fs::is_regular_file(fs::path(dir) / kDatasetMarkerFile, ec)) {
    return InvalidArgument(dir +
                           ": the directory is not empty and is not a previous liteopt dataset export (it has no " +
                           kDatasetMarkerFile + " file); choose a new or empty directory");
  }
  return OutputDirState::kPreviousExport;
}

// Makes dir an export target: creates it, or turns a previous export in it into an incomplete one by deleting
// its index files. Its images stay, to be overwritten in place (creating and deleting files is what costs most
// on many file systems) and the rest deleted by RemoveStaleImages. Then writes the marker and makes
// images/{train,val,test} real directories (anything else of that name, such as a symlink, is replaced).
Status PrepareOutputDir(const std::string& dir, const std::string& marker_text) {
  // Checked again: the directory may have changed while the source was read.
  LITEOPT_ASSIGN_OR_RETURN(const OutputDirState state, CheckOutputDir(dir));
  std::error_code ec;
  if (state == OutputDirState::kPreviousExport) {
    for (const char* name : kIndexFiles) {
      fs::remove(fs::path(dir) / name, ec);
      if (ec) return IoError(dir + "/" + name + ": cannot delete the previous export's file: " + ec.message());
    }
    // Temporary files left by an interrupted WriteFileAtomic ("train.csv.tmp.XXXXXX"); collected first, then
    // deleted, so the listing is not changed while it is read.
    std::vector<fs::path> stale;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      for (const char* index : kIndexFiles) {
        if (name.rfind(std::string(index) + ".tmp.", 0) == 0) stale.push_back(it->path());
      }
    }
    if (ec) return IoError(dir + ": cannot list: " + ec.message());
    for (const fs::path& p : stale) fs::remove(p, ec);
  } else if (state == OutputDirState::kMissing) {
    fs::create_directories(dir, ec);
    if (ec) return IoError(dir + ": cannot create the output directory: " + ec.message());
  }
  LITEOPT_RETURN_IF_ERROR(WriteFileAtomic(dir + "/" + kDatasetMarkerFile, marker_text));
  for (const char* sub : {"images", "images/train", "images/val", "images/test"}) {
    const fs::path path = fs::path(dir) / sub;
    const fs::file_status st = fs::symlink_status(path, ec);
    ec.clear();  // set when the path does not exist, which is not an error here
    if (fs::is_directory(st)) continue;
    if (fs::exists(st)) fs::remove_all(path, ec);
    if (!ec) fs::create_directory(path, ec);
    if (ec) return IoError(dir + "/" + sub + ": cannot create the directory: " + ec.message());
  }
  return Status::Ok();
}

// Writes `bytes` as the regular file `path`. An existing file with a single link is overwritten in place; anything
// else there (a symlink, a directory, a FIFO, a file hard-linked elsewhere, a read-only file) is deleted first, so
// the write never reaches a file outside the export.
Status WriteImageFile(const std::string& path, const std::vector<uint8_t>& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
  struct stat st;
  if (fd >= 0 && (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1)) {
    ::close(fd);
    fd = -1;
  }
  if (fd < 0) {
    std::error_code ec;
    fs::remove_all(path, ec);
    if (ec) return IoError(path + ": cannot replace: " + ec.message());
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return IoError(path + ": cannot create: " + std::strerror(errno));
  }
  const uint8_t* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int e = n < 0 ? errno : EIO;
      ::close(fd);
      return IoError(path + ": write failed: " + std::strerror(e));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  // Cuts what a longer previous file had beyond the new bytes.
  if (::ftruncate(fd, static_cast<off_t>(bytes.size())) != 0) {
    const int e = errno;
    ::close(fd);
    return IoError(path + ": cannot truncate: " + std::strerror(e));
  }
  if (::close(fd) != 0) return IoError(path + ": write failed: " + std::strerror(errno));
  return Status::Ok();
}

int NumberWidth(size_t count) {
  int width = 5;
  for (size_t limit = 100000; count > limit; limit *= 10) ++width;
  return width;
}

std::string ImageName(const char* split, size_t index, int width, ImageFormat format) {
  char digits[32];
  std::snprintf(digits, sizeof(digits), "%0*zu", width, index);
  return std::string("images/") + split + "/" + digits + (format == ImageFormat::kPng ? ".png" : ".jpg");
}

// Encodes and writes the images `source` (indices into `images`) as out_dir/images/<split>/<n>.<ext>,
// on `threads` workers pulling indices from a shared counter; the calling thread reports progress.
Status WriteImages(const IdxImages& images, const std::vector<int>& source, const std::string& out_dir,
                   const char* split, ImageFormat format, int threads, const ExportProgress& progress,
                   uint64_t* bytes_written) {
  const size_t n = source.size();
  const int width = NumberWidth(n);
  const size_t image_size = static_cast<size_t>(images.rows) * static_cast<size_t>(images.cols);
  std::atomic<size_t> next{0}, done{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::condition_variable finished_cv;
  int finished = 0;
  size_t error_index = SIZE_MAX;
  Status error;

  auto work = [&] {
    Image image;
    image.width = images.cols;
    image.height = images.rows;
    image.channels = 1;
    while (!failed.load(std::memory_order_relaxed)) {
      const size_t i = next.fetch_add(1);
      if (i >= n) break;
      const uint8_t* pixels = images.pixels.data() + static_cast<size_t>(source[i]) * image_size;
      image.pixels.assign(pixels, pixels + image_size);
      const std::string path = out_dir + "/" + ImageName(split, i, width, format);
      auto encoded = format == ImageFormat::kPng ? EncodePng(image) : EncodeJpeg(image, kJpegQuality);
      Status st = encoded.ok() ? WriteImageFile(path, *encoded)
                               : Status(encoded.status().code(), path + ": " + encoded.status().message());
      if (!st.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        // The lowest failing index wins, so the error does not depend on scheduling when several fail.
        if (i < error_index) {
          error_index = i;
          error = std::move(st);
        }
        failed = true;
        break;
      }
      bytes += encoded->size();
      ++done;
    }
    std::lock_guard<std::mutex> lock(mu);
    ++finished;
    finished_cv.notify_all();
  };

  if (progress) progress(split, 0, n);
  const int workers = static_cast<int>(std::min<size_t>(static_cast<size_t>(threads), std::max<size_t>(n, 1)));
  std::vector<std::thread> pool;
  for (int t = 0; t < workers; ++t) {
    try {
      pool.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // the system refuses more threads: continue with those already running
    }
  }
  if (pool.empty()) {
    work();
  } else {
    std::unique_lock<std::mutex> lock(mu);
    const int started = static_cast<int>(pool.size());
    while (!finished_cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return finished == started; })) {
      if (progress) {
        lock.unlock();
        progress(split, done.load(), n);
        lock.lock();
      }
    }
  }
  for (std::thread& t : pool) t.join();
  if (failed) return error;
  *bytes_written += bytes.load();
  if (progress) progress(split, n, n);
  return Status::Ok();
}

// round(n * fraction), kept within [1, n - 1] when fraction > 0 and n >= 2 so that a small export still has
// both splits in every class.
size_t ValCount(size_t n, double fraction) {
  const size_t rounded = static_cast<size_t>(std::llround(static_cast<double>(n) * fraction));
  if (fraction <= 0 || n < 2) return rounded;
  return std::clamp<size_t>(rounded, 1, n - 1);
}

// Deletes every entry of out_dir/images that this export did not write: entries of images/ other than the split
// directories, and in images/<split>/ anything but the `count` current image names. Names are collected first and
// deleted after the listing, so the listing is not changed while it is read.
Status RemoveStaleImages(const std::string& out_dir, const size_t (&counts)[3], ImageFormat format) {
  std::error_code ec;
  std::vector<fs::path> stale;
  auto list = [&](const fs::path& dir, const std::function<bool(const std::string&)>& keep) -> Status {
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (!keep(it->path().filename().string())) stale.push_back(it->path());
    }
    if (ec) return IoError(dir.string() + ": cannot list: " + ec.message());
    return Status::Ok();
  };
  const fs::path images = fs::path(out_dir) / "images";
  LITEOPT_RETURN_IF_ERROR(list(images, [](const std::string& name) {
    return name == kSplitNames[0] || name == kSplitNames[1] || name == kSplitNames[2];
  }));
  const std::string extension = format == ImageFormat::kPng ? ".png" : ".jpg";
  for (int s = 0; s < 3; ++s) {
    const size_t width = static_cast<size_t>(NumberWidth(counts[s]));
    LITEOPT_RETURN_IF_ERROR(list(images / kSplitNames[s], [&](const std::string& name) {
      if (name.size() != width + extension.size() || name.compare(width, extension.size(), extension) != 0)
        return false;
      size_t index = 0;
      for (size_t i = 0; i < width; ++i) {
        if (name[i] < '0' || name[i] > '9') return false;
        index = index * 10 + static_cast<size_t>(name[i] - '0');
      }
      return index < counts[s];
    }));
  }
  for (const fs::path& p : stale) {
    fs::remove_all(p, ec);
    if (ec) return IoError(p.string() + ": cannot delete the previous export's file: " + ec.message());
  }
  return Status::Ok();
}

std::string CsvText(const std::vector<int>& source, const std::vector<uint8_t>& labels, const char* split,
                    ImageFormat format) {
  const int width = NumberWidth(source.size());
  std::string csv = "filename,label\n";
  for (size_t i = 0; i < source.size(); ++i) {
    csv += CsvField(ImageName(split, i, width, format));
    csv += ',';
    csv += CsvField(kFashionMnistClassNames[labels[source[i]]]);
    csv += '\n';
  }
  return csv;
}

}  // namespace

Result<FashionMnistExportSummary> ExportFashionMnist(const std::string& idx_dir,
                                                     const FashionMnistExportOptions& options,
                                                     const ExportProgress& progress) {
  LITEOPT_RETURN_IF_ERROR(CheckOptions(options));
  std::vector<int> classes = options.classes;
  if (classes.empty()) {
    for (int c = 0; c < 10; ++c) classes.push_back(c);
  }
  // Output order (labels.txt, summary): class names sorted byte-wise.
  std::sort(classes.begin(), classes.end(),
            [](int a, int b) { return std::strcmp(kFashionMnistClassNames[a], kFashionMnistClassNames[b]) < 0; });

  // 1. Source, fully read and checked before the output directory is touched (but a refused output directory
  // is reported first, without waiting for the read).
  LITEOPT_RETURN_IF_ERROR(CheckOutputDir(options.out_dir).status());
  for (const char* name : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                           "t10k-labels-idx1-ubyte.gz"}) {
    const std::string path = idx_dir + "/" + name;
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      return NotFound(path + ": Fashion-MNIST file not found; " + kInstallHint +
                      " or give the directory that holds the four IDX files");
    }
  }
  if (progress) progress("read", 0, 4);
  size_t files_read = 0;
  LITEOPT_ASSIGN_OR_RETURN(Source train, ReadSource(idx_dir, "train", progress, &files_read));
  LITEOPT_ASSIGN_OR_RETURN(Source test, ReadSource(idx_dir, "t10k", progress, &files_read));

  // 2. Splits. Per class: the first max_per_class training items, of which ValCount(n) chosen by a partial
  // Fisher-Yates shuffle go to val. Each class has its own RNG stream (seed mixed with its label), so a class's
  // split does not depend on which other classes are selected.
  FashionMnistExportSummary summary;
  std::vector<int> split_source[3];  // train, val, test: indices into the source files
  const auto train_by_class = PerClass(train.labels, classes, options.max_per_class);
  const auto test_by_class = PerClass(test.labels, classes, options.max_per_class);
  for (size_t k = 0; k < classes.size(); ++k) {
    std::vector<int> pool = train_by_class[k];
    const size_t n_val = ValCount(pool.size(), options.val_fraction);
    SplitMix64 rng(options.seed ^ ((static_cast<uint64_t>(classes[k]) + 1) * 0xD1B54A32D192ED03ull));
    for (size_t i = 0; i < n_val; ++i) std::swap(pool[i], pool[i + rng.Below(pool.size() - i)]);
    split_source[1].insert(split_source[1].end(), pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(n_val));
    split_source[0].insert(split_source[0].end(), pool.begin() + static_cast<std::ptrdiff_t>(n_val), pool.end());
    split_source[2].insert(split_source[2].end(), test_by_class[k].begin(), test_by_class[k].end());
    FashionMnistClassCounts counts;
    counts.label = classes[k];
    counts.name = kFashionMnistClassNames[classes[k]];
    counts.train = static_cast<int>(pool.size() - n_val);
    counts.val = static_cast<int>(n_val);
    counts.test = static_cast<int>(test_by_class[k].size());
    summary.classes.push_back(counts);
  }
  for (auto& s : split_source) std::sort(s.begin(), s.end());  // rows follow the source file's order
  summary.train = static_cast<int>(split_source[0].size());
  summary.val = static_cast<int>(split_source[1].size());
  summary.test = static_cast<int>(split_source[2].size());

  // 3. Output directory, then images.
  const std::string& dir = options.out_dir;
  std::string marker = "liteopt dataset export: fashion-mnist\nformat: ";
  marker += options.format == ImageFormat::kPng ? "png" : "jpeg";
  marker += "\nclasses:";
  for (int c : classes) marker += std::string(" ") + std::to_string(c);
  marker += "\nval_fraction: " + std::to_string(options.val_fraction) + "\nseed: " + std::to_string(options.seed) +
            "\nmax_per_class: " + std::to_string(options.max_per_class) + "\n";
  LITEOPT_RETURN_IF_ERROR(PrepareOutputDir(dir, marker));
  summary.threads = options.threads > 0 ? options.threads : AvailableCores();
  for (int s = 0; s < 3; ++s) {
    const Source& src = s < 2 ? train : test;
    LITEOPT_RETURN_IF_ERROR(WriteImages(src.images, split_source[s], dir, kSplitNames[s], options.format,
                                        summary.threads, progress, &summary.image_bytes));
  }

  const size_t counts[3] = {split_source[0].size(), split_source[1].size(), split_source[2].size()};
  LITEOPT_RETURN_IF_ERROR(RemoveStaleImages(dir, counts, options.format));

  // 4. Index files last, each atomically; the images are flushed to disk first so that a crash after the CSVs
  // are durable cannot lose images they reference.
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0 || ::syncfs(dir_fd) != 0) {
    const int e = errno;
    if (dir_fd >= 0) ::close(dir_fd);
    return IoError(dir + ": cannot flush the images to disk: " + std::strerror(e));
  }
  ::close(dir_fd);
  std::string labels_txt;
  for (const auto& c : summary.classes) labels_txt += c.name + "\n";
  summary.labels_txt = dir + "/labels.txt";
  LITEOPT_RETURN_IF_ERROR(WriteFileAtomic(summary.labels_txt, labels_txt));
  std::string* csv_paths[3] = {&summary.train_csv, &summary.val_csv, &summary.test_csv};
  for (int s : {2, 1, 0}) {  // train.csv, the one every consumer reads, last
    *csv_paths[s] = dir + "/" + kSplitNames[s] + ".csv";
    const Source& src = s < 2 ? train : test;
    LITEOPT_RETURN_IF_ERROR(
        WriteFileAtomic(*csv_paths[s], CsvText(split_source[s], src.labels, kSplitNames[s], options.format)));
  }
  return summary;
}

Result<int> ParseFashionMnistClass(std::string_view name_or_index) {
  const std::string_view s = Trim(name_or_index);
  if (s.empty()) return InvalidArgument("empty Fashion-MNIST class name");
  if (std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (s.size() == 1) return s[0] - '0';
    return InvalidArgument("Fashion-MNIST class index " + std::string(s) + " is outside 0..9");
  }
  const std::string lower = ToLower(s);
  for (int c = 0; c < 10; ++c) {
    if (lower == ToLower(kFashionMnistClassNames[c])) return c;
  }
  std::string valid;
  for (int c = 0; c < 10; ++c)
    valid += std::string(c ? ", " : "") + std::to_string(c) + " " + kFashionMnistClassNames[c];
  return InvalidArgument("unknown Fashion-MNIST class '" + std::string(s) +
                         "'; valid classes (name or index): " + valid);
}

Result<std::vector<int>> ParseFashionMnistClassList(std::string_view list) {
  std::vector<int> out;
  size_t start = 0;
  while (true) {
    const size_t comma = list.find(',', start);
    const std::string_view item = list.substr(start, comma == std::string_view::npos ? list.npos : comma - start);
    if (Trim(item).empty()) {
      return InvalidArgument("class list '" + std::string(list) +
                             "' has an empty item; give names or indices separated by commas");
    }
    LITEOPT_ASSIGN_OR_RETURN(int c, ParseFashionMnistClass(item));
    if (std::find(out.begin(), out.end(), c) != out.end()) {
      return InvalidArgument(std::string("class list '") + std::string(list) + "' names " + kFashionMnistClassNames[c] +
                             " twice");
    }
    out.push_back(c);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace liteopt::data
