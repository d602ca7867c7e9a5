// The fixture of the RunPipeline tests: input documents from JSON, a
// pipeline from JSON, and the output as canonical JSON (or the error).
// Thread-safety: tests are single-threaded.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bson_test_util.h"
#include "devmongod/query/query.h"

namespace devmongod::query {

class PipelineTest : public ::testing::Test {
 protected:
  void SetDocs(const std::vector<std::string>& docs) {
    owned_.clear();
    views_.clear();
    for (const std::string& json : docs) owned_.push_back(testing::Doc(json));
    for (const common::BsonPtr& d : owned_) views_.push_back(d.get());
  }

  std::expected<std::vector<common::BsonPtr>, Error> Run(const char* pipeline_json) {
    // The pipeline arrives as an array; wrap it to parse, then take the array.
    common::BsonPtr wrapper = testing::Doc(std::string(R"({"p": )") + pipeline_json + "}");
    bson_iter_t iter;
    EXPECT_TRUE(bson_iter_init_find(&iter, wrapper.get(), "p") && BSON_ITER_HOLDS_ARRAY(&iter));
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_array(&iter, &len, &data);
    bson_t pipeline;
    EXPECT_TRUE(bson_init_static(&pipeline, data, len));
    return RunPipeline(views_, pipeline);
  }

  // The output as canonical JSON documents, or "error <code>: <message>".
  std::vector<std::string> RunToJson(const char* pipeline_json) {
    auto result = Run(pipeline_json);
    if (!result) {
      return {"error " + std::to_string(result.error().code) + ": " + result.error().message};
    }
    std::vector<std::string> out;
    for (const common::BsonPtr& d : *result) out.push_back(testing::CanonicalJson(*d));
    return out;
  }

  static std::vector<std::string> Canonical(const std::vector<std::string>& jsons) {
    std::vector<std::string> out;
    for (const std::string& json : jsons) out.push_back(testing::CanonicalJson(json));
    return out;
  }

  std::vector<common::BsonPtr> owned_;
  std::vector<const bson_t*> views_;
};

}  // namespace devmongod::query
