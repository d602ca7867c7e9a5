// Pieces every write command shares: the retryable-write key of a command,
// an _id for a document without one, and mongod's writeErrors entries.
// Thread-safety: free functions without shared state.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>

#include "common/bson_ptr.h"
#include "devmongod/engine/command_error.h"
#include "devmongod/engine/journal_entries.h"

namespace devmongod {

// {lsid: {id: BinData}, txnNumber: Int64} marks a retryable write.
std::optional<RetryableWriteKey> ReadRetryableWriteKey(const bson_t& command);

// `doc` with an ObjectId _id first when it has none (as mongod and the
// drivers do, so documentKey and unique checks always have an _id).
common::BsonPtr WithId(const bson_t& doc);

// What insert, update and delete all start with: {<name>: coll, <items>:
// [...], ordered?}; a missing item array is FailedToParse as in mongod.
struct WriteCommandArgs {
  std::string coll;
  common::BsonPtr items;  // the array, as its BSON document form
  std::optional<bool> ordered;
};
std::expected<WriteCommandArgs, CommandError> ReadWriteCommand(const bson_t& command,
                                                               const char* name,
                                                               const char* items_field);

// Appends {index, code, errmsg, keyPattern?, keyValue?} to a writeErrors array.
void AppendWriteError(bson_t* errors, uint32_t& count, int64_t index, int32_t code,
                      const std::string& message, const bson_t* key_pattern = nullptr,
                      const bson_t* key_value = nullptr);

}  // namespace devmongod
