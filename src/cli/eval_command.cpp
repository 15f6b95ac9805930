// `yak eval`: measuring a model's quality. Each kind of measurement is a subcommand of its
// own, registered here (commands.h declares them).
#include "cli/commands.h"

namespace yak::cli {

void add_eval_command(CLI::App& app) {
  CLI::App* eval = app.add_subcommand(
      "eval", "Measure a model's quality: perplexity, KL divergence, benchmark tasks, reports");
  eval->require_subcommand(1);
  add_eval_perplexity_command(*eval);
  add_eval_kld_command(*eval);
  add_eval_tasks_command(*eval);
  add_eval_report_command(*eval);
}

}  // namespace yak::cli
