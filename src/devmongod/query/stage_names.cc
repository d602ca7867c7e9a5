#include "devmongod/query/stage_names.h"

#include <algorithm>
#include <iterator>

namespace devmongod::query {

bool IsKnownStage(std::string_view name) {
  static constexpr std::string_view kStages[] = {"$addFields",
                                                 "$bucket",
                                                 "$bucketAuto",
                                                 "$changeStream",
                                                 "$changeStreamSplitLargeEvent",
                                                 "$collStats",
                                                 "$count",
                                                 "$currentOp",
                                                 "$densify",
                                                 "$documents",
                                                 "$facet",
                                                 "$fill",
                                                 "$geoNear",
                                                 "$graphLookup",
                                                 "$group",
                                                 "$indexStats",
                                                 "$limit",
                                                 "$listLocalSessions",
                                                 "$listSampledQueries",
                                                 "$listSearchIndexes",
                                                 "$listSessions",
                                                 "$lookup",
                                                 "$match",
                                                 "$merge",
                                                 "$out",
                                                 "$planCacheStats",
                                                 "$project",
                                                 "$redact",
                                                 "$replaceRoot",
                                                 "$replaceWith",
                                                 "$sample",
                                                 "$search",
                                                 "$searchMeta",
                                                 "$set",
                                                 "$setWindowFields",
                                                 "$shardedDataDistribution",
                                                 "$skip",
                                                 "$sort",
                                                 "$sortByCount",
                                                 "$unionWith",
                                                 "$unset",
                                                 "$unwind",
                                                 "$vectorSearch"};
  return std::find(std::begin(kStages), std::end(kStages), name) != std::end(kStages);
}

}  // namespace devmongod::query
