// Every template in tests/golden/templates, rendered for every conversation of
// renders.json, must match transformers' output byte for byte, or fail where it failed.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "unit/test_paths.h"
#include "yak/chat_template.h"

namespace {

using nlohmann::ordered_json;

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

ordered_json load_renders() {
  return ordered_json::parse(
      read_file(yak::test::source_path("tests/golden/templates/renders.json")));
}

yak::RenderOptions fixed_clock(const ordered_json& renders) {
  yak::RenderOptions options;
  const auto& n = renders.at("fixed_now");
  std::tm tm{};
  tm.tm_year = n[0].get<int>() - 1900;
  tm.tm_mon = n[1].get<int>() - 1;
  tm.tm_mday = n[2].get<int>();
  tm.tm_hour = n[3].get<int>();
  tm.tm_min = n[4].get<int>();
  tm.tm_sec = n[5].get<int>();
  std::mktime(&tm);  // fills in the weekday and day of the year
  options.now = tm;
  return options;
}

TEST(ChatTemplateGolden, EveryTemplateMatchesTransformers) {
  ordered_json renders = load_renders();
  yak::RenderOptions options = fixed_clock(renders);
  std::map<std::string, yak::ChatTemplate> parsed;
  size_t cases = 0, renders_checked = 0, errors_checked = 0;
  for (const auto& c : renders.at("cases")) {
    std::string name = c.at("template").get<std::string>();
    std::string label = name + " / " + c.at("conversation").get<std::string>() +
                        (c.at("add_generation_prompt").get<bool>() ? " + generation prompt" : "");
    SCOPED_TRACE(label);
    if (!parsed.count(name)) {
      std::string source =
          read_file(yak::test::source_path("tests/golden/templates/" + name + ".jinja"));
      try {
        parsed.emplace(name, yak::ChatTemplate::parse(source));
      } catch (const yak::Error& e) {
        ADD_FAILURE() << "parse failed: " << e.what();
        continue;
      }
    }
    ++cases;
    ordered_json ctx = yak::chat_template_context(
        c.at("messages"), c.at("add_generation_prompt").get<bool>(),
        c.at("bos_token").get<std::string>(), c.at("eos_token").get<std::string>(),
        c.contains("tools") ? c.at("tools") : ordered_json(nullptr));
    if (c.contains("expected")) {
      try {
        std::string got = parsed.at(name).render(ctx, options);
        EXPECT_EQ(got, c.at("expected").get<std::string>());
        ++renders_checked;
      } catch (const yak::Error& e) {
        ADD_FAILURE() << "render failed: " << e.what();
      }
    } else {
      std::string want = c.at("error").get<std::string>();
      try {
        std::string got = parsed.at(name).render(ctx, options);
        ADD_FAILURE() << "transformers failed with " << want << " but Yak rendered:\n" << got;
      } catch (const yak::ChatTemplateError& e) {
        // A template's own raise_exception message must come through unchanged.
        if (want.rfind("TemplateError: ", 0) == 0) {
          EXPECT_EQ(e.kind(), yak::ChatTemplateError::Kind::kRaised) << e.what();
          EXPECT_EQ(e.detail(), want.substr(15));
        }
        ++errors_checked;
      }
    }
  }
  EXPECT_GT(renders_checked, 900u);
  EXPECT_GT(errors_checked, 50u);
  EXPECT_EQ(cases, renders.at("cases").size());
}

}  // namespace
