// An encoder's token-embedding table ([vocabulary, hidden] in the checkpoint), read from the
// file a row per token for each pass instead of copied into memory at load.
//
// Why: a pass reads a few hundred of its rows, and the table is much of a model: 47 of a
// MiniLM's 86 MB, ~390 of an mmBERT-small's ~560 (a 256k vocabulary). Copied, all of it stayed
// in every router process for good. Read with pread, the rows come from the page cache, which
// the kernel shares between processes and can reclaim; the process keeps only a descriptor.
// One pread per token costs ~1 us, under 0.5% of a pass. Not a mapping: a mapped row's fault
// would also map the pages around it (fault-around), and a file changed underneath would be a
// SIGBUS instead of an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ml/safetensors.h"

namespace vsr::ml {

class EmbeddingTable {
 public:
  EmbeddingTable() = default;
  ~EmbeddingTable();
  EmbeddingTable(EmbeddingTable&& other) noexcept;
  EmbeddingTable& operator=(EmbeddingTable&& other) noexcept;
  EmbeddingTable(const EmbeddingTable&) = delete;
  EmbeddingTable& operator=(const EmbeddingTable&) = delete;

  // The float tensor `name` of `file` with exactly `shape` ([rows, cols]); false with `error`
  // ("<path>: tensor '...' ...") when it is missing, differs or cannot be kept open.
  static bool Open(const SafetensorsFile& file, const std::string& name,
                   const std::vector<int64_t>& shape, EmbeddingTable& out, std::string& error);

  // Row ids[i] as float32 into out[i * cols(), (i + 1) * cols()), for i < n. Throws
  // std::runtime_error (naming the file) when a row cannot be read — the file was truncated
  // after loading — or an id is out of range.
  void Gather(const int32_t* ids, size_t n, float* out) const;

  size_t rows() const { return rows_; }
  size_t cols() const { return cols_; }

 private:
  int fd_ = -1;
  std::string path_;
  DType dtype_ = DType::kF32;
  uint64_t offset_ = 0;  // of row 0 in the file
  size_t rows_ = 0, cols_ = 0;
};

}  // namespace vsr::ml
