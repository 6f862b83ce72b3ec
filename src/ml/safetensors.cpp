#include "ml/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstring>
#include <limits>

namespace vsr::ml {

namespace json = boost::json;

namespace {

constexpr uint64_t kMaxHeaderBytes = 100 * 1024 * 1024;  // the format's own limit

struct DTypeInfo {
  DType dtype;
  const char* name;
  size_t size;
};
constexpr DTypeInfo kDTypes[] = {
    {DType::kF64, "F64", 8},   {DType::kF32, "F32", 4}, {DType::kF16, "F16", 2},
    {DType::kBF16, "BF16", 2}, {DType::kI64, "I64", 8}, {DType::kI32, "I32", 4},
    {DType::kI16, "I16", 2},   {DType::kI8, "I8", 1},   {DType::kU8, "U8", 1},
    {DType::kBool, "BOOL", 1},
};

float HalfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;  // zero
    } else {        // subnormal: normalize
      exp = 127 - 15 + 1;
      while ((mant & 0x400) == 0) {
        mant <<= 1;
        --exp;
      }
      bits = sign | (exp << 23) | ((mant & 0x3ff) << 13);
    }
  } else if (exp == 0x1f) {
    bits = sign | 0x7f800000 | (mant << 13);  // inf / nan
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// Reads a non-negative JSON integer that fits in int64.
bool ReadCount(const json::value& v, int64_t& out) {
  if (v.is_int64() && v.get_int64() >= 0) {
    out = v.get_int64();
    return true;
  }
  if (v.is_uint64() &&
      v.get_uint64() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    out = static_cast<int64_t>(v.get_uint64());
    return true;
  }
  return false;
}

}  // namespace

bool ParseDType(const std::string& name, DType& out) {
  for (const DTypeInfo& d : kDTypes) {
    if (name == d.name) {
      out = d.dtype;
      return true;
    }
  }
  return false;
}

const char* DTypeName(DType dtype) {
  for (const DTypeInfo& d : kDTypes) {
    if (d.dtype == dtype) return d.name;
  }
  return "?";
}

size_t DTypeSize(DType dtype) {
  for (const DTypeInfo& d : kDTypes) {
    if (d.dtype == dtype) return d.size;
  }
  return 0;
}

int64_t TensorView::elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

SafetensorsFile::~SafetensorsFile() {
  if (map_ != nullptr) munmap(map_, map_size_);
  if (fd_ >= 0) close(fd_);
}

std::unique_ptr<SafetensorsFile> SafetensorsFile::Open(const std::string& path,
                                                       std::string& error) {
  const auto fail = [&](const std::string& why) {
    error = path + ": " + why;
    return nullptr;
  };
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    close(fd);
    return fail(std::string("cannot stat: ") + std::strerror(errno));
  }
  const auto size = static_cast<size_t>(st.st_size);
  if (size < 8) {
    close(fd);
    return fail("not a safetensors file (" + std::to_string(size) +
                " bytes, shorter than its header)");
  }
  void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (map == MAP_FAILED) {
    const int err = errno;
    close(fd);
    return fail(std::string("cannot map: ") + std::strerror(err));
  }
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->path_ = path;
  file->fd_ = fd;
  file->map_ = map;
  file->map_size_ = size;
  const auto* bytes = static_cast<const uint8_t*>(map);

  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = header_len << 8 | bytes[i];
  if (header_len > kMaxHeaderBytes || header_len > size - 8) {
    return fail("header length " + std::to_string(header_len) + " does not fit the file (" +
                std::to_string(size) + " bytes): truncated or not safetensors");
  }
  boost::system::error_code ec;
  const json::value header =
      json::parse(std::string_view(reinterpret_cast<const char*>(bytes + 8), header_len), ec);
  if (ec || !header.is_object()) return fail("header is not a JSON object");
  const uint8_t* data = bytes + 8 + header_len;
  const uint64_t data_size = size - 8 - header_len;

  for (const auto& [key, value] : header.as_object()) {
    const std::string name(key);
    if (name == "__metadata__") {
      if (!value.is_object()) return fail("__metadata__ is not an object");
      for (const auto& [mk, mv] : value.as_object()) {
        if (mv.is_string()) file->metadata_[std::string(mk)] = std::string(mv.as_string());
      }
      continue;
    }
    const std::string where = "tensor '" + name + "': ";
    if (!value.is_object()) return fail(where + "entry is not an object");
    const json::object& t = value.as_object();
    TensorView view;
    view.name = name;
    const json::value* dtype = t.if_contains("dtype");
    if (dtype == nullptr || !dtype->is_string() ||
        !ParseDType(std::string(dtype->as_string()), view.dtype)) {
      return fail(where + "unknown dtype " + (dtype ? json::serialize(*dtype) : "(missing)"));
    }
    const json::value* shape = t.if_contains("shape");
    if (shape == nullptr || !shape->is_array()) return fail(where + "shape is not an array");
    int64_t elements = 1;
    for (const json::value& d : shape->as_array()) {
      int64_t dim = 0;
      if (!ReadCount(d, dim)) return fail(where + "shape has a non-integer or negative size");
      if (dim != 0 && elements > std::numeric_limits<int64_t>::max() / dim) {
        return fail(where + "shape is too large");
      }
      elements *= dim;
      view.shape.push_back(dim);
    }
    const json::value* offsets = t.if_contains("data_offsets");
    int64_t begin = 0, end = 0;
    if (offsets == nullptr || !offsets->is_array() || offsets->as_array().size() != 2 ||
        !ReadCount(offsets->as_array()[0], begin) || !ReadCount(offsets->as_array()[1], end) ||
        end < begin) {
      return fail(where + "data_offsets must be [begin, end] with begin <= end");
    }
    if (static_cast<uint64_t>(end) > data_size) {
      return fail(where + "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                  "] run past the data section (" + std::to_string(data_size) +
                  " bytes): the file is truncated");
    }
    const uint64_t expected = static_cast<uint64_t>(elements) * DTypeSize(view.dtype);
    if (static_cast<uint64_t>(end - begin) != expected) {
      return fail(where + std::to_string(end - begin) + " bytes of data for " +
                  DTypeName(view.dtype) + " " + ShapeText(view.shape) + " (needs " +
                  std::to_string(expected) + ")");
    }
    view.data = data + begin;
    view.bytes = static_cast<size_t>(end - begin);
    view.file_offset = 8 + header_len + static_cast<uint64_t>(begin);
    file->tensors_.emplace(name, std::move(view));
  }
  return file;
}

const TensorView* SafetensorsFile::Find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

const TensorView* SafetensorsFile::Expect(const std::string& name, DType dtype,
                                          const std::vector<int64_t>& shape,
                                          std::string& error) const {
  const TensorView* t = Find(name);
  if (t == nullptr) {
    error = path_ + ": tensor '" + name + "' is missing";
    return nullptr;
  }
  if (t->dtype != dtype || t->shape != shape) {
    error = path_ + ": tensor '" + name + "' is " + DTypeName(t->dtype) + " " +
            ShapeText(t->shape) + ", the model config expects " + DTypeName(dtype) + " " +
            ShapeText(shape);
    return nullptr;
  }
  return t;
}

const TensorView* SafetensorsFile::ExpectShape(const std::string& name,
                                               const std::vector<int64_t>& shape,
                                               std::string& error) const {
  const TensorView* t = Find(name);
  return Expect(name, t != nullptr ? t->dtype : DType::kF32, shape, error);
}

bool WidenToFloat32(DType dtype, const uint8_t* src, size_t n, float* out) {
  switch (dtype) {
    case DType::kF32:
      std::memcpy(out, src, n * sizeof(float));
      return true;
    case DType::kF16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, src + 2 * i, 2);
        out[i] = HalfToFloat(h);
      }
      return true;
    case DType::kBF16:
      for (size_t i = 0; i < n; ++i) {
        uint16_t b;
        std::memcpy(&b, src + 2 * i, 2);
        const uint32_t bits = static_cast<uint32_t>(b) << 16;
        std::memcpy(&out[i], &bits, sizeof(float));
      }
      return true;
    default:
      return false;
  }
}

std::vector<float> ToFloat32(const TensorView& tensor, std::string& error) {
  const auto n = static_cast<size_t>(tensor.elements());
  std::vector<float> out(n);
  if (!WidenToFloat32(tensor.dtype, tensor.data, n, out.data())) {
    error = "tensor '" + tensor.name + "' is " + DTypeName(tensor.dtype) +
            ", not a floating-point type";
    return {};
  }
  return out;
}

bool ReadWeights(const SafetensorsFile& file, const std::string& name,
                 const std::vector<int64_t>& shape, std::vector<float>& out, std::string& error) {
  const TensorView* t = file.ExpectShape(name, shape, error);
  if (t == nullptr) return false;
  out = ToFloat32(*t, error);
  if (out.size() != static_cast<size_t>(t->elements())) {
    error = file.path() + ": " + error;
    return false;
  }
  return true;
}

}  // namespace vsr::ml
