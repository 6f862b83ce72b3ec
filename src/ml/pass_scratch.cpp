#include "ml/pass_scratch.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <new>

namespace vsr::ml {

namespace {
constexpr size_t kAlign = 64;  // each tensor on its own cache lines

size_t Aligned(size_t bytes) {
  return (bytes + kAlign - 1) / kAlign * kAlign;
}
}  // namespace

PassScratch::PassScratch(std::initializer_list<size_t> sizes) {
  for (size_t n : sizes) bytes_ += Aligned(n * sizeof(float));
  if (bytes_ >= kMapAtLeast) {
    // Anonymous pages come zeroed. MAP_POPULATE faults them in with one call instead of one
    // fault per page as the first layer touches them.
    void* p = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p != MAP_FAILED) {
      block_ = p;
      mapped_ = true;
    }
  }
  if (block_ == nullptr) {
    block_ = std::aligned_alloc(kAlign, bytes_ == 0 ? kAlign : bytes_);
    if (block_ == nullptr) throw std::bad_alloc();
    std::fill_n(static_cast<char*>(block_), bytes_, char{0});
  }
  char* at = static_cast<char*>(block_);
  for (size_t n : sizes) {
    tensors_.push_back(reinterpret_cast<float*>(at));
    at += Aligned(n * sizeof(float));
  }
}

PassScratch::~PassScratch() {
  if (mapped_) {
    munmap(block_, bytes_);
  } else {
    std::free(block_);
  }
}

}  // namespace vsr::ml
