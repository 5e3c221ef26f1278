#include "config/config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <set>
#include <fstream>
#include <string>

#include "config/settings.h"

namespace postroom::config {
namespace {

// The detail of the error load_string() returns for `text`, or "<ok>".
std::string error_of(std::string_view text) {
  Result<Config> result = load_string(text, "postroom.toml");
  return result.ok() ? std::string("<ok>") : result.error().detail;
}

Config loaded(std::string_view text) {
  Result<Config> result = load_string(text, "postroom.toml");
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().detail);
  return result.ok() ? result.value() : Config{};
}

TEST(ConfigDefaults, EmptyFileGivesDefaults) {
  Config config = loaded("");
  EXPECT_EQ(config, Config{});
  EXPECT_EQ(config.hostname, "localhost");
  EXPECT_EQ(config.data_dir, "/var/lib/postroom");
  EXPECT_EQ(config.user, "");
  EXPECT_EQ(config.threads, 0u);
  EXPECT_EQ(config.storage_threads, 16u);
  EXPECT_EQ(config.shutdown_grace_seconds, 10u);
  EXPECT_EQ(config.log_level, "info");
  EXPECT_EQ(config.tls_cert, "");
  EXPECT_EQ(config.tls_key, "");
  EXPECT_EQ(config.tls_min_version, "1.2");
  EXPECT_TRUE(config.listeners.empty());
  EXPECT_FALSE(config.allow_plaintext_auth);
  EXPECT_EQ(config.auth_failure_delay_ms, 1000u);
  EXPECT_EQ(config.auth_max_delay_ms, 8000u);
  EXPECT_EQ(config.auth_max_failures_per_address, 10u);
  EXPECT_EQ(config.auth_max_failures_per_account, 20u);
  EXPECT_EQ(config.auth_failure_window_seconds, 300u);
  EXPECT_EQ(config.pop3_expire, "NEVER");
  EXPECT_EQ(config.pop3_login_delay_seconds, 0u);
  EXPECT_EQ(config.pop3_idle_timeout_seconds, 600u);
  EXPECT_EQ(config.max_message_bytes, 50ull * 1024 * 1024);
  EXPECT_EQ(config.mime_max_depth, 32u);
  EXPECT_EQ(config.mime_max_parts, 2000u);
  EXPECT_EQ(config.mime_max_header_bytes, 262144u);
  EXPECT_EQ(config.store_backend, "sqlite");
  EXPECT_EQ(config.default_quota_bytes, 0u);
  EXPECT_EQ(config.default_quota_messages, 0u);
}

TEST(ConfigDefaults, EveryDefaultPassesItsOwnValidator) {
  // Writing each default back explicitly must load, and give the defaults again.
  std::string text;
  std::string_view current;
  for (const Setting& setting : settings()) {
    if (setting.section != current) {
      current = setting.section;
      text += "[" + std::string(current) + "]\n";
    }
    text += std::string(setting.key) + " = " + default_as_toml(setting) + "\n";
  }
  EXPECT_EQ(loaded(text), Config{});
}

TEST(ConfigDefaults, TableIsWellFormed) {
  std::set<std::string> names;
  for (const Setting& setting : settings()) {
    EXPECT_TRUE(names.insert(qualified_name(setting)).second) << "duplicate " << qualified_name(setting);
    EXPECT_NE(std::find(section_names().begin(), section_names().end(), setting.section), section_names().end())
        << qualified_name(setting);
    EXPECT_LE(setting.min, setting.max) << qualified_name(setting);
    EXPECT_FALSE(setting.doc.empty()) << qualified_name(setting);
    if (std::holds_alternative<unsigned Config::*>(setting.field)) {
      EXPECT_LE(setting.max, static_cast<std::int64_t>(UINT_MAX)) << qualified_name(setting);
    }
  }
}

TEST(ConfigLoad, ReadsEverySection) {
  Config config = loaded(R"([server]
hostname = "mail.example.org"
data_dir = "/srv/postroom"
user = "postroom"
threads = 8
storage_threads = 2
shutdown_grace_seconds = 30
log_level = "debug"
[tls]
cert = "/etc/postroom/cert.pem"
key = "/etc/postroom/key.pem"
min_version = "1.3"
[auth]
allow_plaintext_auth = true
failure_delay_ms = 0
max_delay_ms = 0
max_failures_per_address = 3
max_failures_per_account = 4
failure_window_seconds = 60
[pop3]
expire = "31"
login_delay_seconds = 300
idle_timeout_seconds = 1800
[limits]
max_message_bytes = 10485760
mime_max_depth = 10
mime_max_parts = 100
mime_max_header_bytes = 65536
[store]
backend = "sqlite"
default_quota_bytes = 1073741824
default_quota_messages = 100000
)");
  EXPECT_EQ(config.hostname, "mail.example.org");
  EXPECT_EQ(config.data_dir, "/srv/postroom");
  EXPECT_EQ(config.user, "postroom");
  EXPECT_EQ(config.threads, 8u);
  EXPECT_EQ(config.storage_threads, 2u);
  EXPECT_EQ(config.shutdown_grace_seconds, 30u);
  EXPECT_EQ(config.log_level, "debug");
  EXPECT_EQ(config.tls_cert, "/etc/postroom/cert.pem");
  EXPECT_EQ(config.tls_key, "/etc/postroom/key.pem");
  EXPECT_EQ(config.tls_min_version, "1.3");
  EXPECT_TRUE(config.allow_plaintext_auth);
  EXPECT_EQ(config.auth_failure_delay_ms, 0u);
  EXPECT_EQ(config.auth_max_delay_ms, 0u);
  EXPECT_EQ(config.auth_max_failures_per_address, 3u);
  EXPECT_EQ(config.auth_max_failures_per_account, 4u);
  EXPECT_EQ(config.auth_failure_window_seconds, 60u);
  EXPECT_EQ(config.pop3_expire, "31");
  EXPECT_EQ(config.pop3_login_delay_seconds, 300u);
  EXPECT_EQ(config.pop3_idle_timeout_seconds, 1800u);
  EXPECT_EQ(config.max_message_bytes, 10485760u);
  EXPECT_EQ(config.mime_max_depth, 10u);
  EXPECT_EQ(config.mime_max_parts, 100u);
  EXPECT_EQ(config.mime_max_header_bytes, 65536u);
  EXPECT_EQ(config.default_quota_bytes, 1073741824u);
  EXPECT_EQ(config.default_quota_messages, 100000u);
}

TEST(ConfigErrors, MessageFormatFromTheContract) {
  EXPECT_EQ(error_of("[pop3]\nlogin_delay_seconds = \"x\"\n"),
            "postroom.toml:2: pop3.login_delay_seconds: expected a non-negative integer, got \"x\"");
}

TEST(ConfigErrors, IntegerRanges) {
  EXPECT_EQ(error_of("[server]\n\nthreads = 257\n"),
            "postroom.toml:3: server.threads: expected an integer from 0 to 256, got 257");
  EXPECT_EQ(error_of("[server]\nthreads = -1\n"),
            "postroom.toml:2: server.threads: expected an integer from 0 to 256, got -1");
  EXPECT_EQ(error_of("[server]\nstorage_threads = 0\n"),
            "postroom.toml:2: server.storage_threads: expected an integer from 1 to 256, got 0");
  EXPECT_EQ(error_of("[pop3]\nidle_timeout_seconds = 599\n"),
            "postroom.toml:2: pop3.idle_timeout_seconds: expected an integer from 600 to 86400, got 599");
  EXPECT_EQ(error_of("[store]\ndefault_quota_bytes = -5\n"),
            "postroom.toml:2: store.default_quota_bytes: expected a non-negative integer, got -5");
  EXPECT_EQ(error_of("[limits]\nmax_message_bytes = 1.5\n"),
            "postroom.toml:2: limits.max_message_bytes: expected a non-negative integer, got 1.5");
}

TEST(ConfigErrors, WrongTypes) {
  EXPECT_EQ(error_of("[server]\nhostname = 5\n"), "postroom.toml:2: server.hostname: expected a DNS name, got 5");
  EXPECT_EQ(error_of("[auth]\nallow_plaintext_auth = \"yes\"\n"),
            "postroom.toml:2: auth.allow_plaintext_auth: expected true or false, got \"yes\"");
  EXPECT_EQ(
      error_of("[server]\nlog_level = [\"info\"]\n"),
      "postroom.toml:2: server.log_level: expected one of \"debug\", \"info\", \"warn\", \"error\", got an array");
  EXPECT_EQ(error_of("[server]\nthreads = { n = 1 }\n"),
            "postroom.toml:2: server.threads: expected a non-negative integer, got a table");
  EXPECT_EQ(error_of("[server]\nthreads = 1979-05-27\n"),
            "postroom.toml:2: server.threads: expected a non-negative integer, got 1979-05-27");
}

TEST(ConfigErrors, StringValidators) {
  EXPECT_EQ(
      error_of("[server]\nlog_level = \"loud\"\n"),
      "postroom.toml:2: server.log_level: expected one of \"debug\", \"info\", \"warn\", \"error\", got \"loud\"");
  EXPECT_EQ(error_of("[tls]\nmin_version = \"1.1\"\n"),
            "postroom.toml:2: tls.min_version: expected one of \"1.2\", \"1.3\", got \"1.1\"");
  EXPECT_EQ(error_of("[store]\nbackend = \"postgres\"\n"),
            "postroom.toml:2: store.backend: expected only \"sqlite\", got \"postgres\"");
  EXPECT_EQ(
      error_of("[server]\nhostname = \"mail\\r\\nexample\"\n"),
      "postroom.toml:2: server.hostname: may contain only letters, digits, '-' and '.', got \"mail\\r\\nexample\"");
  EXPECT_EQ(error_of("[server]\ndata_dir = \"\"\n"), "postroom.toml:2: server.data_dir: must not be empty, got \"\"");
  EXPECT_EQ(error_of("[server]\nuser = \"9lives\"\n"),
            "postroom.toml:2: server.user: must start with a letter or '_', got \"9lives\"");
  EXPECT_EQ(
      error_of("[pop3]\nexpire = 30\n"),
      "postroom.toml:2: pop3.expire: expected \"NEVER\" or a whole number of days from \"0\" to \"36500\", got 30");
  EXPECT_EQ(error_of("[pop3]\nexpire = \"36501\"\n"),
            "postroom.toml:2: pop3.expire: must be \"NEVER\" or a whole number of days from 0 to 36500, got \"36501\"");
  EXPECT_EQ(loaded("[pop3]\nexpire = \"0\"\n").pop3_expire, "0");
}

// For every setting in the table: a value of the wrong type, and values just outside an
// integer range, are refused with the key and the line they sit on.
TEST(ConfigErrors, EverySettingRejectsBadValuesWithItsLine) {
  for (const Setting& setting : settings()) {
    const std::string name = qualified_name(setting);
    std::vector<std::string> bad_values;
    if (std::holds_alternative<std::string Config::*>(setting.field)) {
      bad_values = {"7", "false"};
      if (!setting.one_of.empty()) {
        bad_values.push_back("\"no-such-value\"");
      }
    } else if (std::holds_alternative<bool Config::*>(setting.field)) {
      bad_values = {"\"true\"", "1"};
    } else {
      bad_values = {"\"x\"", "2.0"};
      if (setting.min > 0) {
        bad_values.push_back(std::to_string(setting.min - 1));
      }
      if (setting.max < INT64_MAX) {
        bad_values.push_back(std::to_string(setting.max + 1));
      } else {
        bad_values.push_back("-1");
      }
    }
    for (const std::string& bad : bad_values) {
      std::string text =
          "# comment\n\n[" + std::string(setting.section) + "]\n\n" + std::string(setting.key) + " = " + bad + "\n";
      std::string detail = error_of(text);
      EXPECT_EQ(detail.rfind("postroom.toml:5: " + name + ": ", 0), 0u) << name << " = " << bad << " -> " << detail;
      EXPECT_NE(detail.find(", got "), std::string::npos) << detail;
    }
    // The good value (its default) is accepted in the same place.
    std::string text =
        "[" + std::string(setting.section) + "]\n" + std::string(setting.key) + " = " + default_as_toml(setting) + "\n";
    EXPECT_EQ(error_of(text), "<ok>") << name;
  }
}

TEST(ConfigErrors, UnknownKeyWithLineAndSuggestion) {
  EXPECT_EQ(error_of("[server]\nhostname = \"a\"\nhostnme = \"b\"\n"),
            "postroom.toml:3: server.hostnme: unknown key (did you mean server.hostname?)");
  EXPECT_EQ(error_of("[server]\ncert = \"/x.pem\"\n"),
            "postroom.toml:2: server.cert: unknown key (did you mean tls.cert?)");
  EXPECT_EQ(error_of("[limits]\nfrobnicate = 1\n"), "postroom.toml:2: limits.frobnicate: unknown key");
  EXPECT_EQ(error_of("[server.extra]\nx = 1\n"), "postroom.toml:1: server.extra: unknown key");
  EXPECT_EQ(error_of("hostname = \"mail\"\n"),
            "postroom.toml:1: hostname: unknown key; settings belong in a section (did you mean server.hostname?)");
  EXPECT_EQ(error_of("colour = 1\n"),
            "postroom.toml:1: colour: unknown key; settings belong in a section such as [server]");
}

TEST(ConfigErrors, UnknownSectionWithLine) {
  EXPECT_EQ(error_of("[server]\nthreads = 1\n\n[webmail]\nx = 1\n"), "postroom.toml:4: webmail: unknown section");
  EXPECT_EQ(error_of("[servr]\n"), "postroom.toml:1: servr: unknown section (did you mean [server]?)");
  EXPECT_EQ(error_of("[listeners]\n"), "postroom.toml:1: listeners: unknown section (did you mean [[listener]]?)");
}

TEST(ConfigErrors, SectionOfWrongShape) {
  EXPECT_EQ(error_of("[[server]]\nthreads = 1\n"),
            "postroom.toml:1: server: expected a table, written [server], got an array");
  EXPECT_EQ(error_of("server = 1\n"), "postroom.toml:1: server: expected a table, written [server], got 1");
}

TEST(ConfigErrors, SyntaxErrorHasItsLine) {
  std::string detail = error_of("[server]\nthreads = 1\nhostname = \n");
  EXPECT_EQ(detail.rfind("postroom.toml:3: syntax error: ", 0), 0u) << detail;
  detail = error_of("[server]\nthreads = 1\nthreads = 2\n");
  EXPECT_EQ(detail.rfind("postroom.toml:3: syntax error: ", 0), 0u) << detail;
}

TEST(ConfigErrors, AllProblemsReportedInLineOrder) {
  EXPECT_EQ(error_of("[server]\nthreads = 999\nbogus = 1\n[pop3]\nexpire = \"soon\"\n"),
            "postroom.toml:2: server.threads: expected an integer from 0 to 256, got 999\n"
            "postroom.toml:3: server.bogus: unknown key\n"
            "postroom.toml:5: pop3.expire: must be \"NEVER\" or a whole number of days from 0 to 36500, got \"soon\"");
}

TEST(ConfigCrossChecks, TlsCertAndKeyTogether) {
  EXPECT_EQ(error_of("[tls]\ncert = \"/c.pem\"\n"), "postroom.toml:2: tls.key: must be set when tls.cert is set");
  EXPECT_EQ(error_of("[tls]\n\nkey = \"/k.pem\"\n"), "postroom.toml:3: tls.cert: must be set when tls.key is set");
  EXPECT_EQ(error_of("[tls]\ncert = \"/c.pem\"\nkey = \"\"\n"),
            "postroom.toml:3: tls.key: must be set when tls.cert is set");
  EXPECT_EQ(error_of("[tls]\ncert = \"\"\nkey = \"\"\n"), "<ok>");
}

TEST(ConfigCrossChecks, DelayCeilingAboveDelay) {
  EXPECT_EQ(error_of("[auth]\nfailure_delay_ms = 2000\nmax_delay_ms = 1000\n"),
            "postroom.toml:3: auth.max_delay_ms: must be at least auth.failure_delay_ms (2000), got 1000");
  EXPECT_EQ(error_of("[auth]\nfailure_delay_ms = 9000\n"),
            "postroom.toml:2: auth.max_delay_ms: must be at least auth.failure_delay_ms (9000), got 8000");
}

TEST(ConfigErrors, SourceNameIsUsed) {
  Result<Config> result = load_string("[x]\n", "/etc/postroom/postroom.toml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::bad_syntax);
  EXPECT_EQ(result.error().detail, "/etc/postroom/postroom.toml:1: x: unknown section");
}

TEST(ConfigFile, MissingFileNamesThePath) {
  Result<Config> result = load_file("/nonexistent/postroom.toml");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::not_found);
  EXPECT_EQ(result.error().detail, "/nonexistent/postroom.toml: cannot open config file: No such file or directory");
}

TEST(ConfigFile, LoadsAFileAndNamesItInErrors) {
  std::string path = testing::TempDir() + "config_test_file.toml";
  {
    std::ofstream out(path);
    out << "[server]\nhostname = \"mx.example\"\n";
  }
  Result<Config> good = load_file(path);
  ASSERT_TRUE(good.ok()) << good.error().detail;
  EXPECT_EQ(good->hostname, "mx.example");
  {
    std::ofstream out(path);
    out << "[server]\n\nhostname = \"\"\n";
  }
  Result<Config> bad = load_file(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().detail, path + ":3: server.hostname: must not be empty, got \"\"");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace postroom::config
