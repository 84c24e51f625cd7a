// Single-stream LSTM and GRU steps (batch 1), sizes fixed at compile time.
//
// Layout: the hidden units are cut into tiles of U units (16 when H allows, else 8).  A tile's weights are packed
// column by column over z = [x ; h] (K = I + H columns), each column holding the tile's rows of every gate side by
// side: W[tile][k][gate][u].  A tile's pre-activations are then sum_k W[tile][k] * z[k]: one broadcast of z[k] and
// G*U/8 vertical FMAs per column, all accumulators in registers, the weights read once, front to back.  The cell
// update runs on those registers; no pre-activation is stored.  The x columns come first: they do not depend on the
// previous step, so the CPU overlaps them with the end of the previous step.
#pragma once
#include <algorithm>

#include "reference.h"
#include "simd.h"

namespace rnngen
{
constexpr int tile_units(int H) { return H % 16 == 0 ? 16 : 8; }

// Packs one tile-major copy of the gate rows: dst[tile][k][gate][u] over k < I (W_ih) then k < I + H (W_hh).
inline void pack_tiles(const CellWeights& w, int U, float* dst)
{
    const int K = w.I + w.H, width = w.G * U;
    for(int tile = 0; tile < w.H / U; ++tile)
        for(int k = 0; k < K; ++k)
            for(int g = 0; g < w.G; ++g)
                for(int u = 0; u < U; ++u)
                {
                    const int row = g * w.H + tile * U + u;
                    dst[((size_t)tile * K + k) * width + g * U + u] = k < w.I ? w.ih(row, k) : w.hh(row, k - w.I);
                }
}

// acc[k % S][a] += W[k][8a .. 8a+7] * z[k] over N columns of `width` floats.  S > 1 splits the sum over columns so
// that at least eight FMA chains are in flight (two FMA pipes times four cycles of latency) when a tile has few
// accumulators.
template <int S, int NA, int width, int N>
RNNGEN_INLINE void accumulate_columns(vf (&acc)[S][NA], const float* __restrict w, const float* __restrict z)
{
    constexpr int whole = N / S * S;
#pragma GCC unroll 8
    for(int k = 0; k < whole; k += S)
    {
        RNNGEN_UNROLL
        for(int s = 0; s < S; ++s)
        {
            const vf zk = broadcast(z + k + s);
            const float* col = w + (size_t)(k + s) * width;
            RNNGEN_UNROLL
            for(int a = 0; a < NA; ++a)
                acc[s][a] = fma(load(col + 8 * a), zk, acc[s][a]);
        }
    }
    RNNGEN_UNROLL
    for(int k = whole; k < N; ++k)
    {
        const vf zk = broadcast(z + k);
        RNNGEN_UNROLL
        for(int a = 0; a < NA; ++a)
            acc[k - whole][a] = fma(load(w + (size_t)k * width + 8 * a), zk, acc[k - whole][a]);
    }
}

template <int S, int NA>
RNNGEN_INLINE void fold_splits(vf (&acc)[S][NA])
{
    RNNGEN_UNROLL
    for(int s = 1; s < S; ++s)
        RNNGEN_UNROLL
        for(int a = 0; a < NA; ++a)
            acc[0][a] = add(acc[0][a], acc[s][a]);
}

// c' = f c + i g (stored over c), returns h' = o tanh(c') from the four pre-activations of eight units.
RNNGEN_INLINE vf lstm_units(vf pi, vf pf, vf pg, vf po, float* c)
{
    const vf i = sigmoid(pi), f = sigmoid(pf), g = tanh(pg), o = sigmoid(po);
    const vf cn = fma(f, load(c), mul(i, g));
    store(c, cn);
    return mul(o, tanh(cn));
}

// h' = (1 - z) n + z h = n + z (h - n), n = tanh(nx + r nh); pr, pz hold both products and both biases.
RNNGEN_INLINE vf gru_units(vf pr, vf pz, vf nx, vf nh, vf h)
{
    const vf r = sigmoid(pr), z = sigmoid(pz);
    const vf n = tanh(fma(r, nh, nx));
    return fma(z, sub(h, n), n);
}

template <int I, int H>
class LstmStep
{
public:
    static constexpr int U = tile_units(H), NV = U / 8, tiles = H / U, K = I + H, width = 4 * U, NA = 4 * NV;
    static constexpr int S = NA >= 8 ? 1 : 2;

    explicit LstmStep(const CellWeights& w) : w_((size_t)tiles * K * width), b_((size_t)tiles * width), h_(2 * H), c_(H)
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

    // h of the last step (zero before the first)
    const float* h() const { return h_.get() + current_ * H; }
    const float* c() const { return c_.get(); }

    void step(const float* __restrict x) noexcept
    {
        const float* hp = h_.get() + current_ * H;
        // one tile reads all of h before writing it: update in place; several tiles need the old h until the last one
        float* hn = tiles == 1 ? h_.get() : h_.get() + (current_ ^ 1) * H;
        for(int tile = 0; tile < tiles; ++tile)
        {
            const float* wt = w_.get() + (size_t)tile * K * width;
            vf acc[S][NA];
            RNNGEN_UNROLL
            for(int a = 0; a < NA; ++a)
            {
                acc[0][a] = load(b_.get() + tile * width + 8 * a);
                RNNGEN_UNROLL
                for(int s = 1; s < S; ++s)
                    acc[s][a] = zero();
            }
            accumulate_columns<S, NA, width, I>(acc, wt, x);
            accumulate_columns<S, NA, width, H>(acc, wt + (size_t)I * width, hp);
            fold_splits(acc);
            RNNGEN_UNROLL
            for(int v = 0; v < NV; ++v)
            {
                const int u = tile * U + 8 * v;
                store(hn + u, lstm_units(acc[0][v], acc[0][NV + v], acc[0][2 * NV + v], acc[0][3 * NV + v], c_.get() + u));
            }
        }
        if(tiles > 1)
            current_ ^= 1;
    }

private:
    Floats w_, b_, h_, c_;
    int current_ = 0;
};

template <int I, int H>
class GruStep
{
public:
    static constexpr int U = tile_units(H), NV = U / 8, tiles = H / U, K = I + H, width = 3 * U, NA = 3 * NV;
    static constexpr int S = NA >= 8 ? 1 : NA >= 6 ? 2 : 3;

    // biases per tile: r (b_ir + b_hr), z (b_iz + b_hz), b_in, b_hn
    explicit GruStep(const CellWeights& w) : w_((size_t)tiles * K * width), b_((size_t)tiles * 4 * U), h_(2 * H)
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

    const float* h() const { return h_.get() + current_ * H; }

    void step(const float* __restrict x) noexcept
    {
        const float* hp = h_.get() + current_ * H;
        float* hn = tiles == 1 ? h_.get() : h_.get() + (current_ ^ 1) * H;
        for(int tile = 0; tile < tiles; ++tile)
        {
            const float* wt = w_.get() + (size_t)tile * K * width;
            const float* bt = b_.get() + tile * 4 * U;
            vf acc[S][NA];
            RNNGEN_UNROLL
            for(int a = 0; a < NA; ++a)
            {
                acc[0][a] = load(bt + 8 * a); // r, z, then b_in in the n slots
                RNNGEN_UNROLL
                for(int s = 1; s < S; ++s)
                    acc[s][a] = zero();
            }
            accumulate_columns<S, NA, width, I>(acc, wt, x);
            // the n slots now hold W_in x (split); set them aside and restart them from b_hn for W_hn h
            vf nx[NV];
            RNNGEN_UNROLL
            for(int v = 0; v < NV; ++v)
            {
                nx[v] = acc[0][2 * NV + v];
                RNNGEN_UNROLL
                for(int s = 1; s < S; ++s)
                {
                    nx[v] = add(nx[v], acc[s][2 * NV + v]);
                    acc[s][2 * NV + v] = zero();
                }
                acc[0][2 * NV + v] = load(bt + 3 * U + 8 * v);
            }
            accumulate_columns<S, NA, width, H>(acc, wt + (size_t)I * width, hp);
            fold_splits(acc);
            RNNGEN_UNROLL
            for(int v = 0; v < NV; ++v)
            {
                const int u = tile * U + 8 * v;
                store(hn + u, gru_units(acc[0][v], acc[0][NV + v], nx[v], acc[0][2 * NV + v], load(hp + u)));
            }
        }
        if(tiles > 1)
            current_ ^= 1;
    }

private:
    Floats w_, b_, h_;
    int current_ = 0;
};
} // namespace rnngen
