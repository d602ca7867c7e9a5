// Bounds that keep the query code safe on hostile input: every recursion in
// this library is bounded by one of these, and inputs that would exceed them
// are rejected at compile time with an Error instead of exhausting the stack.
// Thread-safety: constants only.
#pragma once

#include <cstddef>

namespace devmongod::query {

// Nesting of $and/$or/$nor/$not in a filter (MongoDB uses the same figure).
inline constexpr int kMaxFilterDepth = 100;

// Components of a dotted field path ("a.b.c" has 3). Path walking recurses
// once per component.
inline constexpr std::size_t kMaxPathComponents = 100;

// Arrays nested directly inside arrays that projection still rewrites;
// deeper ones are copied unchanged (exclusion) or dropped (inclusion).
inline constexpr int kMaxProjectionArrayNesting = 16;

}  // namespace devmongod::query
