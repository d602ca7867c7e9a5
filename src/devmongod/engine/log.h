// One-line structured log records on stderr:
//   devmongod level=info msg="journal replayed" records=12 bytes=3456
// Never pass document contents: only counts, names and reasons.
// Thread-safety: one write(2)-sized fprintf per line.
#pragma once

#include <string_view>

namespace devmongod {

void LogLine(std::string_view level, std::string_view message, std::string_view fields = {});

}  // namespace devmongod
