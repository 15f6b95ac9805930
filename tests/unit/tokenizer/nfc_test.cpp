// NFC normalization (Qwen2's normalizer); expected values from Python's
// unicodedata.normalize("NFC", ...).
#include <gtest/gtest.h>

#include <string>

#include "tokenizer/nfc.h"

namespace yak::tokenizer {
namespace {

std::string nfc(const std::string& text) {
  std::string out;
  append_nfc(out, text);
  return out;
}

TEST(Nfc, ComposesAndReorders) {
  EXPECT_EQ(nfc("e\u0301"), "\u00e9");
  EXPECT_EQ(nfc("a\u0301\u0328"), "\u0105\u0301");           // reordered by class, then composed
  EXPECT_EQ(nfc("\u1e0b\u0323"), "\u1e0d\u0307");            // decomposed, reordered, recomposed
  EXPECT_EQ(nfc("q\u0307\u0323"), "q\u0323\u0307");          // nothing composes with q
  EXPECT_EQ(nfc("\u00c5\u0301"), "\u01fa");
  EXPECT_EQ(nfc("Z\u0351\u036b\u0343"), "Z\u0351\u036b\u0313");  // singleton U+0343
}

TEST(Nfc, Hangul) {
  EXPECT_EQ(nfc("\u1100\u1161\u11a8"), "\uac01");
  EXPECT_EQ(nfc("\uac00\u11a8"), "\uac01");
  EXPECT_EQ(nfc("\ud55c\uad6d\uc5b4"), "\ud55c\uad6d\uc5b4");
}

TEST(Nfc, SingletonsAndExclusions) {
  EXPECT_EQ(nfc("\u2000\u2001"), "\u2002\u2003");
  EXPECT_EQ(nfc("\u212b"), "\u00c5");
  EXPECT_EQ(nfc("\u0958"), "\u0915\u093c");  // composition exclusion stays decomposed
  EXPECT_EQ(nfc("\u0344"), "\u0308\u0301");  // non-starter decomposition
  EXPECT_EQ(nfc("\u0f73"), "\u0f71\u0f72");
  EXPECT_EQ(nfc("\ufb2c"), "\u05e9\u05bc\u05c1");
}

TEST(Nfc, LeavesOtherTextAlone) {
  const std::string text = "Hello, \u4e16\u754c! \U0001F600 caf\u00e9 \u3000 \u00a0";
  EXPECT_EQ(nfc(text), text);
  EXPECT_EQ(nfc(""), "");
  EXPECT_FALSE(nfc_may_change("plain ASCII and caf\u00e9"));
  EXPECT_TRUE(nfc_may_change("e\u0301"));
}

TEST(Nfc, KeepsInvalidBytes) {
  const std::string text = std::string("e\xff\xcc\x81") + "a\xcc\x81\xc3";
  EXPECT_EQ(nfc(text), std::string("e\xff\xcc\x81") + "\u00e1\xc3");
}

}  // namespace
}  // namespace yak::tokenizer
