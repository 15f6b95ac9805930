// yak/text.h: what a terminal gets of text from a model file.
#include "yak/text.h"

#include <gtest/gtest.h>

#include <string>

namespace yak {
namespace {

TEST(EscapeForTerminal, PlainTextAndOtherScriptsStay) {
  EXPECT_EQ(escape_for_terminal("Hello, world"), "Hello, world");
  EXPECT_EQ(escape_for_terminal("日本語 ünïcode 🙂"), "日本語 ünïcode 🙂");
}

TEST(EscapeForTerminal, ControlsAreEscaped) {
  EXPECT_EQ(escape_for_terminal("a\x1b[31mb"), "a\\x1b[31mb");
  EXPECT_EQ(escape_for_terminal("\n\t\r\\"), "\\n\\t\\r\\\\");
  EXPECT_EQ(escape_for_terminal(std::string("\0\x07\x7f", 3)), "\\x00\\x07\\x7f");
  EXPECT_EQ(escape_for_terminal("\xc2\x9b"
                                "31m"),
            "\\u009b31m");  // C1 CSI
}

TEST(EscapeForTerminal, BidiAndInvisibleCharactersAreEscaped) {
  EXPECT_EQ(escape_for_terminal("abc\xe2\x80\xae"
                                "def"),
            "abc\\u202edef");  // RLO
  EXPECT_EQ(escape_for_terminal("\xe2\x81\xa6x\xe2\x81\xa9"), "\\u2066x\\u2069");
  EXPECT_EQ(escape_for_terminal("\xe2\x80\x8b\xef\xbb\xbf"), "\\u200b\\ufeff");
  EXPECT_EQ(escape_for_terminal("\xf3\xa0\x80\x81"), "\\U000e0001");  // a tag character
}

TEST(EscapeForTerminal, InvalidUtf8BytesAreEscaped) {
  EXPECT_EQ(escape_for_terminal("a\xff\xfe"), "a\\xff\\xfe");
  EXPECT_EQ(escape_for_terminal("\xe2\x96"), "\\xe2\\x96");           // cut short
  EXPECT_EQ(escape_for_terminal("\xc0\xaf"), "\\xc0\\xaf");           // overlong
  EXPECT_EQ(escape_for_terminal("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate
}

TEST(EscapeForTerminal, QuoteAndLimit) {
  EXPECT_EQ(escape_for_terminal("it's", '\''), "it\\'s");
  EXPECT_EQ(escape_for_terminal("abcdef", 0, 3), "abc...(6 bytes)");
  EXPECT_EQ(escape_for_terminal("ab\xc3\xa9", 0, 3), "ab...(4 bytes)");  // not inside é
}

TEST(Utf8SequenceLength, ValidAndInvalid) {
  EXPECT_EQ(utf8_sequence_length("a", 0), 1u);
  EXPECT_EQ(utf8_sequence_length("\xc3\xa9", 0), 2u);
  EXPECT_EQ(utf8_sequence_length("\xf0\x9f\x99\x82", 0), 4u);
  EXPECT_EQ(utf8_sequence_length("\xc3", 0), 0u);
  EXPECT_EQ(utf8_sequence_length("\x80", 0), 0u);
  EXPECT_EQ(utf8_sequence_length("", 0), 0u);
}

}  // namespace
}  // namespace yak
