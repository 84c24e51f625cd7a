// LSTM training pass over one sequence: forward storing what backward needs, then backpropagation through time.
//   forward   per step the kernel of step.h on z_t = [x_t ; h_{t-1}] (kept: Z [T][K]), storing the activated gates
//             (A [T][tiles][4U]) and c_t (C [T+1][H]).
//   backward  per step, t = T-1 .. 0: the gate pre-activation gradients dP_t from dh, dc and the stored gates
//             (D [tiles][T][4U]); then dz_t = W^T dP_t in one pass over the packed weights (8 or 16 columns of W at a
//             time, their horizontal sums deferred to one transposition per eight columns); dz_t = [dx_t ; dh_{t-1}].
//             After the loop the weight gradient as one product over all steps, dW[tile][k] = sum_t z_t[k] dP_t[tile]
//             (register block: all 4U rows of a tile x a few columns k; z transposed first so each column's z_t are
//             contiguous), and db = sum_t dP_t.
// Loss: L = sum_t <dy_t, h_t>, from zero state.
#pragma once
#include <algorithm>

#include "step.h"

namespace rnngen
{
template <int I, int H>
class LstmTraining
{
public:
    static constexpr int U = tile_units(H), NV = U / 8, tiles = H / U, K = I + H, width = 4 * U, NA = 4 * NV;
    static_assert(NA >= 8 && K % 8 == 0, "sized for tiles of 16 units and K a multiple of 8");
    // columns per register block of the weight-gradient product: NA x KB accumulators + KB broadcasts + 1 load
    static constexpr int KB = kVectorRegisters >= 32 ? 3 : 1;
    static_assert(K % KB == 0, "K must be a multiple of the column block");
    // columns of W^T dP per block: one accumulator each (their lanes summed at the end), more chains with more registers
    static constexpr int DZ = kVectorRegisters >= 32 && K % 16 == 0 ? 16 : 8;

    LstmTraining(const CellWeights& w, int T)
        : T_(T), w_((size_t)tiles * K * width), b_((size_t)tiles * width), z_((size_t)T * K), zt_((size_t)K * T),
          a_((size_t)T * tiles * width), c_((size_t)(T + 1) * H), d_((size_t)tiles * T * width), dz_((size_t)T * K),
          dw_((size_t)tiles * K * width), db_((size_t)tiles * width), h_last_(H), dh_(H), dc_(H)
    {
        pack_tiles(w, U, w_.get());
        for(int tile = 0; tile < tiles; ++tile)
            for(int g = 0; g < 4; ++g)
                for(int u = 0; u < U; ++u)
                {
                    const int row = g * H + tile * U + u;
                    b_.get()[tile * width + g * U + u] = w.b_ih[row] + w.b_hh[row];
                }
    }

    // xs [T][I]
    void forward(const float* xs) noexcept
    {
        float* Z = z_.get();
        std::memset(c_.get(), 0, sizeof(float) * H);
        std::memcpy(Z, xs, sizeof(float) * I);
        std::memset(Z + I, 0, sizeof(float) * H);
        for(int t = 0; t < T_; ++t)
        {
            const float* z = Z + (size_t)t * K;
            float* hn = t + 1 < T_ ? Z + (size_t)(t + 1) * K + I : h_last_.get();
            if(t + 1 < T_)
                std::memcpy(Z + (size_t)(t + 1) * K, xs + (size_t)(t + 1) * I, sizeof(float) * I);
            const float* cp = c_.get() + (size_t)t * H;
            float* cn = c_.get() + (size_t)(t + 1) * H;
            for(int tile = 0; tile < tiles; ++tile)
            {
                vf acc[1][NA];
                RNNGEN_UNROLL
                for(int a = 0; a < NA; ++a)
                    acc[0][a] = load(b_.get() + tile * width + 8 * a);
                accumulate_columns<1, NA, width, K>(acc, w_.get() + (size_t)tile * K * width, z);
                float* gates = a_.get() + ((size_t)t * tiles + tile) * width;
                RNNGEN_UNROLL
                for(int v = 0; v < NV; ++v)
                {
                    const vf i = sigmoid(acc[0][v]), f = sigmoid(acc[0][NV + v]), g = tanh(acc[0][2 * NV + v]), o = sigmoid(acc[0][3 * NV + v]);
                    store(gates + 8 * v, i);
                    store(gates + U + 8 * v, f);
                    store(gates + 2 * U + 8 * v, g);
                    store(gates + 3 * U + 8 * v, o);
                    const int u = tile * U + 8 * v;
                    const vf c = fma(f, load(cp + u), mul(i, g));
                    store(cn + u, c);
                    storeu(hn + u, mul(o, tanh(c)));
                }
            }
        }
    }

    // dy [T][H]: upstream gradients of h_t.  Fills dx (dz rows), dW and db.
    void backward(const float* dy) noexcept
    {
        recurrence(dy);
        weight_gradients();
    }

    const float* h_last() const { return h_last_.get(); }
    // d loss / d x_t [k] for k < I
    float dx(int t, int k) const { return dz_.get()[(size_t)t * K + k]; }
    // gradient of PyTorch row `row` (gate-major) at column k of [W_ih | W_hh]
    float dw(int row, int k) const { return dw_.get()[((size_t)(row % H / U) * K + k) * width + row / H * U + row % U]; }
    float db(int row) const { return db_.get()[(row % H / U) * width + row / H * U + row % U]; }

    // The two halves of backward (public so that the benchmark can time them apart).  Per step, t = T-1 .. 0: the
    // gate gradients, then dz_t = W^T dP_t, whose dh part feeds step t-1.
    __attribute__((noinline)) void recurrence(const float* dy) noexcept
    {
        float* dh = dh_.get();
        float* dc = dc_.get();
        std::memset(dh, 0, sizeof(float) * H);
        std::memset(dc, 0, sizeof(float) * H);
        const vf one = splat(1.0f);
        for(int t = T_ - 1; t >= 0; --t)
        {
            const float* cp = c_.get() + (size_t)t * H;
            const float* cn = c_.get() + (size_t)(t + 1) * H;
            for(int tile = 0; tile < tiles; ++tile)
            {
                const float* gates = a_.get() + ((size_t)t * tiles + tile) * width;
                float* dp = d_.get() + ((size_t)tile * T_ + t) * width;
                RNNGEN_UNROLL
                for(int v = 0; v < NV; ++v)
                {
                    const int u = tile * U + 8 * v;
                    const vf i = load(gates + 8 * v), f = load(gates + U + 8 * v), g = load(gates + 2 * U + 8 * v), o = load(gates + 3 * U + 8 * v);
                    const vf tc = tanh(load(cn + u));
                    const vf dht = add(load(dy + (size_t)t * H + u), load(dh + u));
                    const vf dct = fma(mul(dht, o), fnma(tc, tc, one), load(dc + u));
                    store(dp + 8 * v, mul(mul(dct, g), mul(i, sub(one, i))));
                    store(dp + U + 8 * v, mul(mul(dct, load(cp + u)), mul(f, sub(one, f))));
                    store(dp + 2 * U + 8 * v, mul(mul(dct, i), fnma(g, g, one)));
                    store(dp + 3 * U + 8 * v, mul(mul(dht, tc), mul(o, sub(one, o))));
                    store(dc + u, mul(dct, f));
                }
            }
            // dz_t[k] = sum over tiles and rows of W[tile][k][row] dP_t[tile][row], DZ columns k at a time
            float* dz = dz_.get() + (size_t)t * K;
            for(int k = 0; k < K; k += DZ)
            {
                vf acc[DZ / 8][8];
                RNNGEN_UNROLL
                for(int j = 0; j < DZ; ++j)
                    acc[j / 8][j % 8] = zero();
                for(int tile = 0; tile < tiles; ++tile)
                {
                    const float* wk = w_.get() + ((size_t)tile * K + k) * width;
                    const float* dp = d_.get() + ((size_t)tile * T_ + t) * width;
                    RNNGEN_UNROLL
                    for(int a = 0; a < NA; ++a)
                    {
                        const vf d = load(dp + 8 * a);
                        RNNGEN_UNROLL
                        for(int j = 0; j < DZ; ++j)
                            acc[j / 8][j % 8] = fma(load(wk + (size_t)j * width + 8 * a), d, acc[j / 8][j % 8]);
                    }
                }
                RNNGEN_UNROLL
                for(int q = 0; q < DZ / 8; ++q)
                    storeu(dz + k + 8 * q, lane_sums(acc[q]));
            }
            std::memcpy(dh, dz + I, sizeof(float) * H);
        }
    }

    // dW = sum_t dP_t z_t^T and db = sum_t dP_t, over the dP and z the recurrence and the forward left behind.
    __attribute__((noinline)) void weight_gradients() noexcept
    {
        const float* Z = z_.get();
        float* ZT = zt_.get();
        for(int t = 0; t < T_; ++t)
            for(int k = 0; k < K; ++k)
                ZT[(size_t)k * T_ + t] = Z[(size_t)t * K + k];
        for(int tile = 0; tile < tiles; ++tile)
        {
            const float* dp = d_.get() + (size_t)tile * T_ * width;
            for(int k = 0; k < K; k += KB)
            {
                vf acc[KB][NA];
                RNNGEN_UNROLL
                for(int j = 0; j < KB; ++j)
                    RNNGEN_UNROLL
                    for(int a = 0; a < NA; ++a)
                        acc[j][a] = zero();
                accumulate_streams_t(acc, dp, ZT + (size_t)k * T_);
                float* out = dw_.get() + ((size_t)tile * K + k) * width;
                RNNGEN_UNROLL
                for(int j = 0; j < KB; ++j)
                    RNNGEN_UNROLL
                    for(int a = 0; a < NA; ++a)
                        store(out + (size_t)j * width + 8 * a, acc[j][a]);
            }
            vf sum[NA];
            RNNGEN_UNROLL
            for(int a = 0; a < NA; ++a)
                sum[a] = zero();
            for(int t = 0; t < T_; ++t)
                RNNGEN_UNROLL
                for(int a = 0; a < NA; ++a)
                    sum[a] = add(sum[a], load(dp + (size_t)t * width + 8 * a));
            RNNGEN_UNROLL
            for(int a = 0; a < NA; ++a)
                store(db_.get() + tile * width + 8 * a, sum[a]);
        }
    }

private:
    // acc[j][a] += sum_t dP[t][8a ..] * zt[j][t]: each dP vector loaded once for KB FMAs
    RNNGEN_INLINE void accumulate_streams_t(vf (&acc)[KB][NA], const float* __restrict dp, const float* __restrict zt) const noexcept
    {
#pragma GCC unroll 2
        for(int t = 0; t < T_; ++t)
        {
            vf zk[KB];
            RNNGEN_UNROLL
            for(int j = 0; j < KB; ++j)
                zk[j] = broadcast(zt + (size_t)j * T_ + t);
            RNNGEN_UNROLL
            for(int a = 0; a < NA; ++a)
            {
                const vf d = load_once(dp + (size_t)t * width + 8 * a);
                RNNGEN_UNROLL
                for(int j = 0; j < KB; ++j)
                    acc[j][a] = fma(d, zk[j], acc[j][a]);
            }
        }
    }

    int T_;
    Floats w_, b_, z_, zt_, a_, c_, d_, dz_, dw_, db_, h_last_, dh_, dc_;
};
} // namespace rnngen
