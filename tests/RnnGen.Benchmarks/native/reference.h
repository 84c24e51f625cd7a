// PyTorch-format weights for one LSTM or GRU layer and a plain double-precision reference of its step and of LSTM
// backpropagation through time: the ground truth every kernel is tested against.
#pragma once
#include <cmath>
#include <cstdlib>
#include <random>
#include <vector>

namespace rnngen
{
// nn.LSTM / nn.GRU parameters: weight_ih [G*H][I], weight_hh [G*H][H], bias_ih and bias_hh [G*H], all row-major.
// Gate rows: LSTM i, f, g, o; GRU r, z, n.
struct CellWeights
{
    int I, H, G;
    std::vector<float> w_ih, w_hh, b_ih, b_hh;
    float ih(int row, int k) const { return w_ih[(size_t)row * I + k]; }
    float hh(int row, int k) const { return w_hh[(size_t)row * H + k]; }
};

// RNN_WSCALE (default 1) widens PyTorch's default init U(-1/sqrt(H), 1/sqrt(H)); the benchmark scripts use 4, which
// drives many gates into saturation as trained networks do (and as the other yardsticks are measured).
inline float weight_scale()
{
    const char* s = std::getenv("RNN_WSCALE");
    return s != nullptr ? (float)std::atof(s) : 1.0f;
}

inline CellWeights random_weights(int I, int H, int G, unsigned seed)
{
    CellWeights w { I, H, G, std::vector<float>((size_t)G * H * I), std::vector<float>((size_t)G * H * H),
        std::vector<float>((size_t)G * H), std::vector<float>((size_t)G * H) };
    std::mt19937 rng(seed);
    const float bound = weight_scale() / std::sqrt((float)H);
    std::uniform_real_distribution<float> uniform(-bound, bound);
    for(auto* v : { &w.w_ih, &w.w_hh, &w.b_ih, &w.b_hh })
        for(float& x : *v)
            x = uniform(rng);
    return w;
}

inline std::vector<float> random_inputs(size_t n, unsigned seed)
{
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    std::vector<float> v(n);
    for(float& x : v)
        x = uniform(rng);
    return v;
}

inline double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// W_ih x + b_ih and W_hh h + b_hh for every gate row.
inline void reference_products(const CellWeights& w, const float* x, const std::vector<double>& h, std::vector<double>& gx,
    std::vector<double>& gh)
{
    gx.assign((size_t)w.G * w.H, 0.0);
    gh.assign((size_t)w.G * w.H, 0.0);
    for(int row = 0; row < w.G * w.H; ++row)
    {
        double a = w.b_ih[row], b = w.b_hh[row];
        for(int k = 0; k < w.I; ++k)
            a += (double)w.ih(row, k) * x[k];
        for(int k = 0; k < w.H; ++k)
            b += (double)w.hh(row, k) * h[k];
        gx[row] = a;
        gh[row] = b;
    }
}

// One LSTM step; h and c are updated.  gates (if given) receives the activated i, f, g, o.
inline void reference_lstm_step(const CellWeights& w, const float* x, std::vector<double>& h, std::vector<double>& c,
    std::vector<double>* gates = nullptr)
{
    const int H = w.H;
    std::vector<double> gx, gh;
    reference_products(w, x, h, gx, gh);
    if(gates != nullptr)
        gates->resize((size_t)4 * H);
    for(int u = 0; u < H; ++u)
    {
        const double i = logistic(gx[u] + gh[u]), f = logistic(gx[H + u] + gh[H + u]);
        const double g = std::tanh(gx[2 * H + u] + gh[2 * H + u]), o = logistic(gx[3 * H + u] + gh[3 * H + u]);
        c[u] = f * c[u] + i * g;
        h[u] = o * std::tanh(c[u]);
        if(gates != nullptr)
        {
            (*gates)[u] = i;
            (*gates)[H + u] = f;
            (*gates)[2 * H + u] = g;
            (*gates)[3 * H + u] = o;
        }
    }
}

// One GRU step (PyTorch: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) n + z h); h is updated.
inline void reference_gru_step(const CellWeights& w, const float* x, std::vector<double>& h)
{
    const int H = w.H;
    std::vector<double> gx, gh;
    reference_products(w, x, h, gx, gh);
    for(int u = 0; u < H; ++u)
    {
        const double r = logistic(gx[u] + gh[u]), z = logistic(gx[H + u] + gh[H + u]);
        const double n = std::tanh(gx[2 * H + u] + r * gh[2 * H + u]);
        h[u] = (1.0 - z) * n + z * h[u];
    }
}

// Gradients of L = sum_t <dy_t, h_t> for an LSTM run over xs [T][I] from zero state.
struct ReferenceGradients
{
    std::vector<double> w_ih, w_hh, bias, x; // bias: d b_ih (= d b_hh)
};

inline ReferenceGradients reference_lstm_bptt(const CellWeights& w, const std::vector<float>& xs, const std::vector<float>& dy, int T)
{
    const int I = w.I, H = w.H;
    std::vector<std::vector<double>> hs(T + 1, std::vector<double>(H)), cs(T + 1, std::vector<double>(H)), gates(T);
    for(int t = 0; t < T; ++t)
    {
        hs[t + 1] = hs[t];
        cs[t + 1] = cs[t];
        reference_lstm_step(w, &xs[(size_t)t * I], hs[t + 1], cs[t + 1], &gates[t]);
    }
    ReferenceGradients d { std::vector<double>((size_t)4 * H * I), std::vector<double>((size_t)4 * H * H),
        std::vector<double>((size_t)4 * H), std::vector<double>((size_t)T * I) };
    std::vector<double> dh(H), dc(H), dpre((size_t)4 * H);
    for(int t = T - 1; t >= 0; --t)
    {
        const std::vector<double>& a = gates[t];
        for(int u = 0; u < H; ++u)
        {
            const double i = a[u], f = a[H + u], g = a[2 * H + u], o = a[3 * H + u], tc = std::tanh(cs[t + 1][u]);
            const double dht = dy[(size_t)t * H + u] + dh[u];
            const double dct = dc[u] + dht * o * (1 - tc * tc);
            dpre[u] = dct * g * i * (1 - i);
            dpre[H + u] = dct * cs[t][u] * f * (1 - f);
            dpre[2 * H + u] = dct * i * (1 - g * g);
            dpre[3 * H + u] = dht * tc * o * (1 - o);
            dc[u] = dct * f;
        }
        std::fill(dh.begin(), dh.end(), 0.0);
        for(int row = 0; row < 4 * H; ++row)
        {
            d.bias[row] += dpre[row];
            for(int k = 0; k < I; ++k)
            {
                d.w_ih[(size_t)row * I + k] += dpre[row] * xs[(size_t)t * I + k];
                d.x[(size_t)t * I + k] += dpre[row] * w.ih(row, k);
            }
            for(int k = 0; k < H; ++k)
            {
                d.w_hh[(size_t)row * H + k] += dpre[row] * hs[t][k];
                dh[k] += dpre[row] * w.hh(row, k);
            }
        }
    }
    return d;
}
} // namespace rnngen
