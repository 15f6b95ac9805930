// MMLU and CMMLU, with the prompts of lm-eval's mmlu/default/_default_template_yaml and
// cmmlu/_default_template_yaml: the question, the four lettered options, "Answer:" (CMMLU
// "答案："), choices "A"-"D", few-shot examples taken first-n from dev.
#include <algorithm>

#include "eval/tasks/csv.h"
#include "eval/tasks/data_files.h"
#include "eval/tasks/task_data.h"
#include "yak/error.h"

namespace yak::eval {
namespace {

struct Question {
  std::string text;  // doc_to_text
  int32_t answer = 0;
};

const std::vector<std::string> kLetters = {"A", "B", "C", "D"};

// Reads a subject's CSV: `first` is the column of the question; answers are numbers
// (MMLU) or letters (CMMLU).
std::vector<Question> read_questions(const std::string& path, size_t first, bool letter_answer,
                                     const std::string& answer_cue) {
  const std::vector<CsvRow> rows = parse_csv(read_data_file(path), path);
  if (rows.empty()) fail("{}: empty file (expected a header row)", path);
  std::vector<Question> questions;
  for (size_t r = 1; r < rows.size(); ++r) {
    const CsvRow& row = rows[r];
    if (row.size() != first + 6)
      fail("{}: row {}: {} fields, expected {}", path, r + 1, row.size(), first + 6);
    Question q;
    q.text = strip(row[first]);
    for (size_t c = 0; c < 4; ++c) q.text += "\n" + kLetters[c] + ". " + row[first + 1 + c];
    q.text += "\n" + answer_cue;
    const std::string& a = row[first + 5];
    const auto it = std::find(kLetters.begin(), kLetters.end(), a);
    if (letter_answer && it != kLetters.end()) {
      q.answer = static_cast<int32_t>(it - kLetters.begin());
    } else if (!letter_answer && a.size() == 1 && a[0] >= '0' && a[0] <= '3') {
      q.answer = a[0] - '0';
    } else {
      fail("{}: row {}: answer must be {}, not '{}'", path, r + 1, letter_answer ? "A-D" : "0-3",
           a);
    }
    questions.push_back(std::move(q));
  }
  return questions;
}

std::vector<McItem> build_items(const std::vector<Question>& test, const std::vector<Question>& dev,
                                const std::string& description, int32_t shots, int64_t limit,
                                const std::string& task) {
  if (shots > static_cast<int32_t>(dev.size()))
    fail("{}: --shots {} but the dev split has {} examples", task, shots, dev.size());
  std::vector<Shot> examples;
  for (int32_t s = 0; s < shots; ++s) examples.push_back({dev[s].text, kLetters[dev[s].answer]});
  std::vector<McItem> items;
  for (const Question& q : test) {
    if (!within_limit(items.size(), limit)) break;
    McItem item;
    item.context = few_shot_prompt(description, examples, q.text);
    item.choices = kLetters;
    item.gold = {q.answer};
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace

std::vector<McItem> load_mmlu(const std::string& data_dir, const std::string& subject,
                              int32_t shots, int64_t limit) {
  std::string spaced = subject;
  std::replace(spaced.begin(), spaced.end(), '_', ' ');
  const std::string description =
      "The following are multiple choice questions (with answers) about " + spaced + ".\n\n";
  const auto test =
      read_questions(data_dir + "/mmlu/test/" + subject + "_test.csv", 0, false, "Answer:");
  std::vector<Question> dev;
  if (shots > 0)
    dev = read_questions(data_dir + "/mmlu/dev/" + subject + "_dev.csv", 0, false, "Answer:");
  return build_items(test, dev, description, std::max(shots, 0), limit, "mmlu_" + subject);
}

std::vector<McItem> load_cmmlu(const std::string& data_dir, const std::string& subject,
                               int32_t shots, int64_t limit) {
  const auto& subjects = cmmlu_subjects();
  const auto it = std::find_if(subjects.begin(), subjects.end(),
                               [&](const auto& s) { return s.first == subject; });
  if (it == subjects.end()) fail("unknown CMMLU subject '{}'", subject);
  const std::string description =
      "以下是关于" + it->second + "的单项选择题，请直接给出正确答案的选项。\n\n";
  const auto test = read_questions(data_dir + "/cmmlu/test/" + subject + ".csv", 1, true, "答案：");
  std::vector<Question> dev;
  if (shots > 0)
    dev = read_questions(data_dir + "/cmmlu/dev/" + subject + ".csv", 1, true, "答案：");
  return build_items(test, dev, description, std::max(shots, 0), limit, "cmmlu_" + subject);
}

}  // namespace yak::eval
