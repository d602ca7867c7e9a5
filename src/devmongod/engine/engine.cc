#include "devmongod/engine/engine.h"

#include <string_view>
#include <unordered_map>

#include "devmongod/engine/bson_fields.h"
#include "devmongod/engine/engine_core.h"
#include "devmongod/engine/error_labels.h"
#include "devmongod/engine/log.h"
#include "devmongod/engine/reply_builder.h"
#include "devmongod/engine/unsupported_options.h"

namespace devmongod {
namespace {

// Sessions remembered for retryable writes (least recently used dropped).
constexpr size_t kRetryableWriteSessions = 10000;

}  // namespace

std::expected<std::unique_ptr<CommandHandler>, std::string> OpenEngine(const EngineOptions& options,
                                                                       int64_t now_wall_ms) {
  auto engine = std::make_unique<EngineCore>(options, now_wall_ms);
  if (!options.dbpath.empty()) {
    auto opened = engine->OpenStorage();
    if (!opened) return std::unexpected(opened.error());
  }
  return std::unique_ptr<CommandHandler>(std::move(engine));
}

EngineCore::EngineCore(const EngineOptions& options, int64_t now_wall_ms)
    : options_(options),
      clock_(now_wall_ms),
      history_(options.oplog_entries),
      retryable_writes_(kRetryableWriteSessions),
      start_wall_ms_(now_wall_ms) {}

EngineCore::Handler EngineCore::FindHandler(const std::string& name) {
  static const std::unordered_map<std::string_view, Handler> kHandlers = {
      {"hello", &EngineCore::CmdHello},
      {"isMaster", &EngineCore::CmdHello},
      {"ismaster", &EngineCore::CmdHello},
      {"ping", &EngineCore::CmdPing},
      {"buildInfo", &EngineCore::CmdBuildInfo},
      {"buildinfo", &EngineCore::CmdBuildInfo},
      {"serverStatus", &EngineCore::CmdServerStatus},
      {"endSessions", &EngineCore::CmdEndSessions},
      {"listDatabases", &EngineCore::CmdListDatabases},
      {"configureFailPoint", &EngineCore::CmdConfigureFailPoint},
      {"insert", &EngineCore::CmdInsert},
      {"delete", &EngineCore::CmdDelete},
      {"update", &EngineCore::CmdUpdate},
      {"findAndModify", &EngineCore::CmdFindAndModify},
      {"findandmodify", &EngineCore::CmdFindAndModify},
      {"find", &EngineCore::CmdFind},
      {"getMore", &EngineCore::CmdGetMore},
      {"killCursors", &EngineCore::CmdKillCursors},
      {"count", &EngineCore::CmdCount},
      {"aggregate", &EngineCore::CmdAggregate},
      {"create", &EngineCore::CmdCreate},
      {"drop", &EngineCore::CmdDrop},
      {"dropDatabase", &EngineCore::CmdDropDatabase},
      {"renameCollection", &EngineCore::CmdRenameCollection},
      {"createIndexes", &EngineCore::CmdCreateIndexes},
      {"listIndexes", &EngineCore::CmdListIndexes},
      {"listCollections", &EngineCore::CmdListCollections},
      {"distinct", &EngineCore::CmdDistinct},
      {"dropIndexes", &EngineCore::CmdDropIndexes},
      {"deleteIndexes", &EngineCore::CmdDropIndexes},
      {"dbStats", &EngineCore::CmdDbStats},
      {"dbstats", &EngineCore::CmdDbStats},
      {"collStats", &EngineCore::CmdCollStats},
  };
  auto it = kHandlers.find(name);
  return it == kHandlers.end() ? nullptr : it->second;
}

Outcome EngineCore::Execute(const wire::Request& request, const ExecContext& ctx) {
  last_mono_ms_ = ctx.now_mono_ms;
  const bool rerun = waiting_connections_.erase(ctx.connection_id) > 0;
  if (!request.command || bson_empty(request.command.get())) {
    return Finish(std::unexpected(FailedToParse("empty command document")));
  }
  const std::string name = request.CommandName();
  const Call call{request, *request.command, request.database, name, ctx, rerun};

  std::optional<FailAction> action;
  if (ctx.failpoint_applied) {
    // The block delay of a firing fail point is over: finish its action.
    auto pending = pending_fail_actions_.find(ctx.connection_id);
    if (pending != pending_fail_actions_.end()) {
      action = std::move(pending->second);
      action->block_ms = 0;
      pending_fail_actions_.erase(pending);
    }
  } else if (!rerun && options_.enable_test_commands && fail_command_.active()) {
    action = fail_command_.Evaluate(name, AppNameOf(ctx.connection_id));
    if (action && action->block_ms > 0) {
      const int64_t until = ctx.now_mono_ms + action->block_ms;
      pending_fail_actions_[ctx.connection_id] = std::move(*action);
      return Outcome::Delay(until);
    }
  }
  if (action && action->close_connection) return Outcome::Close();
  // Known before the command runs: a failing getMore may take its cursor along.
  const bool retryable_write = IsRetryableWrite(name, call.command);
  const bool stream_get_more = IsChangeStreamGetMore(call);
  auto labelled = [&](CommandError error) {
    if (error.labels.empty()) {
      error.labels = ServerErrorLabels(error.code, retryable_write, stream_get_more);
    }
    return error;
  };
  if (action && action->error_code) {
    CommandError error{*action->error_code,
                       CodeNameFor(*action->error_code),
                       "Failing command via 'failCommand' failpoint",
                       {}};
    if (action->error_labels) {
      error.labels = *action->error_labels;  // exactly as configured, even none
      return Finish(std::unexpected(std::move(error)));
    }
    return Finish(std::unexpected(labelled(std::move(error))));
  }

  std::optional<SimpleFailPoint::Data> write_fault;
  if (retryable_write && !rerun && on_primary_transactional_write_.active()) {
    write_fault = on_primary_transactional_write_.Evaluate();
    if (write_fault && write_fault->error_code) {
      return Finish(std::unexpected(labelled(
          CommandError{*write_fault->error_code,
                       CodeNameFor(*write_fault->error_code),
                       "Failing write via 'onPrimaryTransactionalWrite' before it was applied",
                       {}})));
    }
  }
  Result result = Dispatch(call);
  // Applied and remembered, but the client never hears of it.
  if (write_fault && write_fault->close_connection) return Outcome::Close();
  if (!result) return Finish(std::unexpected(labelled(std::move(result.error()))));
  if (result->kind == Outcome::Kind::kWait) waiting_connections_.insert(ctx.connection_id);
  if (action && action->write_concern_error && result->kind == Outcome::Kind::kReply &&
      result->reply) {
    AppendWriteConcernError(result->reply.get(), *action, retryable_write);
  }
  return Finish(std::move(result));
}

// failCommand's writeConcernError: the write happened, the concern was not
// satisfied. A retryable code makes the whole reply retryable, as in mongod.
void EngineCore::AppendWriteConcernError(bson_t* reply, const FailAction& action,
                                         bool retryable_write) {
  common::BsonPtr concern =
      common::BsonFromData(reinterpret_cast<const uint8_t*>(action.write_concern_error->data()),
                           action.write_concern_error->size());
  if (!concern) return;
  BSON_APPEND_DOCUMENT(reply, "writeConcernError", concern.get());
  bson_iter_t code;
  const bool has_labels = bson_has_field(reply, "errorLabels");
  if (bson_iter_init_find(&code, concern.get(), "code") && !has_labels) {
    std::vector<std::string> labels = action.error_labels.value_or(
        ServerErrorLabels(bson_iter_int32(&code), retryable_write, false));
    if (labels.empty()) return;
    bson_t array;
    BSON_APPEND_ARRAY_BEGIN(reply, "errorLabels", &array);
    for (size_t i = 0; i < labels.size(); ++i) {
      const std::string key = std::to_string(i);
      bson_append_utf8(&array, key.c_str(), -1, labels[i].c_str(), -1);
    }
    bson_append_array_end(reply, &array);
  }
}

bool EngineCore::IsChangeStreamGetMore(const Call& call) {
  if (call.name != "getMore") return false;
  bson_iter_t id;
  if (!bson_iter_init_find(&id, &call.command, "getMore")) return false;
  const std::optional<int64_t> cursor_id = IterAsInt(id);
  const Cursor* cursor = cursor_id ? cursors_.Find(*cursor_id) : nullptr;
  return cursor != nullptr && std::holds_alternative<ChangeStreamState>(cursor->state);
}

EngineCore::Result EngineCore::Dispatch(const Call& call) {
  Handler handler = FindHandler(call.name);
  if (handler == nullptr) {
    return std::unexpected(
        MakeError(59, "CommandNotFound", "no such command: '" + call.name + "'"));
  }
  if (call.db.empty()) {
    return std::unexpected(MakeError(73, "InvalidNamespace", "the command names no database"));
  }
  if (auto unsupported = CheckUnsupportedOptions(call.name, call.command)) {
    return std::unexpected(*unsupported);
  }
  return (this->*handler)(call);
}

Outcome EngineCore::Finish(Result result) {
  if (!result) return Outcome::Reply(BuildErrorReply(result.error(), clock_.Current()));
  if (result->kind != Outcome::Kind::kReply) return std::move(*result);
  if (!result->reply) result->reply = common::NewBson();
  AppendSuccessTail(result->reply.get(), clock_.Current());
  return std::move(*result);
}

void EngineCore::OnTick(int64_t now_mono_ms) {
  last_mono_ms_ = now_mono_ms;
  size_t reaped = cursors_.ReapIdle(now_mono_ms, options_.cursor_timeout_ms);
  if (reaped > 0) {
    LogLine(LogLevel::kInfo, "idle cursors reaped", "count=" + std::to_string(reaped));
  }
  if (journal_ && options_.fsync == EngineOptions::Fsync::kInterval &&
      journal_->has_unsynced_writes() &&
      now_mono_ms - first_unsynced_mono_ms_ >= options_.fsync_interval_ms) {
    if (auto synced = journal_->Sync(); !synced) {
      journal_error_ = synced.error();
      LogLine(LogLevel::kError, "journal sync failed; refusing writes",
              "error=\"" + synced.error() + "\"");
    }
  }
}

void EngineCore::OnConnectionOpened(uint64_t /*connection_id*/) {
  ++connections_current_;
  ++connections_total_;
}

void EngineCore::OnConnectionClosed(uint64_t connection_id) {
  if (connections_current_ > 0) --connections_current_;
  app_names_.erase(connection_id);
  pending_fail_actions_.erase(connection_id);
  waiting_connections_.erase(connection_id);
  killed_under_wait_.erase(connection_id);
  cursors_.UnpinConnection(connection_id, last_mono_ms_);
}

std::string EngineCore::AppNameOf(uint64_t connection_id) const {
  auto it = app_names_.find(connection_id);
  return it == app_names_.end() ? std::string() : it->second;
}

}  // namespace devmongod
