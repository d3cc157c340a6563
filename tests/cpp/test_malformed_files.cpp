// The malformed-file catalogue: every file under tests/malformed/<kind>/ is loaded into a session
// that holds loaded, prepared data and a model; each must fail with exactly the message written
// beside it in tests/malformed/expected.tsv ("<kind>/<file>" TAB message), and leave the session
// as it was. Kinds: ratings (load_ratings), test (load_test_ratings), items (load_items), users
// (load_users), model (load_model). The package runs the same catalogue (tests/js/malformed-files.test.ts).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "test_support.hpp"
#include "tripletrec/error.hpp"
#include "tripletrec/session.hpp"

using namespace tripletrec;

namespace {

const std::string kCatalogue = std::string(TRIPLETREC_SOURCE_DIR) + "/tests/malformed";

// "<kind>/<file>" -> expected message.
std::map<std::string, std::string> expected_messages() {
  std::map<std::string, std::string> expected;
  std::ifstream in(kCatalogue + "/expected.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::size_t tab = line.find('\t');
    if (tab != std::string::npos) expected[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return expected;
}

// What a failed load must leave as it was.
struct Snapshot {
  std::size_t ratings = 0, items = 0;
  bool test_ratings = false, user_file = false, prepared = false, model = false;
  std::int32_t users = 0, n_items = 0;
  std::int64_t params = 0;
  double auc = 0;
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(Session& s) {
  Snapshot shot;
  shot.ratings = s.ratings().size();
  shot.items = s.items() ? s.items()->size() : 0;
  shot.test_ratings = s.has_test_ratings();
  shot.user_file = s.has_users();
  shot.prepared = s.prepared();
  shot.model = s.has_model();
  shot.users = s.dataset().n_users;
  shot.n_items = s.dataset().n_items;
  shot.params = s.param_count();
  shot.auc = s.evaluate(10).auc;
  return shot;
}

// Loads one catalogue file as its kind says; returns the error's message ("" when it loaded).
std::string load_error(Session& s, const std::string& kind, const std::string& name, const std::string& bytes) {
  try {
    if (kind == "ratings") s.load_ratings(bytes, name);
    else if (kind == "test") s.load_test_ratings(bytes, name);
    else if (kind == "items") s.load_items(bytes, name);
    else if (kind == "users") s.load_users(bytes, name);
    else if (kind == "model") s.load_model(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), name);
    else return "unknown kind " + kind;
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(MalformedFiles, EachFailsWithItsExactMessageAndChangesNothing) {
  const std::map<std::string, std::string> expected = expected_messages();
  ASSERT_GE(expected.size(), 40u) << "the catalogue lists at least 40 files";

  SampleOptions sample;
  sample.users = 200;
  sample.items = 40;
  PrepareOptions prepare;
  prepare.preprocess = sample_preprocess_options();
  prepare.preprocess.min_popularity = 0;
  Session s;
  s.load_sample(sample);
  s.prepare(prepare);
  s.create_model(ModelConfig::bilinear_defaults(), OptimizerConfig{}, 1);
  const Snapshot before = snapshot(s);

  const bool print = std::getenv("TRIPLETREC_PRINT_CATALOGUE") != nullptr;  // to write expected.tsv
  std::size_t files = 0;
  for (const char* kind : {"ratings", "test", "items", "users", "model"}) {
    for (const auto& entry : std::filesystem::directory_iterator(kCatalogue + "/" + kind)) {
      const std::string name = std::string(kind) + "/" + entry.path().filename().string();
      const std::string message = load_error(s, kind, name, tripletrec::testing::read_file(entry.path().string()));
      ++files;
      if (print) {
        std::printf("%s\t%s\n", name.c_str(), message.c_str());
        continue;
      }
      const auto it = expected.find(name);
      if (it == expected.end()) {
        ADD_FAILURE() << name << " has no expected message in expected.tsv; it gave: " << message;
        continue;
      }
      EXPECT_EQ(message, it->second) << name;
      EXPECT_TRUE(snapshot(s) == before) << name << " changed the session";
    }
  }
  EXPECT_EQ(files, expected.size()) << "expected.tsv lists files that are not in the catalogue";
}
