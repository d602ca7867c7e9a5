// How the kernel schedules the chat's processes.
//
// Every delivered message wakes several processes in turn: the database
// answers a stream worker's getMore, the worker writes a frame to nginx and
// sends its next getMore, nginx writes to the browser. Under the default
// policy each wake-up may preempt the process that caused it, so a worker is
// switched out halfway through its short turn and back in again: 0.8
// involuntary switches per delivery in the workers, measured with 300
// streams, against 0.13 under SCHED_BATCH. That policy keeps the fair share
// of CPU and only gives up preemption on wake-up: the running process finishes
// its turn and the woken one runs next; on an idle CPU it still runs at once.
//
// Thread-safety: ApplyCpuPolicy affects the calling thread only; processes
// forked by it afterwards inherit the policy (and so do programs they exec).
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace common {

enum class CpuPolicy {
  kBatch,   // SCHED_BATCH: the default of the pools and devmongod
  kNormal,  // SCHED_OTHER, as started
};

// "batch" or "normal"; otherwise the rule, for the caller's error line.
std::expected<CpuPolicy, std::string> ParseCpuPolicy(std::string_view text);
std::string_view CpuPolicyName(CpuPolicy policy);

// Sets the calling thread's policy (nice value kept). Lowering the policy to
// SCHED_BATCH needs no privilege; the error names the system call's reason.
std::expected<void, std::string> ApplyCpuPolicy(CpuPolicy policy);

}  // namespace common
