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
