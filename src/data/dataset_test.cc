#include "data/dataset.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "data/test_util.h"

namespace liteopt::data {
namespace {

using testing::ScratchDir;

const std::string kBom = "\xEF\xBB\xBF";  // the UTF-8 byte order mark
using Names = std::vector<std::string>;
using Ids = std::vector<int32_t>;

std::string WriteText(const ScratchDir& dir, const std::string& name, const std::string& text) {
  return dir.Write(name, text.data(), text.size());
}

CsvDataset MustRead(const std::string& path, const CsvDatasetOptions& options = {}) {
  auto r = ReadCsvDataset(path, options);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : CsvDataset{};
}

// The message of a read that must fail, checked to start with the file name.
std::string MustFail(const std::string& path, const CsvDatasetOptions& options = {}) {
  auto r = ReadCsvDataset(path, options);
  EXPECT_FALSE(r.ok()) << "read " << r->rows.size() << " rows";
  if (r.ok()) return "";
  EXPECT_EQ(r.status().message().rfind(path, 0), 0u) << r.status().message();
  return r.status().message();
}

CsvDatasetOptions SkipBad() {
  CsvDatasetOptions o;
  o.skip_bad = true;
  return o;
}

TEST(CsvDatasetTest, ReadsRowsWithPathsRelativeToTheCsvFolder) {
  ScratchDir dir;
  std::filesystem::create_directory(dir.File("sets"));
  const std::string csv = WriteText(dir, "sets/train.csv",
                                    "filename,label\n"
                                    "img/a.jpg,cat\n"
                                    "./img/../img/b.jpg,dog\n"
                                    "../other/c.png,cat\n"
                                    "/abs/./d.jpg,dog\n");
  const CsvDataset ds = MustRead(csv);
  EXPECT_EQ(ds.csv_path, csv);
  ASSERT_EQ(ds.rows.size(), 4u);
  EXPECT_EQ(ds.rows[0].path, dir.path() + "/sets/img/a.jpg");
  EXPECT_EQ(ds.rows[1].path, dir.path() + "/sets/img/b.jpg");
  EXPECT_EQ(ds.rows[2].path, dir.path() + "/other/c.png");
  EXPECT_EQ(ds.rows[3].path, "/abs/./d.jpg");  // absolute: as given
  EXPECT_EQ(ds.rows[0].label, "cat");
  EXPECT_EQ(ds.rows[1].label, "dog");
  EXPECT_EQ(ds.rows[0].line, 2);
  EXPECT_EQ(ds.rows[3].line, 5);
  EXPECT_TRUE(ds.skipped.empty());
  EXPECT_EQ(ds.Where(1), csv + ":3");
  EXPECT_EQ(ds.Where(99), csv);
}

TEST(CsvDatasetTest, ImageRootReplacesTheCsvFolder) {
  ScratchDir dir;
  std::filesystem::create_directory(dir.File("prepared_dataset"));
  // The course's CSVs: paths relative to the working directory, which holds prepared_dataset/.
  const std::string csv = WriteText(dir, "prepared_dataset/train.csv",
                                    "filename,label\nprepared_dataset/img/a.jpg,cat\n/abs/b.jpg,dog\n");
  CsvDatasetOptions options;
  options.image_root = dir.path();
  auto ds = ReadCsvDataset(csv, options);
  ASSERT_TRUE(ds.ok()) << ds.status().message();
  EXPECT_EQ(ds->rows[0].path, dir.path() + "/prepared_dataset/img/a.jpg");
  EXPECT_EQ(ds->rows[1].path, "/abs/b.jpg");
  options.image_root = ".";
  ds = ReadCsvDataset(csv, options);
  ASSERT_TRUE(ds.ok());
  EXPECT_EQ(ds->rows[0].path, "prepared_dataset/img/a.jpg");
}

TEST(CsvDatasetTest, CsvGivenByRelativePathResolvesAgainstItsFolder) {
  ScratchDir dir;
  WriteText(dir, "t.csv", "filename,label\nx/a.jpg,cat\n");
  const std::filesystem::path old_cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  auto bare = ReadCsvDataset("t.csv");
  auto dotted = ReadCsvDataset("./t.csv");
  std::filesystem::current_path(old_cwd);
  ASSERT_TRUE(bare.ok()) << bare.status().message();
  ASSERT_TRUE(dotted.ok()) << dotted.status().message();
  EXPECT_EQ(bare->rows[0].path, "x/a.jpg");
  EXPECT_EQ(dotted->rows[0].path, "x/a.jpg");
  EXPECT_EQ(bare->Where(0), "t.csv:2");
}

TEST(CsvDatasetTest, CustomColumnsExtraColumnsAnyOrderAndTrimmedHeader) {
  ScratchDir dir;
  const std::string csv = WriteText(dir, "d.csv",
                                    " id , species ,split,  path \n"
                                    "1,owl,train,a.jpg\n"
                                    "2,  \"great tit\"  ,val,\" b.jpg \"\n");
  CsvDatasetOptions o;
  o.filename_column = "path";
  o.label_column = "species";
  const CsvDataset ds = MustRead(csv, o);
  ASSERT_EQ(ds.rows.size(), 2u);
  EXPECT_EQ(ds.rows[0].path, dir.path() + "/a.jpg");
  EXPECT_EQ(ds.rows[0].label, "owl");
  EXPECT_EQ(ds.rows[1].path, dir.path() + "/ b.jpg ");  // quoted: spaces kept
  EXPECT_EQ(ds.rows[1].label, "great tit");
  // The default columns are not there.
  const std::string msg = MustFail(csv);
  EXPECT_EQ(msg, csv + ":1: has no column 'filename' nor 'label'; its header is: id, species, split, path");
}

TEST(CsvDatasetTest, LabelsKeepSlashesSpacesCommasAndUtf8) {
  ScratchDir dir;
  const std::string csv = WriteText(dir, "d.csv",
                                    kBom +
                                        "filename,label\r\n"
                                        "a.jpg, animals/cat \r\n"
                                        "b.jpg,\"dog, large\"\r\n"
                                        "c.jpg,\" spaced \"\r\n"
                                        "d.jpg,été\r\n"
                                        "e.jpg,\"two\nlines\"\r\n"
                                        "f.jpg,日本");
  const CsvDataset ds = MustRead(csv);
  ASSERT_EQ(ds.rows.size(), 6u);
  EXPECT_EQ(ds.rows[0].label, "animals/cat");
  EXPECT_EQ(ds.rows[1].label, "dog, large");
  EXPECT_EQ(ds.rows[2].label, " spaced ");
  EXPECT_EQ(ds.rows[3].label, "été");
  EXPECT_EQ(ds.rows[4].label, "two\nlines");
  EXPECT_EQ(ds.rows[4].line, 6);
  EXPECT_EQ(ds.rows[5].label, "日本");
  EXPECT_EQ(ds.rows[5].line, 8);  // after the embedded newline
}

TEST(CsvDatasetTest, MissingZeroByteBlankAndHeaderOnlyFiles) {
  ScratchDir dir;
  auto missing = ReadCsvDataset(dir.File("nope.csv"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(dir.File("nope.csv")), std::string::npos);

  const std::string empty = WriteText(dir, "empty.csv", "");
  EXPECT_NE(MustFail(empty).find(empty + ": zero-byte file"), std::string::npos);
  EXPECT_NE(MustFail(empty, SkipBad()).find("zero-byte file"), std::string::npos);

  const std::string blank = WriteText(dir, "blank.csv", "\n  \r\n\n");
  EXPECT_NE(MustFail(blank).find(blank + ": no header line"), std::string::npos);

  const std::string header_only = WriteText(dir, "h.csv", "filename,label\n\n");
  EXPECT_EQ(MustFail(header_only), header_only + ": has a header but no rows");
  EXPECT_EQ(MustFail(header_only, SkipBad()), header_only + ": has a header but no rows");
}

TEST(CsvDatasetTest, MissingAndDuplicateColumns) {
  ScratchDir dir;
  const std::string ab = WriteText(dir, "ab.csv", "a, b\n1,2\n");
  EXPECT_EQ(MustFail(ab), ab + ":1: has no column 'filename' nor 'label'; its header is: a, b");
  const std::string no_label = WriteText(dir, "nl.csv", "\n\nfilename,labels\nx,y\n");
  EXPECT_EQ(MustFail(no_label, SkipBad()), no_label + ":3: has no column 'label'; its header is: filename, labels");
  // Matching is exact after trimming: case matters.
  const std::string upper = WriteText(dir, "up.csv", "Filename,label\nx,y\n");
  EXPECT_NE(MustFail(upper).find("has no column 'filename'; its header is: Filename, label"), std::string::npos);
  const std::string semi = WriteText(dir, "semi.csv", "filename;label\nx;y\n");
  EXPECT_NE(MustFail(semi).find("not ';'"), std::string::npos);

  const std::string dup = WriteText(dir, "dup.csv", "label,filename, label\nx,y,z\n");
  EXPECT_EQ(MustFail(dup, SkipBad()), dup + ":1: column 'label' appears twice in the header (columns 1 and 3)");
  // Unnamed columns (trailing commas from a spreadsheet) may repeat.
  const std::string unnamed = WriteText(dir, "un.csv", "filename,label,,\nx,y,,\n");
  const CsvDataset ds = MustRead(unnamed);
  ASSERT_EQ(ds.rows.size(), 1u);
  EXPECT_EQ(ds.rows[0].label, "y");

  CsvDatasetOptions empty_name;
  empty_name.label_column = " ";
  EXPECT_NE(MustFail(unnamed, empty_name).find("must not be empty"), std::string::npos);
}

TEST(CsvDatasetTest, RaggedRowsFailOrAreSkipped) {
  ScratchDir dir;
  const std::string csv = WriteText(dir, "r.csv",
                                    "filename,label\n"
                                    "a.jpg,cat\n"
                                    "b.jpg,dog,extra\n"
                                    "\n"
                                    "c.jpg\n"
                                    "d.jpg,cat\n");
  EXPECT_EQ(MustFail(csv), csv +
                               ":3: row has 3 fields, the header has 2 (a field holding a comma must be in double "
                               "quotes) (and 1 more bad row)");
  const CsvDataset ds = MustRead(csv, SkipBad());
  ASSERT_EQ(ds.rows.size(), 2u);
  EXPECT_EQ(ds.rows[0].line, 2);
  EXPECT_EQ(ds.rows[1].line, 6);
  EXPECT_EQ(ds.rows[1].path, dir.path() + "/d.jpg");
  ASSERT_EQ(ds.skipped.size(), 2u);
  EXPECT_EQ(ds.skipped[0].rfind(csv + ":3: row has 3 fields, the header has 2", 0), 0u) << ds.skipped[0];
  EXPECT_EQ(ds.skipped[1], csv + ":5: row has 1 field, the header has 2");
}

TEST(CsvDatasetTest, EmptyFilenameOrLabelFailOrAreSkipped) {
  ScratchDir dir;
  const std::string csv = WriteText(dir, "e.csv",
                                    "filename,label\n"
                                    "a.jpg,cat\n"
                                    ",dog\n"
                                    "\"\",dog\n"
                                    "c.jpg,  \n"
                                    "d.jpg,\"\"\n"
                                    "e.jpg,dog\n");
  EXPECT_EQ(MustFail(csv), csv + ":3: empty filename (column 'filename') (and 3 more bad rows)");
  const CsvDataset ds = MustRead(csv, SkipBad());
  ASSERT_EQ(ds.rows.size(), 2u);
  EXPECT_EQ(ds.rows[1].line, 7);
  EXPECT_EQ(ds.skipped,
            (Names{csv + ":3: empty filename (column 'filename')", csv + ":4: empty filename (column 'filename')",
                   csv + ":5: empty label (column 'label')", csv + ":6: empty label (column 'label')"}));

  const std::string one = WriteText(dir, "one.csv", "filename,label\na.jpg,cat\nb.jpg,\n");
  EXPECT_EQ(MustFail(one), one + ":3: empty label (column 'label')");
}

TEST(CsvDatasetTest, AllRowsBadFailsEvenWhenSkipping) {
  ScratchDir dir;
  const std::string csv = WriteText(dir, "bad.csv", "filename,label\na,b,c\n,x\n");
  EXPECT_EQ(MustFail(csv, SkipBad()), csv + ": no usable rows: all 2 rows are bad; the first: " + csv +
                                          ":2: row has 3 fields, the header has 2 (a field holding a comma must be "
                                          "in double quotes)");
}

TEST(CsvDatasetTest, MalformedCsvAlwaysFails) {
  ScratchDir dir;
  const std::string csv = WriteText(dir, "q.csv", "filename,label\na.jpg,cat\nb.jpg,\"dog\n");
  const std::string msg = MustFail(csv, SkipBad());
  EXPECT_NE(msg.find(csv + ":3: unterminated quoted field"), std::string::npos) << msg;
}

TEST(LabelMapTest, FromDatasetSortsByteWise) {
  CsvDataset ds;
  ds.csv_path = "train.csv";
  for (const char* l : {"dog", "cat", "Zebra", "dog", "cat", "éclair", "zoo"}) ds.rows.push_back({"x.jpg", l, 2});
  const LabelMap map = LabelMap::FromDataset(ds);
  // Python: sorted({"dog", "cat", "Zebra", "éclair", "zoo"}) == ['Zebra', 'cat', 'dog', 'zoo', 'éclair']
  EXPECT_EQ(map.names(), (Names{"Zebra", "cat", "dog", "zoo", "éclair"}));
  EXPECT_EQ(map.size(), 5);
  EXPECT_EQ(map.Find("Zebra"), 0);
  EXPECT_EQ(map.Find("cat"), 1);
  EXPECT_EQ(map.Find("dog"), 2);
  EXPECT_EQ(map.Find("Dog"), std::nullopt);
  EXPECT_EQ(map.name(3), "zoo");
  EXPECT_EQ(map.name(5), "");
  EXPECT_EQ(map.name(-1), "");
  auto ids = map.Encode(ds);
  ASSERT_TRUE(ids.ok()) << ids.status().message();
  EXPECT_EQ(*ids, (Ids{2, 1, 0, 2, 1, 4, 3}));
}

TEST(LabelMapTest, IntegerLabelsSortNumericallyLikePandas) {
  // pandas.read_csv makes an int64 column of these, and np.unique / sorted(set(...)) order by value:
  // sorted({10, 2, 1, -3, 0}) == [-3, 0, 1, 2, 10].
  CsvDataset ds;
  for (const char* l : {"10", "2", "1", "-3", "0", "2"}) ds.rows.push_back({"x.jpg", l, 2});
  const LabelMap map = LabelMap::FromDataset(ds);
  EXPECT_EQ(map.names(), (Names{"-3", "0", "1", "2", "10"}));
  EXPECT_EQ(*map.Encode(ds), (Ids{4, 3, 2, 0, 1, 3}));

  // One non-integer label makes it a string column: byte-wise.
  ds.rows.push_back({"x.jpg", "n/a", 9});
  EXPECT_EQ(LabelMap::FromDataset(ds).names(), (Names{"-3", "0", "1", "10", "2", "n/a"}));
  // Too long for int64: strings.
  CsvDataset big;
  for (const char* l : {"9", "1234567890123456789"}) big.rows.push_back({"x.jpg", l, 2});
  EXPECT_EQ(LabelMap::FromDataset(big).names(), (Names{"1234567890123456789", "9"}));
}

TEST(LabelMapTest, ValidationReusesTheTrainingMap) {
  ScratchDir dir;
  const std::string train = WriteText(dir, "train.csv", "filename,label\na,dog\nb,cat\nc,bird\nd,cat\n");
  const std::string val = WriteText(dir, "val.csv", "filename,label\ne,dog\n\nf,dog\ng,cat\n");
  const LabelMap map = LabelMap::FromDataset(MustRead(train));
  EXPECT_EQ(map.names(), (Names{"bird", "cat", "dog"}));
  auto ids = map.Encode(MustRead(val));
  ASSERT_TRUE(ids.ok()) << ids.status().message();
  // Its own sorted set would be {cat: 0, dog: 1}; the training map keeps dog = 2.
  EXPECT_EQ(*ids, (Ids{2, 2, 1}));
}

TEST(LabelMapTest, UnknownLabelNamesFileAndLine) {
  ScratchDir dir;
  const std::string train = WriteText(dir, "train.csv", "filename,label\na,dog\nb,cat\n");
  const std::string val = WriteText(dir, "val.csv", "filename,label\na,cat\nb,dog\n\n\n\nc,horse\nd,cow\n");
  const LabelMap map = LabelMap::FromDataset(MustRead(train));
  auto ids = map.Encode(MustRead(val));
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.status().message(), val +
                                        ":7: label 'horse' is not one of the 2 training labels (cat, dog); 1 more "
                                        "row with a label outside the map");

  CsvDataset many;
  many.csv_path = "val.csv";
  many.rows.push_back({"x", "zz", 7});
  std::vector<std::string> names;
  for (char c = 'a'; c < 'a' + 12; ++c) names.push_back(std::string(1, c));
  auto twelve = LabelMap::FromNames(names);
  ASSERT_TRUE(twelve.ok());
  auto r = twelve->Encode(many);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "val.csv:7: label 'zz' is not one of the 12 training labels (a, b, c, d, e, f, g, h, i, j, ... (2 more))");

  auto empty_map = LabelMap().Encode(many);
  ASSERT_FALSE(empty_map.ok());
  EXPECT_NE(empty_map.status().message().find("the label map is empty"), std::string::npos);
}

TEST(LabelMapTest, FromNamesKeepsOrderAndRejectsEmptyOrDuplicates) {
  auto map = LabelMap::FromNames({"dog", "cat", "Zebra"});
  ASSERT_TRUE(map.ok());
  EXPECT_EQ(map->Find("dog"), 0);
  EXPECT_EQ(map->Find("Zebra"), 2);
  EXPECT_EQ(map->name(1), "cat");

  auto none = LabelMap::FromNames({});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no class names"), std::string::npos);
  auto blank = LabelMap::FromNames({"a", ""});
  ASSERT_FALSE(blank.ok());
  EXPECT_NE(blank.status().message().find("class 1 has an empty name"), std::string::npos);
  auto dup = LabelMap::FromNames({"a", "b", "a"});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("classes 0 and 2 are both named 'a'"), std::string::npos);
}

TEST(LabelsFileTest, RoundTrip) {
  ScratchDir dir;
  auto map = LabelMap::FromNames({"dog", "cat", " spaced ", "été", "a, b", "animals/owl"});
  ASSERT_TRUE(map.ok());
  const std::string path = dir.File("labels.txt");
  ASSERT_TRUE(WriteLabelsFile(path, *map).ok());
  const std::vector<uint8_t> bytes = testing::ReadAll(path);
  EXPECT_EQ(std::string(bytes.begin(), bytes.end()), "dog\ncat\n spaced \nété\na, b\nanimals/owl\n");
  auto back = ReadLabelsFile(path);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->names(), map->names());
  EXPECT_EQ(back->Find("cat"), 1);
  // Overwrites in place, leaving no temporary file behind.
  auto other = LabelMap::FromNames({"x"});
  ASSERT_TRUE(WriteLabelsFile(path, *other).ok());
  EXPECT_EQ(ReadLabelsFile(path)->names(), (Names{"x"}));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()), 1);
}

TEST(LabelsFileTest, ToleratesCrLfBomAndTrailingEmptyLines) {
  ScratchDir dir;
  const std::string path = WriteText(dir, "l.txt", kBom + "cat\r\ndog\r\nbird\r\n\r\n\n");
  auto map = ReadLabelsFile(path);
  ASSERT_TRUE(map.ok()) << map.status().message();
  EXPECT_EQ(map->names(), (Names{"cat", "dog", "bird"}));
  const std::string no_newline = WriteText(dir, "n.txt", "cat\ndog");
  EXPECT_EQ(ReadLabelsFile(no_newline)->names(), (Names{"cat", "dog"}));
}

TEST(LabelsFileTest, ReadErrorsNameFileAndLine) {
  ScratchDir dir;
  auto missing = ReadLabelsFile(dir.File("none.txt"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);

  const std::string empty = WriteText(dir, "empty.txt", "");
  auto e = ReadLabelsFile(empty);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(), empty + ": zero-byte file; expected one class name per line");

  const std::string blank = WriteText(dir, "blank.txt", "\n\r\n");
  EXPECT_EQ(ReadLabelsFile(blank).status().message(), blank + ": no class names, only empty lines");

  const std::string dup = WriteText(dir, "dup.txt", "cat\r\ndog\r\nbird\r\ndog\r\n");
  EXPECT_EQ(ReadLabelsFile(dup).status().message(), dup + ":4: class name 'dog' already appears on line 2");

  const std::string hole = WriteText(dir, "hole.txt", "cat\n\ndog\n");
  auto h = ReadLabelsFile(hole);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().message().rfind(hole + ":2: empty line", 0), 0u) << h.status().message();

  const std::string nul = dir.Write("nul.txt", "cat\ndo\0g\n", 9);
  auto n = ReadLabelsFile(nul);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().message().rfind(nul + ":2: NUL byte", 0), 0u) << n.status().message();
}

// ImageNet's label files list "crane" twice: a model's own labels are read with rename_repeated, which keeps class
// ids as line indices and the names distinct, and says what it renamed. Still strict about everything else.
TEST(LabelsFileTest, RenameRepeatedKeepsLineIndicesAndSaysSo) {
  ScratchDir dir;
  const std::string path = WriteText(dir, "imagenet.txt", "crane\nbird\ncrane\ncrane (class 2)\ncrane\n");
  std::string note = "stale";
  auto map = ReadLabelsFile(path, {.rename_repeated = true}, &note);
  ASSERT_TRUE(map.ok()) << map.status().message();
  EXPECT_EQ(map->names(),
            (Names{"crane", "bird", "crane (class 2)", "crane (class 2) (class 3)", "crane (class 4)"}));
  EXPECT_EQ(map->Find("crane"), 0);
  EXPECT_EQ(note,
            "3 repeated names kept apart as 'crane (class 2)', 'crane (class 2) (class 3)', 'crane (class 4)'");
  auto plain = ReadLabelsFile(WriteText(dir, "plain.txt", "cat\ndog\n"), {.rename_repeated = true}, &note);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(note, "");
  const std::string hole = WriteText(dir, "hole.txt", "cat\n\ncat\n");
  auto h = ReadLabelsFile(hole, {.rename_repeated = true});
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().message().rfind(hole + ":2: empty line", 0), 0u) << h.status().message();
}

TEST(LabelsFileTest, WriteRejectsWhatTheFormatCannotHold) {
  ScratchDir dir;
  const std::string path = dir.File("labels.txt");
  Status empty = WriteLabelsFile(path, LabelMap());
  EXPECT_FALSE(empty.ok());
  EXPECT_NE(empty.message().find("empty label map"), std::string::npos);

  auto newline = LabelMap::FromNames({"cat", "two\nlines"});
  ASSERT_TRUE(newline.ok());
  Status s = WriteLabelsFile(path, *newline);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(path + ": class 1 has the name 'two\\nlines'"), std::string::npos) << s.message();
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace liteopt::data
