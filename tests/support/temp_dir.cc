#include "support/temp_dir.h"

#include <cstdlib>
#include <system_error>

namespace test_support {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/chat-test-XXXXXX";
  // mkdtemp fails only when the base is unusable; the empty path then makes
  // the test's own file operations fail with a clear message.
  if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace test_support
