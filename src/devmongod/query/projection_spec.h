// The compiled form of a projection (private to the query library): a tree
// of the projected paths, e.g. {a:1, "b.c":1, "b.d":1} is a -> leaf,
// b -> {c -> leaf, d -> leaf}.
// Thread-safety: immutable after compilation.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "devmongod/query/query.h"

namespace devmongod::query {

struct ProjectionNode {
  std::string name;
  bool leaf = false;  // the whole field is included/excluded
  std::vector<ProjectionNode> children;

  const ProjectionNode* Find(std::string_view child_name) const {
    for (const ProjectionNode& child : children) {
      if (child.name == child_name) return &child;
    }
    return nullptr;
  }
  ProjectionNode* Find(std::string_view child_name) {
    for (ProjectionNode& child : children) {
      if (child.name == child_name) return &child;
    }
    return nullptr;
  }
};

struct Projection::Spec {
  bool inclusion = true;  // false: exclusion projection
  bool keep_id = true;    // inclusion only: _id is kept unless {_id: 0}
  ProjectionNode root;
};

}  // namespace devmongod::query
