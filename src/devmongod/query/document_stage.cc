// DocumentStage::Parse: validates a per-document stage's specification once.
#include <algorithm>
#include <string>
#include <string_view>

#include "devmongod/query/document_stage.h"
#include "devmongod/query/errors.h"
#include "devmongod/query/limits.h"
#include "devmongod/query/path_walk.h"

namespace devmongod::query {
namespace {

std::string_view KeyOf(const bson_iter_t& iter) {
  return std::string_view(bson_iter_key(&iter), bson_iter_key_len(&iter));
}

// A field path of an output field ("a.b"): non-empty components, none
// starting with '$'.
std::expected<std::vector<std::string>, Error> OutputPath(std::string_view stage,
                                                          std::string_view text) {
  if (PathComponentCount(text) > kMaxPathComponents) {
    return std::unexpected(BadValue(std::string(stage) + ": field path is too long"));
  }
  std::vector<std::string> path;
  for (PathRest rest{text, false}; !rest.done(); rest = rest.Tail()) {
    const std::string_view part = rest.Head();
    if (part.empty() || part.front() == '$') {
      return std::unexpected(LocationError(
          40352, std::string(stage) + ": invalid output field path '" + std::string(text) + "'"));
    }
    path.emplace_back(part);
  }
  return path;
}

bool IsInclusionFlag(const bson_iter_t& value) {
  return BSON_ITER_HOLDS_BOOL(&value) || BSON_ITER_HOLDS_NUMBER(&value) ||
         BSON_ITER_HOLDS_DECIMAL128(&value);
}

bool IsOperatorObject(const bson_iter_t& value) {
  bson_iter_t fields;
  return BSON_ITER_HOLDS_DOCUMENT(&value) && bson_iter_recurse(&value, &fields) &&
         bson_iter_next(&fields) && KeyOf(fields).starts_with("$");
}

bool IsFalse(const bson_iter_t& value) {
  return BSON_ITER_HOLDS_BOOL(&value) ? !bson_iter_bool(&value) : !bson_iter_as_bool(&value);
}

}  // namespace

bool DocumentStage::Handles(std::string_view name) {
  static constexpr std::string_view kNames[] = {"$match",       "$project", "$addFields",
                                                "$set",         "$unset",   "$replaceRoot",
                                                "$replaceWith", "$redact"};
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

std::expected<DocumentStage, Error> DocumentStage::ParseMatch(std::string_view /*name*/,
                                                              const bson_iter_t& arg) {
  DocumentStage stage;
  bson_iter_t fields;
  const bool is_document = BSON_ITER_HOLDS_DOCUMENT(&arg) && bson_iter_recurse(&arg, &fields);
  if (!is_document) {
    return std::unexpected(BadValue("the match filter must be an expression in an object"));
  }
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_document(&arg, &len, &data);
  bson_t view;
  if (!bson_init_static(&view, data, len)) return std::unexpected(BadValue("invalid $match"));
  auto matcher = Matcher::Compile(view);
  if (!matcher) return std::unexpected(matcher.error());
  stage.kind_ = Kind::kMatch;
  stage.matcher_ = std::move(*matcher);
  return stage;
}

std::expected<DocumentStage, Error> DocumentStage::ParseProject(std::string_view /*name*/,
                                                                const bson_iter_t& arg) {
  DocumentStage stage;
  bson_iter_t fields;
  const bool is_document = BSON_ITER_HOLDS_DOCUMENT(&arg) && bson_iter_recurse(&arg, &fields);
  if (!is_document) {
    return std::unexpected(TypeMismatch("$project specification must be an object"));
  }
  stage.kind_ = Kind::kProject;
  common::BsonPtr flags = common::NewBson();  // the 0/1 part
  bool excludes = false, includes = false, id_excluded = false;
  while (bson_iter_next(&fields)) {
    const std::string_view key = KeyOf(fields);
    if (IsInclusionFlag(fields)) {
      bson_iter_t copy = fields;
      bson_append_iter(flags.get(), key.data(), static_cast<int>(key.size()), &copy);
      if (key == "_id") {
        id_excluded = IsFalse(fields);
      } else {
        (IsFalse(fields) ? excludes : includes) = true;
      }
      continue;
    }
    if (BSON_ITER_HOLDS_DOCUMENT(&fields) && !IsOperatorObject(fields)) {
      return std::unexpected(BadValue("$project: nested projection objects such as '" +
                                      std::string(key) +
                                      "' are not supported by devmongod (use dotted paths)"));
    }
    auto path = OutputPath("$project", key);
    if (!path) return std::unexpected(path.error());
    auto expression = Expression::Parse(fields);
    if (!expression) return std::unexpected(expression.error());
    stage.fields_.emplace_back(std::move(*path), std::move(*expression));
  }
  if (!stage.fields_.empty()) {
    if (excludes) {
      return std::unexpected(
          LocationError(31252, "Cannot use expression other than $meta in exclusion projection"));
    }
    if (!includes && !id_excluded) BSON_APPEND_INT32(flags.get(), "_id", 1);
    stage.project_from_empty_ = !includes && id_excluded;
  }
  if (stage.project_from_empty_) return stage;
  auto projection = Projection::Compile(*flags);
  if (!projection) return std::unexpected(projection.error());
  if (projection->empty()) {
    return std::unexpected(LocationError(51272, "$project requires at least one output field"));
  }
  stage.projection_ = std::move(*projection);
  return stage;
}

std::expected<DocumentStage, Error> DocumentStage::ParseAddFields(std::string_view name,
                                                                  const bson_iter_t& arg) {
  DocumentStage stage;
  bson_iter_t fields;
  const bool is_document = BSON_ITER_HOLDS_DOCUMENT(&arg) && bson_iter_recurse(&arg, &fields);
  const std::string stage_name(name);
  if (!is_document) {
    return std::unexpected(
        LocationError(40272, stage_name + " specification stage must be an object"));
  }
  stage.kind_ = Kind::kAddFields;
  while (bson_iter_next(&fields)) {
    auto path = OutputPath(name, KeyOf(fields));
    if (!path) return std::unexpected(path.error());
    auto expression = Expression::Parse(fields);
    if (!expression) return std::unexpected(expression.error());
    stage.fields_.emplace_back(std::move(*path), std::move(*expression));
  }
  if (stage.fields_.empty()) {
    return std::unexpected(
        LocationError(40177, stage_name + " specification must have at least one field"));
  }
  return stage;
}

std::expected<DocumentStage, Error> DocumentStage::ParseUnset(std::string_view /*name*/,
                                                              const bson_iter_t& arg) {
  DocumentStage stage;
  stage.kind_ = Kind::kUnset;
  common::BsonPtr spec = common::NewBson();
  auto add = [&](const bson_iter_t& item) -> std::expected<void, Error> {
    if (!BSON_ITER_HOLDS_UTF8(&item)) {
      return std::unexpected(LocationError(
          31120,
          "$unset specification must be a string or an array containing only string values"));
    }
    uint32_t len = 0;
    const char* path = bson_iter_utf8(&item, &len);
    bson_append_int32(spec.get(), path, static_cast<int>(len), 0);
    return {};
  };
  bson_iter_t items;
  if (BSON_ITER_HOLDS_ARRAY(&arg) && bson_iter_recurse(&arg, &items)) {
    while (bson_iter_next(&items)) {
      if (auto added = add(items); !added) return std::unexpected(added.error());
    }
  } else if (auto added = add(arg); !added) {
    return std::unexpected(added.error());
  }
  if (bson_empty(spec.get())) {
    return std::unexpected(LocationError(
        31119, "$unset specification must be a string or an array with at least one field"));
  }
  auto projection = Projection::Compile(*spec);
  if (!projection) return std::unexpected(projection.error());
  stage.projection_ = std::move(*projection);
  return stage;
}

std::expected<DocumentStage, Error> DocumentStage::ParseReplaceRoot(std::string_view /*name*/,
                                                                    const bson_iter_t& arg) {
  DocumentStage stage;
  bson_iter_t fields;
  const bool is_document = BSON_ITER_HOLDS_DOCUMENT(&arg) && bson_iter_recurse(&arg, &fields);
  if (!is_document) {
    return std::unexpected(
        LocationError(40229, "expected an object as specification for $replaceRoot stage"));
  }
  bool found = false;
  while (bson_iter_next(&fields)) {
    if (KeyOf(fields) != "newRoot") {
      return std::unexpected(LocationError(
          40415,
          "BSON field '$replaceRoot." + std::string(KeyOf(fields)) + "' is an unknown field."));
    }
    auto expression = Expression::Parse(fields);
    if (!expression) return std::unexpected(expression.error());
    stage.expression_ = std::move(*expression);
    found = true;
  }
  if (!found) {
    return std::unexpected(LocationError(40231, "no newRoot specified for the $replaceRoot stage"));
  }
  stage.kind_ = Kind::kReplaceRoot;
  return stage;
}

std::expected<DocumentStage, Error> DocumentStage::Parse(std::string_view name,
                                                         const bson_iter_t& arg) {
  if (name == "$match") return ParseMatch(name, arg);
  if (name == "$project") return ParseProject(name, arg);
  if (name == "$addFields" || name == "$set") return ParseAddFields(name, arg);
  if (name == "$unset") return ParseUnset(name, arg);
  if (name == "$replaceRoot") return ParseReplaceRoot(name, arg);
  DocumentStage stage;
  // $replaceWith and $redact take a bare expression.
  auto expression = Expression::Parse(arg);
  if (!expression) return std::unexpected(expression.error());
  stage.expression_ = std::move(*expression);
  stage.kind_ = name == "$redact" ? Kind::kRedact : Kind::kReplaceRoot;
  return stage;
}

}  // namespace devmongod::query
