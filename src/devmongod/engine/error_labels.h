// The error labels mongod (4.4 and later) adds to errors by itself, which
// drivers act on (the retryable writes and change streams specifications):
//   RetryableWriteError        a retryable write (insert, update, delete,
//                              findAndModify with lsid and txnNumber) failed
//                              with a code the write may be retried after;
//   ResumableChangeStreamError a change stream's getMore failed with a code
//                              the stream may resume after.
// CursorNotFound (43) is not labelled: drivers resume after it by its code.
// Thread-safety: pure functions.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace devmongod {

bool IsRetryableWriteCode(int32_t code);
bool IsResumableChangeStreamCode(int32_t code);
// insert, update, delete, findAndModify carrying a txnNumber.
bool IsRetryableWrite(std::string_view command_name, const bson_t& command);

// The labels for an error with `code`, for a command of this kind.
std::vector<std::string> ServerErrorLabels(int32_t code, bool retryable_write,
                                           bool change_stream_get_more);

}  // namespace devmongod
