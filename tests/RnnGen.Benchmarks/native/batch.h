// B independent streams stepped together (one weight matrix, B states): per step a small matrix product
// [G*H x K] . [K x B] and the cell updates.  Weights packed as in step.h.  A register block holds the accumulators of
// one tile (U units, all gates) for S streams: each weight vector loaded from memory feeds S FMAs and each broadcast
// z value feeds G*U/8, so unlike batch 1 (one load per FMA) the FMA units, not the loads, set the pace.
// Streams are rows: x [B][I], h [B][H] (double-buffered: every tile reads the old h of its streams), c [B][H].
#pragma once
#include <type_traits>

#include "step.h"

namespace rnngen
{
// acc[s][a] += W[k][8a .. 8a+7] * z[s][k] for k < N.
template <int S, int NA, int width, int N>
RNNGEN_INLINE void accumulate_streams(vf (&acc)[S][NA], const float* __restrict w, const float* const (&z)[S])
{
#pragma GCC unroll 4
    for(int k = 0; k < N; ++k)
    {
        vf zk[S];
        RNNGEN_UNROLL
        for(int s = 0; s < S; ++s)
            zk[s] = broadcast(z[s] + k);
        const float* col = w + (size_t)k * width;
        RNNGEN_UNROLL
        for(int a = 0; a < NA; ++a)
        {
            const vf wv = load_once(col + 8 * a);
            RNNGEN_UNROLL
            for(int s = 0; s < S; ++s)
                acc[s][a] = fma(wv, zk[s], acc[s][a]);
        }
    }
}

// Calls block(integral_constant<S>, b0) over [0, B) in blocks of S streams, the remainder as one smaller block.
template <int B, int S, typename Fn>
RNNGEN_INLINE void for_each_block(Fn&& block)
{
    int b0 = 0;
    for(; b0 + S <= B; b0 += S)
        block(std::integral_constant<int, S>(), b0);
    if constexpr(B % S != 0)
        block(std::integral_constant<int, B % S>(), b0);
}

// Streams per register block: S*NA accumulators + S broadcasts + one weight vector within the vector registers.
constexpr int streams_per_block(int NA) { return (kVectorRegisters - 1) / (NA + 1); }

template <int I, int H, int B>
class LstmBatch
{
public:
    static constexpr int U = kVectorRegisters >= 32 ? tile_units(H) : 8;
    static constexpr int NV = U / 8, tiles = H / U, K = I + H, width = 4 * U, NA = 4 * NV, S = streams_per_block(NA);
    static constexpr int batch = B;

    explicit LstmBatch(const CellWeights& w) : w_((size_t)tiles * K * width), b_((size_t)tiles * width), h_((size_t)2 * B * H), c_((size_t)B * H)
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

    const float* h(int stream) const { return h_.get() + ((size_t)current_ * B + stream) * H; }

    // x: [B][I], this step's input of every stream
    __attribute__((noinline)) void step(const float* __restrict x) noexcept
    {
        const float* hp = h_.get() + (size_t)current_ * B * H;
        float* hn = h_.get() + (size_t)(current_ ^ 1) * B * H;
        for(int tile = 0; tile < tiles; ++tile)
            for_each_block<B, S>([&](auto streams, int b0) { block<decltype(streams)::value>(tile, b0, x, hp, hn); });
        current_ ^= 1;
    }

private:
    template <int SB>
    RNNGEN_INLINE void block(int tile, int b0, const float* __restrict x, const float* __restrict hp, float* __restrict hn) noexcept
    {
        const float* wt = w_.get() + (size_t)tile * K * width;
        vf acc[SB][NA];
        RNNGEN_UNROLL
        for(int a = 0; a < NA; ++a)
        {
            const vf bias = load(b_.get() + tile * width + 8 * a);
            RNNGEN_UNROLL
            for(int s = 0; s < SB; ++s)
                acc[s][a] = bias;
        }
        const float* zx[SB];
        const float* zh[SB];
        RNNGEN_UNROLL
        for(int s = 0; s < SB; ++s)
        {
            zx[s] = x + (size_t)(b0 + s) * I;
            zh[s] = hp + (size_t)(b0 + s) * H;
        }
        accumulate_streams<SB, NA, width, I>(acc, wt, zx);
        accumulate_streams<SB, NA, width, H>(acc, wt + (size_t)I * width, zh);
        RNNGEN_UNROLL
        for(int s = 0; s < SB; ++s)
            RNNGEN_UNROLL
            for(int v = 0; v < NV; ++v)
            {
                const size_t u = (size_t)(b0 + s) * H + tile * U + 8 * v;
                store(hn + u, lstm_units(acc[s][v], acc[s][NV + v], acc[s][2 * NV + v], acc[s][3 * NV + v], c_.get() + u));
            }
    }

    Floats w_, b_, h_, c_;
    int current_ = 0;
};

template <int I, int H, int B>
class GruBatch
{
public:
    static constexpr int U = kVectorRegisters >= 32 ? tile_units(H) : 8;
    static constexpr int NV = U / 8, tiles = H / U, K = I + H, width = 3 * U, NA = 3 * NV, S = streams_per_block(NA);
    static constexpr int batch = B;

    explicit GruBatch(const CellWeights& w) : w_((size_t)tiles * K * width), b_((size_t)tiles * 4 * U), h_((size_t)2 * B * H), nx_((size_t)S * U)
    {
        pack_tiles(w, U, w_.get());
        for(int tile = 0; tile < tiles; ++tile)
            for(int u = 0; u < U; ++u)
            {
                const int j = tile * U + u;
                float* b = b_.get() + tile * 4 * U + u;
                b[0] = w.b_ih[j] + w.b_hh[j];
                b[U] = w.b_ih[H + j] + w.b_hh[H + j];
                b[2 * U] = w.b_ih[2 * H + j];
                b[3 * U] = w.b_hh[2 * H + j];
            }
    }

    const float* h(int stream) const { return h_.get() + ((size_t)current_ * B + stream) * H; }

    __attribute__((noinline)) void step(const float* __restrict x) noexcept
    {
        const float* hp = h_.get() + (size_t)current_ * B * H;
        float* hn = h_.get() + (size_t)(current_ ^ 1) * B * H;
        for(int tile = 0; tile < tiles; ++tile)
            for_each_block<B, S>([&](auto streams, int b0) { block<decltype(streams)::value>(tile, b0, x, hp, hn); });
        current_ ^= 1;
    }

private:
    template <int SB>
    RNNGEN_INLINE void block(int tile, int b0, const float* __restrict x, const float* __restrict hp, float* __restrict hn) noexcept
    {
        const float* wt = w_.get() + (size_t)tile * K * width;
        const float* bt = b_.get() + tile * 4 * U;
        float* nx = nx_.get(); // W_in x + b_in of the block's streams, parked in L1 while the registers do W_hn h
        vf acc[SB][NA];
        RNNGEN_UNROLL
        for(int a = 0; a < NA; ++a)
        {
            const vf bias = load(bt + 8 * a);
            RNNGEN_UNROLL
            for(int s = 0; s < SB; ++s)
                acc[s][a] = bias;
        }
        const float* zx[SB];
        const float* zh[SB];
        RNNGEN_UNROLL
        for(int s = 0; s < SB; ++s)
        {
            zx[s] = x + (size_t)(b0 + s) * I;
            zh[s] = hp + (size_t)(b0 + s) * H;
        }
        accumulate_streams<SB, NA, width, I>(acc, wt, zx);
        RNNGEN_UNROLL
        for(int v = 0; v < NV; ++v)
        {
            const vf bhn = load(bt + 3 * U + 8 * v);
            RNNGEN_UNROLL
            for(int s = 0; s < SB; ++s)
            {
                store(nx + s * U + 8 * v, acc[s][2 * NV + v]);
                acc[s][2 * NV + v] = bhn;
            }
        }
        accumulate_streams<SB, NA, width, H>(acc, wt + (size_t)I * width, zh);
        RNNGEN_UNROLL
        for(int s = 0; s < SB; ++s)
            RNNGEN_UNROLL
            for(int v = 0; v < NV; ++v)
            {
                const size_t u = (size_t)(b0 + s) * H + tile * U + 8 * v;
                store(hn + u, gru_units(acc[s][v], acc[s][NV + v], load(nx + s * U + 8 * v), acc[s][2 * NV + v], load(hp + u)));
            }
    }

    Floats w_, b_, h_, nx_;
    int current_ = 0;
};
} // namespace rnngen
