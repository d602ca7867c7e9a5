// Projection::Compile: validates {field: 0|1|true|false, ...} and builds the
// path tree of projection_spec.h.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "devmongod/query/errors.h"
#include "devmongod/query/limits.h"
#include "devmongod/query/numeric_order.h"
#include "devmongod/query/path_walk.h"
#include "devmongod/query/projection_spec.h"
#include "devmongod/query/query.h"

namespace devmongod::query {
namespace {

using Status = std::expected<void, Error>;

// Reads a projection value as include (true) / exclude (false).
std::optional<bool> ReadInclusion(const bson_iter_t& value) {
  if (BSON_ITER_HOLDS_BOOL(&value)) return bson_iter_bool(&value);
  if (BSON_ITER_HOLDS_NUMBER(&value) || BSON_ITER_HOLDS_DECIMAL128(&value)) {
    return NumberToDouble(ValueOf(value)) != 0;
  }
  return std::nullopt;  // computed fields, $slice, $elemMatch, ...: not supported
}

Status CheckPath(std::string_view path) {
  if (path.empty() || path.front() == '$') {
    return std::unexpected(
        BadValue("projection field names must be non-empty and not start with $: '" +
                 std::string(path) + "'"));
  }
  if (PathComponentCount(path) > kMaxPathComponents) {
    return std::unexpected(BadValue("projection path is too long: '" + std::string(path) + "'"));
  }
  for (PathRest rest{path, false}; !rest.done(); rest = rest.Tail()) {
    const std::string_view component = rest.Head();
    if (component.empty()) {
      return std::unexpected(
          BadValue("projection path has an empty component: '" + std::string(path) + "'"));
    }
    if (component.front() == '$') {
      return std::unexpected(BadValue("positional and $-prefixed projections are not supported: '" +
                                      std::string(path) + "'"));
    }
  }
  return {};
}

Error PathCollision(std::string_view path) {
  return LocationError(31250, "Path collision at " + std::string(path));
}

// Adds `path` as a leaf; a path that is a prefix of another ("a" and "a.b")
// or repeated is a collision, as in MongoDB.
Status InsertPath(ProjectionNode* root, std::string_view path) {
  ProjectionNode* node = root;
  for (PathRest rest{path, false}; !rest.done(); rest = rest.Tail()) {
    const std::string_view component = rest.Head();
    const bool last = rest.Tail().done();
    ProjectionNode* child = node->Find(component);
    if (child != nullptr && (child->leaf || last)) return std::unexpected(PathCollision(path));
    if (child == nullptr) {
      node->children.push_back(ProjectionNode{std::string(component), last, {}});
      child = &node->children.back();
    }
    node = child;
  }
  return {};
}

}  // namespace

std::expected<Projection, Error> Projection::Compile(const bson_t& projection) {
  auto spec = std::make_shared<Spec>();
  std::optional<bool> mode;     // set by the first field other than _id
  std::optional<bool> id_mode;  // {_id: 0|1}, which either mode accepts
  bson_iter_t iter;
  if (!bson_iter_init(&iter, &projection)) {
    return std::unexpected(BadValue("projection must be a valid BSON document"));
  }
  while (bson_iter_next(&iter)) {
    const std::string_view path(bson_iter_key(&iter), bson_iter_key_len(&iter));
    if (Status s = CheckPath(path); !s) return std::unexpected(s.error());
    const std::optional<bool> include = ReadInclusion(iter);
    if (!include) {
      return std::unexpected(BadValue("projection value for '" + std::string(path) +
                                      "' is not supported by devmongod (use 0, 1, true or false)"));
    }
    if (path == "_id") {
      if (id_mode) return std::unexpected(PathCollision(path));
      id_mode = *include;
      continue;
    }
    if (mode && *mode && !*include) {
      return std::unexpected(LocationError(
          31254, "Cannot do exclusion on field " + std::string(path) + " in inclusion projection"));
    }
    if (mode && !*mode && *include) {
      return std::unexpected(LocationError(
          31253, "Cannot do inclusion on field " + std::string(path) + " in exclusion projection"));
    }
    mode = *include;
    if (Status s = InsertPath(&spec->root, path); !s) return std::unexpected(s.error());
  }
  if (iter.err_off != 0) return std::unexpected(BadValue("projection is not valid BSON"));

  Projection result;
  if (!mode && !id_mode) return result;  // {}: no projection at all
  // {_id: 0} alone excludes _id; {_id: 1} alone includes only _id.
  spec->inclusion = mode ? *mode : *id_mode;
  if (spec->inclusion) {
    spec->keep_id = id_mode.value_or(true);
  } else if (id_mode == false) {
    if (Status s = InsertPath(&spec->root, "_id"); !s) return std::unexpected(s.error());
  }
  result.spec_ = std::move(spec);
  return result;
}

bool Projection::empty() const { return spec_ == nullptr; }

}  // namespace devmongod::query
