// Read commands: find, getMore, killCursors, count and (non-change-stream)
// aggregate, plus the batching of result cursors they share.
#include <algorithm>

#include "devmongod/engine/bson_fields.h"
#include "devmongod/engine/engine_core.h"
#include "devmongod/engine/hint_check.h"
#include "devmongod/engine/query_error.h"
#include "devmongod/engine/reply_builder.h"
#include "devmongod/query/query.h"

namespace devmongod {
namespace {

constexpr int64_t kDefaultBatchSize = 101;

std::expected<int64_t, CommandError> NonNegative(
    const std::expected<std::optional<int64_t>, CommandError>& value, const char* field,
    int64_t fallback) {
  if (!value) return std::unexpected(value.error());
  if (!value->has_value()) return fallback;
  if (**value < 0) {
    return std::unexpected(BadValue(std::string("'") + field + "' must be non-negative"));
  }
  return **value;
}

// The collection part of a cursor's namespace, as killCursors names it: a
// collection, or a command namespace such as "$cmd.aggregate" (database and
// cluster change streams) or "$cmd.listIndexes.<coll>", which mongod accepts.
std::expected<std::string, CommandError> ReadCursorCollection(const bson_t& command,
                                                              std::string_view command_name) {
  bson_iter_t iter;
  if (FindField(command, command_name, &iter) && BSON_ITER_HOLDS_UTF8(&iter)) {
    uint32_t len = 0;
    const char* name = bson_iter_utf8(&iter, &len);
    const std::string_view view(name, len);
    if (view.starts_with("$cmd.") && view.size() > 5 && view.find('\0') == std::string_view::npos) {
      return std::string(view);
    }
  }
  return ReadCollectionName(command, command_name);
}

// |limit| for a negative limit; INT64_MIN has no positive counterpart.
int64_t AbsoluteLimit(int64_t limit) { return limit == INT64_MIN ? INT64_MAX : -limit; }

// Takes up to `batch_size` documents (0 = as many as fit) from `state`.
std::vector<const bson_t*> NextBatch(ResultCursorState& state, int64_t batch_size) {
  std::vector<const bson_t*> batch;
  size_t bytes = 0;
  while (state.next < state.docs.size()) {
    if (batch_size > 0 && static_cast<int64_t>(batch.size()) >= batch_size) break;
    const bson_t* doc = state.docs[state.next].get();
    if (!batch.empty() && bytes + doc->len > kMaxBatchBytes) break;
    bytes += doc->len;
    batch.push_back(doc);
    ++state.next;
  }
  return batch;
}

// {_id: 1} or {_id: -1}: true for descending; nullopt for any other sort.
std::optional<bool> IdSortDirection(const bson_t& sort) {
  bson_iter_t field;
  if (!bson_iter_init(&field, &sort) || !bson_iter_next(&field)) return std::nullopt;
  if (std::string_view(bson_iter_key(&field)) != "_id" || !BSON_ITER_HOLDS_NUMBER(&field)) {
    return std::nullopt;
  }
  const double direction = bson_iter_as_double(&field);
  if (bson_iter_next(&field) || (direction != 1 && direction != -1)) return std::nullopt;
  return direction < 0;
}

// The arguments of find, each checked (in the order mongod reports them).
struct FindArgs {
  common::BsonPtr filter, sort, projection;  // null when absent
  int64_t skip = 0;
  int64_t batch_size = kDefaultBatchSize;
  std::optional<int64_t> limit;
  bool single_batch = false;
  bool no_timeout = false;
};

std::expected<FindArgs, CommandError> ReadFindArgs(const bson_t& command) {
  auto filter = ReadOptionalDocument(command, "filter");
  auto sort = ReadOptionalDocument(command, "sort");
  auto projection = ReadOptionalDocument(command, "projection");
  auto skip = NonNegative(ReadOptionalInt(command, "skip"), "skip", 0);
  auto batch_size =
      NonNegative(ReadOptionalInt(command, "batchSize"), "batchSize", kDefaultBatchSize);
  auto limit = ReadOptionalInt(command, "limit");
  auto single_batch = ReadOptionalBool(command, "singleBatch");
  auto no_timeout = ReadOptionalBool(command, "noCursorTimeout");
  if (!no_timeout) return std::unexpected(no_timeout.error());
  for (const auto* doc_arg : {&filter, &sort, &projection}) {
    if (!*doc_arg) return std::unexpected(doc_arg->error());
  }
  if (!skip) return std::unexpected(skip.error());
  if (!batch_size) return std::unexpected(batch_size.error());
  if (!limit) return std::unexpected(limit.error());
  if (!single_batch) return std::unexpected(single_batch.error());
  return FindArgs{std::move(*filter),
                  std::move(*sort),
                  std::move(*projection),
                  *skip,
                  *batch_size,
                  *limit,
                  single_batch->value_or(false),
                  no_timeout->value_or(false)};
}

// Sorts `matches` by `sort`, ties in natural order. Only the first `needed`
// must be in order: a small limit (a chat history page) does not sort the rest.
void SortMatches(std::vector<const bson_t*>& matches, const query::SortSpec& sort, size_t needed) {
  std::vector<std::pair<const bson_t*, size_t>> keyed;
  keyed.reserve(matches.size());
  for (size_t i = 0; i < matches.size(); ++i) keyed.emplace_back(matches[i], i);
  auto less = [&](const auto& a, const auto& b) {
    if (sort.Less(*a.first, *b.first)) return true;
    if (sort.Less(*b.first, *a.first)) return false;
    return a.second < b.second;
  };
  if (needed < keyed.size()) {
    std::partial_sort(keyed.begin(), keyed.begin() + static_cast<std::ptrdiff_t>(needed),
                      keyed.end(), less);
  } else {
    std::sort(keyed.begin(), keyed.end(), less);
  }
  for (size_t i = 0; i < matches.size(); ++i) matches[i] = keyed[i].first;
}

}  // namespace

EngineCore::Result EngineCore::ResultCursorReply(const Call& call,
                                                 std::vector<common::BsonPtr> docs,
                                                 const std::string& ns, int64_t batch_size,
                                                 bool single_batch) {
  ResultCursorState state{std::move(docs), 0};
  std::vector<const bson_t*> batch;
  if (batch_size > 0 || single_batch) batch = NextBatch(state, batch_size);
  common::BsonPtr reply = common::NewBson();
  int64_t id = 0;
  if (!single_batch && state.next < state.docs.size()) {
    // The batch points into `state.docs`; moving the vector keeps the heap
    // documents where they are.
    Cursor& cursor = cursors_.Add(Cursor{0, ns, call.ctx.now_mono_ms, 0, 0, std::move(state)});
    id = cursor.id;
  }
  AppendCursor(reply.get(), id, ns, true, batch);
  return Outcome::Reply(std::move(reply));
}

EngineCore::Result EngineCore::ResultCursorGetMore(const Call& call, Cursor& cursor,
                                                   int64_t batch_size) {
  auto& state = std::get<ResultCursorState>(cursor.state);
  std::vector<const bson_t*> batch = NextBatch(state, batch_size);
  cursor.last_used_mono_ms = call.ctx.now_mono_ms;
  const bool exhausted = state.next >= state.docs.size();
  common::BsonPtr reply = common::NewBson();
  AppendCursor(reply.get(), exhausted ? 0 : cursor.id, cursor.ns, false, batch);
  // The reply holds copies now, so the cursor (and its documents) may go.
  if (exhausted) cursors_.Erase(cursor.id);
  return Outcome::Reply(std::move(reply));
}

EngineCore::Result EngineCore::CmdFind(const Call& call) {
  auto coll = ReadCollectionName(call.command, "find");
  if (!coll) return std::unexpected(coll.error());
  auto args = ReadFindArgs(call.command);
  if (!args) return std::unexpected(args.error());
  common::BsonPtr empty = common::NewBson();
  const bson_t& filter = args->filter ? *args->filter : *empty;
  auto matcher = query::Matcher::Compile(filter);
  if (!matcher) return std::unexpected(FromQueryError(matcher.error()));
  auto sort_spec = query::SortSpec::Compile(args->sort ? *args->sort : *empty);
  if (!sort_spec) return std::unexpected(FromQueryError(sort_spec.error()));
  auto project = query::Projection::Compile(args->projection ? *args->projection : *empty);
  if (!project) return std::unexpected(FromQueryError(project.error()));
  const Collection* collection = FindCollection(call.db, *coll);
  if (auto bad_hint = CheckHint(call.command, collection)) return std::unexpected(*bad_hint);
  if (!call.rerun) ++opcounters_.query;

  bool single = args->single_batch;
  int64_t max_results = args->limit.value_or(0);
  if (max_results < 0) {
    // A negative limit asks for one batch of at most |limit| documents.
    max_results = AbsoluteLimit(max_results);
    single = true;
  }
  // Saturating: both may be near INT64_MAX.
  const int64_t wanted = max_results == 0 || max_results > INT64_MAX - args->skip
                             ? INT64_MAX
                             : max_results + args->skip;

  std::vector<const bson_t*> matches;
  const std::optional<bool> id_order = args->sort ? IdSortDirection(*args->sort) : std::nullopt;
  if (collection != nullptr && id_order && wanted < INT64_MAX) {
    // Sorted by _id with a limit: the _id index gives the order, and the
    // walk stops at the last document wanted.
    collection->ForEachInIdOrder(*id_order, [&](Collection::RecordId, const bson_t& doc) {
      if (!matcher->Matches(doc)) return true;
      matches.push_back(&doc);
      return static_cast<int64_t>(matches.size()) < wanted;
    });
  } else if (collection != nullptr) {
    collection->ForEachCandidate(filter, [&](Collection::RecordId, const bson_t& doc) {
      if (!matcher->Matches(doc)) return true;
      matches.push_back(&doc);
      // Without a sort the first matches are the answer.
      return !sort_spec->empty() || static_cast<int64_t>(matches.size()) < wanted;
    });
  }
  if (!sort_spec->empty()) {
    SortMatches(matches, *sort_spec,
                max_results > 0 ? static_cast<size_t>(wanted) : matches.size());
  }
  const size_t begin = std::min<size_t>(matches.size(), static_cast<size_t>(args->skip));
  size_t end = matches.size();
  if (max_results > 0) end = std::min(end, begin + static_cast<size_t>(max_results));

  std::vector<common::BsonPtr> results;
  results.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) {
    results.push_back(project->empty() ? common::CopyBson(*matches[i])
                                       : project->Apply(*matches[i]));
  }
  int64_t first_batch = args->batch_size;
  if (single && max_results > 0 && (first_batch == 0 || first_batch > max_results)) {
    first_batch = max_results;
  }
  Result reply =
      ResultCursorReply(call, std::move(results), call.db + "." + *coll, first_batch, single);
  if (reply && args->no_timeout) MarkNoTimeout(*reply->reply);
  return reply;
}

// noCursorTimeout: the cursor a find reply names is never reaped for idleness.
void EngineCore::MarkNoTimeout(const bson_t& find_reply) {
  bson_iter_t id;
  if (bson_iter_init(&id, &find_reply) && bson_iter_find_descendant(&id, "cursor.id", &id)) {
    if (Cursor* cursor = cursors_.Find(bson_iter_int64(&id))) cursor->no_timeout = true;
  }
}

EngineCore::Result EngineCore::CmdGetMore(const Call& call) {
  bson_iter_t id_iter;
  FindField(call.command, "getMore", &id_iter);
  std::optional<int64_t> id = IterAsInt(id_iter);
  if (!id) return std::unexpected(TypeMismatch("'getMore' must be a cursor id (Int64)"));
  auto coll = ReadOptionalString(call.command, "collection");
  if (!coll) return std::unexpected(coll.error());
  if (!coll->has_value() || (*coll)->empty()) {
    return std::unexpected(
        FailedToParse("BSON field 'getMore.collection' is missing but a required field"));
  }
  auto batch_size = NonNegative(ReadOptionalInt(call.command, "batchSize"), "batchSize", 0);
  if (!batch_size) return std::unexpected(batch_size.error());
  if (!call.rerun) ++opcounters_.getmore;

  Cursor* cursor = cursors_.Find(*id);
  if (auto killed = killed_under_wait_.find(call.ctx.connection_id);
      killed != killed_under_wait_.end()) {
    const bool this_cursor = killed->second == *id;
    killed_under_wait_.erase(killed);
    if (this_cursor && cursor == nullptr) {
      return std::unexpected(MakeError(
          237, "CursorKilled",
          "cursor id " + std::to_string(*id) + " was killed while a getMore waited on it"));
    }
  }
  if (cursor == nullptr) {
    return std::unexpected(
        MakeError(43, "CursorNotFound", "cursor id " + std::to_string(*id) + " not found"));
  }
  const std::string requested = call.db + "." + **coll;
  if (cursor->ns != requested) {
    return std::unexpected(MakeError(13, "Unauthorized",
                                     "Requested getMore on namespace '" + requested +
                                         "', but cursor belongs to a different namespace " +
                                         cursor->ns));
  }
  if (!call.rerun && fail_get_more_after_checkout_.active()) {
    if (auto fired = fail_get_more_after_checkout_.Evaluate(); fired && fired->error_code) {
      cursors_.Erase(cursor->id);  // a failed getMore takes its cursor along
      return std::unexpected(MakeError(*fired->error_code, CodeNameFor(*fired->error_code),
                                       "Failing getMore via 'failGetMoreAfterCursorCheckout'"));
    }
  }
  if (std::holds_alternative<ResultCursorState>(cursor->state)) {
    return ResultCursorGetMore(call, *cursor, *batch_size);
  }
  return ChangeStreamGetMore(call, *cursor, *batch_size);
}

EngineCore::Result EngineCore::CmdKillCursors(const Call& call) {
  auto coll = ReadCursorCollection(call.command, "killCursors");
  if (!coll) return std::unexpected(coll.error());
  auto ids = ReadOptionalArray(call.command, "cursors");
  if (!ids) return std::unexpected(ids.error());
  if (!*ids) {
    return std::unexpected(
        FailedToParse("BSON field 'killCursors.cursors' is missing but a required field"));
  }
  ++opcounters_.command;
  common::BsonPtr killed = common::NewBson(), not_found = common::NewBson();
  uint32_t killed_count = 0, not_found_count = 0;
  bson_iter_t item;
  bson_iter_init(&item, ids->get());
  while (bson_iter_next(&item)) {
    std::optional<int64_t> id = IterAsInt(item);
    if (!id) return std::unexpected(TypeMismatch("'cursors' must contain cursor ids (Int64)"));
    if (const Cursor* cursor = cursors_.Find(*id); cursor != nullptr && cursor->pinned_by != 0) {
      killed_under_wait_[cursor->pinned_by] = *id;
      interrupted_waits_.push_back(cursor->pinned_by);
    }
    bool erased = cursors_.Erase(*id);
    bson_t* list = erased ? killed.get() : not_found.get();
    uint32_t& count = erased ? killed_count : not_found_count;
    std::string key = std::to_string(count++);
    bson_append_int64(list, key.c_str(), -1, *id);
  }
  common::BsonPtr reply = common::NewBson();
  common::BsonPtr empty = common::NewBson();
  BSON_APPEND_ARRAY(reply.get(), "cursorsKilled", killed.get());
  BSON_APPEND_ARRAY(reply.get(), "cursorsNotFound", not_found.get());
  BSON_APPEND_ARRAY(reply.get(), "cursorsAlive", empty.get());
  BSON_APPEND_ARRAY(reply.get(), "cursorsUnknown", empty.get());
  return Outcome::Reply(std::move(reply));
}

EngineCore::Result EngineCore::CmdCount(const Call& call) {
  auto coll = ReadCollectionName(call.command, "count");
  if (!coll) return std::unexpected(coll.error());
  auto filter = ReadOptionalDocument(call.command, "query");
  if (!filter) return std::unexpected(filter.error());
  auto skip = NonNegative(ReadOptionalInt(call.command, "skip"), "skip", 0);
  if (!skip) return std::unexpected(skip.error());
  auto limit = ReadOptionalInt(call.command, "limit");
  if (!limit) return std::unexpected(limit.error());
  common::BsonPtr empty = common::NewBson();
  auto matcher = query::Matcher::Compile(*filter ? **filter : *empty);
  if (!matcher) return std::unexpected(FromQueryError(matcher.error()));
  if (auto bad_hint = CheckHint(call.command, FindCollection(call.db, *coll))) {
    return std::unexpected(*bad_hint);
  }
  ++opcounters_.command;

  int64_t matching = 0;
  if (const Collection* collection = FindCollection(call.db, *coll)) {
    if (matcher->MatchesEverything()) {
      matching = static_cast<int64_t>(collection->size());
    } else {
      collection->ForEachCandidate(*filter ? **filter : *empty,
                                   [&](Collection::RecordId, const bson_t& doc) {
                                     matching += matcher->Matches(doc) ? 1 : 0;
                                     return true;
                                   });
    }
  }
  int64_t n = std::max<int64_t>(0, matching - *skip);
  int64_t max_results = limit->value_or(0);
  if (max_results < 0) max_results = AbsoluteLimit(max_results);
  if (max_results > 0) n = std::min(n, max_results);
  common::BsonPtr reply = common::NewBson();
  BSON_APPEND_INT32(reply.get(), "n", static_cast<int32_t>(n));
  return Outcome::Reply(std::move(reply));
}

EngineCore::Result EngineCore::CmdAggregate(const Call& call) {
  auto pipeline = ReadOptionalArray(call.command, "pipeline");
  if (!pipeline) return std::unexpected(pipeline.error());
  if (!*pipeline) {
    return std::unexpected(
        FailedToParse("BSON field 'aggregate.pipeline' is missing but a required field"));
  }
  auto cursor_options = ReadOptionalDocument(call.command, "cursor");
  if (!cursor_options) return std::unexpected(cursor_options.error());
  if (!*cursor_options) {
    return std::unexpected(FailedToParse(
        "The 'cursor' option is required, except for aggregate with the explain argument"));
  }
  auto batch_size =
      NonNegative(ReadOptionalInt(**cursor_options, "batchSize"), "batchSize", kDefaultBatchSize);
  if (!batch_size) return std::unexpected(batch_size.error());

  bson_iter_t first_stage;
  if (bson_iter_init(&first_stage, pipeline->get()) && bson_iter_next(&first_stage) &&
      BSON_ITER_HOLDS_DOCUMENT(&first_stage)) {
    bson_iter_t stage_name;
    if (bson_iter_recurse(&first_stage, &stage_name) && bson_iter_next(&stage_name) &&
        std::string_view(bson_iter_key(&stage_name)) == "$changeStream") {
      return OpenChangeStream(call, **pipeline, *batch_size);
    }
  }

  auto coll = ReadCollectionName(call.command, "aggregate");
  if (!coll) {
    return std::unexpected(
        MakeError(73, "InvalidNamespace",
                  "'aggregate' must name a collection (aggregate: 1 needs $changeStream here)"));
  }
  if (auto bad_hint = CheckHint(call.command, FindCollection(call.db, *coll))) {
    return std::unexpected(*bad_hint);
  }
  ++opcounters_.command;
  std::vector<const bson_t*> input;
  if (const Collection* collection = FindCollection(call.db, *coll)) {
    input.reserve(collection->size());
    for (const auto& [id, doc] : collection->documents()) input.push_back(doc.get());
  }
  auto output = query::RunPipeline(input, **pipeline);
  if (!output) return std::unexpected(FromQueryError(output.error()));
  return ResultCursorReply(call, std::move(*output), call.db + "." + *coll, *batch_size, false);
}

}  // namespace devmongod
