// Renderings of a comparison report, on a report built by hand (the e2e tests render real ones).
#include <gtest/gtest.h>

#include "eval/compare.h"

namespace liteopt::eval {
namespace {

CompareReport SampleReport() {
  CompareReport rep;
  rep.data_csv = "test|set.csv";
  rep.baseline = 0;
  rep.baseline_reason = "the first float32 model";
  const struct {
    const char* name;
    ModelKind kind;
    int64_t size;
    double top1, p50;
  } models[] = {{"float.tflite", ModelKind::kFloat32, 400000, 0.91, 2.0},
                {"int8 <b>&\"q\".tflite", ModelKind::kInt8, 100000, 0.88, 0.7},
                {"fp16.tflite", ModelKind::kFloat16, 200000, 0.91, 2.1}};
  for (const auto& m : models) {
    CompareRow row;
    row.name = m.name;
    row.result.model_path = m.name;
    row.result.kind = m.kind;
    row.result.size_bytes = m.size;
    row.result.gzip_bytes = m.size * 9 / 10;
    row.result.top1 = m.top1;
    row.result.n = 100;
    row.result.latency.p50_ms = m.p50;
    row.result.images_per_second = 1000 / m.p50;
    row.top1_delta = m.top1 - 0.91;
    row.agreement = m.kind == ModelKind::kFloat32 ? 1.0 : 0.95;
    rep.rows.push_back(row);
  }
  rep.hints.push_back("int8 loses 3.00 points");
  return rep;
}

int Count(const std::string& s, const std::string& what) {
  int n = 0;
  for (size_t pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + 1)) ++n;
  return n;
}

TEST(RenderMarkdown, OneRowPerModelInOrderWithEscapedCells) {
  const std::string md = RenderMarkdown(SampleReport());
  const size_t a = md.find("float.tflite (baseline)"), b = md.find("int8 \\<b>&\"q\".tflite"),
               c = md.find("fp16.tflite");
  ASSERT_NE(a, std::string::npos) << md;
  ASSERT_NE(b, std::string::npos) << md;
  ASSERT_NE(c, std::string::npos) << md;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_NE(md.find("| 91.00% |"), std::string::npos);
  EXPECT_NE(md.find("| -3.00 |"), std::string::npos);
  EXPECT_NE(md.find("`test|set.csv`"), std::string::npos);
  EXPECT_NE(md.find("**Hint:** int8 loses 3.00 points"), std::string::npos);
  EXPECT_EQ(Count(md, "\n|"), 2 + 3);  // header, separator, three rows
}

TEST(RenderHtml, SelfContainedTableAndPlot) {
  const std::string html = RenderHtml(SampleReport());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  EXPECT_EQ(Count(html, "<svg"), 1);
  EXPECT_EQ(Count(html, "</svg>"), 1);
  EXPECT_EQ(Count(html, "<circle"), 3 + 3);  // one marker per model, one legend dot per kind
  EXPECT_EQ(Count(html, "<tr"), 1 + 3);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("href="), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);  // names are escaped
  EXPECT_NE(html.find("int8 &lt;b&gt;&amp;&quot;q&quot;.tflite"), std::string::npos);
  EXPECT_NE(html.find("Hint: int8 loses 3.00 points"), std::string::npos);
}

TEST(RenderText, AlignedColumns) {
  const std::string text = RenderText(SampleReport());
  std::vector<std::string> lines;
  for (size_t start = 0, end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    lines.push_back(text.substr(start, end - start));
  ASSERT_GE(lines.size(), 4u);
  // Right-aligned last column: the four table lines end at the same display column.
  EXPECT_EQ(lines[1].size(), lines[3].size());
  EXPECT_NE(text.find("hint: int8 loses 3.00 points"), std::string::npos);
}

}  // namespace
}  // namespace liteopt::eval

namespace liteopt::eval {
namespace {

CompareRow HintRow(const std::string& name, ModelKind kind, double top1) {
  CompareRow row;
  row.name = name;
  row.result.kind = kind;
  row.result.top1 = top1;
  row.top1_delta = top1 - 0.85;  // against the baseline of the tests below
  return row;
}

// A pruned float model that lost 2.7 points, and its int8 variants: the loss is pruning's, and the hint says so.
TEST(AccuracyHints, LossInheritedFromAPrunedFloatModelIsNotBlamedOnQuantization) {
  const std::vector<CompareRow> rows = {
      HintRow("float.tflite", ModelKind::kFloat32, 0.85), HintRow("pruned.tflite", ModelKind::kFloat32, 0.823),
      HintRow("pruned_int8.tflite", ModelKind::kInt8, 0.827), HintRow("bad_int8.tflite", ModelKind::kInt8, 0.80),
      HintRow("pruned_fp16.tflite", ModelKind::kFloat16, 0.823)};
  const auto hints = AccuracyHints(rows, 0, 1.0);
  ASSERT_EQ(hints.size(), 2u) << "only the two int8 models lose more than a point and are quantized";
  EXPECT_EQ(hints[0].rfind("pruned_int8.tflite (int8) loses 2.30 points", 0), 0u) << hints[0];
  EXPECT_NE(hints[0].find("the float32 pruned.tflite already loses 2.70"), std::string::npos) << hints[0];
  EXPECT_NE(hints[0].find("not from quantization (0.40 points above it)"), std::string::npos) << hints[0];
  EXPECT_EQ(hints[0].find("percentile"), std::string::npos) << hints[0];
  // 2.3 points below the pruned model: quantization's own loss, measured against the pruned model.
  EXPECT_NE(hints[1].find("2.30 of them against the float32 pruned.tflite"), std::string::npos) << hints[1];
  EXPECT_NE(hints[1].find("percentile calibration"), std::string::npos) << hints[1];
}

TEST(AccuracyHints, WithoutAnotherFloatModelQuantizationIsSuspected) {
  const std::vector<CompareRow> rows = {HintRow("float.tflite", ModelKind::kFloat32, 0.85),
                                        HintRow("int8.tflite", ModelKind::kInt8, 0.83),
                                        HintRow("dr.tflite", ModelKind::kDynamicRange, 0.845)};
  const auto hints = AccuracyHints(rows, 0, 1.0);
  ASSERT_EQ(hints.size(), 1u);
  EXPECT_EQ(hints[0].rfind("int8.tflite (int8) loses 2.00 points of top-1 against float.tflite: try percentile", 0),
            0u)
      << hints[0];
}

}  // namespace
}  // namespace liteopt::eval
