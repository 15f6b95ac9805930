// One multiple-choice question as lm-eval scores it: the text before the choices (few-shot
// examples and description included) and each choice's continuation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace yak::eval {

// What BBQ's metrics need besides the choices.
struct BbqInfo {
  std::string category;
  bool disambiguated = false;
  std::vector<int32_t> biased_choices;  // choice indices counted as biased answers
  std::vector<bool> unknown_choices;    // per choice: one of the "unknown" answers
};

struct McItem {
  std::string context;               // the whole prompt before the target delimiter
  std::vector<std::string> choices;  // without the target delimiter " "
  std::vector<int32_t> gold;         // correct choice indices (BBQ: several "unknown" ones)
  std::vector<int32_t> mc2_labels;   // TruthfulQA MC2: 1 for each true answer
  BbqInfo bbq;                       // BBQ only
};

// An example for few-shot prompts: the question's text and its answer's text.
struct Shot {
  std::string text;
  std::string answer;
};

// lm-eval's prompt: description, then each shot as text + " " + answer, separated by
// "\n\n", then "\n\n" and the question's text (no separator without shots).
std::string few_shot_prompt(const std::string& description, const std::vector<Shot>& shots,
                            const std::string& question_text);

}  // namespace yak::eval
