// Keeps docs/configuration.md and config/postroom.example.toml equal to the generated text.
// To regenerate after changing the settings table, run this binary with
// POSTROOM_UPDATE_GENERATED=1 in the environment, then review the diff.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "config/config.h"
#include "config/settings.h"

#ifndef POSTROOM_SOURCE_DIR
#error "POSTROOM_SOURCE_DIR must be defined (src/config/CMakeLists.txt)"
#endif

namespace postroom::config {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void expect_checked_in(const std::string& relative_path, const std::string& generated) {
  const std::string path = std::string(POSTROOM_SOURCE_DIR) + "/" + relative_path;
  const char* update = std::getenv("POSTROOM_UPDATE_GENERATED");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << generated;
  }
  EXPECT_EQ(read_file(path), generated) << relative_path
                                        << " is out of date: rerun config_test with POSTROOM_UPDATE_GENERATED=1";
}

TEST(Reference, CheckedInMarkdownIsGenerated) {
  expect_checked_in("docs/configuration.md", render_reference_markdown());
}

TEST(Reference, CheckedInExampleIsGenerated) {
  expect_checked_in("config/postroom.example.toml", render_example_toml());
}

TEST(Reference, MarkdownMentionsEverySetting) {
  const std::string markdown = render_reference_markdown();
  for (const Setting& setting : settings()) {
    EXPECT_NE(markdown.find("| `" + std::string(setting.key) + "` | `" + default_as_toml(setting) + "`"),
              std::string::npos)
        << qualified_name(setting);
    EXPECT_FALSE(setting.doc.empty()) << qualified_name(setting);
  }
}

TEST(Reference, ExampleFileLoads) {
  const std::string path = std::string(POSTROOM_SOURCE_DIR) + "/config/postroom.example.toml";
  Result<Config> result = load_file(path);
  ASSERT_TRUE(result.ok()) << result.error().detail;
  Config expected;
  expected.listeners = {
      Listener{"pop3", "0.0.0.0", 110, ListenerMode::starttls},
      Listener{"pop3", "0.0.0.0", 995, ListenerMode::tls},
  };
  EXPECT_EQ(result.value(), expected);
}

TEST(Reference, GeneratedExampleLoads) {
  Result<Config> result = load_string(render_example_toml(), "example");
  ASSERT_TRUE(result.ok()) << result.error().detail;
  EXPECT_EQ(result->listeners.size(), 2u);
}

}  // namespace
}  // namespace postroom::config
