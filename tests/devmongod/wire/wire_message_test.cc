#include "devmongod/wire/wire_message.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "devmongod/wire/little_endian.h"
#include "wire_test_messages.h"

namespace devmongod::wire {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Status = ParseResult::Status;
using testing::AsBytes;
using testing::Json;
using testing::Kind0;
using testing::Kind1;
using testing::LeI32;
using testing::OpMsg;
using testing::OpQuery;
using testing::Raw;
using testing::WithHeader;

ParseResult Parse(const std::string& bytes, int32_t max_message_size = kMaxMessageSizeBytes) {
  return ParseMessage(AsBytes(bytes), max_message_size);
}

void ExpectBsonEq(const bson_t& actual, std::string_view expected_json) {
  common::BsonPtr expected = Json(expected_json);
  EXPECT_TRUE(bson_equal(&actual, expected.get()))
      << "actual:   " << common::BsonToJson(actual)
      << "\nexpected: " << common::BsonToJson(*expected);
}

// Asserts a parse error whose one-line message contains `fragment`.
void ExpectError(const ParseResult& result, std::string_view fragment) {
  EXPECT_EQ(result.status, Status::kError);
  EXPECT_THAT(result.error, HasSubstr(std::string(fragment)));
  EXPECT_THAT(result.error, Not(HasSubstr("\n")));
}

std::string RawJson(std::string_view json) { return Raw(*Json(json)); }

const char kHandshake[] =
    R"({"isMaster": 1, "helloOk": true, "client": {"driver": {"name": "mongoc", "version": )"
    R"("1.23.1"}}, "compression": []})";

std::string Handshake() { return OpQuery(7, "admin.$cmd", RawJson(kHandshake)); }

std::string Insert(int32_t request_id, uint32_t flag_bits = 0) {
  return OpMsg(request_id, flag_bits,
               Kind0(RawJson(R"({"insert": "messages", "$db": "chat"})")) +
                   Kind1("documents", {RawJson(R"({"_id": 1})"), RawJson(R"({"_id": 2})")}));
}

// --- OP_QUERY ---------------------------------------------------------------

TEST(OpQuery, HandshakeIsParsedAsIsMasterOnAdmin) {
  const std::string message = Handshake();
  ParseResult result = Parse(message);
  ASSERT_EQ(result.status, Status::kMessage) << result.error;
  EXPECT_EQ(result.consumed, message.size());
  const Request& request = result.request;
  EXPECT_FALSE(request.is_op_msg());
  EXPECT_FALSE(request.more_to_come());
  EXPECT_EQ(request.header.message_length, static_cast<int32_t>(message.size()));
  EXPECT_EQ(request.header.request_id, 7);
  EXPECT_EQ(request.header.op_code, kOpQuery);
  EXPECT_EQ(request.full_collection_name, "admin.$cmd");
  EXPECT_EQ(request.database, "admin");
  EXPECT_EQ(request.number_to_skip, 0);
  EXPECT_EQ(request.number_to_return, -1);
  EXPECT_EQ(request.CommandName(), "isMaster");
  ExpectBsonEq(*request.command, kHandshake);
}

TEST(OpQuery, DollarQueryWrapperIsUnwrapped) {
  ParseResult result =
      Parse(OpQuery(1, "test.$cmd",
                    RawJson(R"({"$query": {"ping": 1}, "$readPreference": {"mode": "primary"}})")));
  ASSERT_EQ(result.status, Status::kMessage) << result.error;
  EXPECT_EQ(result.request.database, "test");
  EXPECT_EQ(result.request.CommandName(), "ping");
  ExpectBsonEq(*result.request.command, R"({"ping": 1})");
}

TEST(OpQuery, PlainQueryWrapperIsUnwrapped) {
  ParseResult result = Parse(OpQuery(1, "test.$cmd", RawJson(R"({"query": {"hello": 1}})")));
  ASSERT_EQ(result.status, Status::kMessage) << result.error;
  ExpectBsonEq(*result.request.command, R"({"hello": 1})");
}

TEST(OpQuery, QueryArgumentOfACommandIsNotAWrapper) {
  const char kCount[] = R"({"count": "messages", "query": {"room": "a"}})";
  ParseResult result = Parse(OpQuery(1, "chat.$cmd", RawJson(kCount)));
  ASSERT_EQ(result.status, Status::kMessage) << result.error;
  ExpectBsonEq(*result.request.command, kCount);
}

TEST(OpQuery, ReturnFieldsSelectorIsAcceptedAndIgnored) {
  ParseResult result =
      Parse(OpQuery(1, "admin.$cmd", RawJson(R"({"ping": 1})"), RawJson(R"({"a": 1})")));
  ASSERT_EQ(result.status, Status::kMessage) << result.error;
  ExpectBsonEq(*result.request.command, R"({"ping": 1})");
}

TEST(OpQuery, NamespaceWithoutDotIsAllDatabase) {
  ParseResult result = Parse(OpQuery(1, "admin", RawJson(R"({"ping": 1})")));
  ASSERT_EQ(result.status, Status::kMessage) << result.error;
  EXPECT_EQ(result.request.database, "admin");
}

TEST(OpQuery, TrailingBytesAfterDocumentsAreAnError) {
  ExpectError(
      Parse(OpQuery(1, "admin.$cmd", RawJson(R"({"ping": 1})"), RawJson(R"({"a": 1})") + "xyz")),
      "3 trailing bytes");
}

TEST(OpQuery, NamespaceWithoutTerminatorIsAnError) {
  // flags, then the namespace runs to the end of the message.
  ExpectError(Parse(WithHeader(1, kOpQuery, LeI32(0) + "admin.$cmd")), "no NUL terminator");
}

TEST(OpQuery, CutShortBeforeQueryIsAnError) {
  ExpectError(Parse(WithHeader(1, kOpQuery, LeI32(0) + std::string("a.b\0", 4) + LeI32(0))),
              "cut short");
}

// --- OP_MSG -----------------------------------------------------------------

TEST(OpMsg, BodyOnly) {
  const std::string message = OpMsg(3, 0, Kind0(RawJson(R"({"ping": 1, "$db": "test"})")));
  ParseResult result = Parse(message);
  ASSERT_EQ(result.status, Status::kMessage) << result.error;
  EXPECT_EQ(result.consumed, message.size());
  EXPECT_TRUE(result.request.is_op_msg());
  EXPECT_EQ(result.request.flag_bits, 0u);
  EXPECT_FALSE(result.request.more_to_come());
  EXPECT_EQ(result.request.database, "test");
  EXPECT_EQ(result.request.CommandName(), "ping");
  ExpectBsonEq(*result.request.command, R"({"ping": 1, "$db": "test"})");
}

TEST(OpMsg, DocumentSequenceIsFoldedIntoAnArray) {
  ParseResult result = Parse(Insert(4));
  ASSERT_EQ(result.status, Status::kMessage) << result.error;
  EXPECT_EQ(result.request.database, "chat");
  EXPECT_EQ(result.request.CommandName(), "insert");
  ExpectBsonEq(*result.request.command,
               R"({"insert": "messages", "$db": "chat", "documents": [{"_id": 1}, {"_id": 2}]})");
}

TEST(OpMsg, TwoSequencesAreFoldedInArrivalOrder) {
  // The second sequence arrives before the body: sections may come in any order.
  const std::string sections =
      Kind1("updates", {RawJson(R"({"q": {}, "u": {"x": 1}})")}) +
      Kind0(RawJson(R"({"update": "c", "$db": "d"})")) +
      Kind1("documents",
            {RawJson(R"({"_id": 1})"), RawJson(R"({"_id": 2})"), RawJson(R"({"_id": 3})")}) +
      Kind1("empty", {});
  ParseResult result = Parse(OpMsg(5, 0, sections));
  ASSERT_EQ(result.status, Status::kMessage) << result.error;
  ExpectBsonEq(*result.request.command,
               R"({"update": "c", "$db": "d", "updates": [{"q": {}, "u": {"x": 1}}], )"
               R"("documents": [{"_id": 1}, {"_id": 2}, {"_id": 3}], "empty": []})");
}

TEST(OpMsg, MoreToComeIsReported) {
  ParseResult result = Parse(Insert(6, kMoreToCome));
  ASSERT_EQ(result.status, Status::kMessage) << result.error;
  EXPECT_TRUE(result.request.more_to_come());
  EXPECT_EQ(result.request.flag_bits, kMoreToCome);
}

TEST(OpMsg, ExhaustAllowedAndOtherOptionalBitsAreAccepted) {
  for (uint32_t flags : {kExhaustAllowed, kExhaustAllowed | (1u << 17), 1u << 31}) {
    ParseResult result = Parse(Insert(6, flags));
    ASSERT_EQ(result.status, Status::kMessage) << result.error;
    EXPECT_EQ(result.request.flag_bits, flags);
    EXPECT_FALSE(result.request.more_to_come());
  }
}

TEST(OpMsg, UnknownRequiredFlagBitIsAnError) {
  ExpectError(Parse(Insert(6, 1u << 2)), "unknown required bits 0x4");
  ExpectError(Parse(Insert(6, kMoreToCome | (1u << 15))), "unknown required bits 0x8000");
}

TEST(OpMsg, ValidChecksumIsAccepted) {
  ParseResult result = Parse(Insert(8, kChecksumPresent));
  ASSERT_EQ(result.status, Status::kMessage) << result.error;
  EXPECT_EQ(result.request.flag_bits, kChecksumPresent);
  ExpectBsonEq(*result.request.command,
               R"({"insert": "messages", "$db": "chat", "documents": [{"_id": 1}, {"_id": 2}]})");
}

TEST(OpMsg, ChecksumMismatchIsAnError) {
  const std::string good = Insert(8, kChecksumPresent);
  // A flipped bit anywhere, header, sections or the checksum itself, is caught.
  for (size_t offset : {size_t{5}, good.size() / 2, good.size() - 1}) {
    std::string bad = good;
    bad[offset] = static_cast<char>(bad[offset] ^ 0x10);
    ExpectError(Parse(bad), "OP_MSG checksum mismatch");
  }
}

TEST(OpMsg, ChecksumFlagWithoutRoomForChecksumIsAnError) {
  ExpectError(Parse(WithHeader(1, kOpMsg, LeI32(static_cast<int32_t>(kChecksumPresent)) + "ab")),
              "no room for a checksum");
}

TEST(OpMsg, MissingDbIsAnError) {
  ExpectError(Parse(OpMsg(1, 0, Kind0(RawJson(R"({"ping": 1})")))), "no $db");
}

TEST(OpMsg, NonStringDbIsAnError) {
  ExpectError(Parse(OpMsg(1, 0, Kind0(RawJson(R"({"ping": 1, "$db": 5})")))),
              "$db is not a string");
}

TEST(OpMsg, TwoBodySectionsAreAnError) {
  const std::string body = RawJson(R"({"ping": 1, "$db": "a"})");
  ExpectError(Parse(OpMsg(1, 0, Kind0(body) + Kind0(body))), "more than one kind-0 section");
}

TEST(OpMsg, NoBodySectionIsAnError) {
  ExpectError(Parse(OpMsg(1, 0, Kind1("documents", {RawJson(R"({"_id": 1})")}))),
              "no kind-0 section");
  ExpectError(Parse(OpMsg(1, 0, "")), "no kind-0 section");
}

TEST(OpMsg, UnknownSectionKindIsAnError) {
  ExpectError(Parse(OpMsg(1, 0, Kind0(RawJson(R"({"ping": 1, "$db": "a"})")) + "\x02")),
              "unknown OP_MSG section kind 2");
}

TEST(OpMsg, SequenceSizeOverrunningTheMessageIsAnError) {
  std::string sequence = Kind1("documents", {RawJson(R"({"_id": 1})")});
  const int32_t size = LoadLeI32(reinterpret_cast<const uint8_t*>(sequence.data() + 1));
  sequence.replace(1, 4, LeI32(size + 1));
  ExpectError(Parse(OpMsg(1, 0, Kind0(RawJson(R"({"insert": "c", "$db": "a"})")) + sequence)),
              "overruns the message");
}

TEST(OpMsg, SequenceSizeTooSmallIsAnError) {
  for (int32_t size : {-1, 0, 4, 5}) {
    ExpectError(Parse(OpMsg(1, 0,
                            Kind0(RawJson(R"({"insert": "c", "$db": "a"})")) + "\x01" +
                                LeI32(size) + std::string("d\0", 2))),
                "is too small");
  }
}

TEST(OpMsg, SequenceWithBytesLeftAfterItsDocumentsIsAnError) {
  // The section size covers two stray bytes after the document.
  std::string payload = std::string("documents\0", 10) + RawJson(R"({"_id": 1})") + "zz";
  const std::string sequence =
      std::string("\x01") + LeI32(static_cast<int32_t>(4 + payload.size())) + payload;
  ExpectError(Parse(OpMsg(1, 0, Kind0(RawJson(R"({"insert": "c", "$db": "a"})")) + sequence)),
              "kind-1 section is cut short");
}

TEST(OpMsg, SequenceIdentifierWithoutTerminatorIsAnError) {
  const std::string sequence = std::string("\x01") + LeI32(4 + 9) + "documents";
  ExpectError(Parse(OpMsg(1, 0, Kind0(RawJson(R"({"insert": "c", "$db": "a"})")) + sequence)),
              "identifier has no NUL terminator");
}

TEST(OpMsg, EmptyOrNonUtf8IdentifierIsAnError) {
  const std::string body = Kind0(RawJson(R"({"insert": "c", "$db": "a"})"));
  // Size 6: itself, the empty identifier's NUL and one stray byte.
  ExpectError(Parse(OpMsg(1, 0, body + "\x01" + LeI32(6) + std::string("\0x", 2))),
              "identifier is empty");
  ExpectError(Parse(OpMsg(1, 0, body + Kind1("\xff\xfe", {}))), "not valid UTF-8");
}

TEST(OpMsg, IdentifierDuplicatingABodyFieldIsAnError) {
  ExpectError(Parse(OpMsg(1, 0,
                          Kind0(RawJson(R"({"insert": "c", "$db": "a", "documents": []})")) +
                              Kind1("documents", {RawJson(R"({"_id": 1})")}))),
              "duplicates a field of the body");
}

TEST(OpMsg, TwoSequencesWithOneIdentifierAreAnError) {
  ExpectError(Parse(OpMsg(1, 0,
                          Kind0(RawJson(R"({"insert": "c", "$db": "a"})")) +
                              Kind1("documents", {RawJson(R"({"_id": 1})")}) +
                              Kind1("documents", {RawJson(R"({"_id": 2})")}))),
              "same identifier");
}

TEST(OpMsg, TrailingBytesAfterTheBodyAreAnError) {
  // After the last section every byte starts another section, so garbage
  // there is a broken section.
  const std::string body = Kind0(RawJson(R"({"ping": 1, "$db": "a"})"));
  ExpectError(Parse(OpMsg(1, 0, body + std::string(1, '\0'))), "more than one kind-0 section");
  ExpectError(Parse(OpMsg(1, 0, body + "\x01" + "ab")), "cut short before its size");
  ExpectError(Parse(OpMsg(1, 0, body + "zz")), "unknown OP_MSG section kind 122");
}

// --- BSON inside messages ---------------------------------------------------

TEST(Bson, TruncatedDocumentIsAnError) {
  const std::string document = RawJson(R"({"ping": 1, "$db": "a"})");
  // It declares its full size; 3 fewer bytes are there.
  ExpectError(Parse(OpMsg(1, 0, Kind0(document.substr(0, document.size() - 3)))),
              "but only " + std::to_string(document.size() - 3) + " remain");
  ExpectError(Parse(OpQuery(1, "a.$cmd", document.substr(0, 2))), "cut short before its length");
}

TEST(Bson, BadNestedLengthIsAnError) {
  std::string document = RawJson(R"({"a": {"b": 1}, "$db": "x"})");
  // Layout: int32 total, 0x03 "a\0", then the nested document's int32 length.
  ASSERT_EQ(document[4], '\x03');
  document[7] = static_cast<char>(document[7] + 4);
  ExpectError(Parse(OpMsg(1, 0, Kind0(document))), "invalid BSON in kind-0 section");
}

TEST(Bson, MissingTerminatorIsAnError) {
  std::string document = RawJson(R"({"ping": 1, "$db": "a"})");
  document.back() = 'x';
  ExpectError(Parse(OpMsg(1, 0, Kind0(document))), "invalid BSON in kind-0 section");
}

TEST(Bson, NonUtf8StringIsAnError) {
  common::BsonPtr document = Json(R"({"ping": 1, "$db": "a"})");
  bson_append_utf8(document.get(), "bad", -1, "\xff\xfe", 2);
  ExpectError(Parse(OpMsg(1, 0, Kind0(Raw(*document)))), "invalid BSON in kind-0 section");
  ExpectError(Parse(OpQuery(1, "a.$cmd", Raw(*document))), "invalid BSON in OP_QUERY query");
}

TEST(Bson, NonUtf8InNestedValuesAndKeysIsAnError) {
  // libbson 1.23's bson_validate misses bad UTF-8 in values; ours must not.
  common::BsonPtr nested = Json(R"({"ping": 1, "$db": "a"})");
  bson_t child;
  bson_append_array_begin(nested.get(), "list", -1, &child);
  bson_append_utf8(&child, "0", -1, "ok", 2);
  bson_append_utf8(&child, "1", -1, "\xc3\x28", 2);
  bson_append_array_end(nested.get(), &child);
  ExpectError(Parse(OpMsg(1, 0, Kind0(Raw(*nested)))), "string value is not valid UTF-8");

  common::BsonPtr bad_key = Json(R"({"ping": 1, "$db": "a"})");
  bson_append_int32(bad_key.get(), "\xff", -1, 1);
  ExpectError(Parse(OpMsg(1, 0, Kind0(Raw(*bad_key)))), "key is not valid UTF-8");
}

// A document of `levels` nested single-field documents: {"": {"": ... {}}}.
std::string NestedDocument(int levels) {
  std::string prefix;
  for (int level = levels; level >= 1; --level) {
    prefix += LeI32(5 + 7 * level) + std::string("\x03\0", 2);
  }
  return prefix + LeI32(5) + std::string(1, '\0') + std::string(static_cast<size_t>(levels), '\0');
}

TEST(Bson, NestingIsLimitedTo200Levels) {
  const std::string document_200 = NestedDocument(200);
  ASSERT_TRUE(common::BsonFromData(reinterpret_cast<const uint8_t*>(document_200.data()),
                                   document_200.size()));
  // Parses as far as the missing $db: the depth itself is fine.
  ExpectError(Parse(OpMsg(1, 0, Kind0(document_200))), "no $db");
  ExpectError(Parse(OpMsg(1, 0, Kind0(NestedDocument(201)))), "nested deeper than 200 levels");
}

TEST(Bson, MillionsOfLevelsAreRejectedWithoutOverflowingTheStack) {
  const std::string deep = NestedDocument(1'500'000);  // 10.5 MB, under the size limit
  ExpectError(Parse(OpMsg(1, 0, Kind0(deep))), "nested deeper than 200 levels");
}

TEST(Bson, StrayTerminatorBeforeTheEndIsAnError) {
  std::string document = RawJson(R"({"a": 1, "b": 2, "$db": "x"})");
  document[4 + 7] = '\0';  // the type byte of "b"
  ExpectError(Parse(OpMsg(1, 0, Kind0(document))), "invalid BSON in kind-0 section");
}

TEST(Bson, EmbeddedNulInStringIsAccepted) {
  common::BsonPtr document = Json(R"({"ping": 1, "$db": "a"})");
  bson_append_utf8(document.get(), "text", -1, "a\0b", 3);
  EXPECT_EQ(Parse(OpMsg(1, 0, Kind0(Raw(*document)))).status, Status::kMessage);
}

TEST(Bson, InvalidDocumentInSequenceIsAnError) {
  std::string bad = RawJson(R"({"s": "abc"})");
  bad[bad.size() - 2] = '\xff';  // last byte of the string value
  ExpectError(Parse(OpMsg(1, 0,
                          Kind0(RawJson(R"({"insert": "c", "$db": "a"})")) +
                              Kind1("documents", {RawJson(R"({"_id": 1})"), bad}))),
              "invalid BSON in kind-1 section");
}

TEST(Bson, DocumentAboveTheSizeLimitIsRejectedFromItsLength) {
  // Only the length is sent: the limit is checked before the bytes.
  const std::string huge_length = LeI32(kMaxBsonObjectSize + 16 * 1024 + 1);
  ExpectError(Parse(OpMsg(1, 0, Kind0(huge_length + std::string(8, '\0')))),
              "above the 16793600-byte limit");
}

// --- framing ----------------------------------------------------------------

TEST(Framing, EveryStrictPrefixNeedsMore) {
  const std::vector<std::string> messages = {
      Handshake(), Insert(1), Insert(2, kChecksumPresent),
      OpQuery(1, "a.$cmd", RawJson(R"({"ping": 1})"), RawJson(R"({"x": 1})"))};
  for (const std::string& message : messages) {
    for (size_t length = 0; length < message.size(); ++length) {
      ParseResult result = Parse(message.substr(0, length));
      ASSERT_EQ(result.status, Status::kNeedMore) << "prefix " << length << ": " << result.error;
      EXPECT_EQ(result.consumed, 0u);
    }
    EXPECT_EQ(Parse(message).status, Status::kMessage);
  }
}

TEST(Framing, PipelinedMessagesAreParsedOneAfterTheOther) {
  const std::string first = Handshake();
  const std::string second = Insert(9);
  const std::string third = Insert(10);
  const std::string stream = first + second + third.substr(0, 10);
  std::span<const uint8_t> rest = AsBytes(stream);

  ParseResult one = ParseMessage(rest);
  ASSERT_EQ(one.status, Status::kMessage) << one.error;
  EXPECT_EQ(one.consumed, first.size());
  EXPECT_EQ(one.request.CommandName(), "isMaster");
  rest = rest.subspan(one.consumed);

  ParseResult two = ParseMessage(rest);
  ASSERT_EQ(two.status, Status::kMessage) << two.error;
  EXPECT_EQ(two.consumed, second.size());
  EXPECT_EQ(two.request.header.request_id, 9);
  EXPECT_EQ(two.request.CommandName(), "insert");
  rest = rest.subspan(two.consumed);

  EXPECT_EQ(ParseMessage(rest).status, Status::kNeedMore);
}

TEST(Framing, LengthBelowHeaderIsRejectedFromFourBytes) {
  ExpectError(Parse(LeI32(12)), "message length 12 is below the 16-byte header");
  ExpectError(Parse(LeI32(-5)), "message length -5 is below");
}

TEST(Framing, LengthAboveMaximumIsRejectedFromTheHeader) {
  ExpectError(Parse(LeI32(kMaxMessageSizeBytes + 1)), "exceeds the maximum of 48000000 bytes");
  // A smaller configured limit applies too.
  const std::string message = Handshake();
  ExpectError(Parse(message.substr(0, 4), 64), "exceeds the maximum of 64 bytes");
  EXPECT_EQ(Parse(message, static_cast<int32_t>(message.size())).status, Status::kMessage);
}

TEST(Framing, UnknownOpcodeIsRejectedFromTheHeader) {
  const std::string message = WithHeader(1, 2010, std::string(100, '\0'));
  ExpectError(Parse(message.substr(0, kHeaderSize)), "unknown opcode 2010");
  ExpectError(Parse(WithHeader(1, 2012, "")), "unknown opcode 2012 (OP_COMPRESSED)");
  ExpectError(Parse(WithHeader(1, 77, "")), "unknown opcode 77");
}

TEST(Framing, HeaderOnlyMessagesAreErrorsNotHangs) {
  ExpectError(Parse(WithHeader(1, kOpMsg, "")), "cut short before its flagBits");
  ExpectError(Parse(WithHeader(1, kOpQuery, "")), "cut short before its flags");
}

// --- replies ----------------------------------------------------------------

struct DecodedReply {
  int32_t length, request_id, response_to, op_code;
};

DecodedReply DecodeHeader(const std::string& reply) {
  const auto* p = reinterpret_cast<const uint8_t*>(reply.data());
  return {LoadLeI32(p), LoadLeI32(p + 4), LoadLeI32(p + 8), LoadLeI32(p + 12)};
}

TEST(EncodeReply, OpQueryGetsOpReply) {
  ParseResult request = Parse(Handshake());
  ASSERT_EQ(request.status, Status::kMessage);
  common::BsonPtr body = Json(R"({"ismaster": true, "ok": 1.0})");
  const std::string reply = EncodeReply(request.request, 99, *body);

  const DecodedReply header = DecodeHeader(reply);
  EXPECT_EQ(header.length, static_cast<int32_t>(reply.size()));
  EXPECT_EQ(header.request_id, 99);
  EXPECT_EQ(header.response_to, 7);
  EXPECT_EQ(header.op_code, kOpReply);
  const auto* p = reinterpret_cast<const uint8_t*>(reply.data()) + kHeaderSize;
  EXPECT_EQ(LoadLeI32(p), 0);       // responseFlags
  EXPECT_EQ(LoadLeI32(p + 4), 0);   // cursorID, low half
  EXPECT_EQ(LoadLeI32(p + 8), 0);   // cursorID, high half
  EXPECT_EQ(LoadLeI32(p + 12), 0);  // startingFrom
  EXPECT_EQ(LoadLeI32(p + 16), 1);  // numberReturned
  common::BsonPtr echoed = common::BsonFromData(p + 20, reply.size() - kHeaderSize - 20);
  ASSERT_TRUE(echoed);
  EXPECT_TRUE(bson_equal(echoed.get(), body.get()));
}

TEST(EncodeReply, OpMsgGetsOpMsgThatParsesBack) {
  ParseResult request = Parse(Insert(1234, kChecksumPresent | kExhaustAllowed));
  ASSERT_EQ(request.status, Status::kMessage);
  common::BsonPtr body = Json(R"({"n": 2, "ok": 1.0, "$db": "chat"})");
  const std::string reply = EncodeReply(request.request, 5, *body);

  const DecodedReply header = DecodeHeader(reply);
  EXPECT_EQ(header.length, static_cast<int32_t>(reply.size()));
  EXPECT_EQ(header.request_id, 5);
  EXPECT_EQ(header.response_to, 1234);
  EXPECT_EQ(header.op_code, kOpMsg);
  const auto* p = reinterpret_cast<const uint8_t*>(reply.data()) + kHeaderSize;
  EXPECT_EQ(LoadLeU32(p), 0u);  // flagBits: no checksum even though the request had one
  EXPECT_EQ(p[4], 0);           // one kind-0 section
  // Our own parser reads it back (the body carries a $db so it is a valid request).
  ParseResult parsed = Parse(reply);
  ASSERT_EQ(parsed.status, Status::kMessage) << parsed.error;
  EXPECT_EQ(parsed.consumed, reply.size());
  EXPECT_TRUE(bson_equal(parsed.request.command.get(), body.get()));
}

TEST(Request, CommandNameOfEmptyOrMissingCommandIsEmpty) {
  Request request;
  EXPECT_EQ(request.CommandName(), "");
  request.command = common::NewBson();
  EXPECT_EQ(request.CommandName(), "");
}

}  // namespace
}  // namespace devmongod::wire
