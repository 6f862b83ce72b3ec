// A weight matrix W[out, in] for ml::Linear: its float32 values (row-major, as checkpoints
// store them) and — when products run in bfloat16 — a bfloat16 copy made once, at load; or,
// with int8 weights, only an int8 copy and a scale per output.
//
// bfloat16 products (VLLM_SR_MATMUL=bf16): inputs and weights rounded to bfloat16, sums and
// results in float32. On CPUs with AVX-512 BF16 oneDNN runs them about 3.5x faster than
// float32, at roughly 1e-2 absolute error in a layer's outputs; off by default (float32 matches
// the reference implementations to 1e-4).
//
// int8 weights (VLLM_SR_MATMUL=int8): each output's weights rounded to 255 levels between
// -max|w| and max|w| (symmetric, a float32 scale per output), a quarter of the memory; inputs,
// sums and results stay float32 and products widen the weights as they read them. About 0.4%
// of a weight's range in error; off by default.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vsr::ml {

class SafetensorsFile;

struct Weight {
  std::vector<float> values;      // empty when the weight is kept in int8
  std::vector<uint16_t> bf16;     // same layout; empty unless bf16 products were on at load
  std::vector<int8_t> int8;       // same layout; empty unless int8 weights were on at load
  std::vector<float> int8_scale;  // per output: W[o, i] ~ int8[o, i] * int8_scale[o]
  bool empty() const { return values.empty() && int8.empty(); }
};

// Whether Linear multiplies in bfloat16: VLLM_SR_MATMUL=bf16 when the process starts;
// SetBf16Products changes it for models loaded afterwards (tests, benchmarks). Never on where
// the CPU cannot run the products (Bf16ProductsSupported): there the switch changes nothing.
bool Bf16Products();
void SetBf16Products(bool on);

// Whether weights loaded from now on are kept in int8: VLLM_SR_MATMUL=int8 when the process
// starts; SetInt8Weights changes it (tests, benchmarks). Any CPU: without AVX2 a product widens
// its weights to float32 first.
bool Int8Weights();
void SetInt8Weights(bool on);

// w.values [rows, cols] -> w.int8 and w.int8_scale; w.values is emptied.
void QuantizeInt8(Weight& w, size_t rows, size_t cols);

// Whether oneDNN has bfloat16 matrix products for this CPU (AVX-512 and later; not AVX2),
// probed once.
bool Bf16ProductsSupported();

// A line for the log when VLLM_SR_MATMUL asks for something this process does not do (an
// unknown value, or bf16 on a CPU without it), saying what runs instead; empty otherwise.
std::string MatmulSettingNote();

// float32 -> bfloat16, rounded to nearest even (NaN stays NaN); one value, or `n` of them.
uint16_t ToBf16(float v);
void ToBf16(const float* in, size_t n, uint16_t* out);

// ReadWeights into w.values (shape checked), then the bfloat16 copy when bf16 products are on.
bool ReadWeights(const SafetensorsFile& file, const std::string& name,
                 const std::vector<int64_t>& shape, Weight& w, std::string& error);

}  // namespace vsr::ml
