#include "config/toml_nodes.h"

#include <sstream>

#include "config/checks.h"

namespace postroom::config {

std::uint32_t line_of(const toml::node& node) {
  return node.source().begin.line;
}

std::uint32_t line_of(const toml::key& key) {
  return key.source().begin.line;
}

std::string describe(const toml::node& node) {
  // Long strings are cut: the line should point at the mistake, not reprint the file.
  constexpr std::size_t kMaxShown = 60;
  switch (node.type()) {
    case toml::node_type::string: {
      const std::string& text = node.as_string()->get();
      if (text.size() > kMaxShown) {
        return toml_quoted(text.substr(0, kMaxShown)) + "...";
      }
      return toml_quoted(text);
    }
    case toml::node_type::integer: return std::to_string(node.as_integer()->get());
    case toml::node_type::boolean: return node.as_boolean()->get() ? "true" : "false";
    case toml::node_type::floating_point: {
      std::ostringstream out;
      out << *node.as_floating_point();
      return out.str();
    }
    case toml::node_type::date: {
      std::ostringstream out;
      out << *node.as_date();
      return out.str();
    }
    case toml::node_type::time: {
      std::ostringstream out;
      out << *node.as_time();
      return out.str();
    }
    case toml::node_type::date_time: {
      std::ostringstream out;
      out << *node.as_date_time();
      return out.str();
    }
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::none: break;
  }
  return "nothing";
}

}  // namespace postroom::config
