#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <type_traits>

namespace vsr {

// Trivially copyable records appended in place: Extend makes room for n more and the caller
// writes them, where std::vector::resize would zero them first (every byte written twice) and
// emplace_back or std::string::append bring their growth path into every caller's hot path.
// Span attributes and packed replay records are written this way.
template <typename T>
class PodBuffer {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  PodBuffer() = default;
  PodBuffer(PodBuffer&&) noexcept = default;
  PodBuffer& operator=(PodBuffer&&) noexcept = default;
  PodBuffer(const PodBuffer& other) { *this = other; }
  PodBuffer& operator=(const PodBuffer& other) {
    if (this != &other) {
      size_ = 0;
      if (other.size_ > 0) std::memcpy(Extend(other.size_), other.data(), other.size_ * sizeof(T));
    }
    return *this;
  }

  T* Extend(size_t n) {
    if (size_ + n > capacity_) [[unlikely]]
      Reallocate(std::max(size_ + n, 2 * capacity_));
    T* p = data_.get() + size_;
    size_ += n;
    return p;
  }
  // Extend for a caller that checked room(): no growth path in its code.
  T* ExtendInPlace(size_t n) {
    T* p = data_.get() + size_;
    size_ += n;
    return p;
  }
  size_t room() const { return capacity_ - size_; }
  void reserve(size_t n) {
    if (n > capacity_) Reallocate(n);
  }
  void clear() { size_ = 0; }
  const T* data() const { return data_.get(); }
  T* data() { return data_.get(); }
  const T& operator[](size_t i) const { return data_[i]; }
  T& operator[](size_t i) { return data_[i]; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }

 private:
  [[gnu::noinline]] void Reallocate(size_t capacity) {
    auto fresh = std::make_unique_for_overwrite<T[]>(capacity);
    if (size_ > 0) std::memcpy(fresh.get(), data_.get(), size_ * sizeof(T));
    data_ = std::move(fresh);
    capacity_ = capacity;
  }
  std::unique_ptr<T[]> data_;
  size_t size_ = 0, capacity_ = 0;
};
using ByteBuffer = PodBuffer<char>;

}  // namespace vsr
