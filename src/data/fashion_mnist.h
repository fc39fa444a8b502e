// Fashion-MNIST exported as an image-classification dataset on disk: JPEG/PNG files plus `filename,label` CSVs,
// the layout the course's datasets use, from the IDX files of Debian's dataset-fashion-mnist (no network).
//
// Layout written under out_dir:
//   images/train/00000.png ...   training images minus the validation ones
//   images/val/00000.png ...     a stratified, seeded val_fraction of each class of the training file
//   images/test/00000.png ...    from the t10k file
//   train.csv, val.csv, test.csv header `filename,label`; filename relative to out_dir, label the class name
//                                (e.g. `T-shirt/top`), quoted only where RFC 4180 requires it; LF line ends
//   labels.txt                   the selected class names sorted byte-wise, one per line: the index a CSV reader
//                                with sorted label encoding derives
//   .liteopt-dataset             marker: this directory is a liteopt export and may be replaced by another
// Images are the dataset's own (28x28 grayscale). Rows of each CSV, and the numbering of its files, follow the
// source file's order. The output depends only on the source and the options, never on the thread count.
//
// Crash safety: the marker is written first and the CSVs and labels.txt last, each atomically, after the images
// are flushed to disk, so an interrupted export never looks complete. Re-exporting over a previous (complete or
// interrupted) export first deletes its CSVs and labels.txt, then overwrites its image files in place (much
// cheaper than deleting and recreating them) and deletes every file under images/ it did not write, so nothing
// stale survives. A non-empty directory without the marker is refused and left untouched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "data/image.h"

namespace liteopt::data {

// The marker file name inside an export directory.
inline constexpr const char* kDatasetMarkerFile = ".liteopt-dataset";

struct FashionMnistExportOptions {
  std::string out_dir;
  ImageFormat format = ImageFormat::kPng;  // kPng (lossless) or kJpeg (quality 95, grayscale)
  // In [0, 1). Per class of n training items, round(n * val_fraction) go to val, but at least 1 and at most
  // n - 1 when val_fraction > 0 and n >= 2. 0 gives an empty val split (val.csv holds only the header).
  double val_fraction = 0.1;
  std::vector<int> classes;  // label indices 0..9, no duplicates; empty = all 10
  uint64_t seed = 42;        // decides only which training images form the val split
  int max_per_class = 0;     // > 0: keep the first N images of each class (file order) in train+val and in test
  int threads = 0;           // encoding threads; 0 = AvailableCores()
};

struct FashionMnistClassCounts {
  int label = 0;  // index in the dataset (0..9)
  std::string name;
  int train = 0, val = 0, test = 0;
};

struct FashionMnistExportSummary {
  std::vector<FashionMnistClassCounts> classes;          // sorted by name, as in labels.txt
  int train = 0, val = 0, test = 0;                      // images per split
  uint64_t image_bytes = 0;                              // total size of the image files written
  int threads = 0;                                       // encoding threads used
  std::string train_csv, val_csv, test_csv, labels_txt;  // paths of the files written
};

// Called from the calling thread only: stage is "read" (done/total = IDX files read) or "train", "val", "test"
// (images written). Called at least once per stage, finally with done == total (total may be 0 for "val").
using ExportProgress = std::function<void(const char* stage, size_t done, size_t total)>;

// Exports the four IDX files in idx_dir ({train,t10k}-{images-idx3,labels-idx1}-ubyte.gz). A missing file is
// NotFound naming it and the Debian package; a corrupt or inconsistent one is DataLoss. The source is read
// and checked before out_dir is touched.
Result<FashionMnistExportSummary> ExportFashionMnist(const std::string& idx_dir,
                                                     const FashionMnistExportOptions& options,
                                                     const ExportProgress& progress = {});

// A class given as its name (case-insensitive, e.g. "t-shirt/top", "ankle boot") or its index ("0".."9");
// surrounding spaces are ignored. Unknown names are InvalidArgument listing the valid ones.
Result<int> ParseFashionMnistClass(std::string_view name_or_index);

// A comma-separated list of classes as above, in the order given; empty items and duplicates are errors.
Result<std::vector<int>> ParseFashionMnistClassList(std::string_view list);

}  // namespace liteopt::data
