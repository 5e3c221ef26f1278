// Generates docs/configuration.md and config/postroom.example.toml from the settings table,
// so neither can drift from what the loader accepts (reference_test.cc compares them).
#include <string>
#include <string_view>

#include "config/config.h"
#include "config/listener_rules.h"
#include "config/settings.h"

namespace postroom::config {
namespace {

constexpr std::size_t kCommentWidth = 92;

// Markdown table cells: a '|' would end the cell.
std::string cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else {
      out += c;
    }
  }
  return out;
}

std::string code(std::string_view text) {
  return "`" + std::string(text) + "`";
}

// `text` as "# "-prefixed comment lines, wrapped at word boundaries.
std::string comment(std::string_view text) {
  std::string out;
  std::string line = "#";
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view word = text.substr(start, end - start);
    if (line.size() > 1 && line.size() + 1 + word.size() > kCommentWidth) {
      out += line + "\n";
      line = "#";
    }
    line += " ";
    line += word;
    start = end + 1;
  }
  out += line + "\n";
  return out;
}

std::string port_text(std::uint16_t port) {
  return port == 0 ? "none (set `port`)" : std::to_string(port);
}

std::string markdown_listener_section() {
  std::string out;
  out += "## [[listener]]\n\n";
  out +=
      "Each `[[listener]]` table opens one TCP socket. There are none by default: list every "
      "service you want served. Listeners are bound before privileges are dropped (see `server.user`), "
      "so ports below 1024 work when started as root.\n\n";
  out += "| Key | Default | Accepts | Meaning |\n|---|---|---|---|\n";
  for (const ListenerKey& key : listener_keys()) {
    // Literal defaults in code style like the other tables; defaults in words stay prose.
    std::string default_text = key.default_text.starts_with('"') ? code(key.default_text) : cell(key.default_text);
    out += "| " + code(key.key) + " | " + default_text + " | " + cell(key.accepts) + " | " + cell(key.doc) + " |\n";
  }
  out += "\nServices, their default mode and well-known ports:\n\n";
  out += "| Service | Protocol | Default mode | Port (plain, starttls) | Port (tls) | STARTTLS |\n";
  out += "|---|---|---|---|---|---|\n";
  for (const ServiceRule& rule : service_rules()) {
    out += "| " + code(rule.name) + " | " + cell(rule.doc) + " | " + code(to_string(rule.default_mode)) + " | " +
           port_text(rule.plain_port) + " | " + port_text(rule.tls_port) + " | " +
           (rule.supports_starttls ? "yes" : "no") + " |\n";
  }
  out += "\nRules checked at startup:\n\n";
  out += "- `mode = \"starttls\"` only for services that define an upgrade (STARTTLS column).\n";
  out +=
      "- No two listeners on the same address and port, and none on a specific address when a "
      "wildcard (`0.0.0.0` or `::`) of the same family already holds that port.\n";
  out += "- Every listener names its `service`; unknown keys are errors as everywhere else.\n";
  return out;
}

}  // namespace

std::string render_reference_markdown() {
  std::string out;
  out += "# Configuration reference\n\n";
  out +=
      "<!-- Generated from src/config/settings.cc and src/config/listener_rules.cc by "
      "postroom::config::render_reference_markdown(). Do not edit by hand; see src/config/README.md. -->\n\n";
  out +=
      "postroomd reads one TOML file at startup. Every setting has a default, so an empty file is a "
      "valid configuration (with no listeners). An unknown section, an unknown key or a bad value stops "
      "startup with one line per problem naming the file, the line and the key:\n\n";
  out += "```\npostroom.toml:12: pop3.login_delay_seconds: expected a non-negative integer, got \"x\"\n```\n\n";
  out += "A complete example with every setting at its default is `config/postroom.example.toml`.\n\n";
  out +=
      "Also checked across settings: `tls.cert` and `tls.key` are both set or both empty; "
      "`auth.max_delay_ms` is at least `auth.failure_delay_ms`.\n";
  for (std::string_view section : section_names()) {
    out += "\n## [" + std::string(section) + "]\n\n";
    out += std::string(section_doc(section)) + "\n\n";
    out += "| Key | Default | Accepts | Meaning |\n|---|---|---|---|\n";
    for (const Setting& setting : settings()) {
      if (setting.section != section) {
        continue;
      }
      out += "| " + code(setting.key) + " | " + code(default_as_toml(setting)) + " | " +
             cell(accepted_values(setting)) + " | " + cell(setting.doc) + " |\n";
    }
  }
  out += "\n" + markdown_listener_section();
  return out;
}

std::string render_example_toml() {
  std::string out;
  out += "# Postroom configuration example: every setting at its default, and POP3 listeners.\n";
  out += "# Generated by postroom::config::render_example_toml(); the reference with every rule is\n";
  out += "# docs/configuration.md. Any key may be left out to keep its default; unknown keys are errors.\n";
  for (std::string_view section : section_names()) {
    out += "\n[" + std::string(section) + "]\n";
    out += comment(section_doc(section));
    for (const Setting& setting : settings()) {
      if (setting.section != section) {
        continue;
      }
      out += "\n";
      out += comment(setting.doc);
      out += comment("Accepts " + accepted_values(setting) + ".");
      out += std::string(setting.key) + " = " + default_as_toml(setting) + "\n";
    }
  }
  out += "\n# One [[listener]] table per socket. Keys: service (required), address (default \"0.0.0.0\"),\n";
  out += "# port (default: the service's well-known port), mode (\"plain\", \"starttls\" or \"tls\").\n";
  out += "# Without [tls] cert/key a self-signed certificate is generated in data_dir/tls/.\n";
  out += "\n# POP3 on 110: plain until the client sends STLS (RFC 2595).\n";
  out += "[[listener]]\nservice = \"pop3\"\naddress = \"0.0.0.0\"\nport = 110\nmode = \"starttls\"\n";
  out += "\n# POP3S on 995: TLS from the first byte (RFC 8314).\n";
  out += "[[listener]]\nservice = \"pop3\"\naddress = \"0.0.0.0\"\nport = 995\nmode = \"tls\"\n";
  return out;
}

}  // namespace postroom::config
