// The `tripletrec` command line: exit codes, error messages on stderr, --json output. Runs the
// CLI built next to this test binary; skipped where there is none (the wasm build).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tripletrec/options.hpp"
#include "tripletrec/session.hpp"

namespace {

std::string cli_path() {
#ifdef __EMSCRIPTEN__
  return "";
#else
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return "";
  const auto cli = self.parent_path() / "tripletrec";
  return std::filesystem::exists(cli) ? cli.string() : "";
#endif
}

struct CliRun {
  int exit_code = -1;
  std::string out, err;
};

CliRun run_cli(const std::string& args) {
  CliRun r;
  // Per process: ctest runs the tests of this file in parallel.
  const std::string err_file =
      std::filesystem::temp_directory_path() / ("tripletrec_cli_stderr_" + std::to_string(getpid()) + ".txt");
  const std::string command = cli_path() + " " + args + " 2>" + err_file;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return r;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) r.out.append(buffer, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = tripletrec::testing::read_file(err_file);
  std::filesystem::remove(err_file);
  return r;
}

// The raw JSON text of `"key":` up to the value's end (a number or an array of numbers) in the
// CLI's one-line object; "" when the key is absent.
std::string json_value(const std::string& json, const std::string& key) {
  const std::string quoted = "\"" + key + "\":";
  const std::size_t at = json.find(quoted);
  if (at == std::string::npos) return "";
  const std::size_t start = at + quoted.size();
  const std::size_t end = json[start] == '[' ? json.find(']', start) + 1 : json.find_first_of(",}", start);
  return json.substr(start, end - start);
}

// "[0.5,0.75]" -> the numbers as written (strings, so equality is exact to the printed digits).
std::vector<std::string> json_number_array(const std::string& array) {
  std::vector<std::string> values;
  if (array.size() < 2 || array.front() != '[' || array.back() != ']') return values;
  std::size_t start = 1;
  while (start < array.size() - 1) {
    const std::size_t comma = std::min(array.find(',', start), array.size() - 1);
    values.push_back(array.substr(start, comma - start));
    start = comma + 1;
  }
  return values;
}

#define REQUIRE_CLI()                                                            \
  do {                                                                           \
    if (cli_path().empty()) GTEST_SKIP() << "the tripletrec CLI is not built here"; \
  } while (0)

}  // namespace

TEST(Cli, HelpListsEveryFlagWithItsDefault) {
  REQUIRE_CLI();
  const CliRun r = run_cli("train --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* flag : {"--ratings", "--items", "--train", "--test", "--sample", "--model", "--epochs",
                           "--batch-size", "--seed", "--split-seed", "--test-fraction", "--min-positive",
                           "--min-popularity", "--item-type", "--max-user-id", "--keep-unrated",
                           "--embedding-dim", "--user-dim", "--item-dim", "--hidden", "--dropout", "--margin",
                           "--l2", "--similarity", "--learning-rate", "--negatives", "--hard-candidates",
                           "--keras-exact", "--k", "--user", "--save-model", "--json", "--eval-every-epoch"})
    EXPECT_NE(r.out.find(std::string("\n  ") + flag + " "), std::string::npos) << flag;
  EXPECT_NE(r.out.find("(default: 64)"), std::string::npos);
  EXPECT_EQ(run_cli("--help").exit_code, 0);
}

TEST(Cli, BadCommandLinesExitWithCode2AndSayWhy) {
  REQUIRE_CLI();
  const CliRun not_a_number = run_cli("train --sample --epochs abc");
  EXPECT_EQ(not_a_number.exit_code, 2);
  EXPECT_TRUE(not_a_number.out.empty());
  EXPECT_NE(not_a_number.err.find("--epochs: expected an integer in [1, 10000], got \"abc\""), std::string::npos) << not_a_number.err;
  const CliRun unknown = run_cli("train --sample --epoch 3");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown flag \"--epoch\""), std::string::npos) << unknown.err;
  const CliRun missing = run_cli("train --sample --epochs");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("--epochs needs a value"), std::string::npos) << missing.err;
  EXPECT_EQ(run_cli("train --sample --test-fraction 1").exit_code, 2);
  const CliRun bad_model = run_cli("train --sample --model wide");
  EXPECT_EQ(bad_model.exit_code, 2);
  EXPECT_NE(bad_model.err.find("--model: expected \"bilinear\", \"deep\" or \"fm\", got \"wide\""), std::string::npos) << bad_model.err;
  const CliRun bad_negatives = run_cli("train --sample --negatives some");
  EXPECT_EQ(bad_negatives.exit_code, 2);
  EXPECT_NE(bad_negatives.err.find("--negatives: expected \"uniform\", \"unseen\" or \"hard\", got \"some\""), std::string::npos)
      << bad_negatives.err;
  EXPECT_EQ(run_cli("train").exit_code, 2);  // no data
  EXPECT_EQ(run_cli("").exit_code, 2);
  EXPECT_EQ(run_cli("fly").exit_code, 2);
}

// The CLI's side of the option catalogue (tests/js/options.test.ts has the package's): each bad
// value exits with 2 before any output, and the message is the engine table's, with the flag and
// the value as typed.
TEST(Cli, OptionCatalogueSameRulesAsThePackage) {
  REQUIRE_CLI();
  struct Case {
    const char* args;
    const char* message;
  };
  const Case cases[] = {
      {"train --sample --epochs 0", "--epochs: expected an integer in [1, 10000], got 0"},
      {"train --sample --epochs 2.5", "--epochs: expected an integer in [1, 10000], got 2.5"},
      {"train --sample --embedding-dim 2.7", "--embedding-dim: expected an integer in [1, 4096], got 2.7"},
      {"train --sample --embedding-dim -2147483648", "--embedding-dim: expected an integer in [1, 4096], got -2147483648"},
      {"train --sample --learning-rate 1e30", "--learning-rate: expected a number in (0, 1], got 1e30"},
      {"train --sample --learning-rate 0", "--learning-rate: expected a number in (0, 1], got 0"},
      {"train --sample --margin -1", "--margin: expected a number in (0, 100], got -1"},
      {"train --sample --margin 0", "--margin: expected a number in (0, 100], got 0"},
      {"train --sample --model deep --dropout 1", "--dropout: expected a number in [0, 1), got 1"},
      {"train --sample --model deep --hidden 64,0", "--hidden: expected a list of at most 16 integers in [1, 65536], got 0"},
      {"train --sample --model deep --hidden 64,x",
       "--hidden: expected a list of at most 16 integers in [1, 65536], got \"64,x\""},
      {"train --sample --similarity cos", "--similarity: expected \"cosine\" or \"dot\", got \"cos\""},
      {"train --sample --k 2147483647", "--k: expected an integer in [1, 10000], got 2147483647"},
      {"train --sample --batch-size 0", "--batch-size: expected an integer in [1, 65536], got 0"},
      {"train --sample --seed -1", "--seed: expected an integer in [0, 9007199254740991], got -1"},
      {"train --sample --seed 18446744073709551615",
       "--seed: expected an integer in [0, 9007199254740991], got 18446744073709551615"},
      {"train --sample --negatives hard --hard-candidates 0", "--hard-candidates: expected an integer in [1, 1000], got 0"},
      {"train --sample --test-fraction 1", "--test-fraction: expected a number in (0, 1), got 1"},
      {"train --sample --min-popularity -1", "--min-popularity: expected an integer in [0, 2147483647], got -1"},
      {"train --sample --max-user-id 0", "--max-user-id: expected an integer in [1, 9007199254740991] or off, got \"0\""},
      {"train --sample --max-user-id null", "--max-user-id: expected an integer in [1, 9007199254740991] or off, got \"null\""},
      {"train --sample --min-positive nan", "--min-positive: expected a number in [-1000000000, 1000000000], got nan"},
      {"train --sample --beta2 1", "--beta2: expected a number in [0, 1), got 1"},
      {"train --sample --sample-users 0", "--sample-users: expected an integer in [1, 100000], got 0"},
      {"train --sample --sample-items 5", "--sample-items: expected an integer in [10, 20000], got 5"},
      {"sample --sample-items 50 --sample-ratings 40 --out /nonexistent",
       "--sample-ratings: expected at most half the items (25 for 50 items), got 40"},
  };
  for (const Case& c : cases) {
    const CliRun r = run_cli(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args;
    EXPECT_TRUE(r.out.empty()) << c.args;
    EXPECT_EQ(r.err.substr(0, r.err.find('\n')), std::string("tripletrec: error: ") + c.message) << c.args;
  }
}

// The engine normalises the sample's options: --sample-items 100 and loadSample({items: 100})
// both get min(60, items / 3) ratings per user (the package side is in tests/js/options.test.ts).
TEST(Cli, SmallSampleCatalogueWorksAsInThePackage) {
  REQUIRE_CLI();
  const CliRun r = run_cli("stats --sample --sample-items 100");
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// --help prints the engine's defaults, per model where they differ.
TEST(Cli, HelpPrintsTheEnginesDefaults) {
  REQUIRE_CLI();
  const CliRun r = run_cli("train --help");
  const std::string epochs = "(default: " + tripletrec::format_option_value(tripletrec::option_default(
                                                tripletrec::OptionId::Epochs, tripletrec::ModelKind::Bilinear)) +
                             "; deep " +
                             tripletrec::format_option_value(tripletrec::option_default(
                                 tripletrec::OptionId::Epochs, tripletrec::ModelKind::Deep)) + ")";
  EXPECT_NE(r.out.find(epochs), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(default: 1; deep 0.5; fm 0.5)"), std::string::npos) << "margin";
  EXPECT_NE(r.out.find("(default: 0.001)"), std::string::npos) << "learning rate";
}

TEST(Cli, UnreadableOrMalformedFilesExitWithCode1) {
  REQUIRE_CLI();
  const CliRun absent = run_cli("train --ratings /nonexistent/ratings.csv");
  EXPECT_EQ(absent.exit_code, 1);
  EXPECT_NE(absent.err.find("/nonexistent/ratings.csv"), std::string::npos);
  const std::string bad =
      std::filesystem::temp_directory_path() / ("tripletrec_cli_bad_" + std::to_string(getpid()) + ".csv");
  {
    std::FILE* f = std::fopen(bad.c_str(), "w");
    std::fputs("user_id,anime_id,rating\n1,2,3\n1,x,4\n", f);
    std::fclose(f);
  }
  const CliRun malformed = run_cli("train --ratings " + bad);
  std::filesystem::remove(bad);
  EXPECT_EQ(malformed.exit_code, 1);
  EXPECT_NE(malformed.err.find(bad + ":3:"), std::string::npos) << malformed.err;  // file:line:column
}

TEST(Cli, JsonPrintsExactlyOneObject) {
  REQUIRE_CLI();
  const CliRun r = run_cli("train --sample --sample-users 400 --sample-items 60 --min-popularity 0 --epochs 2 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_FALSE(r.out.empty());
  EXPECT_EQ(r.out.front(), '{');
  EXPECT_EQ(r.out.substr(r.out.size() - 2), "}\n");
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << "one line, one object";
  for (const char* key : {"\"n_users\":", "\"n_items\":", "\"n_train_positives\":", "\"n_test_positives\":",
                          "\"auc_untrained\":", "\"auc\":", "\"train_seconds\":", "\"triplets_per_second\":",
                          "\"model\":\"bilinear\"", "\"params\":", "\"epoch_losses\":", "\"precision_at_k\":"})
    EXPECT_NE(r.out.find(key), std::string::npos) << key;
}

TEST(Cli, ThreadsFlagSetsTheThreadsJsonReports) {
  REQUIRE_CLI();
  const CliRun two = run_cli("train --sample --epochs 1 --example-users 0 --json --threads 2");
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(json_value(two.out, "threads"), "2");
  const CliRun bad = run_cli("train --sample --threads 0");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--threads: expected an integer in [1, 256], got 0"), std::string::npos) << bad.err;
}

TEST(Cli, EvalEveryEpochGivesOneAucPerEpochWithoutChangingTraining) {
  REQUIRE_CLI();
  // The default sample learns within 3 epochs (AUC 0.50 untrained, 0.52 0.64 0.76 after each epoch).
  // One thread: the two runs below are compared bit for bit.
  const std::string run = "train --sample --epochs 3 --example-users 0 --json --threads 1";
  const CliRun evaluated = run_cli(run + " --eval-every-epoch");
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  const std::vector<std::string> aucs = json_number_array(json_value(evaluated.out, "epoch_aucs"));
  ASSERT_EQ(aucs.size(), 3u) << json_value(evaluated.out, "epoch_aucs");
  // The last epoch's evaluation is of the final model: the same number as the reported AUC.
  EXPECT_EQ(aucs.back(), json_value(evaluated.out, "auc"));
  EXPECT_GT(std::atof(aucs.front().c_str()), std::atof(json_value(evaluated.out, "auc_untrained").c_str()));
  for (std::size_t epoch = 1; epoch < aucs.size(); ++epoch)
    EXPECT_GT(std::atof(aucs[epoch].c_str()), std::atof(aucs[epoch - 1].c_str())) << "epoch " << epoch + 1;
  // Evaluating between epochs neither changes the model nor the random streams.
  const CliRun plain = run_cli(run);
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(json_value(plain.out, "epoch_losses"), json_value(evaluated.out, "epoch_losses"));
  EXPECT_EQ(json_value(plain.out, "auc"), json_value(evaluated.out, "auc"));
  EXPECT_EQ(json_value(plain.out, "epoch_aucs"), "[]");

  const CliRun text = run_cli("train --sample --sample-users 400 --sample-items 60 --min-popularity 0 --epochs 2 "
                              "--example-users 0 --eval-every-epoch");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  int epoch_lines = 0;
  for (std::size_t line = text.out.find("\nepoch "); line != std::string::npos; line = text.out.find("\nepoch ", line + 1)) {
    ++epoch_lines;
    const std::string content = text.out.substr(line + 1, text.out.find('\n', line + 1) - line - 1);
    EXPECT_NE(content.find(" AUC 0."), std::string::npos) << content;
  }
  EXPECT_EQ(epoch_lines, 2) << text.out;
}

namespace {
// A file under the temp directory, removed with its object.
struct TempFile {
  explicit TempFile(const std::string& name, const std::string& bytes)
      : path(std::filesystem::temp_directory_path() / (name + "_" + std::to_string(getpid()))) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
  }
  ~TempFile() { std::filesystem::remove(path); }
  std::string path;
};
}  // namespace

TEST(Cli, FileErrorsSayWhatIsWrong) {
  REQUIRE_CLI();
  const std::string directory = std::filesystem::temp_directory_path().string();
  const CliRun dir = run_cli("train --ratings " + directory);
  EXPECT_EQ(dir.exit_code, 1);
  EXPECT_EQ(dir.err, "tripletrec: cannot read " + directory + ": it is a directory, expected a file\n");
  const TempFile utf16("tripletrec_cli_utf16.csv", std::string("\xFF\xFEu\0s\0e\0r\0", 10));
  const CliRun wide = run_cli("stats --ratings " + utf16.path);
  EXPECT_EQ(wide.exit_code, 1);
  EXPECT_EQ(wide.err, "tripletrec: " + utf16.path +
                          ":1:1: expected UTF-8 (or ASCII) text, found UTF-16 (little-endian) text; save the file "
                          "as UTF-8 and load it again\n");
  const TempFile huge_id("tripletrec_cli_id.csv", "1,1,1\n9999999999999999999,1,1\n");
  const CliRun id = run_cli("stats --ratings " + huge_id.path);
  EXPECT_EQ(id.exit_code, 1);
  EXPECT_NE(id.err.find(huge_id.path + ":2:1: user id '9999999999999999999' in column 'user' is out of range"),
            std::string::npos)
      << id.err;
  const TempFile fine("tripletrec_cli_fine.csv", "1,1,9\n2,1,9\n");
  const CliRun items_dir = run_cli("stats --ratings " + fine.path + " --items " + directory);
  EXPECT_EQ(items_dir.exit_code, 1);
  EXPECT_EQ(items_dir.err, "tripletrec: cannot read " + directory + ": it is a directory, expected a file\n");
}

TEST(Cli, SizesOverTheMemoryBudgetNameTheFlag) {
  REQUIRE_CLI();
  const CliRun hidden = run_cli("train --sample --sample-users 200 --sample-items 40 --min-popularity 0 --model deep "
                                "--hidden 65536,65536");
  EXPECT_EQ(hidden.exit_code, 2);
  EXPECT_NE(hidden.err.find("tripletrec: error: --hidden: the model ("), std::string::npos) << hidden.err;
  EXPECT_NE(hidden.err.find("(--memory-budget sets the budget)"), std::string::npos) << hidden.err;
  const CliRun sample = run_cli("sample --sample-users 100000 --sample-items 20000 --out /nonexistent");
  EXPECT_EQ(sample.exit_code, 2);
  EXPECT_NE(sample.err.find("--sample-users: the sample's users x items is 2,000,000,000"), std::string::npos)
      << sample.err;
  // The budget is a flag: a 4096-d model of 240 users and items (~12 MB) passes 64M, not 4M.
  const std::string wide = "train --sample --sample-users 200 --sample-items 40 --min-popularity 0 --epochs 1 "
                           "--embedding-dim 4096 --quiet --memory-budget ";
  EXPECT_EQ(run_cli(wide + "64M").exit_code, 0);
  const CliRun tight = run_cli(wide + "4M");
  EXPECT_EQ(tight.exit_code, 2);
  EXPECT_NE(tight.err.find("--embedding-dim: the model ("), std::string::npos) << tight.err;
  EXPECT_NE(tight.err.find("over the memory budget of 4,194,304 bytes (4.0 MiB)"), std::string::npos) << tight.err;
  const CliRun bad = run_cli("train --sample --memory-budget lots");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--memory-budget: expected an integer, got \"lots\""), std::string::npos) << bad.err;
}

TEST(Cli, UnknownTestUsersAndItemsAreReported) {
  REQUIRE_CLI();
  const TempFile train("tripletrec_cli_train.csv",
                       "user_id,anime_id,rating\n1,10,9\n1,11,8\n2,10,9\n2,12,9\n3,11,9\n3,12,8\n");
  const TempFile test("tripletrec_cli_test.csv", "user_id,anime_id,rating\n1,12,9\n9,10,9\n9,11,8\n2,99,9\n");
  const std::string args = "train --train " + train.path + " --test " + test.path +
                           " --min-popularity 0 --max-user-id off --epochs 1 --k 2";
  const CliRun text = run_cli(args);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("Unknown to training: 3 test rows, 1 test users and 1 test items have no train row"),
            std::string::npos)
      << text.out;
  const CliRun json = run_cli(args + " --json");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json_value(json.out, "unknown_test_rows"), "3");
  EXPECT_EQ(json_value(json.out, "unknown_test_users"), "1");
  EXPECT_EQ(json_value(json.out, "unknown_test_items"), "1");
}

TEST(Cli, PopularityBaselineInJsonAndText) {
  REQUIRE_CLI();
  // The baseline depends on the prepared data only: the same for both models.
  const std::string data = "train --sample --sample-users 400 --sample-items 60 --min-popularity 0 --epochs 1 --example-users 0";
  const CliRun bilinear = run_cli(data + " --json");
  const CliRun deep = run_cli(data + " --model deep --json");
  ASSERT_EQ(bilinear.exit_code, 0) << bilinear.err;
  ASSERT_EQ(deep.exit_code, 0) << deep.err;
  const std::string auc = json_value(bilinear.out, "auc_popularity");
  EXPECT_EQ(auc, json_value(deep.out, "auc_popularity"));
  // The sample's items have power-law popularity, so ranking by it beats chance.
  EXPECT_GT(std::atof(auc.c_str()), 0.55) << auc;
  // The ranking metrics too, as an object like "untrained".
  EXPECT_NE(bilinear.out.find("\"popularity\":{\"auc\":" + auc + ",\"users\":"), std::string::npos) << bilinear.out;

  const CliRun text = run_cli(data);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  char shown[32];
  std::snprintf(shown, sizeof shown, "Popular:   AUC %.4f | P@10 ", std::atof(auc.c_str()));
  EXPECT_NE(text.out.find(shown), std::string::npos) << text.out;
}

// New visitors from the command line: a bundle exported from the sample, recommendations from it
// alone with their explanations, a corrupt bundle refused; --holdout-users reports both AUCs.
TEST(Cli, ExportAServingBundleAndRecommendFromItAlone) {
  REQUIRE_CLI();
  const std::string bundle =
      std::filesystem::temp_directory_path() / ("tripletrec_cli_bundle_" + std::to_string(getpid()) + ".safetensors");
  const CliRun exported = run_cli("export --sample --epochs 2 --serving " + bundle + " --dtype int8 --json");
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(json_value(exported.out, "bytes"), std::to_string(std::filesystem::file_size(bundle)));
  const double agreement = std::stod(json_value(exported.out, "top_k_agreement"));
  EXPECT_GE(agreement, 0.0);
  EXPECT_LE(agreement, 1.0);
  // Three item ids of the sample as the CLI prepares it (its default preprocessing).
  tripletrec::Session sample;
  sample.load_sample();
  tripletrec::PrepareOptions prepare;
  prepare.preprocess = tripletrec::sample_preprocess_options();
  sample.prepare(prepare);
  const std::string a = std::to_string(sample.dataset().item_raw_id[0]), b = std::to_string(sample.dataset().item_raw_id[1]),
                    c = std::to_string(sample.dataset().item_raw_id[2]);
  const CliRun recs = run_cli("recommend --bundle " + bundle + " --like " + a + " --like " + b + " --exclude " + c +
                              " --k 5 --json");
  ASSERT_EQ(recs.exit_code, 0) << recs.err;
  std::size_t count = 0;
  for (std::size_t at = recs.out.find("\"because\":"); at != std::string::npos; at = recs.out.find("\"because\":", at + 1)) {
    const std::string because = json_value(recs.out.substr(at + 11), "id");
    EXPECT_TRUE(because == a || because == b) << because;
    ++count;
  }
  EXPECT_EQ(count, 5u);
  for (const std::string& id : {"\"id\":" + c + ",", "\"item\":{\"id\":" + a + ",", "\"item\":{\"id\":" + b + ","})
    EXPECT_EQ(recs.out.find(id), std::string::npos) << id;
  const CliRun text = run_cli("recommend --bundle " + bundle + " --like " + a + " --k 3");
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("because you liked"), std::string::npos);
  const CliRun unknown = run_cli("recommend --bundle " + bundle + " --like 99999999");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("likes: unknown item id 99999999"), std::string::npos) << unknown.err;
  const CliRun no_value = run_cli("recommend --bundle " + bundle + " --like " + a + " --user-feature gender");
  EXPECT_EQ(no_value.exit_code, 2);
  EXPECT_NE(no_value.err.find("--user-feature: expected FIELD=VALUE (e.g. gender=F), got \"gender\""), std::string::npos)
      << no_value.err;
  const CliRun no_user_features = run_cli("recommend --bundle " + bundle + " --like " + a + " --user-feature gender=F");
  EXPECT_EQ(no_user_features.exit_code, 2);
  EXPECT_NE(no_user_features.err.find("user features: the model was trained without user features"), std::string::npos)
      << no_user_features.err;
  std::filesystem::resize_file(bundle, std::filesystem::file_size(bundle) - 10);
  const CliRun truncated = run_cli("recommend --bundle " + bundle + " --like " + a);
  EXPECT_EQ(truncated.exit_code, 1);
  EXPECT_NE(truncated.err.find(bundle + ":1:"), std::string::npos) << truncated.err;
  EXPECT_NE(truncated.err.find("serving bundle"), std::string::npos) << truncated.err;
  std::filesystem::remove(bundle);
  EXPECT_EQ(run_cli("recommend --like 1").exit_code, 2);
  EXPECT_EQ(run_cli("export --sample --serving x --dtype int4").exit_code, 2);
}

TEST(Cli, HoldoutUsersReportFoldInAgainstJointTraining) {
  REQUIRE_CLI();
  const CliRun r = run_cli("train --sample --epochs 2 --holdout-users 0.2 --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(std::stoi(json_value(r.out, "n_holdout_users")), 100);  // 20% of the sample's users
  for (const char* key : {"auc_foldin", "auc_joint"}) {
    const double auc = std::stod(json_value(r.out, key));
    EXPECT_GT(auc, 0.5) << key;
    EXPECT_LT(auc, 1.0) << key;
  }
  EXPECT_NE(r.out.find("\"likes_curve\":[{\"likes\":1,"), std::string::npos);
  const CliRun bad = run_cli("train --sample --holdout-users 1");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--holdout-users: expected a number in [0, 1), got 1"), std::string::npos) << bad.err;
}
