// The `tripletrec` command line: exit codes, error messages on stderr, --json output. Runs the
// CLI built next to this test binary; skipped where there is none (the wasm build).
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "test_support.hpp"

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
                           "--keras-exact", "--k", "--user", "--save-model", "--json"})
    EXPECT_NE(r.out.find(std::string("\n  ") + flag + " "), std::string::npos) << flag;
  EXPECT_NE(r.out.find("(default: 64)"), std::string::npos);
  EXPECT_EQ(run_cli("--help").exit_code, 0);
}

TEST(Cli, BadCommandLinesExitWithCode2AndSayWhy) {
  REQUIRE_CLI();
  const CliRun not_a_number = run_cli("train --sample --epochs abc");
  EXPECT_EQ(not_a_number.exit_code, 2);
  EXPECT_TRUE(not_a_number.out.empty());
  EXPECT_NE(not_a_number.err.find("--epochs expects an integer, got \"abc\""), std::string::npos) << not_a_number.err;
  const CliRun unknown = run_cli("train --sample --epoch 3");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown flag \"--epoch\""), std::string::npos) << unknown.err;
  const CliRun missing = run_cli("train --sample --epochs");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("--epochs needs a value"), std::string::npos) << missing.err;
  EXPECT_EQ(run_cli("train --sample --test-fraction 1").exit_code, 2);
  EXPECT_EQ(run_cli("train --sample --model wide").exit_code, 2);
  EXPECT_EQ(run_cli("train").exit_code, 2);  // no data
  EXPECT_EQ(run_cli("").exit_code, 2);
  EXPECT_EQ(run_cli("fly").exit_code, 2);
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
