// Writes the seed corpus of fuzz_wire_message: realistic requests (a driver
// handshake, inserts with document sequences, a checksummed message, a
// pipeline) and a few broken ones. Usage: make_wire_corpus <directory>.
// The generated files are committed in corpus_wire/; rerun this after
// changing it.
#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "devmongod/wire/wire_message.h"
#include "wire_test_messages.h"

namespace devmongod::wire::testing {
namespace {

std::string RawJson(std::string_view json) { return Raw(*Json(json)); }

std::vector<std::pair<std::string, std::string>> Seeds() {
  const std::string handshake =
      OpQuery(1, "admin.$cmd",
              RawJson(R"({"isMaster": 1, "helloOk": true, "client": {"driver": {"name": "mongoc", )"
                      R"("version": "1.23.1"}, "os": {"type": "Linux"}}, "compression": []})"));
  const std::string insert = OpMsg(
      2, 0,
      Kind0(RawJson(R"({"insert": "messages", "ordered": true, "$db": "chat", )"
                    R"("lsid": {"id": {"$binary": {"base64": "AAAAAAAAAAAAAAAAAAAAAA==", )"
                    R"("subType": "04"}}}, "txnNumber": {"$numberLong": "1"}})")) +
          Kind1("documents", {RawJson(R"({"_id": {"$oid": "650000000000000000000001"}, )"
                                      R"("room": "a", "text": "hi"})"),
                              RawJson(R"({"_id": 2, "nested": {"a": [1, 2, {"b": null}]}})")}));
  const std::string checksummed =
      OpMsg(3, kChecksumPresent | kExhaustAllowed,
            Kind0(RawJson(R"({"getMore": {"$numberLong": "7"}, "collection": "messages", )"
                          R"("maxTimeMS": 1000, "$db": "chat"})")));
  const std::string wrapped = OpQuery(
      4, "chat.$cmd",
      RawJson(R"({"$query": {"ping": 1}, "$readPreference": {"mode": "primaryPreferred"}})"));
  const std::string more_to_come = OpMsg(5, kMoreToCome,
                                         Kind1("documents", {RawJson(R"({"x": 1})")}) +
                                             Kind0(RawJson(R"({"insert": "c", "$db": "d"})")));
  std::string bad_checksum = checksummed;
  bad_checksum.back() = static_cast<char>(bad_checksum.back() ^ 1);
  // A kind-1 section whose size claims 64 bytes more than the message holds.
  std::string sequence = Kind1("documents", {RawJson(R"({"_id": 1})")});
  sequence.replace(1, 4, LeI32(static_cast<int32_t>(sequence.size()) - 1 + 64));
  const std::string bad_sequence_size =
      OpMsg(10, 0, Kind0(RawJson(R"({"insert": "c", "$db": "d"})")) + sequence);

  return {
      {"op_query_handshake", handshake},
      {"op_msg_insert_documents", insert},
      {"op_msg_checksum", checksummed},
      {"op_query_dollar_query", wrapped},
      {"op_msg_more_to_come", more_to_come},
      {"pipeline_three_messages", handshake + insert + checksummed},
      {"bad_checksum", bad_checksum},
      {"bad_short_length", LeI32(12)},
      {"bad_opcode", WithHeader(6, 2012, std::string(9, '\0'))},
      {"bad_no_body", OpMsg(7, 0, Kind1("documents", {RawJson(R"({"_id": 1})")}))},
      {"bad_missing_db", OpMsg(8, 0, Kind0(RawJson(R"({"ping": 1})")))},
      {"bad_truncated_bson",
       OpMsg(9, 0, Kind0(RawJson(R"({"ping": 1, "$db": "a"})").substr(0, 12)))},
      {"bad_sequence_size", bad_sequence_size},
  };
}

}  // namespace
}  // namespace devmongod::wire::testing

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus directory>\n", argv[0]);
    return 2;
  }
  for (const auto& [name, bytes] : devmongod::wire::testing::Seeds()) {
    std::ofstream out(std::string(argv[1]) + "/" + name, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::fprintf(stderr, "cannot write %s\n", name.c_str());
      return 1;
    }
  }
  return 0;
}
