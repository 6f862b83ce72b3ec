// The scratch tensors of one forward pass (projections, attention context, the feed-forward
// layer), in one zeroed block. A large block is mapped from the system for the pass and unmapped
// when the pass ends. From the allocator it would stay with the model thread after the pass, to
// be reused by its next allocations: a batch of eight 512-token prompts through an mmBERT-small
// encoder needs ~90 MB of scratch, which an idle router then kept, per model thread. Mapping
// costs page faults (~1% of a pass that large); small passes, where that would show, keep
// using the allocator.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <vector>

namespace vsr::ml {

class PassScratch {
 public:
  // One tensor of each size, in floats; all start at zero.
  explicit PassScratch(std::initializer_list<size_t> sizes);
  ~PassScratch();
  PassScratch(const PassScratch&) = delete;
  PassScratch& operator=(const PassScratch&) = delete;

  float* operator[](size_t i) const { return tensors_[i]; }
  // Whether the block was mapped for this pass (it goes back to the system when it ends).
  bool mapped() const { return mapped_; }

  // Blocks of at least this many bytes are mapped (about a 256-token pass of a MiniLM-sized
  // model; a 16- or 128-token one stays below).
  static constexpr size_t kMapAtLeast = size_t{4} << 20;

 private:
  std::vector<float*> tensors_;
  void* block_ = nullptr;
  size_t bytes_ = 0;
  bool mapped_ = false;
};

}  // namespace vsr::ml
