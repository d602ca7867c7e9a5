// Data changes and the change events they produce. Commands and journal
// replay both come through here, so a replayed engine ends up with exactly
// the collections and change history the original had.
#include "devmongod/engine/change_event_builder.h"
#include "devmongod/engine/engine_core.h"

namespace devmongod {

EventStamp EngineCore::NextStamp(int64_t wall_ms) {
  return EventStamp{history_.last_seq() + 1, clock_.Next(wall_ms), wall_ms};
}

Collection* EngineCore::FindCollection(const std::string& db, const std::string& coll) {
  auto database = databases_.find(db);
  if (database == databases_.end()) return nullptr;
  auto collection = database->second.find(coll);
  return collection == database->second.end() ? nullptr : &collection->second;
}

Collection& EngineCore::CreateCollection(const std::string& db, const std::string& coll) {
  return databases_[db][coll];
}

void EngineCore::AppendEvent(ChangeEvent event) {
  clock_.Observe(event.ts);
  history_.Append(std::move(event));
  ++change_version_;
}

void EngineCore::RecordInsertEvent(const std::string& db, const std::string& coll,
                                   const bson_t& doc, const EventStamp& stamp) {
  ResumeToken token{stamp.ts, stamp.seq, false};
  AppendEvent(ChangeEvent{stamp.seq, stamp.ts, stamp.wall_ms, ChangeEvent::Kind::kInsert, db, coll,
                          BuildInsertEvent(token, stamp.wall_ms, db, coll, doc)});
}

void EngineCore::RecordDeleteEvent(const std::string& db, const std::string& coll,
                                   const bson_value_t& id, const EventStamp& stamp) {
  ResumeToken token{stamp.ts, stamp.seq, false};
  AppendEvent(ChangeEvent{stamp.seq, stamp.ts, stamp.wall_ms, ChangeEvent::Kind::kDelete, db, coll,
                          BuildDeleteEvent(token, stamp.wall_ms, db, coll, id)});
}

void EngineCore::RecordChangeEvent(const std::string& db, const std::string& coll,
                                   const DocumentChange& change) {
  const EventStamp& stamp = change.stamp;
  ResumeToken token{stamp.ts, stamp.seq, false};
  const bson_t& doc = change.after ? *change.after : *change.before;
  bson_iter_t id;
  bson_iter_init_find(&id, &doc, "_id");
  common::BsonPtr event;
  switch (change.kind) {
    case ChangeEvent::Kind::kInsert:
      RecordInsertEvent(db, coll, doc, stamp);
      return;
    case ChangeEvent::Kind::kDelete:
      RecordDeleteEvent(db, coll, *bson_iter_value(&id), stamp);
      return;
    case ChangeEvent::Kind::kUpdate:
      event = BuildUpdateEvent(token, stamp.wall_ms, db, coll, *bson_iter_value(&id),
                               *change.updated_fields, *change.removed_fields);
      break;
    case ChangeEvent::Kind::kReplace:
      event = BuildReplaceEvent(token, stamp.wall_ms, db, coll, doc);
      break;
    case ChangeEvent::Kind::kDrop:
    case ChangeEvent::Kind::kDropDatabase:
    case ChangeEvent::Kind::kRename:
      return;  // not document changes
  }
  AppendEvent(
      ChangeEvent{stamp.seq, stamp.ts, stamp.wall_ms, change.kind, db, coll, std::move(event)});
}

void EngineCore::RecordDropDatabaseEvent(const std::string& db, const EventStamp& stamp) {
  ResumeToken token{stamp.ts, stamp.seq, false};
  AppendEvent(ChangeEvent{stamp.seq, stamp.ts, stamp.wall_ms, ChangeEvent::Kind::kDropDatabase, db,
                          std::string(), BuildDropDatabaseEvent(token, stamp.wall_ms, db)});
}

void EngineCore::RenameCollection(const std::string& db, const std::string& from,
                                  const std::string& to, const EventStamp& stamp) {
  auto& database = databases_[db];
  auto source = database.find(from);
  if (source != database.end()) {
    Collection moved = std::move(source->second);
    database.erase(source);
    database.insert_or_assign(to, std::move(moved));
  }
  ResumeToken token{stamp.ts, stamp.seq, false};
  AppendEvent(ChangeEvent{stamp.seq, stamp.ts, stamp.wall_ms, ChangeEvent::Kind::kRename, db, from,
                          BuildRenameEvent(token, stamp.wall_ms, db, from, to)});
}

void EngineCore::DropCollection(const std::string& db, const std::string& coll,
                                const EventStamp& stamp) {
  auto database = databases_.find(db);
  if (database != databases_.end()) {
    database->second.erase(coll);
    if (database->second.empty()) databases_.erase(database);
  }
  ResumeToken token{stamp.ts, stamp.seq, false};
  AppendEvent(ChangeEvent{stamp.seq, stamp.ts, stamp.wall_ms, ChangeEvent::Kind::kDrop, db, coll,
                          BuildDropEvent(token, stamp.wall_ms, db, coll)});
}

}  // namespace devmongod
