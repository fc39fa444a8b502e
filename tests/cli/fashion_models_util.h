// The models of the debug-quant and optimize end-to-end tests, made once per test binary: the small Fashion-MNIST
// classifier of tests/common/fashion_model.h (clean, and with an injected bad layer, fc1), each with its int8
// conversion by `liteopt convert` calibrated on the export's train.csv, labels.txt beside them.
#pragma once

#include "cli/eval_cli_util.h"
#include "common/fashion_model.h"

namespace liteopt::testing {

struct FashionModels {
  std::string dir, clean, clean_int8, bad, bad_int8;
  std::string train, val, test;  // the export's CSVs
};

inline const FashionModels& GetFashionModels() {
  static const FashionModels models = [] {
    FashionModels m;
    const std::string& data = FashionMnistExport();
    if (data.empty()) return m;
    const std::string dir = data + "/models";
    fs::create_directories(dir);
    fs::copy_file(data + "/labels.txt", dir + "/labels.txt", fs::copy_options::overwrite_existing);
    m.train = data + "/train.csv";
    m.val = data + "/val.csv";
    m.test = data + "/test.csv";
    for (bool outlier : {false, true}) {
      const std::string f = dir + (outlier ? "/bad.tflite" : "/clean.tflite");
      const std::string q = dir + (outlier ? "/bad_int8.tflite" : "/clean_int8.tflite");
      Status st = WriteFashionModel(kFashionMnistDir, f, outlier);
      if (!st.ok()) {
        ADD_FAILURE() << st.message();
        return FashionModels{};
      }
      CliResult r = RunLiteopt("convert " + Quote(f) + " -o " + Quote(q) +
                               " --optimize default --representative-data " + Quote(m.train) + " -q");
      if (r.code != 0) {
        ADD_FAILURE() << r.err;
        return FashionModels{};
      }
      (outlier ? m.bad : m.clean) = f;
      (outlier ? m.bad_int8 : m.clean_int8) = q;
    }
    m.dir = dir;
    return m;
  }();
  return models;
}

#define REQUIRE_FASHION_MODELS()                                                                              \
  do {                                                                                                        \
    REQUIRE_FASHION_MNIST_EXPORT();                                                                           \
    if (::liteopt::testing::GetFashionModels().dir.empty()) GTEST_SKIP() << "the Fashion-MNIST models failed"; \
  } while (0)

}  // namespace liteopt::testing
