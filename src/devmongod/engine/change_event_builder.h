// Builds change-event documents in exactly the shape mongod 6 returns:
//   {_id: {_data}, operationType, clusterTime, wallTime, fullDocument?,
//    ns: {db, coll}, documentKey?}
// Thread-safety: free functions without shared state.
#pragma once

#include <bson/bson.h>

#include <string>

#include "common/bson_ptr.h"
#include "devmongod/engine/resume_token.h"

namespace devmongod {

common::BsonPtr BuildInsertEvent(const ResumeToken& token, int64_t wall_ms, const std::string& db,
                                 const std::string& coll, const bson_t& full_document);
common::BsonPtr BuildDeleteEvent(const ResumeToken& token, int64_t wall_ms, const std::string& db,
                                 const std::string& coll, const bson_value_t& id);
// {…, ns, documentKey, updateDescription: {updatedFields, removedFields,
// truncatedArrays: []}}; fullDocument is added when the event is read, for
// streams that ask for it (WithFullDocument).
common::BsonPtr BuildUpdateEvent(const ResumeToken& token, int64_t wall_ms, const std::string& db,
                                 const std::string& coll, const bson_value_t& id,
                                 const bson_t& updated_fields, const bson_t& removed_fields);
common::BsonPtr BuildReplaceEvent(const ResumeToken& token, int64_t wall_ms, const std::string& db,
                                  const std::string& coll, const bson_t& full_document);
// The event with fullDocument (a document, or null) in mongod's place:
// right after wallTime.
common::BsonPtr WithFullDocument(const bson_t& event, const bson_t* full_document);
common::BsonPtr BuildDropEvent(const ResumeToken& token, int64_t wall_ms, const std::string& db,
                               const std::string& coll);
// {..., ns: {db}}: the end of a dropDatabase, after its collections' drops.
common::BsonPtr BuildDropDatabaseEvent(const ResumeToken& token, int64_t wall_ms,
                                       const std::string& db);
// {..., ns: {db, coll: from}, to: {db, coll: to}}.
common::BsonPtr BuildRenameEvent(const ResumeToken& token, int64_t wall_ms, const std::string& db,
                                 const std::string& from, const std::string& to);
// The invalidate a collection stream sees after its collection's drop; its
// token carries the drop's position with the invalidate flag.
common::BsonPtr BuildInvalidateEvent(const ResumeToken& token, int64_t wall_ms);

}  // namespace devmongod
