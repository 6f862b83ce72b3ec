#include "ml/embedding_table.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace vsr::ml {

EmbeddingTable::~EmbeddingTable() {
  if (fd_ >= 0) close(fd_);
}

EmbeddingTable::EmbeddingTable(EmbeddingTable&& other) noexcept {
  *this = std::move(other);
}

EmbeddingTable& EmbeddingTable::operator=(EmbeddingTable&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    dtype_ = other.dtype_;
    offset_ = other.offset_;
    rows_ = std::exchange(other.rows_, 0);
    cols_ = std::exchange(other.cols_, 0);
  }
  return *this;
}

bool EmbeddingTable::Open(const SafetensorsFile& file, const std::string& name,
                          const std::vector<int64_t>& shape, EmbeddingTable& out,
                          std::string& error) {
  const TensorView* t = file.ExpectShape(name, shape, error);
  if (t == nullptr) return false;
  if (shape.size() != 2 ||
      (t->dtype != DType::kF32 && t->dtype != DType::kF16 && t->dtype != DType::kBF16)) {
    error = file.path() + ": tensor '" + name + "' is " + DTypeName(t->dtype) + " " +
            ShapeText(t->shape) + ", expected a float32, float16 or bfloat16 matrix";
    return false;
  }
  // Its own descriptor: the checkpoint's file object is gone once the model is loaded.
  const int fd = fcntl(file.fd(), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) {
    error = file.path() + ": cannot keep the file open for tensor '" + name +
            "': " + std::strerror(errno);
    return false;
  }
  EmbeddingTable table;
  table.fd_ = fd;
  table.path_ = file.path();
  table.dtype_ = t->dtype;
  table.offset_ = t->file_offset;
  table.rows_ = static_cast<size_t>(shape[0]);
  table.cols_ = static_cast<size_t>(shape[1]);
  out = std::move(table);
  return true;
}

void EmbeddingTable::Gather(const int32_t* ids, size_t n, float* out) const {
  const size_t row_bytes = cols_ * DTypeSize(dtype_);
  std::vector<uint8_t> narrow(dtype_ == DType::kF32 ? 0 : row_bytes);
  for (size_t i = 0; i < n; ++i) {
    if (ids[i] < 0 || static_cast<size_t>(ids[i]) >= rows_) {
      throw std::runtime_error(path_ + ": token id " + std::to_string(ids[i]) +
                               " is outside the embedding table (" + std::to_string(rows_) +
                               " rows)");
    }
    float* row = out + i * cols_;
    auto* into = narrow.empty() ? reinterpret_cast<uint8_t*>(row) : narrow.data();
    const uint64_t at = offset_ + static_cast<uint64_t>(ids[i]) * row_bytes;
    for (size_t done = 0; done < row_bytes;) {
      const ssize_t got = pread(fd_, into + done, row_bytes - done, static_cast<off_t>(at + done));
      if (got > 0) {
        done += static_cast<size_t>(got);
      } else if (got < 0 && errno == EINTR) {
        continue;
      } else {
        throw std::runtime_error(
            path_ + ": cannot read token embedding row " + std::to_string(ids[i]) + ": " +
            (got == 0 ? "the file is shorter than when it was loaded (changed in place?)"
                      : std::strerror(errno)) +
            "; restore the model file and reload");
      }
    }
    if (!narrow.empty()) WidenToFloat32(dtype_, narrow.data(), cols_, row);
  }
}

}  // namespace vsr::ml
