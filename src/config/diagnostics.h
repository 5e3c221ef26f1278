// Collects every problem found in one config file so that one failed start reports them all.
// Internal to config/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace postroom::config {

class Diagnostics {
 public:
  // line 0 means "no line known" (e.g. the whole file); `key` may be empty for syntax errors.
  void add(std::uint32_t line, std::string key, std::string problem);

  bool empty() const { return problems_.empty(); }

  // One "<source>:<line>: <key>: <problem>" line per problem, ordered by line, joined by '\n'.
  Error to_error(std::string_view source_name) const;

 private:
  struct Problem {
    std::uint32_t line;
    std::string key;
    std::string problem;
  };
  // Why a cap: a binary file fed as config would otherwise produce one problem per byte.
  static constexpr std::size_t kMaxProblems = 50;
  std::vector<Problem> problems_;
  bool truncated_ = false;
};

}  // namespace postroom::config
