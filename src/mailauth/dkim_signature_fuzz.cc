// fuzz-lib: postroom_mailauth
// DKIM-Signature tag-list parser, key record parser, and the verifier over a message whose
// DKIM-Signature value is the fuzzed input.
#include <cstddef>
#include <cstdint>
#include <string>

#include "mailauth/dkim.h"
#include "mailauth/dkim_signature.h"

using namespace postroom;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  (void)mailauth::parse_dkim_signature(input);
  (void)mailauth::parse_dkim_key(input);
  std::string message = "DKIM-Signature: " + input + "\r\nFrom: a@example.org\r\nSubject: x\r\n\r\nbody\r\n";
  (void)mailauth::dkim_verify_with_key(message, 0,
                                       "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  (void)mailauth::dkim_verify_with_key(message, 0, input);
  return 0;
}
