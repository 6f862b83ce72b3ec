#include "ml/ops.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <unordered_map>

#include "ml/fast_math.h"
#include "ml/few_rows_product.h"
#include "ml/parallel.h"
#include "ml/pass_scratch.h"

namespace vsr::ml {

namespace {

namespace dn = dnnl;
using Tag = dn::memory::format_tag;
using Type = dn::memory::data_type;

// oneDNN matmul primitives by shape. A primitive is compiled for its exact row count (its
// kernels run about 1.5x faster than a runtime-sized one), so each new count costs one
// compilation (~1 ms) and then is reused by every layer and request of that shape; the cache
// is emptied when it grows past kMaxShapes (lengths are bounded, so it rarely does).
class MatmulCache {
 public:
  struct Key {
    int64_t m, k, n;
    bool bias;
    bool bf16;  // bfloat16 inputs and weights (float32 bias and results)
    auto operator<=>(const Key&) const = default;
  };
  struct Primitive {
    dn::matmul matmul;
    dn::memory::desc scratchpad;
  };
  static MatmulCache& Get() {
    static MatmulCache cache;
    return cache;
  }
  const dn::engine& engine() const { return engine_; }
  std::shared_ptr<const Primitive> For(const Key& key) {
    std::lock_guard lock(mu_);
    if (auto it = primitives_.find(key); it != primitives_.end()) return it->second;
    if (primitives_.size() >= kMaxShapes) primitives_.clear();
    // Weights stay where they are: W[out, in] row-major is the [in, out] matrix in "ba" order.
    const Type in_type = key.bf16 ? Type::bf16 : Type::f32;
    const dn::memory::desc x({key.m, key.k}, in_type, Tag::ab);
    const dn::memory::desc w({key.k, key.n}, in_type, Tag::ba);
    const dn::memory::desc y({key.m, key.n}, Type::f32, Tag::ab);
    const dn::matmul::desc desc =
        key.bias ? dn::matmul::desc(x, w, dn::memory::desc({1, key.n}, Type::f32, Tag::ab), y)
                 : dn::matmul::desc(x, w, y);
    // Scratch memory is ours (per calling thread), so threads running the same primitive
    // at once never share the library's.
    dn::primitive_attr attr;
    attr.set_scratchpad_mode(dn::scratchpad_mode::user);
    const dn::matmul::primitive_desc pd(desc, attr, engine_);
    auto primitive =
        std::make_shared<const Primitive>(Primitive{dn::matmul(pd), pd.scratchpad_desc()});
    primitives_.emplace(key, primitive);
    return primitive;
  }

 private:
  static constexpr size_t kMaxShapes = 2048;
  dn::engine engine_{dn::engine::kind::cpu, 0};
  std::mutex mu_;
  std::map<Key, std::shared_ptr<const Primitive>> primitives_;
};

}  // namespace

bool Bf16ProductsSupported() {
  // oneDNN refuses a primitive it has no kernel for (bf16 needs AVX-512): asking for one small
  // product answers for every shape.
  static const bool supported = [] {
    try {
      const dn::engine engine(dn::engine::kind::cpu, 0);
      const dn::memory::desc x({16, 32}, Type::bf16, Tag::ab), w({32, 16}, Type::bf16, Tag::ba),
          y({16, 16}, Type::f32, Tag::ab);
      const dn::matmul::primitive_desc pd(dn::matmul::desc(x, w, y), engine);
      return true;
    } catch (const dn::error&) {
      return false;
    }
  }();
  return supported;
}

namespace {

// One request's matrices are small: oneDNN's OpenMP threads would only fight the router's
// model threads (requests run on their own threads, batched). Per thread, once.
void OneDnnOnThisThreadOnly() {
  thread_local const bool single = (omp_set_num_threads(1), true);
  (void)single;
}

// Up to this many rows Linear uses FewRowsProduct (on AVX2 CPUs), beyond it oneDNN. Measured
// with bench/encoder/run.sh on two cores: 32 rows -> 128 took BERT-base at 128 tokens from
// 1.24x onnxruntime's latency to 1.13x; one thread, the two kernels are within 5% of each other
// between 48 and 96 rows.
constexpr size_t kFewRows = 128;

std::atomic<bool> few_rows_kernel_allowed{true};  // SetFewRowsKernelForTests

// Where the kernel was measured: AVX2 CPUs without AVX-512. With AVX-512 oneDNN runs its brgemm
// kernels, measured fast on an earlier VM; this kernel was not measured there, so it stays out.
bool UseFewRowsProduct() {
  static const bool use = FewRowsProductAvailable() && !__builtin_cpu_supports("avx512f");
  return use && few_rows_kernel_allowed.load(std::memory_order_relaxed);
}

// int8 weights can use the kernel on AVX-512 CPUs too: oneDNN has no float-input, int8-weight
// product to prefer there.
bool Int8Kernel() {
  return FewRowsProductAvailable() && few_rows_kernel_allowed.load(std::memory_order_relaxed);
}

// Linear on one block of rows, on the calling thread, with float32 weights `w32` or (`bf16`)
// bfloat16 ones `w16`.
void LinearRows(const float* x, size_t rows, size_t in, const float* w32, const uint16_t* w16,
                const std::vector<float>& b, size_t out, float* y, bool bf16) {
  MatmulCache& cache = MatmulCache::Get();
  OneDnnOnThisThreadOnly();
  thread_local dn::stream stream(cache.engine());
  const auto m = static_cast<int64_t>(rows), k = static_cast<int64_t>(in),
             n = static_cast<int64_t>(out);
  const std::shared_ptr<const MatmulCache::Primitive> p = cache.For({m, k, n, !b.empty(), bf16});
  thread_local std::vector<char> scratch;
  if (scratch.size() < p->scratchpad.get_size()) scratch.resize(p->scratchpad.get_size());
  // oneDNN reads through non-const handles; nothing here is written but y.
  thread_local std::vector<uint16_t> x16;
  void* x_data = const_cast<float*>(x);
  void* w_data = const_cast<float*>(w32);
  if (bf16) {
    x16.resize(rows * in);
    ToBf16(x, rows * in, x16.data());
    x_data = x16.data();
    w_data = const_cast<uint16_t*>(w16);
  }
  const Type in_type = bf16 ? Type::bf16 : Type::f32;
  dn::memory xm({{m, k}, in_type, Tag::ab}, cache.engine(), x_data);
  dn::memory wm({{k, n}, in_type, Tag::ba}, cache.engine(), w_data);
  dn::memory ym({{m, n}, Type::f32, Tag::ab}, cache.engine(), y);
  std::unordered_map<int, dn::memory> args{
      {DNNL_ARG_SRC, xm}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, ym}};
  if (!b.empty()) {
    args.emplace(DNNL_ARG_BIAS, dn::memory({{1, n}, Type::f32, Tag::ab}, cache.engine(),
                                           const_cast<float*>(b.data())));
  }
  args.emplace(DNNL_ARG_SCRATCHPAD, dn::memory(p->scratchpad, cache.engine(), scratch.data()));
  p->matmul.execute(stream, args);
  stream.wait();
}

// Few rows: split by blocks of four outputs, each chunk at least ~256k multiply-adds.
template <typename W>
void FewRowsLinear(const float* x, size_t rows, size_t in, const W* w, const float* scale,
                   const std::vector<float>& b, size_t out, float* y) {
  const size_t blocks = (out + 3) / 4;
  const size_t grain =
      std::max<size_t>(1, (size_t{256} << 10) / std::max<size_t>(1, rows * in * 4));
  ParallelFor(blocks, grain, [&](size_t begin, size_t end) {
    const float* bias = b.empty() ? nullptr : b.data();
    if constexpr (std::is_same_v<W, float>) {
      FewRowsProduct(x, rows, in, w, bias, out, begin * 4, std::min(out, end * 4), y);
    } else {
      FewRowsProduct(x, rows, in, w, scale, bias, out, begin * 4, std::min(out, end * 4), y);
    }
  });
}

// Blocks of rows are independent products. A block of at least ~4M multiply-adds (about a
// millisecond on one core) keeps a helper's wake-up small beside its share.
void ManyRowsLinear(const float* x, size_t rows, size_t in, const float* w32, const uint16_t* w16,
                    const std::vector<float>& b, size_t out, float* y, bool bf16) {
  const size_t grain = std::max<size_t>(16, (size_t{4} << 20) / std::max<size_t>(1, in * out));
  ParallelFor(rows, grain, [&](size_t begin, size_t end) {
    LinearRows(x + begin * in, end - begin, in, w32, w16, b, out, y + begin * out, bf16);
  });
}

}  // namespace

void SetFewRowsKernelForTests(bool allowed) {
  few_rows_kernel_allowed.store(allowed);
}

void Linear(const float* x, size_t rows, size_t in, const Weight& w, const std::vector<float>& b,
            size_t out, float* y) {
  if (rows == 0) return;
  if (!w.int8.empty()) {
    // int8 weights: our kernel widens them as it reads, kFewRows rows at a time so that the
    // rows stay in cache while the blocks of outputs pass. Measured against float32 products
    // of the same shapes (MiniLM- and BERT-base-sized, one process, alternating): 1.0-1.2x
    // their time at 16 rows, ~1.02x at 128, 0.9-1.09x at 200 and 512; widening the matrix for
    // the call and letting oneDNN multiply was 1.02-1.18x beyond 128 rows. Without AVX2 that
    // is what runs.
    if (Int8Kernel()) {
      for (size_t r = 0; r < rows; r += kFewRows) {
        const size_t n = std::min(kFewRows, rows - r);
        FewRowsLinear(x + r * in, n, in, w.int8.data(), w.int8_scale.data(), b, out, y + r * out);
      }
      return;
    }
    const PassScratch wide({out * in});
    ParallelFor(out, 64, [&](size_t begin, size_t end) {
      for (size_t o = begin; o < end; ++o) {
        for (size_t i = 0; i < in; ++i) {
          wide[0][o * in + i] = static_cast<float>(w.int8[o * in + i]) * w.int8_scale[o];
        }
      }
    });
    ManyRowsLinear(x, rows, in, wide[0], nullptr, b, out, y, false);
    return;
  }
  const bool bf16 = !w.bf16.empty() && Bf16Products();
  if (rows <= kFewRows && !bf16 && UseFewRowsProduct()) {
    FewRowsLinear(x, rows, in, w.values.data(), nullptr, b, out, y);
    return;
  }
  ManyRowsLinear(x, rows, in, w.values.data(), w.bf16.data(), b, out, y, bf16);
}

namespace {

// One row of LayerNorm(row + residual), in eight float lanes per pass (the residual added in
// the first): the mean, the variance about it, then the scale. One double running sum per pass
// was a chain of dependent adds, 3.5 ns a value.
__attribute__((target_clones("avx512f", "arch=x86-64-v3", "default"))) void LayerNormRow(
    float* row, const float* residual, size_t n, const float* g, const float* b, float eps) {
  float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (size_t l = 0; l < 8; ++l) {
      if (residual != nullptr) row[i + l] += residual[i + l];
      lane[l] += row[i + l];
    }
  }
  float sum = 0;
  for (; i < n; ++i) {
    if (residual != nullptr) row[i] += residual[i];
    sum += row[i];
  }
  for (float v : lane) sum += v;
  const float mean = sum / static_cast<float>(n);
  float square[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (i = 0; i + 8 <= n; i += 8) {
    for (size_t l = 0; l < 8; ++l) square[l] += (row[i + l] - mean) * (row[i + l] - mean);
  }
  float var = 0;
  for (; i < n; ++i) var += (row[i] - mean) * (row[i] - mean);
  for (float v : square) var += v;
  const float inv = 1.0f / std::sqrt(var / static_cast<float>(n) + eps);
  if (b == nullptr) {
    for (i = 0; i < n; ++i) row[i] = (row[i] - mean) * inv * g[i];
  } else {
    for (i = 0; i < n; ++i) row[i] = (row[i] - mean) * inv * g[i] + b[i];
  }
}

}  // namespace

void LayerNorm(float* x, const float* residual, size_t rows, size_t n, const std::vector<float>& g,
               const std::vector<float>& b, float eps) {
  ParallelFor(rows, 8, [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) {
      LayerNormRow(x + r * n, residual != nullptr ? residual + r * n : nullptr, n, g.data(),
                   b.empty() ? nullptr : b.data(), eps);
    }
  });
}

void ForEachHead(size_t B, size_t NH, size_t S,
                 const std::function<void(size_t b, size_t head, float* scores)>& attend) {
  ParallelFor(B * NH, 1, [&](size_t begin, size_t end) {
    thread_local std::vector<float> scores;
    scores.resize(S * S);
    for (size_t item = begin; item < end; ++item) attend(item / NH, item % NH, scores.data());
  });
}

namespace {

// GELU with erf over a row: cloned for AVX-512 and for x86-64-v3 (AVX2 with FMA; a clone for
// AVX2 alone had no FMA, 1.4x the time) so the loop runs 16 or 8 wide on the machines that have
// them (the binary itself targets baseline x86-64). LayerNorm and the softmax are cloned alike.
__attribute__((target_clones("avx512f", "arch=x86-64-v3", "default"))) void GeluExact(float* x,
                                                                                      size_t n) {
  for (size_t i = 0; i < n; ++i) {
    x[i] = 0.5f * x[i] * (1.0f + FastErf(x[i] * static_cast<float>(M_SQRT1_2)));
  }
}

}  // namespace

namespace {

// Passes over one range of keys, in eight lanes, inlined into MaskedSoftmax's clones so they run
// as wide as those do.
inline __attribute__((always_inline)) float MaxOf(const float* x, size_t n, float max) {
  // A vector type: GCC vectorizes neither a max reduction nor eight lanes of std::max.
  using Lanes = float __attribute__((vector_size(32)));
  Lanes lanes = {max, max, max, max, max, max, max, max};
  size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    Lanes v;
    std::memcpy(&v, x + j, sizeof v);
    lanes = v > lanes ? v : lanes;
  }
  for (; j < n; ++j) max = std::max(max, x[j]);
  for (int l = 0; l < 8; ++l) max = std::max(max, lanes[l]);
  return max;
}

// x = e^(x - max) (ml::FastExp); returns their sum.
inline __attribute__((always_inline)) float ExpAndSum(float* x, size_t n, float max) {
  float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    for (size_t l = 0; l < 8; ++l) lane[l] += x[j + l] = FastExp(x[j + l] - max);
  }
  float sum = 0;
  for (; j < n; ++j) sum += x[j] = FastExp(x[j] - max);
  for (float v : lane) sum += v;
  return sum;
}

}  // namespace

__attribute__((target_clones("avx512f", "arch=x86-64-v3", "default"))) void MaskedSoftmax(
    float* row, size_t n, std::span<const KeyRange> visible) {
  float max = -std::numeric_limits<float>::infinity();
  for (const KeyRange& r : visible) max = MaxOf(row + r.begin, r.end - r.begin, max);
  float sum = 0;
  size_t done = 0;  // keys before it are final: hidden ones zeroed, visible ones exponentiated
  for (const KeyRange& r : visible) {
    std::fill(row + done, row + r.begin, 0.0f);
    sum += ExpAndSum(row + r.begin, r.end - r.begin, max);
    done = r.end;
  }
  std::fill(row + done, row + n, 0.0f);
  const float inv = sum > 0 ? 1.0f / sum : 0.0f;  // 0: no key visible
  for (const KeyRange& r : visible) {
    for (size_t j = r.begin; j < r.end; ++j) row[j] *= inv;
  }
}

std::vector<KeyRange> VisibleRanges(const uint8_t* key_mask, size_t n) {
  std::vector<KeyRange> out;
  for (size_t j = 0; j < n;) {
    while (j < n && key_mask[j] == 0) ++j;
    const size_t begin = j;
    while (j < n && key_mask[j] != 0) ++j;
    if (begin < j) out.push_back({begin, j});
  }
  return out;
}

namespace {

// c[m, n] = alpha * a[m, k] * b (b is [k, n], or [n, k] with trans_b 'T'), row-major, on the
// calling thread. oneDNN's sgemm: against OpenBLAS's, a 512-token pass took 0.89x the time
// (MiniLM- and BERT-base-sized; its kernels are slower on these k = 32 or n = 32 shapes, and
// it cleared c in a pass of its own).
void AttentionProduct(char trans_b, size_t m, size_t n, size_t k, float alpha, const float* a,
                      size_t lda, const float* b, size_t ldb, float* c, size_t ldc) {
  OneDnnOnThisThreadOnly();
  const auto dim = [](size_t v) { return static_cast<dnnl_dim_t>(v); };
  const dnnl_status_t status = dnnl_sgemm('N', trans_b, dim(m), dim(n), dim(k), alpha, a, dim(lda),
                                          b, dim(ldb), 0.0f, c, dim(ldc));
  if (status != dnnl_success) {
    throw std::runtime_error("attention product failed (oneDNN status " +
                             std::to_string(static_cast<int>(status)) + ")");
  }
}

}  // namespace

void AttendHead(const float* q, const float* k, const float* v, size_t ld, size_t S, size_t d,
                float scale, float* scores, float* ctx, size_t ld_ctx, size_t band,
                const uint8_t* key_mask) {
  const std::vector<KeyRange> keys_visible = VisibleRanges(key_mask, S);  // once per head
  thread_local std::vector<KeyRange> row_visible;
  const size_t block = band == 0 ? S : std::min<size_t>(S, 64);
  for (size_t i0 = 0; i0 < S; i0 += block) {
    const size_t i1 = std::min(S, i0 + block);
    const size_t j0 = band == 0 || i0 < band ? 0 : i0 - band;
    const size_t j1 = band == 0 ? S : std::min(S, i1 + band);
    const size_t rows = i1 - i0, keys = j1 - j0;
    AttentionProduct('T', rows, keys, d, scale, q + i0 * ld, ld, k + j0 * ld, ld, scores, keys);
    for (size_t i = i0; i < i1; ++i) {
      // The keys query i sees, relative to j0: the unmasked ones within its window.
      const size_t lo = band == 0 || i < band ? j0 : std::max(j0, i - band);
      const size_t hi = band == 0 ? j1 : std::min(j1, i + band + 1);
      row_visible.clear();
      for (const KeyRange& r : keys_visible) {
        const size_t begin = std::max(r.begin, lo), end = std::min(r.end, hi);
        if (begin < end) row_visible.push_back({begin - j0, end - j0});
      }
      MaskedSoftmax(scores + (i - i0) * keys, keys, row_visible);
    }
    AttentionProduct('N', rows, d, keys, 1.0f, scores, keys, v + j0 * ld, ld, ctx + i0 * ld_ctx,
                     ld_ctx);
  }
}

void Activate(float* x, size_t n, Activation a) {
  if (a == Activation::kGeluExact) {
    GeluExact(x, n);
    return;
  }
  if (a == Activation::kTanh) {
    for (size_t i = 0; i < n; ++i) x[i] = std::tanh(x[i]);
    return;
  }
  if (a == Activation::kRelu) {
    for (size_t i = 0; i < n; ++i) x[i] = std::max(x[i], 0.0f);
    return;
  }
  const float k = std::sqrt(2.0f / static_cast<float>(M_PI));
  for (size_t i = 0; i < n; ++i) {
    const float z = x[i];
    x[i] = 0.5f * z * (1.0f + std::tanh(k * (z + 0.044715f * z * z * z)));
  }
}

void Softmax(std::vector<float>& logits) {
  if (logits.empty()) return;
  const float max = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float& z : logits) {
    z = std::exp(z - max);
    sum += z;
  }
  for (float& z : logits) z = static_cast<float>(z / sum);
}

std::vector<float> RotaryFrequencies(size_t d, double theta) {
  std::vector<float> inv(d / 2);
  for (size_t i = 0; i < d / 2; ++i) {
    inv[i] = static_cast<float>(1.0 / std::pow(theta, static_cast<double>(2 * i) / d));
  }
  return inv;
}

RotaryTable::RotaryTable(size_t positions, const std::vector<float>& inv_freq)
    : half(inv_freq.size()), cos(positions * half), sin(positions * half) {
  for (size_t p = 0; p < positions; ++p) {
    for (size_t i = 0; i < half; ++i) {
      // The angle in double: position * frequency reaches thousands of radians on long inputs.
      const double angle = static_cast<double>(p) * inv_freq[i];
      cos[p * half + i] = static_cast<float>(std::cos(angle));
      sin[p * half + i] = static_cast<float>(std::sin(angle));
    }
  }
}

void Rotate(float* v, const RotaryTable& table, size_t position) {
  const size_t half = table.half;
  const float* c = &table.cos[position * half];
  const float* s = &table.sin[position * half];
  for (size_t i = 0; i < half; ++i) {
    const float a = v[i], b = v[i + half];
    v[i] = a * c[i] - b * s[i];
    v[i + half] = b * c[i] + a * s[i];
  }
}

}  // namespace vsr::ml
