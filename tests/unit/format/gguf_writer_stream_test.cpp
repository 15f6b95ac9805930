// Writer::add_tensor_streamed: the same file as add_tensor, bytes made only while writing,
// and a producer that makes the wrong number of bytes is an error.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "format/gguf_file.h"
#include "format/gguf_writer.h"
#include "yak/error.h"

namespace yak::gguf {
namespace {

TEST(GgufWriterStream, SameBytesAsACopiedTensor) {
  std::vector<uint8_t> a(34 * 3), b(64 * 4);
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<uint8_t>(i * 7);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(i * 3);
  Writer copied;
  copied.set("k", Value::u32(1));
  copied.add_tensor("a", DType::Q8_0, {32, 3}, a);
  copied.add_tensor("b", DType::F32, {8, 8}, b);
  Writer streamed;
  streamed.set("k", Value::u32(1));
  int calls = 0;
  streamed.add_tensor_streamed("a", DType::Q8_0, {32, 3}, [&](const Writer::ByteSink& out) {
    ++calls;
    out(a.data(), 34);  // in pieces
    out(a.data() + 34, a.size() - 34);
  });
  streamed.add_tensor_streamed("b", DType::F32, {8, 8}, [&](const Writer::ByteSink& out) {
    EXPECT_EQ(calls, 1);  // in tensor order
    ++calls;
    out(b.data(), b.size());
  });
  EXPECT_EQ(calls, 0);  // nothing made until the file is written
  const auto bytes = streamed.to_bytes();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(bytes, copied.to_bytes());
  const File f = File::parse(bytes, "streamed");
  EXPECT_EQ(std::memcmp(f.require_tensor("b").data, b.data(), b.size()), 0);
}

TEST(GgufWriterStream, WrongSizesAreErrors) {
  std::vector<uint8_t> data(64);
  Writer short_one;
  short_one.add_tensor_streamed("t", DType::F32, {16},
                                [&](const Writer::ByteSink& out) { out(data.data(), 60); });
  EXPECT_THROW(short_one.to_bytes(), Error);
  Writer long_one;
  long_one.add_tensor_streamed("t", DType::F32, {16}, [&](const Writer::ByteSink& out) {
    out(data.data(), 64);
    out(data.data(), 4);
  });
  EXPECT_THROW(long_one.to_bytes(), Error);
  Writer w;
  EXPECT_THROW(w.add_tensor_streamed("t", DType::Q8_0, {16}, [](const Writer::ByteSink&) {}),
               Error);  // 16 is not a multiple of 32
}

}  // namespace
}  // namespace yak::gguf
