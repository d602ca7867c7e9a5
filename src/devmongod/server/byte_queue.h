// A FIFO of bytes for one socket direction: append at the back, consume from
// the front.
//
// Consuming only advances an offset, so a burst of pipelined messages costs
// one compaction, not one memmove per message. Capacity is released when the
// queue empties after holding a large message, so an idle connection keeps
// (almost) nothing allocated: 2,000 parked change streams must stay cheap.
// Thread-safety: none; owned by one connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace devmongod::server {

class ByteQueue {
 public:
  // Capacity kept after draining; larger buffers are given back.
  static constexpr size_t kRetainedCapacity = size_t{16} * 1024;

  size_t size() const { return data_.size() - head_; }
  bool empty() const { return size() == 0; }
  size_t capacity() const { return data_.capacity(); }

  std::span<const uint8_t> bytes() const {
    return {reinterpret_cast<const uint8_t*>(data_.data()) + head_, size()};
  }

  void Append(const void* bytes, size_t len) {
    // Compact before growing: moving the live tail once is cheaper than
    // letting consumed bytes force a reallocation.
    if (head_ > 0 && data_.size() + len > data_.capacity()) Compact();
    data_.append(static_cast<const char*>(bytes), len);
  }
  void Append(std::string_view bytes) { Append(bytes.data(), bytes.size()); }

  void Consume(size_t len) {
    head_ += len;
    if (head_ >= data_.size()) Clear();
  }

  void Clear() {
    head_ = 0;
    data_.clear();
    if (data_.capacity() > kRetainedCapacity) std::string().swap(data_);
  }

 private:
  void Compact() {
    data_.erase(0, head_);
    head_ = 0;
  }

  std::string data_;
  size_t head_ = 0;
};

}  // namespace devmongod::server
