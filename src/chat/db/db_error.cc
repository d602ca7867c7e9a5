#include "chat/db/db_error.h"

namespace chat::db {
namespace {

bool HasLabel(const bson_t* reply, const char* label) {
  bson_iter_t it;
  bson_iter_t labels;
  if (!reply || !bson_iter_init_find(&it, reply, "errorLabels") || !BSON_ITER_HOLDS_ARRAY(&it) ||
      !bson_iter_recurse(&it, &labels)) {
    return false;
  }
  while (bson_iter_next(&labels)) {
    if (BSON_ITER_HOLDS_UTF8(&labels) && strcmp(bson_iter_utf8(&labels, nullptr), label) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

const char* DbError::KindName() const {
  switch (kind) {
    case Kind::kUnavailable:
      return "unavailable";
    case Kind::kHistoryLost:
      return "history_lost";
    case Kind::kInvalidToken:
      return "invalid_token";
    case Kind::kDuplicateKey:
      return "duplicate_key";
    case Kind::kOther:
      break;
  }
  return "other";
}

DbError ClassifyError(const bson_error_t& error, const bson_t* reply) {
  DbError out;
  out.code = static_cast<int32_t>(error.code);
  out.message = error.message;
  // Server selection and stream failures come from the driver itself; a
  // closed or refused socket reports MONGOC_ERROR_STREAM.
  if (error.domain == MONGOC_ERROR_SERVER_SELECTION || error.domain == MONGOC_ERROR_STREAM ||
      (error.domain == MONGOC_ERROR_CLIENT && error.code == MONGOC_ERROR_CLIENT_AUTHENTICATE)) {
    out.kind =
        error.domain == MONGOC_ERROR_CLIENT ? DbError::Kind::kOther : DbError::Kind::kUnavailable;
    return out;
  }
  switch (error.code) {
    case 286:  // ChangeStreamHistoryLost
    case 280:  // ChangeStreamFatalError: the token was not found in the history
    case 260:  // InvalidResumeToken
      out.kind = DbError::Kind::kHistoryLost;
      return out;
    case 9:   // FailedToParse
    case 2:   // BadValue
    case 14:  // TypeMismatch
      out.kind = DbError::Kind::kInvalidToken;
      return out;
    case 11000:
      out.kind = DbError::Kind::kDuplicateKey;
      return out;
    case 6:      // HostUnreachable
    case 7:      // HostNotFound
    case 89:     // NetworkTimeout
    case 91:     // ShutdownInProgress
    case 189:    // PrimarySteppedDown
    case 10107:  // NotWritablePrimary
    case 11600:  // InterruptedAtShutdown
    case 11602:  // InterruptedDueToReplStateChange
    case 13435:  // NotPrimaryNoSecondaryOk
    case 13436:  // NotPrimaryOrSecondary
      out.kind = DbError::Kind::kUnavailable;
      return out;
    default:
      break;
  }
  if (HasLabel(reply, "NonResumableChangeStreamError")) {
    out.kind = DbError::Kind::kHistoryLost;
  } else if (HasLabel(reply, "RetryableWriteError") ||
             HasLabel(reply, "ResumableChangeStreamError")) {
    out.kind = DbError::Kind::kUnavailable;
  }
  return out;
}

}  // namespace chat::db
