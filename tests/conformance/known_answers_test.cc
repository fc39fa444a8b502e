// Known answers from the fixtures' upstream tests (see ../shared/fixtures/README.md, "Expected results"):
// the same preprocessing and thresholds, run through liteopt's interpreter and image pipeline.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "base/quant_math.h"
#include "common/fixtures.h"
#include "data/image.h"
#include "data/model_input.h"
#include "runtime/interpreter.h"

namespace liteopt {
namespace {

std::unique_ptr<runtime::Interpreter> Load(const std::string& rel) {
  auto interp = runtime::Interpreter::FromFile(testing::FixturesDir() + "/" + rel);
  EXPECT_TRUE(interp.ok()) << interp.status().message();
  return interp.ok() ? std::move(interp).value() : nullptr;
}

float Dequantized(const ops::TensorRef& t, int64_t i) {
  switch (t.dtype) {
    case DType::kFloat32: return t.as<float>()[i];
    case DType::kInt8: return qmath::DequantizeValue(t.as<int8_t>()[i], t.scale(), t.zero_point());
    default: return qmath::DequantizeValue(t.as<uint8_t>()[i], t.scale(), t.zero_point());
  }
}

std::vector<int64_t> TopK(const ops::TensorRef& t, int k) {
  std::vector<int64_t> idx(static_cast<size_t>(t.num_elements()));
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) { return Dequantized(t, a) > Dequantized(t, b); });
  idx.resize(k);
  return idx;
}

class KnownAnswers : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  }
};

TEST_F(KnownAnswers, HelloWorldFloatApproximatesSine) {
  auto m = Load("tflite/tflm/hello_world_float.tflite");
  ASSERT_NE(m, nullptr);
  for (float x : {0.0f, 1.0f, 3.0f, 5.0f}) {
    m->input_data<float>(0)[0] = x;
    ASSERT_TRUE(m->Invoke().ok());
    EXPECT_NEAR(m->output_data<float>(0)[0], std::sin(x), 0.05) << "x=" << x;
  }
}

TEST_F(KnownAnswers, HelloWorldInt8ApproximatesSine) {
  auto m = Load("tflite/tflm/hello_world_int8.tflite");
  ASSERT_NE(m, nullptr);
  const int8_t inputs[] = {-96, -63, -34, 0};
  const float xs[] = {0.77f, 1.57f, 2.3f, 3.14f};
  for (int k = 0; k < 4; ++k) {
    m->input_data<int8_t>(0)[0] = inputs[k];
    ASSERT_TRUE(m->Invoke().ok());
    EXPECT_NEAR(Dequantized(m->output(0), 0), std::sin(xs[k]), 0.05) << "x=" << xs[k];
  }
}

TEST_F(KnownAnswers, PersonDetection) {
  auto m = Load("tflite/tflm/person_detect.tflite");
  ASSERT_NE(m, nullptr);
  for (const char* name : {"person", "no_person"}) {
    auto img = data::ReadImage(testing::FixturesDir() + "/images/tflm_person_detection/" + name + ".bmp");
    ASSERT_TRUE(img.ok()) << img.status().message();
    ASSERT_EQ(img->pixels.size(), 96u * 96u);
    // The BMP's pixel bytes already are the int8 input (two's complement), as upstream feeds them.
    std::memcpy(m->input_bytes(0), img->pixels.data(), img->pixels.size());
    ASSERT_TRUE(m->Invoke().ok());
    const int8_t* out = m->output_data<int8_t>(0);
    if (std::string(name) == "person") {
      EXPECT_GT(out[1], out[0]) << name;
    } else {
      EXPECT_GT(out[0], out[1]) << name;
    }
  }
}

struct CatCase {
  const char* model;
  int64_t cls;
  float min_score;
};

class CatClassification : public ::testing::TestWithParam<CatCase> {};

TEST_P(CatClassification, CatIsInTopThree) {
  if (!testing::HaveFixtures()) GTEST_SKIP() << testing::kNoFixturesMessage;
  const CatCase c = GetParam();
  auto m = Load(std::string("tflite/coral/") + c.model + ".tflite");
  ASSERT_NE(m, nullptr);
  const auto& in = m->input(0);
  data::DecodeOptions dopt;
  dopt.channels = 3;
  auto img = data::ReadImage(testing::FixturesDir() + "/images/coral/cat.bmp", dopt);
  ASSERT_TRUE(img.ok()) << img.status().message();
  data::ModelInputSpec spec;
  spec.height = in.dim(1);
  spec.width = in.dim(2);
  spec.channels = 3;
  spec.dtype = in.dtype;
  spec.scale = in.scale();
  spec.zero_point = in.zero_point();
  spec.normalization = data::PixelNormalization::kMinusOneToOne;  // both Coral input encodings cover [-1, 1]
  auto bytes = data::ToModelInput(*img, spec);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  std::memcpy(m->input_bytes(0), bytes->data(), bytes->size());
  ASSERT_TRUE(m->Invoke().ok());
  const auto top = TopK(m->output(0), 3);
  const auto it = std::find(top.begin(), top.end(), c.cls);
  ASSERT_NE(it, top.end()) << c.model << " top-3: " << top[0] << ", " << top[1] << ", " << top[2];
  EXPECT_GE(Dequantized(m->output(0), c.cls), c.min_score);
}

INSTANTIATE_TEST_SUITE_P(Coral, CatClassification,
                         ::testing::Values(CatCase{"mobilenet_v1_0.25_128_quant", 283, 0.25f},
                                           CatCase{"mobilenet_v2_1.0_224_quant", 286, 0.7f},
                                           CatCase{"tf2_mobilenet_v2_1.0_224_ptq", 286, 0.6f}),
                         [](const auto& info) { return testing::Slug(info.param.model); });

// MNIST digits through the community MNIST models (float [1,28,28] in [0,1]).
TEST_F(KnownAnswers, MnistDigitsClassified) {
  for (const char* model : {"clarenceee_mnist_cnn_float", "clarenceee_mnist_cnn_dynamic_range",
                            "clarenceee_mnist_cnn_qat", "sheena_mnist_mlp_float", "sheena_mnist_mlp_dynamic_range"}) {
    auto m = Load(std::string("tflite/community/") + model + ".tflite");
    ASSERT_NE(m, nullptr) << model;
    int correct = 0;
    for (int d = 0; d < 10; ++d) {
      data::DecodeOptions dopt;
      dopt.channels = 1;
      auto img = data::ReadImage(testing::FixturesDir() + "/images/tflm_mnist/sample" + std::to_string(d) + ".png", dopt);
      ASSERT_TRUE(img.ok()) << img.status().message();
      float* in = m->input_data<float>(0);
      ASSERT_NE(in, nullptr) << model;
      for (size_t i = 0; i < img->pixels.size(); ++i) in[i] = img->pixels[i] / 255.0f;
      ASSERT_TRUE(m->Invoke().ok());
      correct += TopK(m->output(0), 1)[0] == d;
    }
    EXPECT_GE(correct, 9) << model << " classified " << correct << " of 10 digits";
  }
}

}  // namespace
}  // namespace liteopt
