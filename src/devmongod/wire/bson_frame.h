// Reading one BSON document out of a wire message, trusting nothing.
//
// The document's own int32 length is checked against the bytes that remain
// and against the size limit before anything looks inside it; then every
// element is checked, nested documents and arrays included (bounded depth,
// UTF-8 keys and strings, embedded NULs allowed in strings as mongod does)
// by CheckBsonContent and libbson's bson_validate.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "devmongod/wire/byte_reader.h"
#include "devmongod/wire/wire_message.h"
#include "devmongod/wire/wire_status.h"

namespace devmongod::wire {

// mongod accepts command documents up to the user limit plus 16 KiB, the
// room it leaves for the fields drivers add (lsid, $db, $clusterTime...).
inline constexpr int32_t kMaxWireDocumentSize = kMaxBsonObjectSize + 16 * 1024;

// Reads the next document from `reader` into `document` (a view into the
// message bytes). `what` names the document for the error, e.g. "kind-0 section".
WireStatus ReadBsonDocument(ByteReader* reader, std::string_view what,
                            std::span<const uint8_t>* document);

}  // namespace devmongod::wire
