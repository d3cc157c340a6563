// From command-line options to the engine's settings: inputs loaded into a Session, and the
// preprocessing, model, optimiser and training settings, each starting from the notebook's
// defaults (or the sample's) and overridden only by the flags given.
#pragma once

#include "cli_options.hpp"
#include "tripletrec/session.hpp"

namespace tripletrec::cli {

// Loads the sample, or the ratings (and test ratings, items) files. Throws CliError when no
// data is given, FileError or the engine's ParseError for a bad file.
void load_inputs(Session& session, const CliOptions& o);

PreprocessOptions preprocess_options(const CliOptions& o);
PrepareOptions prepare_options(const CliOptions& o);  // preprocessing, split, positives
// The model settings; "all" feature fields resolve to the fields with values in `vocabulary`.
ModelConfig model_config(const CliOptions& o, const FeatureVocabulary& vocabulary);
TrainOptions train_options(const CliOptions& o);

}  // namespace tripletrec::cli
