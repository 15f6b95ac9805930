// The `yak` command: one binary, one subcommand per job.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <new>

#include "cli/commands.h"
#include "yak/error.h"

int main(int argc, char** argv) {
  CLI::App app{"Yak: run, serve, measure and adapt Llama-family language models"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "yak 0.1.0");
  yak::cli::add_run_command(app);
  yak::cli::add_inspect_command(app);
  yak::cli::add_tokenize_command(app);
  yak::cli::add_chat_command(app);
  yak::cli::add_bench_command(app);
  yak::cli::add_serve_command(app);
  yak::cli::add_quantize_command(app);
  yak::cli::add_imatrix_command(app);
  yak::cli::add_eval_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints the problem (or the help text); a bad flag is a user error like any other.
    return app.exit(e) == 0 ? 0 : 1;
  } catch (const yak::Error& e) {
    std::fflush(stdout);
    fmt::print(stderr, "yak: error: {}\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    // The library refuses sizes it can see will not fit; this is the last resort.
    std::fflush(stdout);
    fmt::print(stderr, "yak: error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "yak: internal error: {}\n", e.what());
    return 2;
  }
  return 0;
}
