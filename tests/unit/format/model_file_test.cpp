// yak::ModelFile (the public description of a GGUF file that `yak inspect` and `yak bench`
// use) and the escaping of metadata strings for a terminal.
#include "yak/model_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "format/gguf_value.h"
#include "format/gguf_writer.h"
#include "unit/model/tiny_model.h"
#include "yak/error.h"

namespace yak {
namespace {

using gguf::Value;
using gguf::ValueType;

TEST(MetadataDisplay, StringsAreEscapedForATerminal) {
  EXPECT_EQ(Value::string("a\x1b[2Jb").to_display_string(), "\"a\\x1b[2Jb\"");
  EXPECT_EQ(Value::string("x\xe2\x80\xaey").to_display_string(), "\"x\\u202ey\"");
  EXPECT_EQ(Value::string("\xc2\x9b"
                          "1m")
                .to_display_string(),
            "\"\\u009b1m\"");
  EXPECT_EQ(Value::string("bad \xff").to_display_string(), "\"bad \\xff\"");
  EXPECT_EQ(Value::string("日本").to_display_string(), "\"日本\"");
  // A cut at 120 bytes does not split a character into escaped bytes.
  const std::string long_text = std::string(119, 'a') + "\xc3\xa9" + "tail";
  EXPECT_EQ(Value::string(long_text).to_display_string(),
            "\"" + std::string(119, 'a') + "\"...(125 bytes)");
}

TEST(ModelFile, DescribesMetadataAndTensors) {
  gguf::Writer w;
  w.set("general.name", Value::string("evil\x1b]0;t\x07"));
  w.set("n", Value::u32(7));
  w.set("neg", Value::i16(-2));
  w.set("f", Value::f32(0.5f));
  w.set("b", Value::boolean(true));
  w.set("list", Value::array(ValueType::STRING,
                             {Value::string("a"), Value::string("b"), Value::string("c")}));
  const std::vector<uint8_t> data(4 * 6, 0);
  w.add_tensor("t", DType::F32, {3, 2}, data);
  const std::string path = test::scratch_path("model_file");
  w.write(path);

  const ModelFile f = ModelFile::open(path);
  EXPECT_EQ(f.path(), path);
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.metadata_count(), 6u);
  const std::vector<MetadataEntry> m = f.metadata(2);
  ASSERT_EQ(m.size(), 6u);
  EXPECT_EQ(m[0].key, "general.name");
  EXPECT_EQ(m[0].value.kind, MetadataValue::Kind::kString);
  EXPECT_EQ(m[0].value.s, "evil\x1b]0;t\x07");  // the bytes, unescaped
  EXPECT_EQ(m[0].text, "\"evil\\x1b]0;t\\x07\"");
  EXPECT_EQ(m[1].value.u, 7u);
  EXPECT_EQ(m[1].type_label, "U32");
  EXPECT_EQ(m[2].value.i, -2);
  EXPECT_EQ(m[3].value.f, 0.5);
  EXPECT_TRUE(m[4].value.b);
  EXPECT_EQ(m[5].type_label, "ARRAY[STRING]");
  EXPECT_EQ(m[5].value.count, 3u);
  ASSERT_EQ(m[5].value.items.size(), 2u);  // max_items
  EXPECT_EQ(m[5].value.items[1].s, "b");

  const std::vector<TensorEntry> t = f.tensors();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].name, "t");
  EXPECT_EQ(t[0].type_name, "F32");
  EXPECT_TRUE(t[0].type_supported);
  EXPECT_EQ(t[0].shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(t[0].elements, 6);
  EXPECT_EQ(t[0].bytes, 24u);
  EXPECT_TRUE(f.has_tensor("t"));
  EXPECT_FALSE(f.has_tensor("u"));
  std::filesystem::remove(path);
}

TEST(ModelFile, BadFileIsAYakError) {
  EXPECT_THROW(ModelFile::open("/nonexistent/file.gguf"), Error);
}

}  // namespace
}  // namespace yak
