// Handshake and administrative commands: hello/isMaster, ping, buildInfo,
// serverStatus, endSessions, listDatabases, configureFailPoint.
#include <unistd.h>

#include "devmongod/engine/bson_fields.h"
#include "devmongod/engine/engine_core.h"
#include "devmongod/wire/wire_message.h"

namespace devmongod {
namespace {

void AppendOpTime(bson_t* parent, const char* key, Timestamp ts) {
  bson_t op_time;
  bson_append_document_begin(parent, key, -1, &op_time);
  bson_append_timestamp(&op_time, "ts", 2, ts.t, ts.i);
  bson_append_int64(&op_time, "t", 1, 1);
  bson_append_document_end(parent, &op_time);
}

void AppendString(bson_t* doc, const char* key, const std::string& value) {
  bson_append_utf8(doc, key, -1, value.data(), static_cast<int>(value.size()));
}

}  // namespace

EngineCore::Result EngineCore::CmdHello(const Call& call) {
  ++opcounters_.command;
  // The handshake names the application; failCommand's appName matches on it.
  bson_iter_t iter, app_name;
  if (FindField(call.command, "client", &iter) && BSON_ITER_HOLDS_DOCUMENT(&iter)) {
    common::BsonPtr client = CopySubDocument(iter);
    if (bson_iter_init(&app_name, client.get()) &&
        bson_iter_find_descendant(&app_name, "application.name", &app_name) &&
        BSON_ITER_HOLDS_UTF8(&app_name)) {
      app_names_[call.ctx.connection_id] = bson_iter_utf8(&app_name, nullptr);
    }
  }

  const Timestamp now_ts = clock_.Current();
  common::BsonPtr reply = common::NewBson();
  bson_t* r = reply.get();
  BSON_APPEND_BOOL(r, "ismaster", true);
  BSON_APPEND_BOOL(r, "isWritablePrimary", true);
  BSON_APPEND_BOOL(r, "secondary", false);
  BSON_APPEND_BOOL(r, "helloOk", true);
  AppendString(r, "setName", options_.replset);
  BSON_APPEND_INT32(r, "setVersion", 1);
  bson_oid_t election_id;
  bson_oid_init_from_string(&election_id, "7fffffff0000000000000001");
  BSON_APPEND_OID(r, "electionId", &election_id);
  bson_t hosts;
  bson_append_array_begin(r, "hosts", 5, &hosts);
  AppendString(&hosts, "0", options_.advertise);
  bson_append_array_end(r, &hosts);
  AppendString(r, "primary", options_.advertise);
  AppendString(r, "me", options_.advertise);
  BSON_APPEND_INT32(r, "minWireVersion", 0);
  BSON_APPEND_INT32(r, "maxWireVersion", 17);
  BSON_APPEND_INT32(r, "maxBsonObjectSize", wire::kMaxBsonObjectSize);
  BSON_APPEND_INT32(r, "maxMessageSizeBytes", wire::kMaxMessageSizeBytes);
  BSON_APPEND_INT32(r, "maxWriteBatchSize", 100000);
  BSON_APPEND_DATE_TIME(r, "localTime", call.ctx.now_wall_ms);
  BSON_APPEND_INT32(r, "logicalSessionTimeoutMinutes", 30);
  BSON_APPEND_INT32(r, "connectionId", static_cast<int32_t>(call.ctx.connection_id & 0x7fffffff));
  BSON_APPEND_BOOL(r, "readOnly", false);
  bson_t last_write;
  bson_append_document_begin(r, "lastWrite", -1, &last_write);
  AppendOpTime(&last_write, "opTime", now_ts);
  BSON_APPEND_DATE_TIME(&last_write, "lastWriteDate", call.ctx.now_wall_ms);
  AppendOpTime(&last_write, "majorityOpTime", now_ts);
  BSON_APPEND_DATE_TIME(&last_write, "majorityWriteDate", call.ctx.now_wall_ms);
  bson_append_document_end(r, &last_write);
  return Outcome::Reply(std::move(reply));
}

EngineCore::Result EngineCore::CmdPing(const Call& /*call*/) {
  ++opcounters_.command;
  return Outcome::Reply(common::NewBson());
}

EngineCore::Result EngineCore::CmdBuildInfo(const Call& /*call*/) {
  ++opcounters_.command;
  common::BsonPtr reply = common::NewBson();
  bson_t* r = reply.get();
  BSON_APPEND_UTF8(r, "version", "6.0.0");
  bson_t version_array;
  bson_append_array_begin(r, "versionArray", -1, &version_array);
  for (const char* key : {"0", "1", "2", "3"}) {
    BSON_APPEND_INT32(&version_array, key, key[0] == '0' ? 6 : 0);
  }
  bson_append_array_end(r, &version_array);
  BSON_APPEND_UTF8(r, "gitVersion", "devmongod");
  BSON_APPEND_INT32(r, "bits", 64);
  BSON_APPEND_INT32(r, "maxBsonObjectSize", wire::kMaxBsonObjectSize);
  bson_t engines;
  bson_append_array_begin(r, "storageEngines", -1, &engines);
  BSON_APPEND_UTF8(&engines, "0", "devmongod");
  bson_append_array_end(r, &engines);
  return Outcome::Reply(std::move(reply));
}

EngineCore::Result EngineCore::CmdServerStatus(const Call& call) {
  ++opcounters_.command;
  common::BsonPtr reply = common::NewBson();
  bson_t* r = reply.get();
  AppendString(r, "host", options_.advertise);
  BSON_APPEND_UTF8(r, "version", "6.0.0");
  BSON_APPEND_UTF8(r, "process", "devmongod");
  BSON_APPEND_INT64(r, "pid", static_cast<int64_t>(getpid()));
  const int64_t uptime_ms = std::max<int64_t>(0, call.ctx.now_wall_ms - start_wall_ms_);
  BSON_APPEND_DOUBLE(r, "uptime", static_cast<double>(uptime_ms) / 1000.0);
  BSON_APPEND_INT64(r, "uptimeMillis", uptime_ms);
  BSON_APPEND_DATE_TIME(r, "localTime", call.ctx.now_wall_ms);
  bson_t connections;
  bson_append_document_begin(r, "connections", -1, &connections);
  BSON_APPEND_INT64(&connections, "current", static_cast<int64_t>(connections_current_));
  BSON_APPEND_INT64(&connections, "available", 1000000);
  BSON_APPEND_INT64(&connections, "totalCreated", static_cast<int64_t>(connections_total_));
  BSON_APPEND_INT64(&connections, "active", static_cast<int64_t>(connections_current_));
  bson_append_document_end(r, &connections);
  bson_t metrics, cursor, open;
  bson_append_document_begin(r, "metrics", -1, &metrics);
  bson_append_document_begin(&metrics, "cursor", -1, &cursor);
  bson_append_document_begin(&cursor, "open", -1, &open);
  BSON_APPEND_INT64(&open, "total", static_cast<int64_t>(cursors_.size()));
  BSON_APPEND_INT64(&open, "noTimeout", static_cast<int64_t>(cursors_.no_timeout()));
  BSON_APPEND_INT64(&open, "pinned", static_cast<int64_t>(cursors_.pinned()));
  bson_append_document_end(&cursor, &open);
  BSON_APPEND_INT64(&cursor, "timedOut", static_cast<int64_t>(cursors_.timed_out()));
  bson_append_document_end(&metrics, &cursor);
  bson_t ours;
  bson_append_document_begin(&metrics, "devmongod", -1, &ours);
  BSON_APPEND_INT64(&ours, "changeEventsExamined", static_cast<int64_t>(change_events_examined_));
  BSON_APPEND_INT64(&ours, "changeEventsKept", static_cast<int64_t>(history_.size()));
  bson_append_document_end(&metrics, &ours);
  bson_append_document_end(r, &metrics);
  bson_t counters;
  bson_append_document_begin(r, "opcounters", -1, &counters);
  BSON_APPEND_INT64(&counters, "insert", opcounters_.insert);
  BSON_APPEND_INT64(&counters, "query", opcounters_.query);
  BSON_APPEND_INT64(&counters, "update", opcounters_.update);
  BSON_APPEND_INT64(&counters, "delete", opcounters_.remove);
  BSON_APPEND_INT64(&counters, "getmore", opcounters_.getmore);
  BSON_APPEND_INT64(&counters, "command", opcounters_.command);
  bson_append_document_end(r, &counters);
  return Outcome::Reply(std::move(reply));
}

EngineCore::Result EngineCore::CmdEndSessions(const Call& /*call*/) {
  // Sessions hold no server-side state besides the retryable-write table,
  // which must outlive them (a retry may come on a new connection).
  ++opcounters_.command;
  return Outcome::Reply(common::NewBson());
}

EngineCore::Result EngineCore::CmdListDatabases(const Call& call) {
  ++opcounters_.command;
  if (call.db != "admin") {
    return std::unexpected(
        MakeError(13, "Unauthorized", "listDatabases may only be run against the admin database."));
  }
  auto name_only = ReadOptionalBool(call.command, "nameOnly");
  if (!name_only) return std::unexpected(name_only.error());
  common::BsonPtr reply = common::NewBson();
  bson_t databases;
  bson_append_array_begin(reply.get(), "databases", -1, &databases);
  uint32_t index = 0;
  int64_t total = 0;
  for (const auto& [name, collections] : databases_) {
    if (collections.empty()) continue;
    int64_t size = 0;
    for (const auto& [coll_name, coll] : collections) {
      for (const auto& [id, doc] : coll.documents()) size += doc->len;
    }
    total += size;
    std::string key = std::to_string(index++);
    bson_t entry;
    bson_append_document_begin(&databases, key.c_str(), -1, &entry);
    AppendString(&entry, "name", name);
    if (!name_only->value_or(false)) {
      BSON_APPEND_INT64(&entry, "sizeOnDisk", size);
      BSON_APPEND_BOOL(&entry, "empty", size == 0);
    }
    bson_append_document_end(&databases, &entry);
  }
  bson_append_array_end(reply.get(), &databases);
  if (!name_only->value_or(false)) BSON_APPEND_INT64(reply.get(), "totalSize", total);
  return Outcome::Reply(std::move(reply));
}

EngineCore::Result EngineCore::CmdConfigureFailPoint(const Call& call) {
  ++opcounters_.command;
  if (!options_.enable_test_commands) {
    return std::unexpected(
        MakeError(59, "CommandNotFound", "no such command: 'configureFailPoint'"));
  }
  if (call.db != "admin") {
    return std::unexpected(MakeError(
        13, "Unauthorized", "configureFailPoint may only be run against the admin database."));
  }
  auto which = ReadOptionalString(call.command, "configureFailPoint");
  if (!which) return std::unexpected(which.error());
  const std::string name = which->value_or("");
  std::expected<int64_t, CommandError> previous;
  if (name == "failCommand") {
    previous = fail_command_.Configure(call.command);
  } else if (name == "failGetMoreAfterCursorCheckout") {
    previous = fail_get_more_after_checkout_.Configure(call.command);
  } else if (name == "onPrimaryTransactionalWrite") {
    previous = on_primary_transactional_write_.Configure(call.command);
  } else {
    return std::unexpected(BadValue("Cannot find FailPoint named '" + name + "'"));
  }
  if (!previous) return std::unexpected(previous.error());
  common::BsonPtr reply = common::NewBson();
  BSON_APPEND_INT64(reply.get(), "count", *previous);
  return Outcome::Reply(std::move(reply));
}

}  // namespace devmongod
