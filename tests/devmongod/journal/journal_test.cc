#include "devmongod/journal/journal.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/bson_ptr.h"

namespace devmongod::journal {
namespace {

using ::testing::HasSubstr;

common::BsonPtr Entry(int seq, std::string_view text = "hello") {
  common::BsonPtr entry = common::NewBson();
  bson_append_utf8(entry.get(), "op", -1, "insert", -1);
  bson_append_int32(entry.get(), "seq", -1, seq);
  bson_append_utf8(entry.get(), "text", -1, text.data(), static_cast<int>(text.size()));
  return entry;
}

std::span<const uint8_t> BytesOf(const bson_t& document) {
  return {bson_get_data(&document), document.len};
}

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/journal_test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/journal.bin";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Appends entries with seq first..first+count-1 and returns the file size
  // before each of them (plus the final size).
  std::vector<uint64_t> AppendEntries(int first, int count) {
    auto writer = Writer::Open(path_);
    EXPECT_TRUE(writer) << writer.error();
    std::vector<uint64_t> sizes = {writer->size()};
    for (int seq = first; seq < first + count; ++seq) {
      auto appended = writer->Append(*Entry(seq, std::string(static_cast<size_t>(seq) * 7, 'x')));
      EXPECT_TRUE(appended) << appended.error();
      sizes.push_back(writer->size());
    }
    EXPECT_TRUE(writer->Sync());
    return sizes;
  }

  std::string ReadFile() const {
    std::ifstream in(path_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  void WriteFile(const std::string& bytes) const {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  uint64_t FileSize() const { return std::filesystem::file_size(path_); }

  // Replays and collects the seq of every applied entry.
  std::expected<ReplayStats, std::string> ReplaySeqs(std::vector<int>* seqs) const {
    return Replay(path_, [seqs](const bson_t& entry) {
      bson_iter_t iter;
      if (!bson_iter_init_find(&iter, &entry, "seq")) return std::string("entry without seq");
      seqs->push_back(bson_iter_int32(&iter));
      return std::string();
    });
  }

  std::string dir_;
  std::string path_;
};

// --- record format ----------------------------------------------------------

TEST(Record, EncodeThenDecode) {
  common::BsonPtr entry = Entry(1);
  std::string record;
  EncodeRecord(BytesOf(*entry), &record);
  record += "next";
  ASSERT_EQ(record.size(), kRecordHeaderSize + entry->len + 4);

  const Decoded decoded =
      DecodeRecord({reinterpret_cast<const uint8_t*>(record.data()), record.size()});
  ASSERT_EQ(decoded.status, Decoded::Status::kRecord) << decoded.why;
  EXPECT_EQ(decoded.consumed, kRecordHeaderSize + entry->len);
  ASSERT_EQ(decoded.payload.size(), entry->len);
  EXPECT_TRUE(
      std::equal(decoded.payload.begin(), decoded.payload.end(), bson_get_data(entry.get())));
}

TEST(Record, EmptyInputIsTheEnd) { EXPECT_EQ(DecodeRecord({}).status, Decoded::Status::kEnd); }

Decoded DecodeString(const std::string& bytes) {
  return DecodeRecord({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()});
}

std::string Frame(std::string_view payload) {
  std::string record;
  EncodeRecord({reinterpret_cast<const uint8_t*>(payload.data()), payload.size()}, &record);
  return record;
}

TEST(Record, DamageIsDescribedWithTheDeclaredExtent) {
  const Decoded short_header = DecodeString("abc");
  EXPECT_EQ(short_header.status, Decoded::Status::kDamaged);
  EXPECT_EQ(short_header.consumed, 3u);
  EXPECT_THAT(short_header.why, HasSubstr("header cut short"));

  const Decoded zero = DecodeString(std::string(20, '\0'));
  EXPECT_EQ(zero.status, Decoded::Status::kDamaged);
  EXPECT_EQ(zero.consumed, kRecordHeaderSize);
  EXPECT_THAT(zero.why, HasSubstr("zero-length"));

  const Decoded huge = DecodeString(std::string("\xff\xff\xff\xff\0\0\0\0", 8));
  EXPECT_EQ(huge.status, Decoded::Status::kDamaged);
  EXPECT_EQ(huge.consumed, kRecordHeaderSize + 0xffffffffu);
  EXPECT_THAT(huge.why, HasSubstr("exceeds"));

  const std::string record = Frame(
      std::string(reinterpret_cast<const char*>(bson_get_data(Entry(1).get())), Entry(1)->len));
  const Decoded cut = DecodeString(record.substr(0, record.size() - 1));
  EXPECT_EQ(cut.status, Decoded::Status::kDamaged);
  EXPECT_EQ(cut.consumed, record.size());
  EXPECT_THAT(cut.why, HasSubstr("payload cut short"));

  std::string flipped = record;
  flipped[kRecordHeaderSize + 3] ^= 0x01;
  const Decoded crc = DecodeString(flipped);
  EXPECT_EQ(crc.status, Decoded::Status::kDamaged);
  EXPECT_EQ(crc.consumed, record.size());
  EXPECT_THAT(crc.why, HasSubstr("CRC mismatch"));
}

TEST(Record, IntactFrameAroundInvalidBsonIsDamaged) {
  // Right CRC, but the payload is not a document.
  const Decoded decoded = DecodeString(Frame("not a bson document"));
  EXPECT_EQ(decoded.status, Decoded::Status::kDamaged);
  EXPECT_THAT(decoded.why, HasSubstr("not valid BSON"));
}

// --- writer -----------------------------------------------------------------

TEST_F(JournalTest, WriterCreatesPrivateFileAndTracksSizeAndSync) {
  auto writer = Writer::Open(path_);
  ASSERT_TRUE(writer) << writer.error();
  EXPECT_EQ(writer->size(), 0u);
  EXPECT_FALSE(writer->has_unsynced_writes());
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  common::BsonPtr entry = Entry(1);
  ASSERT_TRUE(writer->Append(*entry));
  EXPECT_EQ(writer->size(), kRecordHeaderSize + entry->len);
  EXPECT_EQ(FileSize(), writer->size());
  EXPECT_TRUE(writer->has_unsynced_writes());
  ASSERT_TRUE(writer->Sync());
  EXPECT_FALSE(writer->has_unsynced_writes());

  // Reopening appends after what is there.
  auto again = Writer::Open(path_);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->size(), kRecordHeaderSize + entry->len);
}

TEST_F(JournalTest, OpenInMissingDirectoryFails) {
  auto writer = Writer::Open(dir_ + "/missing/journal.bin");
  ASSERT_FALSE(writer);
  EXPECT_THAT(writer.error(), HasSubstr("No such file or directory"));
}

TEST_F(JournalTest, OversizedEntryIsRefusedAndNothingIsWritten) {
  auto writer = Writer::Open(path_);
  ASSERT_TRUE(writer);
  common::BsonPtr huge = common::NewBson();
  const std::vector<uint8_t> blob(kMaxPayloadSize, 0xab);
  bson_append_binary(huge.get(), "blob", -1, BSON_SUBTYPE_BINARY, blob.data(),
                     static_cast<uint32_t>(blob.size()));
  auto appended = writer->Append(*huge);
  ASSERT_FALSE(appended);
  EXPECT_THAT(appended.error(), HasSubstr("exceeds"));
  EXPECT_EQ(FileSize(), 0u);
  EXPECT_TRUE(writer->Append(*Entry(1)));  // the writer is still usable
}

// A write cut short (here by RLIMIT_FSIZE) must not leave a partial record
// that later appends would bury mid-file. Runs in a child process because the
// limit and the ignored SIGXFSZ are process-wide.
TEST_F(JournalTest, FailedAppendLeavesNoPartialRecord) {
  const std::vector<uint64_t> sizes = AppendEntries(1, 1);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    const rlim_t limit = sizes.back() + 64;
    const rlimit fsize{limit, limit};
    if (::setrlimit(RLIMIT_FSIZE, &fsize) != 0) ::_exit(10);
    auto writer = Writer::Open(path_);
    if (!writer) ::_exit(11);
    if (writer->Append(*Entry(2, std::string(500, 'y')))) ::_exit(12);  // must fail
    if (std::filesystem::file_size(path_) != sizes.back()) ::_exit(13);
    if (!writer->Append(*Entry(3))) ::_exit(14);  // fits under the limit
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);

  std::vector<int> seqs;
  auto stats = ReplaySeqs(&seqs);
  ASSERT_TRUE(stats) << stats.error();
  EXPECT_EQ(seqs, (std::vector<int>{1, 3}));
  EXPECT_EQ(stats->dropped_bytes, 0u);
}

// --- replay -----------------------------------------------------------------

TEST_F(JournalTest, AppendThenReplayRoundTrip) {
  const std::vector<uint64_t> sizes = AppendEntries(1, 5);
  std::vector<common::BsonPtr> seen;
  auto stats = Replay(path_, [&seen](const bson_t& entry) {
    seen.push_back(common::CopyBson(entry));
    return std::string();
  });
  ASSERT_TRUE(stats) << stats.error();
  EXPECT_EQ(stats->records, 5u);
  EXPECT_EQ(stats->valid_bytes, sizes.back());
  EXPECT_EQ(stats->dropped_bytes, 0u);
  EXPECT_EQ(stats->dropped_reason, "");
  ASSERT_EQ(seen.size(), 5u);
  for (int seq = 1; seq <= 5; ++seq) {
    common::BsonPtr expected = Entry(seq, std::string(static_cast<size_t>(seq) * 7, 'x'));
    EXPECT_TRUE(bson_equal(seen[static_cast<size_t>(seq - 1)].get(), expected.get()))
        << common::BsonToJson(*seen[static_cast<size_t>(seq - 1)]);
  }
  EXPECT_EQ(FileSize(), sizes.back());
}

TEST_F(JournalTest, MissingFileIsAnEmptyJournal) {
  int calls = 0;
  auto stats = Replay(path_, [&calls](const bson_t&) {
    ++calls;
    return std::string();
  });
  ASSERT_TRUE(stats) << stats.error();
  EXPECT_EQ(stats->records, 0u);
  EXPECT_EQ(stats->valid_bytes, 0u);
  EXPECT_EQ(calls, 0);
  EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(JournalTest, TruncationAtEveryOffsetOfTheLastRecordKeepsTheEarlierOnes) {
  const std::vector<uint64_t> sizes = AppendEntries(1, 3);
  const std::string full = ReadFile();
  const uint64_t last_start = sizes[2];
  for (uint64_t cut = last_start; cut < full.size(); ++cut) {
    WriteFile(full.substr(0, cut));
    std::vector<int> seqs;
    auto stats = ReplaySeqs(&seqs);
    ASSERT_TRUE(stats) << "cut at " << cut << ": " << stats.error();
    EXPECT_EQ(seqs, (std::vector<int>{1, 2})) << "cut at " << cut;
    EXPECT_EQ(stats->records, 2u);
    EXPECT_EQ(stats->valid_bytes, last_start);
    EXPECT_EQ(stats->dropped_bytes, cut - last_start);
    EXPECT_EQ(stats->dropped_reason.empty(), cut == last_start) << stats->dropped_reason;
    EXPECT_EQ(FileSize(), last_start) << "cut at " << cut;
  }
}

TEST_F(JournalTest, FlippedBitInLastRecordIsDroppedAsTorn) {
  const std::vector<uint64_t> sizes = AppendEntries(1, 3);
  std::string bytes = ReadFile();
  bytes[sizes[2] + kRecordHeaderSize + 10] ^= 0x04;
  WriteFile(bytes);

  std::vector<int> seqs;
  auto stats = ReplaySeqs(&seqs);
  ASSERT_TRUE(stats) << stats.error();
  EXPECT_EQ(seqs, (std::vector<int>{1, 2}));
  EXPECT_EQ(stats->dropped_bytes, sizes[3] - sizes[2]);
  EXPECT_THAT(stats->dropped_reason, HasSubstr("CRC mismatch"));
  EXPECT_THAT(stats->dropped_reason, HasSubstr("offset " + std::to_string(sizes[2])));
  EXPECT_EQ(FileSize(), sizes[2]);

  // The truncated journal takes new appends and replays cleanly.
  AppendEntries(4, 1);
  seqs.clear();
  ASSERT_TRUE(ReplaySeqs(&seqs));
  EXPECT_EQ(seqs, (std::vector<int>{1, 2, 4}));
}

TEST_F(JournalTest, ZeroFilledTailAfterADamagedRecordIsTorn) {
  // A crash can leave the file extended with zeros past the data that made it.
  const std::vector<uint64_t> sizes = AppendEntries(1, 2);
  std::string bytes = ReadFile();
  bytes.resize(sizes[1] + 10);       // the second record, torn...
  bytes += std::string(4096, '\0');  // ...then a zero-filled block
  WriteFile(bytes);
  std::vector<int> seqs;
  auto stats = ReplaySeqs(&seqs);
  ASSERT_TRUE(stats) << stats.error();
  EXPECT_EQ(seqs, (std::vector<int>{1}));
  EXPECT_EQ(stats->dropped_bytes, 10u + 4096u);
  EXPECT_EQ(FileSize(), sizes[1]);
}

TEST_F(JournalTest, FlippedBitInAMiddleRecordIsCorruption) {
  const std::vector<uint64_t> sizes = AppendEntries(1, 4);
  std::string bytes = ReadFile();
  bytes[sizes[1] + kRecordHeaderSize + 5] ^= 0x80;
  WriteFile(bytes);

  std::vector<int> seqs;
  auto stats = ReplaySeqs(&seqs);
  ASSERT_FALSE(stats);
  EXPECT_THAT(stats.error(), HasSubstr("corrupt at byte offset " + std::to_string(sizes[1])));
  EXPECT_THAT(stats.error(), HasSubstr("CRC mismatch"));
  EXPECT_EQ(seqs, (std::vector<int>{1}));  // applied before the damage was found
  EXPECT_EQ(FileSize(), sizes.back());     // the evidence is left alone
}

TEST_F(JournalTest, ApplyErrorStopsReplay) {
  AppendEntries(1, 4);
  int calls = 0;
  auto stats = Replay(path_, [&calls](const bson_t&) {
    return ++calls == 2 ? std::string("sequence gap") : std::string();
  });
  ASSERT_FALSE(stats);
  EXPECT_THAT(stats.error(), HasSubstr("sequence gap"));
  EXPECT_EQ(calls, 2);
}

}  // namespace
}  // namespace devmongod::journal
