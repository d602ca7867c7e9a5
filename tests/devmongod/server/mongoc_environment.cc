// Registers mongoc_init()/mongoc_cleanup() around the whole test binary.
#include <gtest/gtest.h>

#include "support/mongoc_handles.h"

namespace {

// gtest owns the environment; the pointer is kept only to force the
// registration at static-initialisation time.
[[maybe_unused]] ::testing::Environment* const kMongocEnvironment =
    ::testing::AddGlobalTestEnvironment(new test_support::MongocEnvironment);

}  // namespace
