#include "devmongod/engine/reply_builder.h"

namespace devmongod {

void AppendCursor(bson_t* reply, int64_t id, const std::string& ns, bool first_batch,
                  std::span<const bson_t* const> docs,
                  const std::optional<ResumeToken>& post_batch_resume_token) {
  bson_t cursor;
  bson_append_document_begin(reply, "cursor", 6, &cursor);
  bson_append_int64(&cursor, "id", 2, id);
  bson_append_utf8(&cursor, "ns", 2, ns.data(), static_cast<int>(ns.size()));
  bson_t batch;
  bson_append_array_begin(&cursor, first_batch ? "firstBatch" : "nextBatch", -1, &batch);
  char key_buffer[16];
  for (size_t i = 0; i < docs.size(); ++i) {
    const char* key = nullptr;
    size_t key_len =
        bson_uint32_to_string(static_cast<uint32_t>(i), &key, key_buffer, sizeof key_buffer);
    bson_append_document(&batch, key, static_cast<int>(key_len), docs[i]);
  }
  bson_append_array_end(&cursor, &batch);
  if (post_batch_resume_token) {
    AppendResumeToken(&cursor, "postBatchResumeToken", *post_batch_resume_token);
  }
  bson_append_document_end(reply, &cursor);
}

namespace {

// operationTime and $clusterTime: every reply, success or error, carries them.
void AppendClusterTimes(bson_t* reply, Timestamp cluster_time) {
  bson_append_timestamp(reply, "operationTime", -1, cluster_time.t, cluster_time.i);
  bson_t cluster, signature;
  bson_append_document_begin(reply, "$clusterTime", -1, &cluster);
  bson_append_timestamp(&cluster, "clusterTime", -1, cluster_time.t, cluster_time.i);
  bson_append_document_begin(&cluster, "signature", -1, &signature);
  static constexpr uint8_t kZeroHash[20] = {};
  bson_append_binary(&signature, "hash", 4, BSON_SUBTYPE_BINARY, kZeroHash, sizeof kZeroHash);
  bson_append_int64(&signature, "keyId", 5, 0);
  bson_append_document_end(&cluster, &signature);
  bson_append_document_end(reply, &cluster);
}

}  // namespace

void AppendSuccessTail(bson_t* reply, Timestamp cluster_time) {
  bson_append_double(reply, "ok", 2, 1.0);
  AppendClusterTimes(reply, cluster_time);
}

common::BsonPtr BuildErrorReply(const CommandError& error, Timestamp cluster_time) {
  common::BsonPtr reply = common::NewBson();
  bson_append_double(reply.get(), "ok", 2, 0.0);
  bson_append_utf8(reply.get(), "errmsg", 6, error.message.data(),
                   static_cast<int>(error.message.size()));
  bson_append_int32(reply.get(), "code", 4, error.code);
  bson_append_utf8(reply.get(), "codeName", 8, error.code_name.data(),
                   static_cast<int>(error.code_name.size()));
  if (!error.labels.empty()) {
    bson_t labels;
    bson_append_array_begin(reply.get(), "errorLabels", -1, &labels);
    char key_buffer[16];
    for (size_t i = 0; i < error.labels.size(); ++i) {
      const char* key = nullptr;
      size_t key_len =
          bson_uint32_to_string(static_cast<uint32_t>(i), &key, key_buffer, sizeof key_buffer);
      bson_append_utf8(&labels, key, static_cast<int>(key_len), error.labels[i].data(),
                       static_cast<int>(error.labels[i].size()));
    }
    bson_append_array_end(reply.get(), &labels);
  }
  AppendClusterTimes(reply.get(), cluster_time);
  return reply;
}

}  // namespace devmongod
