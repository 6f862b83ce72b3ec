// Reads a safetensors file (https://huggingface.co/docs/safetensors): an 8-byte little-endian
// header length, a JSON header naming each tensor's dtype, shape and byte range, then the
// data. The file is memory-mapped: tensors are views into it, nothing is copied until a caller
// converts. Every range and size is checked against the file before any view is handed out,
// so a truncated or hostile file is an error with the tensor's name, never a bad read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace vsr::ml {

enum class DType { kF64, kF32, kF16, kBF16, kI64, kI32, kI16, kI8, kU8, kBool };

// "F32" -> kF32 ...; false for a dtype this reader does not know.
bool ParseDType(const std::string& name, DType& out);
const char* DTypeName(DType dtype);
size_t DTypeSize(DType dtype);

struct TensorView {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;  // into the mapped file; not necessarily aligned (memcpy)
  size_t bytes = 0;
  uint64_t file_offset = 0;  // where `data` starts in the file (for reads through fd())

  int64_t elements() const;
};

class SafetensorsFile {
 public:
  // Maps and checks `path`; null with `error` ("<path>: ...") when it cannot be read.
  static std::unique_ptr<SafetensorsFile> Open(const std::string& path, std::string& error);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const TensorView* Find(const std::string& name) const;
  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::string& path() const { return path_; }
  // The open file, read-only, close-on-exec; valid while this object lives (dup it to keep).
  int fd() const { return fd_; }

  // The tensor `name` with this dtype and shape, or null with `error` saying what differs
  // (a checkpoint that does not match its config.json).
  const TensorView* Expect(const std::string& name, DType dtype, const std::vector<int64_t>& shape,
                           std::string& error) const;
  // The same for a tensor of any dtype (the caller converts or refuses it).
  const TensorView* ExpectShape(const std::string& name, const std::vector<int64_t>& shape,
                                std::string& error) const;

 private:
  SafetensorsFile() = default;
  std::string path_;
  int fd_ = -1;
  void* map_ = nullptr;
  size_t map_size_ = 0;
  std::map<std::string, TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

// `n` values of a float dtype (F32, F16, BF16) at `src` as float32; false for other dtypes.
bool WidenToFloat32(DType dtype, const uint8_t* src, size_t n, float* out);

// The tensor's values as float32 (F32 copied, F16 and BF16 widened); empty with `error` for
// other dtypes.
std::vector<float> ToFloat32(const TensorView& tensor, std::string& error);

// The float tensor `name` with exactly `shape` (any float dtype, widened to F32) into `out`;
// false with `error` ("<path>: tensor '...' ...") when it is missing or differs.
bool ReadWeights(const SafetensorsFile& file, const std::string& name,
                 const std::vector<int64_t>& shape, std::vector<float>& out, std::string& error);

// "[2, 3]"
std::string ShapeText(const std::vector<int64_t>& shape);

}  // namespace vsr::ml
