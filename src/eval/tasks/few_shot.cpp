#include "eval/tasks/mc_item.h"

namespace yak::eval {

std::string few_shot_prompt(const std::string& description, const std::vector<Shot>& shots,
                            const std::string& question_text) {
  std::string prompt = description;
  for (const Shot& shot : shots) prompt += shot.text + " " + shot.answer + "\n\n";
  return prompt + question_text;
}

}  // namespace yak::eval
