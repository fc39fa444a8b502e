// End-to-end tests of `liteopt debug-quant` on a real Fashion-MNIST model (tests/common/fashion_model.h) and its
// int8 conversion: the injected bad layer ranks first with the right suggestion, --max-accuracy-drop writes a
// model within budget that keeps it float (checked with `liteopt evaluate` and by reading the file), bad input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/fashion_models_util.h"
#include "io/tflite/reader.h"

namespace liteopt::testing {
namespace {

nlohmann::json Json(const CliResult& r) {
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << r.out;
  return j;
}

double Top1(const std::string& model, const std::string& csv) {
  CliResult r = RunLiteopt("evaluate " + Quote(model) + " --data " + Quote(csv) + " --no-batched --json");
  EXPECT_EQ(r.code, 0) << r.err;
  return Json(r)["top1"].get<double>();
}

TEST(DebugQuantCli, RanksTheInjectedBadLayerFirst) {
  REQUIRE_FASHION_MODELS();
  const FashionModels& m = GetFashionModels();
  CliResult r = RunLiteopt("debug-quant " + Quote(m.bad) + " " + Quote(m.bad_int8) + " --data " + Quote(m.test) +
                           " --json -q");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json d = Json(r)["debug"];
  ASSERT_GE(d["layers"].size(), 5u);
  EXPECT_TRUE(d["unmatched"].empty()) << d["unmatched"];
  const nlohmann::json& worst = d["layers"][0];
  EXPECT_EQ(worst["name"], "fc1");
  EXPECT_TRUE(worst["bad"].get<bool>());
  EXPECT_LT(worst["sqnr_db"].get<double>(), 5.0);
  EXPECT_EQ(worst["cause"], "weights/arithmetic");
  EXPECT_EQ(worst["keep_float"], nlohmann::json::array({"fc1"}));
  const std::string s = worst["suggestion"];
  EXPECT_NE(s.find("weights' range is set by outliers"), std::string::npos) << s;
  EXPECT_NE(s.find("--keep-float fc1"), std::string::npos) << s;
  // Its consumers are not blamed: the logits layer, fed the broken fc1 output, computes it fine.
  for (const auto& l : d["layers"]) {
    if (l["name"] != "fc1") {
      EXPECT_FALSE(l["bad"].get<bool>()) << l.dump();
    }
  }
  EXPECT_LT(d["top1_agreement"].get<double>(), 0.6);

  // The text report lists it first, marked, with the suggestion.
  CliResult t = RunLiteopt("debug-quant " + Quote(m.bad) + " " + Quote(m.bad_int8) + " --data " + Quote(m.test));
  ASSERT_EQ(t.code, 0) << t.err;
  const size_t row = t.out.find("    1  fc1 ");
  ASSERT_NE(row, std::string::npos) << t.out;
  EXPECT_NE(t.out.find("BAD", row), std::string::npos);
  EXPECT_NE(t.out.find("fc1 (FULLY_CONNECTED"), std::string::npos) << t.out;
  EXPECT_NE(t.err.find("comparing layers"), std::string::npos) << t.err;
}

TEST(DebugQuantCli, CleanModelHasNoBadLayer) {
  REQUIRE_FASHION_MODELS();
  const FashionModels& m = GetFashionModels();
  CliResult r = RunLiteopt("debug-quant " + Quote(m.clean) + " " + Quote(m.clean_int8) + " --data " + Quote(m.test) +
                           " --json -q");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json d = Json(r)["debug"];
  EXPECT_EQ(d["samples"], 200);
  for (const auto& l : d["layers"]) {
    EXPECT_FALSE(l["bad"].get<bool>()) << l.dump();
    if (l["quantized"].get<bool>() && !l["rmse_over_scale"].is_null()) {
      EXPECT_LT(l["rmse_over_scale"].get<double>(), 1.0) << l.dump();
    }
  }
  EXPECT_GT(d["top1_agreement"].get<double>(), 0.95);
  // Enough samples, data scaled like the calibration data, no outliers: no warnings.
  EXPECT_TRUE(d["warnings"].empty()) << d["warnings"];
}

TEST(DebugQuantCli, MaxAccuracyDropKeepsTheBadLayerFloat) {
  REQUIRE_FASHION_MODELS();
  const FashionModels& m = GetFashionModels();
  TempDir dir("debug_quant_budget");
  const std::string out = dir / "fixed.tflite";
  CliResult r = RunLiteopt("debug-quant " + Quote(m.bad) + " " + Quote(m.bad_int8) + " --data " + Quote(m.test) +
                           " --max-accuracy-drop 1.5 -o " + Quote(out) + " --json -q");
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  const nlohmann::json s = Json(r)["search"];
  ASSERT_TRUE(s["within_budget"].get<bool>()) << s.dump();
  EXPECT_EQ(s["kept_float"], nlohmann::json::array({"fc1"}));
  EXPECT_GT(s["steps"][0]["drop_points"].get<double>(), 20.0);  // the int8 model as given is far off
  EXPECT_LE(s["drop_points"].get<double>(), 1.5);
  ASSERT_TRUE(fs::exists(out));
  EXPECT_EQ(fs::path(out).parent_path(), fs::path(dir.path()));
  for (const auto& e : fs::directory_iterator(dir.path()))  // no candidate left behind
    EXPECT_TRUE(e.path().filename() == "fixed.tflite" || e.path().filename() == "labels.txt") << e.path();

  // Independently: the written model's accuracy with `liteopt evaluate`, and fc1 computed in float in it.
  const double float_top1 = Top1(m.bad, m.test), fixed_top1 = Top1(out, m.test);
  EXPECT_LE((float_top1 - fixed_top1) * 100, 1.5 + 1e-9);
  EXPECT_DOUBLE_EQ(fixed_top1, s["top1"].get<double>());
  auto g = io::tflite::ReadTfliteFile(out);
  ASSERT_TRUE(g.ok()) << g.status().message();
  int fc1_ops = 0, int8_fc = 0;
  for (const ir::Op& op : (*g)->main().ops) {
    if (op.type != ir::OpType::FULLY_CONNECTED) continue;
    const ir::Tensor& o = (*g)->main().tensors[op.outputs[0]];
    if (o.name == "fc1") {
      ++fc1_ops;
      EXPECT_EQ(o.dtype, DType::kFloat32);
    } else {
      int8_fc += o.dtype == DType::kInt8;
    }
  }
  EXPECT_EQ(fc1_ops, 1);
  EXPECT_EQ(int8_fc, 1);  // the logits layer stays int8
}

TEST(DebugQuantCli, BadInputGivesClearErrors) {
  REQUIRE_FASHION_MODELS();
  REQUIRE_EVAL_FIXTURES();
  const FashionModels& m = GetFashionModels();
  TempDir dir("debug_quant_bad");
  const std::string q = Quote(m.clean_int8), data = " --data " + Quote(m.test) + " -q";

  // Different input shapes: the community MNIST CNN takes [1,28,28].
  CliResult r = RunLiteopt("debug-quant " + Quote(CommunityModel("clarenceee_mnist_cnn_float")) + " " + q + data);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("not the same network"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[1,28,28]"), std::string::npos) << r.err;

  // Same input and output shapes, another network (fc1 has 129 units, not 128).
  r = RunLiteopt("debug-quant " + Quote(m.bad) + " " + q + data);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("'fc1' (FULLY_CONNECTED): output [1,129] in the float model, [1,128] in the quantized one: "
                       "not the same network"),
            std::string::npos)
      << r.err;

  // FLOAT and QUANT swapped.
  r = RunLiteopt("debug-quant " + q + " " + Quote(m.clean) + data);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("FLOAT must be the float32 original"), std::string::npos) << r.err;

  // CSVs with no usable rows: a header only; one row whose image is missing, skipped with --skip-bad.
  const std::string header_only = dir / "header.csv", missing = dir / "missing.csv";
  WriteText(header_only, "filename,label\n");
  WriteText(missing, "filename,label\nnowhere.png,Bag\n");
  r = RunLiteopt("debug-quant " + Quote(m.clean) + " " + q + " --data " + Quote(header_only) + " -q");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--data: " + header_only + ": has a header but no rows"), std::string::npos) << r.err;
  r = RunLiteopt("debug-quant " + Quote(m.clean) + " " + q + " --data " + Quote(missing) + " --skip-bad -q");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("every sample of the dataset was skipped"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("missing.csv:2"), std::string::npos) << r.err;

  // Unwritable -o, and -o without a budget.
  r = RunLiteopt("debug-quant " + Quote(m.clean) + " " + q + data + " --max-accuracy-drop 1 -o /nonexistent/x.tflite");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("/nonexistent/x.tflite: folder /nonexistent does not exist"), std::string::npos) << r.err;
  r = RunLiteopt("debug-quant " + Quote(m.clean) + " " + q + data + " -o " + Quote(dir / "x.tflite"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("-o needs --max-accuracy-drop"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "x.tflite"));
}

}  // namespace
}  // namespace liteopt::testing
