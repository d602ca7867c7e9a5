// The metrics' name for a database failure (metrics/metrics_block.h keeps its
// own enum so that the metrics library does not depend on the driver).
#pragma once

#include "chat/db/db_error.h"
#include "chat/metrics/metrics_block.h"

namespace chat::app {

inline metrics::DbErrorKind MetricsKindOf(db::DbError::Kind kind) {
  switch (kind) {
    case db::DbError::Kind::kUnavailable:
      return metrics::DbErrorKind::kUnavailable;
    case db::DbError::Kind::kHistoryLost:
      return metrics::DbErrorKind::kHistoryLost;
    case db::DbError::Kind::kInvalidToken:
      return metrics::DbErrorKind::kInvalidToken;
    case db::DbError::Kind::kDuplicateKey:
      return metrics::DbErrorKind::kDuplicateKey;
    case db::DbError::Kind::kOther:
      break;
  }
  return metrics::DbErrorKind::kOther;
}

}  // namespace chat::app
