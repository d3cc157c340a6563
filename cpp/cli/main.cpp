// `tripletrec`: the notebook's pipeline from the command line, over the Session facade.
//   tripletrec train [flags]   load, preprocess, split, train, evaluate, show recommendations
//   tripletrec stats [flags]   load and show the data's statistics and preprocessing counts
//   tripletrec sample [flags]  write the built-in sample's two CSV files
//   tripletrec export [flags]  train (or load a model file) and write a serving bundle
//   tripletrec recommend [flags]  fold in a visitor's likes against a serving bundle
// Exit codes: 0 success, 1 a file could not be read or parsed (or the engine failed), 2 a bad
// command line or parameter.
//
// This file only dispatches a command and maps failures to exit codes; the flags are in
// cli_options, options become engine settings in cli_settings, the commands are in commands,
// and their output formatting in cli_output.
#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli_errors.hpp"
#include "cli_options.hpp"
#include "commands.hpp"
#include "tripletrec/error.hpp"
#include "tripletrec/memory_budget.hpp"
#include "tripletrec/options.hpp"
#include "tripletrec/session.hpp"

using namespace tripletrec;
using namespace tripletrec::cli;

namespace {

bool known_command(const std::string& name) {
  return name == "train" || name == "stats" || name == "sample" || name == "export" || name == "recommend";
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  try {
    if (command.empty() || command == "--help" || command == "-h" || command == "help") {
      if (command.empty()) {
        std::cerr << "tripletrec: error: no command given\n";
        print_main_help();
        return 2;
      }
      print_main_help();
      return 0;
    }
    struct Command {
      const char* name;
      std::vector<Flag> (*flags)();
      int (*run)(const CliOptions&);
    };
    const Command commands[] = {{"train", train_flags, run_train},
                                {"stats", stats_flags, run_stats},
                                {"sample", sample_flags, run_sample},
                                {"export", export_flags, run_export},
                                {"recommend", recommend_flags, run_recommend}};
    for (const Command& c : commands) {
      if (command != c.name) continue;
      const std::vector<Flag> flags = c.flags();
      for (int i = 2; i < argc; ++i)
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
          print_command_help(c.name, flags);
          return 0;
        }
      return c.run(parse_flags(flags, argc, argv, 2));
    }
    throw CliError("unknown command \"" + command + "\" (commands: train, stats, sample, export, recommend)");
  } catch (const CliError& e) {
    std::cerr << "tripletrec: error: " << e.what() << "\n"
              << "Run `tripletrec " << (known_command(command) ? command + " " : "") << "--help` for usage.\n";
    return 2;
  } catch (const MemoryBudgetError& e) {
    std::cerr << "tripletrec: error: " << e.message(Face::Cli) << " (--memory-budget sets the budget)\n";
    return 2;
  } catch (const OptionError& e) {
    std::cerr << "tripletrec: error: " << e.message(Face::Cli) << "\n";
    return 2;
  } catch (const StepError& e) {
    std::cerr << "tripletrec: error: " << e.message(Face::Cli) << "\n";
    return 2;
  } catch (const UsageError& e) {
    std::cerr << "tripletrec: error: " << e.what() << "\n";
    return 2;
  } catch (const ParseError& e) {
    std::cerr << "tripletrec: " << e.what() << "\n";
    return 1;
  } catch (const FileError& e) {
    std::cerr << "tripletrec: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "tripletrec: error: " << e.what() << "\n";
    return 1;
  }
}
