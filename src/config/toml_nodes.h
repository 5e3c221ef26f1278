// Small helpers over toml++ nodes shared by the loader files. Internal to config/: toml++
// never appears in a public header, so users of config.h do not compile it.
//
// toml++ is linked as Debian's shared library, built with exceptions (its symbols live in
// toml::v3::ex); its pkg-config flags set TOML_HEADER_ONLY=0. Defining TOML_EXCEPTIONS=0
// here would select the toml::v3::noex ABI that the library does not export, so instead
// toml::parse_error is caught in exactly one place, load_string().
#pragma once

#include <cstdint>
#include <string>

#include <toml++/toml.h>

namespace postroom::config {

// 1-based line where the node (or key) starts; 0 when toml++ did not record one.
std::uint32_t line_of(const toml::node& node);
std::uint32_t line_of(const toml::key& key);

// The value as the user wrote it, short enough for an error line: strings quoted and
// escaped, numbers and dates as text, tables and arrays by kind only.
std::string describe(const toml::node& node);

}  // namespace postroom::config
