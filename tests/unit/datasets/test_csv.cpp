// The numeric CSV(.gz) reader: numbers, rows, compression and bad input.
#include "common/fixtures.h"
#include "common/test_utils.h"
#include "datasets/csv.h"

namespace gas {
namespace {

TEST(Csv, ParsesNumbersRowsAndCompression) {
  const csv::Table<int64_t> t = csv::parse_ints("0,1\r\n+2,3\n\n 4 ,5", "e.csv", {2});
  EXPECT_EQ(t.rows, 3);
  EXPECT_EQ(t.cols, 2);
  EXPECT_EQ(t.data, (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
  const csv::Table<float> f = csv::parse_floats("0.5,-1e-3,7\n", "f.csv");
  EXPECT_EQ(f.cols, 3);
  EXPECT_EQ(f.data, (std::vector<float>{0.5f, -1e-3f, 7.0f}));

  const std::string dir = testing::temp_dir();
  // Long enough to span several 1 MiB chunks, with lines split between them.
  std::string text;
  for (int i = 0; i < 200000; ++i) text += std::to_string(i) + "," + std::to_string(3 * i) + "\n";
  for (const std::string& path :
       {testing::write_gz(dir + "/big.csv.gz", text), testing::write_file(dir + "/big.csv", text)}) {
    const csv::Table<int64_t> big = csv::read_ints(path, {2, 200000});
    ASSERT_EQ(big.rows, 200000) << path;
    EXPECT_EQ(big.data[2 * 123456 + 1], 3 * 123456) << path;
    EXPECT_EQ(big.data.back(), 3 * 199999) << path;
  }
}

TEST(Csv, BadInputGivesFileAndLine) {
  EXPECT_THROW_WITH(csv::parse_ints("1,2\n3,x\n", "e.csv"), "e.csv: line 2, column 2: expected an integer, got 'x'");
  EXPECT_THROW_WITH(csv::parse_ints("1,2\n3\n", "e.csv"), "e.csv: line 2: expected 2 values, got 1");
  EXPECT_THROW_WITH(csv::parse_ints("1.5\n", "l.csv"), "expected an integer, got '1.5'");
  EXPECT_THROW_WITH(csv::parse_floats("1,,2\n", "f.csv"), "line 1, column 2: expected a number, got ''");
  EXPECT_THROW_WITH(csv::parse_ints("", "empty.csv"), "empty.csv: empty file (no rows)");
  EXPECT_THROW_WITH(csv::parse_ints("1\n2\n3\n", "r.csv", {1, 2, "one per node"}),
                    "r.csv: line 3: more than the expected 2 rows (one per node)");
  EXPECT_THROW_WITH(csv::parse_ints("1\n", "r.csv", {1, 2}), "r.csv: has 1 rows, expected 2");
  EXPECT_THROW_WITH(csv::parse_ints("99999999999999999999\n", "o.csv"), "expected an integer");

  const std::string dir = testing::temp_dir();
  std::string text;
  for (int i = 0; i < 50000; ++i) text += std::to_string(i) + "\n";
  const std::string gz = testing::read_file(testing::write_gz(dir + "/a.csv.gz", text));
  testing::write_file(dir + "/cut.csv.gz", gz.substr(0, gz.size() / 2));
  EXPECT_THROW_WITH(csv::read_ints(dir + "/cut.csv.gz"), "cut.csv.gz: truncated: the gzip stream ends early");
  std::string corrupt = gz;
  corrupt[corrupt.size() - 8] ^= 0x5a;  // the CRC-32 of the gzip trailer
  testing::write_file(dir + "/bad.csv.gz", corrupt);
  EXPECT_THROW_WITH(csv::read_ints(dir + "/bad.csv.gz"), "bad.csv.gz: corrupt gzip data");
  EXPECT_THROW_WITH(csv::read_ints(dir + "/absent.csv.gz"), "absent.csv.gz: cannot open");
}

}  // namespace
}  // namespace gas
