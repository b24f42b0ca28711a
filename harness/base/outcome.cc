#include "harness/base/check.h"

namespace lg {
const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::Pass: return "PASS";
    case Outcome::Fail: return "FAIL";
    case Outcome::Error: return "ERROR";
    case Outcome::Skipped: return "SKIP";
  }
  return "?";
}
}  // namespace lg
