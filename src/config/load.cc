// load_string() / load_file(): the boundary between TOML text and a validated Config.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "config/config.h"
#include "config/diagnostics.h"
#include "config/listeners_loader.h"
#include "config/settings.h"
#include "config/toml_nodes.h"

namespace postroom::config {
namespace {

// Why a cap: the config is a few kilobytes; anything this large is the wrong file, and
// reading it whole must not be the thing that exhausts memory.
constexpr std::size_t kMaxConfigFileBytes = 1024 * 1024;

// Where each setting was written: cross-checks point at the line the user should change.
using SetLines = std::map<std::string, std::uint32_t, std::less<>>;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};

bool is_section(std::string_view name) {
  for (std::string_view section : section_names()) {
    if (section == name) {
      return true;
    }
  }
  return false;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean tls.cert?)" for a key that exists in another section or is a near miss in
// this one; "" when nothing is close.
std::string suggestion_for_key(std::string_view section, std::string_view key) {
  for (const Setting& setting : settings()) {
    if (setting.key == key && setting.section != section) {
      return " (did you mean " + qualified_name(setting) + "?)";
    }
  }
  const Setting* best = nullptr;
  std::size_t best_distance = 3;  // at most two typos away
  for (const Setting& setting : settings()) {
    if (setting.section != section) {
      continue;
    }
    std::size_t distance = edit_distance(setting.key, key);
    if (distance < best_distance) {
      best = &setting;
      best_distance = distance;
    }
  }
  return best != nullptr ? " (did you mean " + qualified_name(*best) + "?)" : "";
}

std::string suggestion_for_section(std::string_view name) {
  std::string_view best;
  std::size_t best_distance = 3;
  for (std::string_view section : section_names()) {
    std::size_t distance = edit_distance(section, name);
    if (distance < best_distance) {
      best = section;
      best_distance = distance;
    }
  }
  if (edit_distance("listener", name) < best_distance) {
    return " (did you mean [[listener]]?)";
  }
  return best.empty() ? "" : " (did you mean [" + std::string(best) + "]?)";
}

// Stores `value` into the field of `setting`, or reports why it cannot.
void read_setting(const Setting& setting, const toml::node& value, std::uint32_t line, Config& config,
                  Diagnostics& diagnostics) {
  const std::string name = qualified_name(setting);
  std::visit(Overloaded{
                 [&](std::string Config::*field) {
                   const auto* text = value.as_string();
                   if (text == nullptr) {
                     diagnostics.add(line, name, "expected " + accepted_values(setting) + ", got " + describe(value));
                     return;
                   }
                   if (!setting.one_of.empty()) {
                     bool listed = false;
                     for (std::string_view allowed : setting.one_of) {
                       listed = listed || allowed == text->get();
                     }
                     if (!listed) {
                       diagnostics.add(line, name, "expected " + accepted_values(setting) + ", got " + describe(value));
                       return;
                     }
                   }
                   if (setting.check != nullptr) {
                     std::string problem = setting.check(text->get());
                     if (!problem.empty()) {
                       diagnostics.add(line, name, problem + ", got " + describe(value));
                       return;
                     }
                   }
                   config.*field = text->get();
                 },
                 [&](bool Config::*field) {
                   const auto* flag = value.as_boolean();
                   if (flag == nullptr) {
                     diagnostics.add(line, name, "expected true or false, got " + describe(value));
                     return;
                   }
                   config.*field = flag->get();
                 },
                 [&](auto field) {  // unsigned or std::uint64_t
                   const auto* number = value.as_integer();
                   if (number == nullptr) {
                     diagnostics.add(line, name, "expected a non-negative integer, got " + describe(value));
                     return;
                   }
                   if (number->get() < setting.min || number->get() > setting.max) {
                     diagnostics.add(line, name, "expected " + accepted_values(setting) + ", got " + describe(value));
                     return;
                   }
                   using Field = std::remove_reference_t<decltype(config.*field)>;
                   config.*field = static_cast<Field>(number->get());
                 },
             },
             setting.field);
}

void read_section(std::string_view section, const toml::key& section_key, const toml::node& node, Config& config,
                  SetLines& set_lines, Diagnostics& diagnostics) {
  const toml::table* table = node.as_table();
  if (table == nullptr) {
    diagnostics.add(line_of(section_key), std::string(section),
                    "expected a table, written [" + std::string(section) + "], got " + describe(node));
    return;
  }
  for (auto&& [key, value] : *table) {
    const Setting* match = nullptr;
    for (const Setting& setting : settings()) {
      if (setting.section == section && setting.key == key.str()) {
        match = &setting;
        break;
      }
    }
    const std::uint32_t line = line_of(key);
    if (match == nullptr) {
      diagnostics.add(line, std::string(section) + "." + std::string(key.str()),
                      "unknown key" + suggestion_for_key(section, key.str()));
      continue;
    }
    set_lines[qualified_name(*match)] = line;
    read_setting(*match, value, line, config, diagnostics);
  }
}

std::uint32_t line_of_setting(const SetLines& set_lines, std::string_view name) {
  auto found = set_lines.find(name);
  return found == set_lines.end() ? 0 : found->second;
}

// Rules that involve more than one setting. Run only when each setting is valid alone, so
// a typo is not reported twice.
void cross_check(const Config& config, const SetLines& set_lines, Diagnostics& diagnostics) {
  if (!config.tls_cert.empty() && config.tls_key.empty()) {
    std::uint32_t line = line_of_setting(set_lines, "tls.key");
    diagnostics.add(line != 0 ? line : line_of_setting(set_lines, "tls.cert"), "tls.key",
                    "must be set when tls.cert is set");
  }
  if (config.tls_cert.empty() && !config.tls_key.empty()) {
    std::uint32_t line = line_of_setting(set_lines, "tls.cert");
    diagnostics.add(line != 0 ? line : line_of_setting(set_lines, "tls.key"), "tls.cert",
                    "must be set when tls.key is set");
  }
  if (config.auth_failure_delay_ms > config.auth_max_delay_ms) {
    std::uint32_t line = line_of_setting(set_lines, "auth.max_delay_ms");
    diagnostics.add(line != 0 ? line : line_of_setting(set_lines, "auth.failure_delay_ms"), "auth.max_delay_ms",
                    "must be at least auth.failure_delay_ms (" + std::to_string(config.auth_failure_delay_ms) +
                        "), got " + std::to_string(config.auth_max_delay_ms));
  }
}

Result<Config> validate(const toml::table& root, std::string_view source_name) {
  Config config;
  SetLines set_lines;
  Diagnostics diagnostics;
  for (auto&& [key, value] : root) {
    const std::string_view name = key.str();
    if (name == "listener") {
      read_listeners(key, value, config.listeners, diagnostics);
    } else if (is_section(name)) {
      read_section(name, key, value, config, set_lines, diagnostics);
    } else if (value.is_table()) {
      diagnostics.add(line_of(key), std::string(name), "unknown section" + suggestion_for_section(name));
    } else {
      // A key above the first [section]: say where it belongs if it is a known setting.
      std::string hint = suggestion_for_key("", name);
      diagnostics.add(
          line_of(key), std::string(name),
          "unknown key; settings belong in a section" + (hint.empty() ? std::string(" such as [server]") : hint));
    }
  }
  if (diagnostics.empty()) {
    cross_check(config, set_lines, diagnostics);
  }
  if (!diagnostics.empty()) {
    return diagnostics.to_error(source_name);
  }
  return config;
}

}  // namespace

Result<Config> load_string(std::string_view toml_text, std::string_view source_name) {
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& error) {
    // The only place toml++ exceptions are handled (see toml_nodes.h).
    Diagnostics diagnostics;
    diagnostics.add(error.source().begin.line, "syntax error", std::string(error.description()));
    return diagnostics.to_error(source_name);
  }
  return validate(root, source_name);
}

Result<Config> load_file(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) {
    int error = errno;
    ErrorKind kind = error == ENOENT   ? ErrorKind::not_found
                     : error == EACCES ? ErrorKind::denied
                                       : ErrorKind::temporary;
    return make_error(kind, path + ": cannot open config file: " + std::strerror(error));
  }
  std::string text;
  char buffer[16384];
  while (true) {
    std::size_t got = std::fread(buffer, 1, sizeof buffer, file.get());
    text.append(buffer, got);
    if (text.size() > kMaxConfigFileBytes) {
      return make_error(ErrorKind::limit,
                        path + ": config file is larger than " + std::to_string(kMaxConfigFileBytes) + " bytes");
    }
    if (got < sizeof buffer) {
      break;
    }
  }
  if (std::ferror(file.get())) {
    int error = errno;
    return make_error(ErrorKind::temporary, path + ": cannot read config file: " + std::strerror(error));
  }
  return load_string(text, path);
}

}  // namespace postroom::config
