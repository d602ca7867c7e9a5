// distinct: the distinct values of a field over the documents matching a
// query. As in mongod, an array at the field contributes its elements (an
// array nested in it counts as one value), dotted paths descend into arrays
// of documents, values compare by MongoDB's order (1 and 1.0 are one value),
// and the values come in the order they were first met.
#include <set>

#include "devmongod/engine/bson_fields.h"
#include "devmongod/engine/engine_core.h"
#include "devmongod/query/path_walk.h"
#include "devmongod/query/query.h"

namespace devmongod {

EngineCore::Result EngineCore::CmdDistinct(const Call& call) {
  auto coll = ReadCollectionName(call.command, "distinct");
  if (!coll) return std::unexpected(coll.error());
  auto key = ReadOptionalString(call.command, "key");
  if (!key) return std::unexpected(key.error());
  if (!*key) {
    return std::unexpected(
        FailedToParse("BSON field 'distinct.key' is missing but a required field"));
  }
  if ((*key)->empty() || (*key)->find('\0') != std::string::npos) {
    return std::unexpected(BadValue("distinct: the key must be a non-empty field path"));
  }
  auto filter = ReadOptionalDocument(call.command, "query");
  if (!filter) return std::unexpected(filter.error());
  common::BsonPtr empty = common::NewBson();
  auto matcher = query::Matcher::Compile(*filter ? **filter : *empty);
  if (!matcher) {
    const query::Error& e = matcher.error();
    return std::unexpected(CommandError{e.code, e.code_name, e.message, {}});
  }
  ++opcounters_.command;

  auto less = [](const bson_value_t& a, const bson_value_t& b) {
    return query::CompareValues(a, b) < 0;
  };
  std::set<bson_value_t, decltype(less)> seen(less);  // views into the collection
  common::BsonPtr values = common::NewBson();
  uint32_t count = 0;
  const query::CompiledPath path(**key);
  if (const Collection* collection = FindCollection(call.db, *coll)) {
    collection->ForEachCandidate(
        *filter ? **filter : *empty, [&](Collection::RecordId, const bson_t& doc) {
          if (!matcher->Matches(doc)) return true;
          query::WalkPath(doc, path, [&](const bson_value_t* value, bool whole_array) {
            // The array the path ends on gives its elements, which follow.
            if (value == nullptr || whole_array || !seen.insert(*value).second) return false;
            const std::string index = std::to_string(count++);
            bson_append_value(values.get(), index.c_str(), -1, value);
            return false;
          });
          return true;
        });
  }
  common::BsonPtr reply = common::NewBson();
  BSON_APPEND_ARRAY(reply.get(), "values", values.get());
  return Outcome::Reply(std::move(reply));
}

}  // namespace devmongod
