// The commands, each run on parsed options; the return value is the exit code. Failures
// are thrown (CliError, FileError, or the engine's UsageError / ParseError) for main to report.
#pragma once

#include "cli_options.hpp"

namespace tripletrec::cli {

int run_train(const CliOptions& o);   // load, preprocess, split, train, evaluate, recommend
int run_stats(const CliOptions& o);   // load and show statistics and preprocessing counts
int run_sample(const CliOptions& o);  // write the built-in sample's two CSV files
int run_export(const CliOptions& o);  // train (or load a model file), write a serving bundle
int run_recommend(const CliOptions& o);  // a visitor's recommendations from a serving bundle

}  // namespace tripletrec::cli
