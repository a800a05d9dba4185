// The npy and npz readers on hand-made files with known content and on
// damaged ones.
#include "common/fixtures.h"
#include "common/test_utils.h"
#include "datasets/npy.h"

#include <cstring>

namespace gas {
namespace {

template <typename T>
std::vector<T> values_of(const npy::Array& a) {
  std::vector<T> out(a.data.size() / sizeof(T));
  std::memcpy(out.data(), a.data.data(), a.data.size());
  return out;
}

TEST(Npy, ReadsShapeDtypeAndData) {
  const npy::Array a = npy::parse(testing::npy<float>({1.5f, -2, 3, 4, 5, 6}, {2, 3}), "a.npy");
  EXPECT_EQ(a.kind, 'f');
  EXPECT_EQ(a.itemsize, 4);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_FALSE(a.fortran_order);
  EXPECT_EQ(values_of<float>(a), (std::vector<float>{1.5f, -2, 3, 4, 5, 6}));
  EXPECT_EQ(a.dtype(), "float32");

  const npy::Array b = npy::parse(testing::npy_bool({1, 0, 1}, {3}), "b.npy");
  EXPECT_EQ(b.dtype(), "bool");
  EXPECT_EQ(b.shape, (std::vector<int64_t>{3}));
  const npy::Array scalar = npy::parse(testing::npy<int64_t>({7}, {}), "s.npy");
  EXPECT_TRUE(scalar.shape.empty());
  EXPECT_EQ(scalar.numel(), 1);
}

TEST(Npy, ConvertsBigEndianAndKeepsFortranOrder) {
  // int32 258 = 0x00000102 big-endian, and -1.
  const std::string be("\x00\x00\x01\x02\xff\xff\xff\xff", 8);
  const npy::Array a = npy::parse(testing::npy_raw(">i4", {2}, be), "be.npy");
  EXPECT_EQ(values_of<int32_t>(a), (std::vector<int32_t>{258, -1}));
  const npy::Array f = npy::parse(testing::npy_raw("<i8", {2, 3}, std::string(48, '\0'), true), "f.npy");
  EXPECT_TRUE(f.fortran_order);
}

TEST(Npy, DamagedFilesGiveClearErrors) {
  const std::string good = testing::npy<float>({1, 2, 3, 4}, {2, 2});
  EXPECT_THROW_WITH(npy::parse("", "e.npy"), "e.npy: empty file");
  EXPECT_THROW_WITH(npy::parse(good.substr(0, good.size() - 3), "t.npy"), "t.npy: truncated");
  EXPECT_THROW_WITH(npy::parse(good.substr(0, 20), "h.npy"), "h.npy: truncated: the .npy header");
  EXPECT_THROW_WITH(npy::parse(good + "xx", "x.npy"), "more data than shape [2, 2] of float32");
  EXPECT_THROW_WITH(npy::parse("PK\x03\x04 not npy at all", "m.npy"), "not an .npy file (bad magic bytes)");
  EXPECT_THROW_WITH(npy::parse(testing::npy_raw("<U7", {1}, std::string(28, 'a')), "u.npy"), "unsupported dtype '<U7'");
  EXPECT_THROW_WITH(npy::parse(testing::npy_raw("|O", {1}, std::string(8, 'a')), "o.npy"), "unsupported dtype '|O'");
  EXPECT_THROW_WITH(npy::parse(testing::npy_raw("<f4", {1000000, 1000000}, ""), "big.npy"),
                    "needs 4000000000000 bytes of data");
  EXPECT_THROW_WITH(npy::parse(testing::npy_raw("<f4", {int64_t{1} << 40, int64_t{1} << 40}, ""), "huge.npy"),
                    "is too large");
  std::string header_garbage = good;
  header_garbage.replace(header_garbage.find("'shape'"), 7, "'shapf'");
  EXPECT_THROW_WITH(npy::parse(header_garbage, "k.npy"), "malformed .npy header: unknown key 'shapf'");
}

TEST(Npy, ReadsFilesAndReportsMissingOnes) {
  const std::string dir = testing::temp_dir();
  testing::write_file(dir + "/a.npy", testing::npy<int64_t>({4, 5}, {2}));
  EXPECT_EQ(values_of<int64_t>(npy::read_file(dir + "/a.npy")), (std::vector<int64_t>{4, 5}));
  testing::write_file(dir + "/empty.npy", "");
  EXPECT_THROW_WITH(npy::read_file(dir + "/empty.npy"), "empty.npy: empty file");
  EXPECT_THROW_WITH(npy::read_file(dir + "/absent.npy"), "absent.npy: cannot open");
}

TEST(Npz, ReadsStoredAndDeflatedMembers) {
  const std::string dir = testing::temp_dir();
  const testing::Members members = {{"a.npy", testing::npy<int32_t>({1, 2, 3}, {3})},
                                    {"b.npy", testing::npy<double>(std::vector<double>(1000, 0.25), {10, 100})}};
  for (bool deflate : {false, true}) {
    const std::string path = testing::write_zip(dir + "/x.npz", members, deflate);
    const npy::Npz npz = npy::Npz::open(path);
    EXPECT_EQ(npz.keys(), (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(npz.has("a"));
    EXPECT_FALSE(npz.has("c"));
    EXPECT_EQ(values_of<int32_t>(npz.read("a")), (std::vector<int32_t>{1, 2, 3}));
    EXPECT_EQ(values_of<double>(npz.read("b")), std::vector<double>(1000, 0.25));
    EXPECT_THROW_WITH(npz.read("labels"), "missing array 'labels' (the archive holds: a, b)");
    const npy::Npz mem = npy::Npz::from_bytes(testing::read_file(path), "mem.npz");
    EXPECT_EQ(values_of<int32_t>(mem.read("a")), (std::vector<int32_t>{1, 2, 3}));
  }
}

TEST(Npz, DamagedArchivesGiveClearErrors) {
  const std::string dir = testing::temp_dir();
  const std::string path =
      testing::write_zip(dir + "/x.npz", {{"a.npy", testing::npy<int64_t>(std::vector<int64_t>(64, 7), {64})}}, false);
  const std::string bytes = testing::read_file(path);
  EXPECT_THROW_WITH(npy::Npz::from_bytes("", "e.npz"), "e.npz: empty file");
  EXPECT_THROW_WITH(npy::Npz::from_bytes(bytes.substr(0, bytes.size() / 2), "t.npz"),
                    "t.npz: not a readable .npz (zip) archive");
  EXPECT_THROW_WITH(npy::Npz::open(dir + "/absent.npz"), "absent.npz: cannot open");
  testing::write_file(dir + "/text.npz", "not a zip");
  EXPECT_THROW_WITH(npy::Npz::open(dir + "/text.npz"), "text.npz: not a readable .npz (zip) archive");
  // A flipped byte in a stored member's data fails the CRC check.
  std::string damaged = bytes;
  damaged[bytes.find("\x93NUMPY") + 200] ^= 0x55;  // inside the 512 data bytes, after the 128-byte header
  EXPECT_THROW_WITH(npy::Npz::from_bytes(damaged, "crc.npz").read("a"), "crc.npz (member a.npy): corrupt member");
  // A member that is not an .npy file.
  const std::string text = testing::write_zip(dir + "/y.npz", {{"a.npy", "hello"}}, true);
  EXPECT_THROW_WITH(npy::Npz::open(text).read("a"), "(member a.npy): truncated");
}

}  // namespace
}  // namespace gas
