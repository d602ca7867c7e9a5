// The names of the aggregation stages MongoDB has, so that devmongod can
// tell a stage it does not implement (an error saying so) from a name
// MongoDB does not know either (40324 Unrecognized pipeline stage name).
// Thread-safety: pure functions.
#pragma once

#include <string_view>

namespace devmongod::query {

bool IsKnownStage(std::string_view name);

}  // namespace devmongod::query
