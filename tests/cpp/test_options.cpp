// The engine's option table (options.hpp): the one place defaults, ranges and enum names live.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>

#include "tripletrec/options.hpp"
#include "tripletrec/sample_data.hpp"
#include "tripletrec/session.hpp"

using namespace tripletrec;

namespace {

std::string problem_of(OptionId id, double value) {
  try {
    check_number(id, value);
  } catch (const OptionError& e) {
    EXPECT_EQ(e.option, id);
    return e.problem;
  }
  return "(accepted)";
}

}  // namespace

TEST(Options, EveryDefaultIsInItsOwnRangeForBothModels) {
  for (const OptionSpec& spec : option_specs()) {
    for (const ModelKind model : {ModelKind::Bilinear, ModelKind::Deep}) {
      const OptionValue value = option_default(spec.id, model);
      SCOPED_TRACE(spec.key);
      switch (spec.type) {
        case OptionType::Integer:
        case OptionType::Number:
          if (value.kind == OptionValue::Kind::Null) EXPECT_TRUE(spec.nullable);
          else EXPECT_NO_THROW(check_number(spec.id, value.number));
          EXPECT_TRUE(std::isfinite(spec.min) && std::isfinite(spec.max) && spec.min < spec.max);
          break;
        case OptionType::Enum: EXPECT_NO_THROW(check_choice(spec.id, value.text)); break;
        case OptionType::Text: EXPECT_NO_THROW(check_text(spec.id, value.text)); break;
        case OptionType::IntegerList:
          EXPECT_NO_THROW(check_integer_list(spec.id, {value.list.begin(), value.list.end()}));
          break;
        case OptionType::Bool: EXPECT_EQ(value.kind, OptionValue::Kind::Bool); break;
      }
      if (!spec.per_model) {
        EXPECT_EQ(format_option_value(value), format_option_value(option_default(spec.id, ModelKind::Bilinear)));
      }
    }
  }
}

TEST(Options, KeysAreUniquePerCallAndFlagsAcrossTheCli) {
  std::set<std::pair<int, std::string>> keys;
  std::set<std::string> flags;
  for (const OptionSpec& spec : option_specs()) {
    EXPECT_TRUE(keys.insert({static_cast<int>(spec.group), spec.key}).second) << spec.key;
    // --seed sets both the model's and the training's seed.
    if (std::string(spec.flag) != "--seed") {
      EXPECT_TRUE(flags.insert(spec.flag).second) << spec.flag;
    }
  }
}

TEST(Options, PerModelDefaultsAreTheNotebooks) {
  EXPECT_EQ(option_default(OptionId::Epochs, ModelKind::Bilinear).number, 10);
  EXPECT_EQ(option_default(OptionId::Epochs, ModelKind::Deep).number, 20);
  EXPECT_EQ(option_default(OptionId::Margin, ModelKind::Bilinear).number, 1);
  EXPECT_EQ(option_default(OptionId::Margin, ModelKind::Deep).number, 0.5);
  EXPECT_EQ(option_default(OptionId::L2, ModelKind::Deep).number, 0);
  EXPECT_EQ(option_default(OptionId::Model, ModelKind::Deep).text, "deep");
}

TEST(Options, ChecksReportTheValueAsGivenNeverATruncation) {
  EXPECT_EQ(problem_of(OptionId::EmbeddingDim, 2.7), "expected an integer in [1, 4096], got 2.7");
  EXPECT_EQ(problem_of(OptionId::UserDim, -2147483648.0), "expected an integer in [1, 4096], got -2147483648");
  EXPECT_EQ(problem_of(OptionId::LearningRate, 1e30), "expected a number in (0, 1], got 1e+30");
  EXPECT_EQ(problem_of(OptionId::Margin, 0), "expected a number in (0, 100], got 0");
  EXPECT_EQ(problem_of(OptionId::K, 2147483647), "expected an integer in [1, 10000], got 2147483647");
  EXPECT_EQ(problem_of(OptionId::TestFraction, NAN), "expected a number in (0, 1), got NaN");
  EXPECT_EQ(problem_of(OptionId::Epochs, 20), "(accepted)");
  try {
    check_number(OptionId::LearningRate, 5, "5.0");
    FAIL();
  } catch (const OptionError& e) {
    EXPECT_EQ(e.message(Face::Cli), "--learning-rate: expected a number in (0, 1], got 5.0");
    EXPECT_EQ(e.message(Face::Package), "learningRate: expected a number in (0, 1], got 5.0");
    EXPECT_EQ(std::string(e.what()), e.message(Face::Package));
  }
}

TEST(Options, NumbersAreWrittenAsJavaScriptWritesThem) {
  EXPECT_EQ(format_number(2.7), "2.7");
  EXPECT_EQ(format_number(1e30), "1e+30");
  EXPECT_EQ(format_number(1e-7), "1e-7");
  EXPECT_EQ(format_number(0.000001), "0.000001");
  EXPECT_EQ(format_number(1e21), "1e+21");
  EXPECT_EQ(format_number(123456789012.0), "123456789012");
  EXPECT_EQ(format_number(1.0 / 3), "0.3333333333333333");
  EXPECT_EQ(format_number(-INFINITY), "-Infinity");
}

TEST(Options, EnumNamesFollowTheEnginesEnums) {
  EXPECT_EQ(check_choice(OptionId::Model, "deep"), static_cast<int>(ModelKind::Deep));
  EXPECT_EQ(check_choice(OptionId::Similarity, "dot"), static_cast<int>(Similarity::Dot));
  EXPECT_EQ(check_choice(OptionId::Negatives, "unseen"), static_cast<int>(NegativeSampling::UniformUnseen));
  EXPECT_THROW(check_choice(OptionId::Negatives, "Unseen"), OptionError);
}

TEST(Options, SampleOptionsAreNormalisedOnce) {
  SampleOptions small;
  small.items = 100;
  EXPECT_NEAR(normalised(small).ratings_per_user.value(), 100 / 3.0, 1e-12);
  EXPECT_EQ(normalised(SampleOptions{}).ratings_per_user.value(), 60);
  Session session;
  EXPECT_NO_THROW(session.load_sample(small));  // threw "ratings_per_user must be in [1, items / 2]"
  small.ratings_per_user = 51;
  try {
    session.load_sample(small);
    FAIL();
  } catch (const OptionError& e) {
    EXPECT_EQ(e.message(Face::Cli), "--sample-ratings: expected at most half the items (50 for 100 items), got 51");
  }
  EXPECT_TRUE(session.has_ratings());  // the sample loaded before is kept
}
