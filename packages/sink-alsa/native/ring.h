// A fixed-size FIFO of interleaved S16 frames between the JS thread (producer) and the writer
// thread (consumer). It does no locking itself: the Writer guards the counters with its mutex.
// The consumer may read a span returned by ReadSpan() without the lock held, because the
// producer only ever touches the free part of the storage, never the filled part.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace phonemic {

class Ring {
 public:
  Ring(size_t capacity_frames, unsigned channels)
      : channels_(channels), capacity_(capacity_frames), data_(capacity_frames * channels) {}

  unsigned Channels() const { return channels_; }
  size_t Size() const { return filled_; }
  size_t Free() const { return capacity_ - filled_; }

  // Copies up to `frames` frames in; returns how many fitted.
  size_t Push(const int16_t* src, size_t frames) {
    size_t n = std::min(frames, Free());
    size_t write = (read_ + filled_) % capacity_;
    size_t first = std::min(n, capacity_ - write);
    std::memcpy(&data_[write * channels_], src, first * channels_ * sizeof(int16_t));
    std::memcpy(&data_[0], src + first * channels_, (n - first) * channels_ * sizeof(int16_t));
    filled_ += n;
    return n;
  }

  // The oldest filled frames that sit contiguously in memory; `*frames` receives their count.
  const int16_t* ReadSpan(size_t* frames) const {
    *frames = std::min(filled_, capacity_ - read_);
    return &data_[read_ * channels_];
  }

  void Consume(size_t frames) {
    read_ = (read_ + frames) % capacity_;
    filled_ -= frames;
  }

  void Clear() { read_ = filled_ = 0; }

 private:
  unsigned channels_;
  size_t capacity_;
  std::vector<int16_t> data_;
  size_t read_ = 0;
  size_t filled_ = 0;
};

}  // namespace phonemic
