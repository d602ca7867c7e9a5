#include "devmongod/engine/command_error.h"

#include <utility>

namespace devmongod {

std::string CodeNameFor(int32_t code) {
  static constexpr std::pair<int32_t, const char*> kNames[] = {
      {1, "InternalError"},
      {2, "BadValue"},
      {6, "HostUnreachable"},
      {7, "HostNotFound"},
      {8, "UnknownError"},
      {9, "FailedToParse"},
      {11, "UserNotFound"},
      {13, "Unauthorized"},
      {14, "TypeMismatch"},
      {26, "NamespaceNotFound"},
      {43, "CursorNotFound"},
      {48, "NamespaceExists"},
      {50, "MaxTimeMSExpired"},
      {59, "CommandNotFound"},
      {63, "StaleShardVersion"},
      {72, "InvalidOptions"},
      {73, "InvalidNamespace"},
      {86, "IndexKeySpecsConflict"},
      {89, "NetworkTimeout"},
      {91, "ShutdownInProgress"},
      {96, "OperationFailed"},
      {112, "WriteConflict"},
      {133, "FailedToSatisfyReadPreference"},
      {150, "StaleEpoch"},
      {189, "PrimarySteppedDown"},
      {234, "RetryChangeStream"},
      {251, "NoSuchTransaction"},
      {260, "InvalidResumeToken"},
      {262, "ExceededTimeLimit"},
      {280, "ChangeStreamFatalError"},
      {286, "ChangeStreamHistoryLost"},
      {9001, "SocketException"},
      {10107, "NotWritablePrimary"},
      {11000, "DuplicateKey"},
      {11600, "InterruptedAtShutdown"},
      {11602, "InterruptedDueToReplStateChange"},
      {13388, "StaleConfig"},
      {13435, "NotPrimaryNoSecondaryOk"},
      {13436, "NotPrimaryOrSecondary"},
  };
  for (const auto& [known, name] : kNames) {
    if (known == code) return name;
  }
  return "Location" + std::to_string(code);
}

}  // namespace devmongod
