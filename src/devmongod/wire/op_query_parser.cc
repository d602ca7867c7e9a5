#include "devmongod/wire/op_query_parser.h"

#include <bson/bson.h>

#include <cstring>
#include <string>
#include <string_view>

#include "devmongod/wire/bson_frame.h"
#include "devmongod/wire/byte_reader.h"

namespace devmongod::wire {
namespace {

// Drivers that send a read preference on OP_QUERY wrap the command as
// {$query: <command>, $readPreference: ...}. Like mongod, only a wrapper in
// the *first* field counts: {count: "c", query: {...}} is a command whose
// `query` is an argument, not a wrapper.
common::BsonPtr UnwrapCommand(std::span<const uint8_t> query) {
  bson_t view;
  bson_init_static(&view, query.data(), query.size());  // validated by ReadBsonDocument
  bson_iter_t iter;
  if (bson_iter_init(&iter, &view) && bson_iter_next(&iter) && BSON_ITER_HOLDS_DOCUMENT(&iter)) {
    const char* key = bson_iter_key(&iter);
    if (std::strcmp(key, "$query") == 0 || std::strcmp(key, "query") == 0) {
      uint32_t length = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(&iter, &length, &data);
      return common::BsonFromData(data, length);
    }
  }
  return common::BsonFromData(query.data(), query.size());
}

}  // namespace

WireStatus ParseOpQueryBody(std::span<const uint8_t> body, Request* request) {
  ByteReader reader(body);
  if (!reader.ReadI32(&request->query_flags)) {
    return WireStatus::Error("OP_QUERY is cut short before its flags");
  }
  std::string_view collection;
  if (!reader.ReadCString(&collection)) {
    return WireStatus::Error("OP_QUERY fullCollectionName has no NUL terminator");
  }
  if (!reader.ReadI32(&request->number_to_skip) || !reader.ReadI32(&request->number_to_return)) {
    return WireStatus::Error("OP_QUERY is cut short before its query document");
  }
  std::span<const uint8_t> query;
  if (WireStatus status = ReadBsonDocument(&reader, "OP_QUERY query", &query); !status.ok()) {
    return status;
  }
  if (!reader.at_end()) {
    // The optional returnFieldsSelector; meaningless for commands, but a
    // malformed one still means the stream cannot be trusted.
    std::span<const uint8_t> selector;
    if (WireStatus status = ReadBsonDocument(&reader, "OP_QUERY returnFieldsSelector", &selector);
        !status.ok()) {
      return status;
    }
  }
  if (!reader.at_end()) {
    return WireStatus::Error(std::to_string(reader.remaining()) +
                             " trailing bytes after the OP_QUERY documents");
  }

  request->full_collection_name = std::string(collection);
  request->database = std::string(collection.substr(0, collection.find('.')));
  request->command = UnwrapCommand(query);
  if (!request->command) return WireStatus::Error("OP_QUERY command could not be copied");
  return WireStatus::Ok();
}

}  // namespace devmongod::wire
