// fuzz-lib: postroom_mailauth
// SPF record parser, macro expansion, and check_host over an in-memory zone where the
// fuzzed record is published (so include/redirect/a/mx/exists all run, bounded by limits).
#include <cstddef>
#include <cstdint>
#include <string>

#include "dns/resolver.h"
#include "mailauth/spf.h"
#include "mailauth/spf_macro.h"
#include "mailauth/spf_record.h"

using namespace postroom;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  (void)mailauth::parse_spf_record(input);

  mailauth::MacroContext context;
  context.sender = "strong-bad@email.example.com";
  context.local_part = "strong-bad";
  context.sender_domain = "email.example.com";
  context.domain = "email.example.com";
  context.ip = *mailauth::parse_ip("2001:db8::cb01");
  context.helo = "mx.example.org";
  (void)mailauth::expand_macros(input, context);
  (void)mailauth::expand_macros(input, context, mailauth::MacroUse::explanation);

  dns::StaticResolver zone;
  zone.add_txt("example.com", input);
  zone.add_txt("inc.example.com", input);
  zone.add_a("example.com", "192.0.2.10");
  zone.add_mx("example.com", 10, "mail.example.com");
  zone.add_a("mail.example.com", "192.0.2.129");
  zone.add_ptr("192.0.2.10", "example.com");
  (void)mailauth::check_host(zone, "192.0.2.10", "example.com", "user@example.com", "helo.example.com");
  (void)mailauth::check_host(zone, "2001:db8::1", "example.com", "", "helo.example.com");
  return 0;
}
