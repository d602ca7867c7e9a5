#include "devmongod/engine/collection.h"

#include <algorithm>
#include <string_view>

#include "devmongod/engine/bson_fields.h"
#include "devmongod/query/query.h"

namespace devmongod {

bool IndexKeyLess::operator()(const common::BsonPtr& a, const common::BsonPtr& b) const {
  bson_iter_t ia, ib;
  bson_iter_init(&ia, a.get());
  bson_iter_init(&ib, b.get());
  while (true) {
    bool more_a = bson_iter_next(&ia);
    bool more_b = bson_iter_next(&ib);
    if (!more_a || !more_b) return !more_a && more_b;
    int c = query::CompareValues(*bson_iter_value(&ia), *bson_iter_value(&ib));
    if (c != 0) return c < 0;
  }
}

Collection::Collection() {
  Index id_index;
  id_index.name = "_id_";
  id_index.key = common::NewBson();
  BSON_APPEND_INT32(id_index.key.get(), "_id", 1);
  id_index.fields = {"_id"};
  id_index.unique = true;
  indexes_.push_back(std::move(id_index));
}

common::BsonPtr Collection::KeyOf(const Index& index, const bson_t& doc, bool* has_array) {
  common::BsonPtr key = common::NewBson();
  for (size_t i = 0; i < index.fields.size(); ++i) {
    std::string position = std::to_string(i);
    bson_iter_t value;
    if (query::LookupPath(doc, index.fields[i], &value)) {
      if (has_array != nullptr && BSON_ITER_HOLDS_ARRAY(&value)) *has_array = true;
      bson_append_value(key.get(), position.c_str(), -1, bson_iter_value(&value));
    } else {
      bson_append_null(key.get(), position.c_str(), -1);
    }
  }
  return key;
}

common::BsonPtr Collection::NamedKeyValue(const Index& index, const bson_t& key) {
  common::BsonPtr named = common::NewBson();
  bson_iter_t iter;
  bson_iter_init(&iter, &key);
  for (size_t i = 0; i < index.fields.size() && bson_iter_next(&iter); ++i) {
    const std::string& field = index.fields[i];
    bson_append_value(named.get(), field.c_str(), static_cast<int>(field.size()),
                      bson_iter_value(&iter));
  }
  return named;
}

std::expected<Collection::RecordId, Collection::DuplicateKey> Collection::Insert(
    common::BsonPtr doc) {
  return InsertAs(next_id_++, std::move(doc));
}

std::expected<void, Collection::DuplicateKey> Collection::Replace(RecordId id,
                                                                  common::BsonPtr doc) {
  common::BsonPtr old = Take(id);
  if (!old) return {};
  auto replaced = InsertAs(id, std::move(doc));
  if (replaced) return {};
  (void)InsertAs(id, std::move(old));  // its keys were free a moment ago
  return std::unexpected(std::move(replaced.error()));
}

std::expected<Collection::RecordId, Collection::DuplicateKey> Collection::InsertAs(
    RecordId id, common::BsonPtr doc) {
  std::vector<common::BsonPtr> keys;
  std::vector<bool> arrays;
  keys.reserve(indexes_.size());
  for (const Index& index : indexes_) {
    bool has_array = false;
    common::BsonPtr key = KeyOf(index, *doc, &has_array);
    if (index.unique && index.entries.contains(key)) {
      return std::unexpected(
          DuplicateKey{index.name, common::CopyBson(*index.key), NamedKeyValue(index, *key)});
    }
    keys.push_back(std::move(key));
    arrays.push_back(has_array);
  }
  for (size_t i = 0; i < indexes_.size(); ++i) {
    if (arrays[i]) indexes_[i].multikey = true;
    indexes_[i].entries.emplace(std::move(keys[i]), id);
  }
  documents_.emplace(id, std::move(doc));
  return id;
}

common::BsonPtr Collection::Take(RecordId id) {
  auto it = documents_.find(id);
  if (it == documents_.end()) return nullptr;
  for (Index& index : indexes_) {
    auto [first, last] = index.entries.equal_range(KeyOf(index, *it->second));
    for (auto entry = first; entry != last; ++entry) {
      if (entry->second == id) {
        index.entries.erase(entry);
        break;
      }
    }
  }
  common::BsonPtr doc = std::move(it->second);
  documents_.erase(it);
  return doc;
}

bool Collection::CandidatesForEquality(const bson_t& filter, std::vector<RecordId>* out) const {
  bson_iter_t field;
  if (!bson_iter_init(&field, &filter)) return false;
  while (bson_iter_next(&field)) {
    const std::string_view name = bson_iter_key(&field);
    if (name.empty() || name[0] == '$' || name.find('.') != std::string_view::npos) continue;
    switch (bson_iter_type(&field)) {
      case BSON_TYPE_UTF8:
      case BSON_TYPE_INT32:
      case BSON_TYPE_INT64:
      case BSON_TYPE_DOUBLE:
      case BSON_TYPE_OID:
      case BSON_TYPE_BOOL:
      case BSON_TYPE_DATE_TIME:
        break;
      default:
        continue;  // operators, documents, arrays, regexes, null: scan
    }
    for (const Index& index : indexes_) {
      if (index.multikey || index.fields.front() != name) continue;
      common::BsonPtr probe = common::NewBson();
      bson_append_value(probe.get(), "0", 1, bson_iter_value(&field));
      // {v} sorts before every {v, ...}, so this is the first key starting with v.
      for (auto entry = index.entries.lower_bound(probe); entry != index.entries.end(); ++entry) {
        bson_iter_t first;
        if (!bson_iter_init(&first, entry->first.get()) || !bson_iter_next(&first) ||
            query::CompareValues(*bson_iter_value(&first), *bson_iter_value(&field)) != 0) {
          break;
        }
        out->push_back(entry->second);
      }
      std::sort(out->begin(), out->end());  // natural order
      return true;
    }
  }
  return false;
}

void Collection::DropIndex(const std::string& name) {
  if (name == "_id_") return;
  std::erase_if(indexes_, [&](const Index& index) { return index.name == name; });
}

bool Collection::FindById(const bson_value_t& id, RecordId* out) const {
  common::BsonPtr key = common::NewBson();
  bson_append_value(key.get(), "0", 1, &id);
  const Index& id_index = indexes_.front();
  auto it = id_index.entries.find(key);
  if (it == id_index.entries.end()) return false;
  *out = it->second;
  return true;
}

std::expected<bool, CommandError> Collection::AddIndex(const std::string& name, const bson_t& key,
                                                       bool unique, const std::string& ns) {
  auto fields = ParseKeyPattern(key);
  if (!fields) return std::unexpected(fields.error());
  for (const Index& existing : indexes_) {
    bool same_key = bson_equal(existing.key.get(), &key);
    if (existing.name == name) {
      if (same_key && existing.unique == unique) return false;
      return std::unexpected(MakeError(
          86, "IndexKeySpecsConflict",
          "An existing index has the same name as the requested index but different options. "
          "Requested index name: " +
              name));
    }
    if (same_key && existing.unique == unique) return false;
    if (same_key) {
      return std::unexpected(MakeError(85, "IndexOptionsConflict",
                                       "An equivalent index already exists with a different name "
                                       "and options. Requested index: " +
                                           name + ", existing index: " + existing.name));
    }
  }
  Index index;
  index.name = name;
  index.key = common::CopyBson(key);
  index.fields = std::move(*fields);
  index.unique = unique;
  for (const auto& [id, doc] : documents_) {
    bool has_array = false;
    common::BsonPtr doc_key = KeyOf(index, *doc, &has_array);
    if (unique && index.entries.contains(doc_key)) {
      DuplicateKey dup{name, common::CopyBson(key), NamedKeyValue(index, *doc_key)};
      return std::unexpected(MakeError(11000, "DuplicateKey", DuplicateKeyMessage(ns, dup)));
    }
    if (has_array) index.multikey = true;
    index.entries.emplace(std::move(doc_key), id);
  }
  indexes_.push_back(std::move(index));
  return true;
}

std::string DuplicateKeyMessage(const std::string& ns, const Collection::DuplicateKey& dup) {
  std::string values;
  bson_iter_t iter;
  bson_iter_init(&iter, dup.key_value.get());
  while (bson_iter_next(&iter)) {
    // Render each value through a one-field document's JSON: "{ "k" : v }".
    common::BsonPtr one = common::NewBson();
    bson_append_value(one.get(), "v", 1, bson_iter_value(&iter));
    std::string json = common::BsonToJson(*one);
    std::string_view rendered = json;
    size_t colon = rendered.find(" : ");
    if (colon != std::string_view::npos && rendered.size() >= colon + 5) {
      rendered = rendered.substr(colon + 3, rendered.size() - colon - 3 - 2);
    }
    if (!values.empty()) values += ", ";
    values += std::string(bson_iter_key(&iter)) + ": " + std::string(rendered);
  }
  return "E11000 duplicate key error collection: " + ns + " index: " + dup.index_name +
         " dup key: { " + values + " }";
}

std::expected<std::vector<std::string>, CommandError> ParseKeyPattern(const bson_t& key) {
  std::vector<std::string> fields;
  bson_iter_t iter;
  if (!bson_iter_init(&iter, &key)) return std::unexpected(BadValue("invalid index key pattern"));
  while (bson_iter_next(&iter)) {
    std::string field = bson_iter_key(&iter);
    if (field.empty()) return std::unexpected(BadValue("index key field names cannot be empty"));
    if (BSON_ITER_HOLDS_NUMBER(&iter)) {
      if (bson_iter_as_double(&iter) == 0) {
        return std::unexpected(
            MakeError(67, "CannotCreateIndex", "Values in the index key pattern can't be 0"));
      }
    } else if (!BSON_ITER_HOLDS_UTF8(&iter)) {
      return std::unexpected(MakeError(67, "CannotCreateIndex",
                                       "Values in index key pattern must be numbers or strings"));
    }
    fields.push_back(std::move(field));
  }
  if (fields.empty()) {
    return std::unexpected(MakeError(67, "CannotCreateIndex", "Index keys cannot be empty"));
  }
  return fields;
}

std::string DefaultIndexName(const bson_t& key) {
  std::string name;
  bson_iter_t iter;
  bson_iter_init(&iter, &key);
  while (bson_iter_next(&iter)) {
    if (!name.empty()) name += "_";
    name += bson_iter_key(&iter);
    name += "_";
    if (BSON_ITER_HOLDS_UTF8(&iter)) {
      name += bson_iter_utf8(&iter, nullptr);
    } else {
      std::optional<int64_t> whole = IterAsInt(iter);
      name += whole ? std::to_string(*whole) : std::to_string(bson_iter_as_double(&iter));
    }
  }
  return name;
}

}  // namespace devmongod
