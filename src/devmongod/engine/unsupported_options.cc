#include "devmongod/engine/unsupported_options.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <string_view>

#include "devmongod/engine/bson_fields.h"

namespace devmongod {
namespace {

struct Unsupported {
  std::string_view field;
  std::string_view what;  // what mongod would do with it
};

// Per command: the fields that ask for something devmongod does not do.
struct CommandOptions {
  std::string_view command;
  std::initializer_list<Unsupported> fields;
};

const CommandOptions kCommands[] = {
    {"create",
     {{"viewOn", "views"},
      {"pipeline", "views"},
      {"capped", "capped collections"},
      {"validator", "document validation"},
      {"validationLevel", "document validation"},
      {"validationAction", "document validation"},
      {"timeseries", "time-series collections"},
      {"clusteredIndex", "clustered collections"},
      {"expireAfterSeconds", "TTL collections"},
      {"changeStreamPreAndPostImages", "change stream pre- and post-images"},
      {"encryptedFields", "queryable encryption"}}},
    {"find",
     {{"min", "index bounds (min/max)"},
      {"max", "index bounds (min/max)"},
      {"returnKey", "returnKey"},
      {"showRecordId", "showRecordId"},
      {"tailable", "tailable cursors"},
      {"awaitData", "tailable cursors"},
      {"let", "let variables"}}},
    {"aggregate", {{"let", "let variables"}, {"explain", "explain"}}},
    {"delete", {{"let", "let variables"}}},
    {"count", {}},
    {"distinct", {}},
};

CommandError NotSupported(std::string_view field, std::string_view what) {
  return MakeError(
      115, "CommandNotSupported",
      "devmongod does not support " + std::string(what) + " (option '" + std::string(field) + "')");
}

// {locale: "simple"} is the binary comparison devmongod does anyway.
bool IsSimpleCollation(const bson_iter_t& value) {
  bson_iter_t fields;
  if (!BSON_ITER_HOLDS_DOCUMENT(&value) || !bson_iter_recurse(&value, &fields)) return false;
  bool simple = false;
  while (bson_iter_next(&fields)) {
    if (std::strcmp(bson_iter_key(&fields), "locale") != 0 || !BSON_ITER_HOLDS_UTF8(&fields)) {
      return false;
    }
    simple = std::strcmp(bson_iter_utf8(&fields, nullptr), "simple") == 0;
  }
  return simple;
}

std::optional<CommandError> CheckCollation(const bson_t& doc) {
  bson_iter_t collation;
  if (FindField(doc, "collation", &collation) && !IsSimpleCollation(collation)) {
    return NotSupported("collation", "collations other than {locale: \"simple\"}");
  }
  return std::nullopt;
}

// Index specifications: TTL, partial and (unique) sparse indexes behave
// differently from the plain and unique indexes devmongod keeps.
std::optional<CommandError> CheckIndexSpecs(const bson_t& command) {
  bson_iter_t indexes, spec;
  if (!FindField(command, "indexes", &indexes) || !BSON_ITER_HOLDS_ARRAY(&indexes) ||
      !bson_iter_recurse(&indexes, &spec)) {
    return std::nullopt;
  }
  while (bson_iter_next(&spec)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&spec)) continue;
    common::BsonPtr doc = CopySubDocument(spec);
    bson_iter_t field;
    if (FindField(*doc, "expireAfterSeconds", &field)) {
      return NotSupported("expireAfterSeconds", "TTL indexes");
    }
    if (FindField(*doc, "partialFilterExpression", &field)) {
      return NotSupported("partialFilterExpression", "partial indexes");
    }
    bson_iter_t unique;
    if (FindField(*doc, "sparse", &field) && bson_iter_as_bool(&field) &&
        FindField(*doc, "unique", &unique) && bson_iter_as_bool(&unique)) {
      return NotSupported("sparse", "sparse unique indexes");
    }
    if (auto collation = CheckCollation(*doc)) return collation;
  }
  return std::nullopt;
}

// delete statements carry their own collation.
std::optional<CommandError> CheckDeleteStatements(const bson_t& command) {
  bson_iter_t deletes, statement;
  if (!FindField(command, "deletes", &deletes) || !BSON_ITER_HOLDS_ARRAY(&deletes) ||
      !bson_iter_recurse(&deletes, &statement)) {
    return std::nullopt;
  }
  while (bson_iter_next(&statement)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&statement)) continue;
    if (auto collation = CheckCollation(*CopySubDocument(statement))) return collation;
  }
  return std::nullopt;
}

// Transactions and snapshot reads, on any command.
std::optional<CommandError> CheckSessionOptions(const bson_t& command) {
  bson_iter_t field;
  if (FindField(command, "startTransaction", &field) || FindField(command, "autocommit", &field)) {
    return NotSupported(bson_iter_key(&field), "transactions");
  }
  bson_iter_t level;
  if (FindField(command, "readConcern", &field) && BSON_ITER_HOLDS_DOCUMENT(&field)) {
    common::BsonPtr concern = CopySubDocument(field);
    if (FindField(*concern, "atClusterTime", &level)) {
      return NotSupported("readConcern.atClusterTime", "snapshot reads");
    }
    if (FindField(*concern, "level", &level) && BSON_ITER_HOLDS_UTF8(&level) &&
        std::strcmp(bson_iter_utf8(&level, nullptr), "snapshot") == 0) {
      return NotSupported("readConcern.level", "snapshot reads");
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<CommandError> CheckUnsupportedOptions(const std::string& command_name,
                                                    const bson_t& command) {
  if (auto session = CheckSessionOptions(command)) return session;
  if (command_name == "createIndexes") return CheckIndexSpecs(command);
  if (command_name == "delete") {
    if (auto statements = CheckDeleteStatements(command)) return statements;
  }
  const auto* entry =
      std::find_if(std::begin(kCommands), std::end(kCommands),
                   [&](const CommandOptions& c) { return c.command == command_name; });
  if (entry == std::end(kCommands)) return std::nullopt;
  for (const Unsupported& option : entry->fields) {
    bson_iter_t field;
    if (!FindField(command, option.field, &field)) continue;
    // capped: false and explain: false ask for nothing special.
    if (BSON_ITER_HOLDS_BOOL(&field) && !bson_iter_bool(&field)) continue;
    return NotSupported(option.field, option.what);
  }
  return CheckCollation(command);
}

}  // namespace devmongod
