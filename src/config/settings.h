// The declarative table of settings: the one place that says, for each key, where it lives
// in the file, which Config field it fills, what values it accepts and what it means.
// The loader, the reference docs and the example file are all driven by this table, so a new
// setting is one new row here plus its field in Config.
//
// Defaults are not repeated here: they are read from a default-constructed Config, so the
// member initialisers in config.h are the single source of truth.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "config/config.h"

namespace postroom::config {

// Returns "" when `value` is acceptable, otherwise the problem in a few words
// (it becomes "<file>:<line>: <key>: <problem>").
using StringCheck = std::string (*)(std::string_view value);

using FieldRef = std::variant<std::string Config::*, unsigned Config::*, std::uint64_t Config::*, bool Config::*>;

struct Setting {
  std::string_view section;  // TOML table, e.g. "pop3"
  std::string_view key;      // key inside it, e.g. "login_delay_seconds"
  FieldRef field;            // where the value lands
  // Integers only: the inclusive range accepted.
  std::int64_t min = 0;
  std::int64_t max = 0;
  // Strings only: when non-empty, the value must be one of these.
  std::span<const std::string_view> one_of = {};
  // Strings only: a further check (shape of a host name, a day count...); may be null.
  StringCheck check = nullptr;
  // Strings with a `check`: the accepted values in words, for docs and error messages.
  std::string_view accepts = "";
  std::string_view doc = "";  // what it means, one sentence or two
};

// Every scalar setting, grouped by section in file order.
std::span<const Setting> settings();

// The sections, in the order docs and the example show them ("listener" is not among them:
// it is an array of tables with its own rules, see listener_rules.h).
std::span<const std::string_view> section_names();
std::string_view section_doc(std::string_view section);

// "section.key": how errors and docs name a setting.
std::string qualified_name(const Setting& setting);

// The default of `setting` as TOML would spell it: "\"localhost\"", "4", "false".
std::string default_as_toml(const Setting& setting);

// What the setting accepts, in words: "an integer from 1 to 256", "one of \"1.2\", \"1.3\"".
std::string accepted_values(const Setting& setting);

}  // namespace postroom::config
