// A fresh directory under $TMPDIR (or /tmp), removed with its contents when
// the object goes away, also when the test failed.
// Thread-safety: a plain value.
#pragma once

#include <filesystem>
#include <string>

namespace test_support {

class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace test_support
