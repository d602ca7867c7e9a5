#include "devmongod/engine/error_labels.h"

#include <algorithm>
#include <array>

namespace devmongod {
namespace {

// HostUnreachable, HostNotFound, NetworkTimeout, ShutdownInProgress,
// PrimarySteppedDown, ExceededTimeLimit, SocketException, NotWritablePrimary,
// InterruptedAtShutdown, InterruptedDueToReplStateChange,
// NotPrimaryNoSecondaryOk, NotPrimaryOrSecondary.
constexpr std::array<int32_t, 12> kNetworkAndStepDownCodes = {
    6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436};

template <size_t N>
bool Holds(const std::array<int32_t, N>& codes, int32_t code) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

}  // namespace

bool IsRetryableWriteCode(int32_t code) { return Holds(kNetworkAndStepDownCodes, code); }

bool IsResumableChangeStreamCode(int32_t code) {
  // Also StaleShardVersion, StaleEpoch, StaleConfig, RetryChangeStream,
  // FailedToSatisfyReadPreference.
  static constexpr std::array<int32_t, 5> kMore = {63, 150, 13388, 234, 133};
  return Holds(kNetworkAndStepDownCodes, code) || Holds(kMore, code);
}

bool IsRetryableWrite(std::string_view name, const bson_t& command) {
  const bool write = name == "insert" || name == "update" || name == "delete" ||
                     name == "findAndModify" || name == "findandmodify";
  bson_iter_t txn;
  return write && bson_iter_init_find(&txn, &command, "txnNumber");
}

std::vector<std::string> ServerErrorLabels(int32_t code, bool retryable_write,
                                           bool change_stream_get_more) {
  std::vector<std::string> labels;
  if (retryable_write && IsRetryableWriteCode(code)) labels.emplace_back("RetryableWriteError");
  if (change_stream_get_more && IsResumableChangeStreamCode(code)) {
    labels.emplace_back("ResumableChangeStreamError");
  }
  return labels;
}

}  // namespace devmongod
