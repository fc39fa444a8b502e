#include "data/csv.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "data/test_util.h"

namespace liteopt::data {
namespace {

using testing::ScratchDir;

const std::string kBom = "\xEF\xBB\xBF";  // the UTF-8 byte order mark
using Fields = std::vector<std::string>;

// Parses `text` and fails the test on an error.
std::vector<CsvRecord> MustParse(std::string_view text, const CsvLimits& limits = {}) {
  auto r = ParseCsv(text, "t.csv", limits);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : std::vector<CsvRecord>{};
}

// The error message of a parse that must fail.
std::string MustFail(std::string_view text, const CsvLimits& limits = {}) {
  auto r = ParseCsv(text, "t.csv", limits);
  EXPECT_FALSE(r.ok()) << "parsed " << r->size() << " records";
  return r.ok() ? std::string() : r.status().message();
}

TEST(CsvTest, PlainRecordsWithLineNumbers) {
  const auto recs = MustParse("filename,label\na.jpg,cat\nb.jpg,dog\n");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].fields, (Fields{"filename", "label"}));
  EXPECT_EQ(recs[1].fields, (Fields{"a.jpg", "cat"}));
  EXPECT_EQ(recs[2].fields, (Fields{"b.jpg", "dog"}));
  EXPECT_EQ(recs[0].line, 1);
  EXPECT_EQ(recs[1].line, 2);
  EXPECT_EQ(recs[2].line, 3);
}

TEST(CsvTest, EmptyInputHasNoRecords) {
  EXPECT_TRUE(MustParse("").empty());
  EXPECT_TRUE(MustParse(kBom).empty());
  EXPECT_TRUE(MustParse("\n\r\n  \t \n").empty());
}

TEST(CsvTest, QuotedFieldsWithCommasAndEscapedQuotes) {
  const auto recs = MustParse("\"x,y\",\"he said \"\"hi\"\"\",\"\"\"\",\"\"\n");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].fields, (Fields{"x,y", "he said \"hi\"", "\"", ""}));
}

TEST(CsvTest, EmbeddedNewlinesKeepLineNumbersRight) {
  // Record 2 spans lines 2-4 (two LFs inside its quotes), so record 3 starts on line 5.
  const auto recs = MustParse("h1,h2\n\"multi\nline\n\",b\nnext,c\n\"x\r\ny\",z\nlast,w");
  ASSERT_EQ(recs.size(), 5u);
  EXPECT_EQ(recs[1].fields, (Fields{"multi\nline\n", "b"}));
  EXPECT_EQ(recs[1].line, 2);
  EXPECT_EQ(recs[2].fields, (Fields{"next", "c"}));
  EXPECT_EQ(recs[2].line, 5);
  EXPECT_EQ(recs[3].fields, (Fields{"x\r\ny", "z"}));  // bytes inside quotes are kept as written
  EXPECT_EQ(recs[3].line, 6);
  EXPECT_EQ(recs[4].line, 8);
}

TEST(CsvTest, CrLfAndLoneCrLineEnds) {
  const auto crlf = MustParse("a,b\r\nc,d\r\n\r\ne,f\r\n");
  ASSERT_EQ(crlf.size(), 3u);
  EXPECT_EQ(crlf[1].fields, (Fields{"c", "d"}));
  EXPECT_EQ(crlf[2].fields, (Fields{"e", "f"}));
  EXPECT_EQ(crlf[2].line, 4);

  const auto cr = MustParse("a,b\rc,d\r");
  ASSERT_EQ(cr.size(), 2u);
  EXPECT_EQ(cr[1].fields, (Fields{"c", "d"}));
  EXPECT_EQ(cr[1].line, 2);
}

TEST(CsvTest, ByteOrderMarkIsSkipped) {
  const auto recs = MustParse(kBom + "filename,label\nx,y\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].fields[0], "filename");
  EXPECT_EQ(recs[0].line, 1);
  // Only at the start: elsewhere the bytes are data.
  const auto mid = MustParse("a\n" + kBom + "b\n");
  EXPECT_EQ(mid[1].fields[0], kBom + "b");
}

TEST(CsvTest, BlankLinesAreSkippedButQuotedEmptyIsARecord) {
  const auto recs = MustParse("\n\na,b\n\n   \n\t\nc,d\n\"\"\n");
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[0].line, 3);
  EXPECT_EQ(recs[1].line, 7);
  EXPECT_EQ(recs[2].fields, (Fields{""}));
  EXPECT_EQ(recs[2].line, 8);
}

TEST(CsvTest, NoTrailingNewline) {
  const auto recs = MustParse("a,b\nc,\"d\"");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].fields, (Fields{"c", "d"}));
  EXPECT_EQ(recs[1].line, 2);
}

TEST(CsvTest, EmptyFieldsAndTrailingComma) {
  const auto recs = MustParse("a,,b,\n,\n");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].fields, (Fields{"a", "", "b", ""}));
  EXPECT_EQ(recs[1].fields, (Fields{"", ""}));
}

TEST(CsvTest, UnquotedFieldsAreTrimmedQuotedAreNot) {
  const auto recs = MustParse(" a b ,\tc\t, \" d \" , e\"f\n");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].fields, (Fields{"a b", "c", " d ", "e\"f"}));
}

TEST(CsvTest, Utf8PassesThrough) {
  const auto recs = MustParse("chat/tigré,\"été, hiver\",日本\n");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].fields, (Fields{"chat/tigré", "été, hiver", "日本"}));
}

TEST(CsvTest, UnterminatedQuoteNamesTheLineWhereItOpened) {
  const std::string msg = MustFail("a,b\nc,d\ne,\"f\n\ng,h\n");
  EXPECT_NE(msg.find("t.csv:3:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unterminated quoted field"), std::string::npos) << msg;
}

TEST(CsvTest, TextAfterClosingQuoteIsAnError) {
  const std::string msg = MustFail("a,b\n\"x\"y,z\n");
  EXPECT_NE(msg.find("t.csv:2:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unexpected 'y'"), std::string::npos) << msg;
  // Blanks after the closing quote are fine.
  EXPECT_EQ(MustParse("\"x\"  ,\"y\"\t\n")[0].fields, (Fields{"x", "y"}));
}

TEST(CsvTest, NulByteIsAnErrorWithItsLine) {
  const std::string msg = MustFail(std::string("a,b\nc,d\ne\0,f\n", 13));
  EXPECT_NE(msg.find("t.csv:3:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("NUL byte"), std::string::npos) << msg;
}

TEST(CsvTest, FieldSizeLimit) {
  CsvLimits limits;
  limits.max_field_bytes = 8;
  EXPECT_EQ(MustParse("12345678,\"1234567\"\"\"\n", limits)[0].fields, (Fields{"12345678", "1234567\""}));
  const std::string unquoted = MustFail("a\n123456789\n", limits);
  EXPECT_NE(unquoted.find("t.csv:2: a field is longer than 8 bytes"), std::string::npos) << unquoted;
  const std::string quoted = MustFail("a\nb\n\"1234\n56789\"\n", limits);
  EXPECT_NE(quoted.find("t.csv:3: a field is longer than 8 bytes"), std::string::npos) << quoted;
  const std::string escaped = MustFail("\"12345678\"\"\"\n", limits);
  EXPECT_NE(escaped.find("t.csv:1: a field is longer"), std::string::npos) << escaped;

  // The default: 1 MiB.
  const std::string big(size_t{1} << 20, 'x');
  EXPECT_EQ(MustParse(big + "\n")[0].fields[0].size(), size_t{1} << 20);
  const std::string msg = MustFail("a\n\"" + big + "x\"\n");
  EXPECT_NE(msg.find("t.csv:2: a field is longer than 1 MiB"), std::string::npos) << msg;
}

TEST(CsvTest, InputSizeAndFieldCountLimits) {
  CsvLimits limits;
  limits.max_bytes = 8;
  EXPECT_EQ(MustParse("a,b\nc,d\n", limits).size(), 2u);
  EXPECT_NE(MustFail("a,b\nc,d\ne", limits).find("t.csv: 9 bytes, over the limit of 8 bytes"), std::string::npos);

  limits = CsvLimits();
  limits.max_fields = 4;
  EXPECT_EQ(MustParse("a,b\n\n\nc,d\n", limits).size(), 2u);  // blank lines do not count
  const std::string msg = MustFail("a,b\nc,d\ne\n", limits);
  EXPECT_NE(msg.find("t.csv:3: more than 4 fields"), std::string::npos) << msg;
}

TEST(CsvTest, ReadCsvFile) {
  ScratchDir dir;
  const std::string text = "filename,label\r\n\"a,1.jpg\",cat\r\n";
  const std::string path = dir.Write("d.csv", text.data(), text.size());
  auto recs = ReadCsvFile(path);
  ASSERT_TRUE(recs.ok()) << recs.status().message();
  ASSERT_EQ(recs->size(), 2u);
  EXPECT_EQ((*recs)[1].fields, (Fields{"a,1.jpg", "cat"}));

  auto missing = ReadCsvFile(dir.File("nope.csv"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(dir.File("nope.csv")), std::string::npos);

  const std::string bad = dir.Write("bad.csv", "a\n\"b\n", 5);
  auto unterminated = ReadCsvFile(bad);
  ASSERT_FALSE(unterminated.ok());
  EXPECT_NE(unterminated.status().message().find(bad + ":2: unterminated"), std::string::npos)
      << unterminated.status().message();

  auto empty = ReadCsvFile(dir.Write("empty.csv", "", 0));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(CsvTest, FileOverOneGibIsRefusedBeforeReading) {
  // A sparse file: no disk space, and the reader must not read it.
  ScratchDir dir;
  const std::string path = dir.File("huge.csv");
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, (off_t{1} << 30) + 1), 0);
  ::close(fd);
  auto r = ReadCsvFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(path + ": 1073741825 bytes, over the limit of 1 GiB"), std::string::npos)
      << r.status().message();
}

TEST(CsvTest, PrintableEscapesAndCutsOnCharacterBoundaries) {
  EXPECT_EQ(internal::Printable("a\nb\tc\x01"), "a\\nb\\tc\\x01");
  EXPECT_EQ(internal::Printable("abcdef", 4), "abcd...");
  // "é" is 2 bytes: cutting at 2 bytes would split it, so only "a" is kept.
  EXPECT_EQ(internal::Printable("aé", 2), "a...");
  EXPECT_EQ(internal::Printable("aé", 3), "aé");
}

TEST(CsvTest, RandomBytesNeverCrash) {
  // Garbage in, a record list or an error out; the parse must stay within its limits.
  std::string alphabet = "ab,\"\r\n \t\xC3\xA9";
  uint32_t state = 12345;
  CsvLimits limits;
  limits.max_field_bytes = 16;
  for (int iter = 0; iter < 2000; ++iter) {
    std::string text;
    const int len = iter % 64;
    for (int i = 0; i < len; ++i) {
      state = state * 1664525u + 1013904223u;
      text += alphabet[(state >> 16) % alphabet.size()];
    }
    auto r = ParseCsv(text, "fuzz.csv", limits);
    if (r.ok()) {
      for (const CsvRecord& rec : *r) {
        EXPECT_GE(rec.line, 1);
        EXPECT_FALSE(rec.fields.empty());
        for (const std::string& f : rec.fields) EXPECT_LE(f.size(), 16u);
      }
    } else {
      EXPECT_EQ(r.status().message().rfind("fuzz.csv:", 0), 0u) << r.status().message();
    }
  }
}

}  // namespace
}  // namespace liteopt::data
