#include "common/cpu_policy.h"

#include <sched.h>

#include <cerrno>
#include <cstring>

namespace common {

std::expected<CpuPolicy, std::string> ParseCpuPolicy(std::string_view text) {
  if (text == "batch") return CpuPolicy::kBatch;
  if (text == "normal") return CpuPolicy::kNormal;
  return std::unexpected(std::string("expected batch or normal"));
}

std::string_view CpuPolicyName(CpuPolicy policy) {
  return policy == CpuPolicy::kBatch ? "batch" : "normal";
}

std::expected<void, std::string> ApplyCpuPolicy(CpuPolicy policy) {
  sched_param param{};
  param.sched_priority = 0;  // the only priority SCHED_BATCH and SCHED_OTHER take
  int native = policy == CpuPolicy::kBatch ? SCHED_BATCH : SCHED_OTHER;
  if (sched_setscheduler(0, native, &param) != 0) {
    return std::unexpected("cannot set CPU policy " + std::string(CpuPolicyName(policy)) + ": " +
                           std::strerror(errno));
  }
  return {};
}

}  // namespace common
