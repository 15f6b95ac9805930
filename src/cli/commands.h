// Each `yak` subcommand lives in its own file and registers itself here.
#pragma once

#include <CLI/CLI.hpp>

namespace yak::cli {

// Each adds a subcommand to `app` whose callback runs it. A callback reports
// failure by throwing (yak::Error for user errors); main turns that into a
// message on stderr and a non-zero exit code.
void add_run_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_tokenize_command(CLI::App& app);
void add_chat_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_serve_command(CLI::App& app);
void add_quantize_command(CLI::App& app);
void add_imatrix_command(CLI::App& app);
void add_eval_command(CLI::App& app);

// The subcommands of `yak eval`, each given the `eval` command (eval_command.cpp calls them).
void add_eval_perplexity_command(CLI::App& eval);
void add_eval_kld_command(CLI::App& eval);
void add_eval_tasks_command(CLI::App& eval);
void add_eval_report_command(CLI::App& eval);

}  // namespace yak::cli
