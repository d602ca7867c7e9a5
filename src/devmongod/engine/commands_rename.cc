// renameCollection (admin): moves a collection, its documents and indexes,
// to a new name in the same database and records a "rename" event
// {ns: source, to: target}; a stream on the source collection then ends
// with an invalidate. With dropTarget, an existing target is dropped first
// (its own drop event). Renames across databases are refused: mongod copies
// documents then, with events devmongod does not model.
#include "devmongod/engine/bson_fields.h"
#include "devmongod/engine/engine_core.h"
#include "devmongod/engine/journal_entries.h"

namespace devmongod {
namespace {

struct Namespace {
  std::string db, coll;
};

std::expected<Namespace, CommandError> ReadNamespace(const bson_t& command, const char* field) {
  auto value = ReadOptionalString(command, field);
  if (!value) return std::unexpected(value.error());
  const std::string ns = value->value_or("");
  const size_t dot = ns.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == ns.size()) {
    return std::unexpected(
        MakeError(73, "InvalidNamespace", "Invalid namespace specified '" + ns + "'"));
  }
  return Namespace{ns.substr(0, dot), ns.substr(dot + 1)};
}

}  // namespace

EngineCore::Result EngineCore::CmdRenameCollection(const Call& call) {
  ++opcounters_.command;
  if (call.db != "admin") {
    return std::unexpected(MakeError(
        13, "Unauthorized", "renameCollection may only be run against the admin database."));
  }
  auto from = ReadNamespace(call.command, "renameCollection");
  if (!from) return std::unexpected(from.error());
  auto to = ReadNamespace(call.command, "to");
  if (!to) return std::unexpected(to.error());
  auto drop_target = ReadOptionalBool(call.command, "dropTarget");
  if (!drop_target) return std::unexpected(drop_target.error());
  if (from->db != to->db) {
    return std::unexpected(BadValue("devmongod does not rename collections across databases"));
  }
  if (FindCollection(from->db, from->coll) == nullptr) {
    return std::unexpected(
        MakeError(26, "NamespaceNotFound",
                  "Source collection " + from->db + "." + from->coll + " does not exist"));
  }
  if (from->coll == to->coll) {
    return std::unexpected(
        MakeError(20, "IllegalOperation", "Can't rename a collection to itself"));
  }
  if (auto refused = CheckWritable()) return std::unexpected(*refused);
  if (FindCollection(to->db, to->coll) != nullptr) {
    if (!drop_target->value_or(false)) {
      return std::unexpected(MakeError(48, "NamespaceExists", "target namespace exists"));
    }
    EventStamp stamp = NextStamp(call.ctx.now_wall_ms);
    common::BsonPtr entry = NewJournalEntry("drop", to->db, to->coll);
    AppendStamp(entry.get(), stamp);
    if (auto failed = Journal(*entry, call.ctx)) return std::unexpected(*failed);
    DropCollection(to->db, to->coll, stamp);
  }
  EventStamp stamp = NextStamp(call.ctx.now_wall_ms);
  common::BsonPtr entry = NewJournalEntry("rename", from->db, from->coll);
  BSON_APPEND_UTF8(entry.get(), "to", to->coll.c_str());
  AppendStamp(entry.get(), stamp);
  if (auto failed = Journal(*entry, call.ctx)) return std::unexpected(*failed);
  RenameCollection(from->db, from->coll, to->coll, stamp);
  return Outcome::Reply(common::NewBson());
}

}  // namespace devmongod
