// Eight float lanes and the few operations the kernels need: AVX2 + FMA intrinsics when the compiler targets them
// (g++ -march=native on any x86-64 from Haswell / Zen 1 on), else a plain loop over eight floats that any C++17
// compiler builds (the kernels are then honest scalar code, not a yardstick: the CSV names the ISA in its impl column).
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define RNNGEN_SIMD 1
#else
#define RNNGEN_SIMD 0
#endif

// AVX-512VL machines give GCC 32 vector registers even for AVX2 code; register blocks are sized for what is there.
#if defined(__AVX512VL__)
#define RNNGEN_VREGS 32
#else
#define RNNGEN_VREGS 16
#endif

// Helpers take accumulator arrays by reference; when GCC declines to inline one, those arrays live on the stack.
#define RNNGEN_INLINE inline __attribute__((always_inline))
#define RNNGEN_UNROLL _Pragma("GCC unroll 64")

namespace rnngen
{
constexpr const char* kIsa = RNNGEN_SIMD ? "avx2" : "scalar";
constexpr int kVectorRegisters = RNNGEN_VREGS;

#if RNNGEN_SIMD
using vf = __m256;
RNNGEN_INLINE vf load(const float* p) { return _mm256_load_ps(p); }
RNNGEN_INLINE vf loadu(const float* p) { return _mm256_loadu_ps(p); }
RNNGEN_INLINE void store(float* p, vf v) { _mm256_store_ps(p, v); }
RNNGEN_INLINE void storeu(float* p, vf v) { _mm256_storeu_ps(p, v); }
RNNGEN_INLINE vf splat(float s) { return _mm256_set1_ps(s); }
RNNGEN_INLINE vf broadcast(const float* p) { return _mm256_broadcast_ss(p); }
RNNGEN_INLINE vf zero() { return _mm256_setzero_ps(); }
RNNGEN_INLINE vf add(vf a, vf b) { return _mm256_add_ps(a, b); }
RNNGEN_INLINE vf sub(vf a, vf b) { return _mm256_sub_ps(a, b); }
RNNGEN_INLINE vf mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
RNNGEN_INLINE vf div(vf a, vf b) { return _mm256_div_ps(a, b); }
RNNGEN_INLINE vf min(vf a, vf b) { return _mm256_min_ps(a, b); }
RNNGEN_INLINE vf max(vf a, vf b) { return _mm256_max_ps(a, b); }
RNNGEN_INLINE vf fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); } // a*b + c
RNNGEN_INLINE vf fnma(vf a, vf b, vf c) { return _mm256_fnmadd_ps(a, b, c); } // c - a*b

// A weight vector that feeds several FMAs must be loaded once: without this (empty) asm GCC folds the load into every
// FMA as a memory operand, which multiplies the loads of a register block by its number of streams.
RNNGEN_INLINE vf load_once(const float* p)
{
    vf v = _mm256_load_ps(p);
    __asm__("" : "+x"(v));
    return v;
}

// e^x for x in about [-87, 87]: x = n ln2 + r with |r| <= ln2/2, e^x = 2^n e^r.  n comes from adding 1.5 * 2^23
// (the float then rounds x/ln2 to an integer held in its low mantissa bits), 2^n is built in the exponent field,
// and e^r is the degree-6 Taylor polynomial (relative error < 2e-7 on that interval) in Estrin form, so only three
// FMAs depend on each other after r.
RNNGEN_INLINE vf exp(vf x)
{
    const vf shifter = splat(12582912.0f);
    const vf t = fma(x, splat(1.44269504088896341f), shifter);
    const vf n = sub(t, shifter);
    vf r = fnma(n, splat(0.693145751953125f), x); // ln2 split so that n * high is exact
    r = fnma(n, splat(1.4286068203094172e-06f), r);
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(127)), 23);
    const vf r2 = mul(r, r);
    const vf low = add(r, splat(1.0f));
    const vf mid = fma(r, splat(1.0f / 6), splat(0.5f));
    const vf high = fma(r, splat(1.0f / 120), splat(1.0f / 24));
    const vf top = fma(r2, splat(1.0f / 720), high);
    const vf poly = fma(r2, fma(r2, top, mid), low);
    return mul(poly, _mm256_castsi256_ps(bits));
}

// Lane j of the result is the sum of the eight lanes of a[j] (the horizontal sums of a transposed product).
RNNGEN_INLINE vf lane_sums(const vf (&a)[8])
{
    const vf p01 = _mm256_hadd_ps(a[0], a[1]), p23 = _mm256_hadd_ps(a[2], a[3]);
    const vf p45 = _mm256_hadd_ps(a[4], a[5]), p67 = _mm256_hadd_ps(a[6], a[7]);
    const vf q0 = _mm256_hadd_ps(p01, p23), q1 = _mm256_hadd_ps(p45, p67); // per 128-bit half: partial sums of 0-3, 4-7
    return add(_mm256_permute2f128_ps(q0, q1, 0x20), _mm256_permute2f128_ps(q0, q1, 0x31));
}
#else
struct vf
{
    float f[8];
};
#define RNNGEN_LANES(expr)                                                                                                    \
    vf r;                                                                                                                   \
    for(int j = 0; j < 8; ++j)                                                                                              \
        r.f[j] = (expr);                                                                                                    \
    return r
inline vf load(const float* p) { RNNGEN_LANES(p[j]); }
inline vf loadu(const float* p) { RNNGEN_LANES(p[j]); }
inline vf load_once(const float* p) { RNNGEN_LANES(p[j]); }
inline void store(float* p, vf v) { std::memcpy(p, v.f, sizeof v.f); }
inline void storeu(float* p, vf v) { std::memcpy(p, v.f, sizeof v.f); }
inline vf splat(float s) { RNNGEN_LANES(s); }
inline vf broadcast(const float* p) { RNNGEN_LANES(*p); }
inline vf zero() { RNNGEN_LANES(0.0f); }
inline vf add(vf a, vf b) { RNNGEN_LANES(a.f[j] + b.f[j]); }
inline vf sub(vf a, vf b) { RNNGEN_LANES(a.f[j] - b.f[j]); }
inline vf mul(vf a, vf b) { RNNGEN_LANES(a.f[j] * b.f[j]); }
inline vf div(vf a, vf b) { RNNGEN_LANES(a.f[j] / b.f[j]); }
inline vf min(vf a, vf b) { RNNGEN_LANES(a.f[j] < b.f[j] ? a.f[j] : b.f[j]); }
inline vf max(vf a, vf b) { RNNGEN_LANES(a.f[j] > b.f[j] ? a.f[j] : b.f[j]); }
inline vf fma(vf a, vf b, vf c) { RNNGEN_LANES(a.f[j] * b.f[j] + c.f[j]); }
inline vf fnma(vf a, vf b, vf c) { RNNGEN_LANES(c.f[j] - a.f[j] * b.f[j]); }
inline vf exp(vf x) { RNNGEN_LANES(std::exp(x.f[j])); }
inline vf lane_sums(const vf (&a)[8])
{
    vf r;
    for(int j = 0; j < 8; ++j)
    {
        float s = 0;
        for(int l = 0; l < 8; ++l)
            s += a[j].f[l];
        r.f[j] = s;
    }
    return r;
}
#undef RNNGEN_LANES
#endif

// sigmoid(x) = 1 / (1 + e^-x); the clamp keeps e^-x finite (sigmoid(-80) is 0 in float anyway).
RNNGEN_INLINE vf sigmoid(vf x)
{
    const vf e = exp(min(max(sub(zero(), x), splat(-80.0f)), splat(80.0f)));
    return div(splat(1.0f), add(e, splat(1.0f)));
}

// tanh(x) = 1 - 2 / (1 + e^2x); beyond |x| = 9 tanh is +-1 in float.
RNNGEN_INLINE vf tanh(vf x)
{
    const vf c = min(max(x, splat(-9.0f)), splat(9.0f));
    const vf e = exp(add(c, c));
    return fnma(splat(2.0f), div(splat(1.0f), add(e, splat(1.0f))), splat(1.0f));
}

// A 64-byte aligned, zeroed float array that owns its memory.
class Floats
{
public:
    explicit Floats(size_t n) : size_(n)
    {
        const size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
        data_ = static_cast<float*>(std::aligned_alloc(64, bytes == 0 ? 64 : bytes));
        if(data_ == nullptr)
            throw std::bad_alloc();
        std::memset(data_, 0, bytes);
    }
    ~Floats() { std::free(data_); }
    Floats(const Floats&) = delete;
    Floats& operator=(const Floats&) = delete;
    float* get() { return data_; }
    const float* get() const { return data_; }
    size_t size() const { return size_; }

private:
    float* data_;
    size_t size_;
};
} // namespace rnngen
