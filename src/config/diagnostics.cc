#include "config/diagnostics.h"

#include <algorithm>

namespace postroom::config {

void Diagnostics::add(std::uint32_t line, std::string key, std::string problem) {
  if (problems_.size() >= kMaxProblems) {
    truncated_ = true;
    return;
  }
  problems_.push_back(Problem{line, std::move(key), std::move(problem)});
}

Error Diagnostics::to_error(std::string_view source_name) const {
  std::vector<Problem> sorted = problems_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Problem& a, const Problem& b) { return a.line < b.line; });
  std::string detail;
  for (const Problem& problem : sorted) {
    if (!detail.empty()) {
      detail += '\n';
    }
    detail += source_name;
    if (problem.line != 0) {
      detail += ':';
      detail += std::to_string(problem.line);
    }
    detail += ": ";
    if (!problem.key.empty()) {
      detail += problem.key;
      detail += ": ";
    }
    detail += problem.problem;
  }
  if (truncated_) {
    detail += "\n";
    detail += source_name;
    detail += ": (further problems not shown)";
  }
  return make_error(ErrorKind::bad_syntax, std::move(detail));
}

}  // namespace postroom::config
