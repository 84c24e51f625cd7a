// RnnGen's own C++ baseline: hand-written LSTM/GRU kernels (step.h, batch.h, bptt.h) and the harness that times them
// (timing.h) or checks them against the double-precision reference (reference.h).  Built and run by ./run.
// Usage: baseline step|step-batch|bptt|test [reps] [target_ms_per_rep]
//   step        ns per single-stream step, LSTM and GRU at (I,H) = (1,8) (8,32) (32,64) (64,128) (128,256)
//               CSV impl,cell,I,H,ns_median,ns_min,ns_max,ns_median_clean,n_clean,cpu_frac,steps_per_rep,checksum
//   step-batch  B = 1 (the single-stream step) and B = 8, 16, 32 streams per step at (32,64) (64,128) (128,256);
//               ns per stream-step.  CSV impl,cell,I,H,B, the same timing columns, speedup (B = 1 ns / this ns)
//   bptt        LSTM (64,128), T = 100: forward storing gates, backward through time, ns per time step (text)
//   test        every kernel against the reference: max error relative to the largest reference value, per tensor;
//               exit status 1 if any exceeds 1e-4
// RNN_WSCALE=s scales the weights' init range by s (the scripts use 4).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "batch.h"
#include "bptt.h"
#include "reference.h"
#include "step.h"
#include "timing.h"

using namespace rnngen;

namespace
{
constexpr int kPoolRows = 1024; // input rows cycled through by the timed steps
constexpr int kBpttT = 100;

struct Options
{
    int reps;
    double target_ms;
};

unsigned weight_seed(bool lstm, int H) { return (lstm ? 1000u : 2000u) + (unsigned)H; }

std::string impl(const char* what) { return std::string("native-") + what; }

// ---------------------------------------------------------------------------------------------------------------
// step
template <typename Cell>
Timing time_single(Cell& cell, const std::vector<float>& pool, int I, const Options& o)
{
    return time_steps(
        [&](long n) {
            float acc = 0;
            for(long s = 0; s < n; ++s)
            {
                cell.step(pool.data() + (size_t)(s & (kPoolRows - 1)) * I);
                acc += cell.h()[0];
            }
            return (double)acc;
        },
        o.reps, o.target_ms);
}

template <bool Lstm, int I, int H>
using Single = std::conditional_t<Lstm, LstmStep<I, H>, GruStep<I, H>>;
template <bool Lstm, int I, int H, int B>
using Batched = std::conditional_t<Lstm, LstmBatch<I, H, B>, GruBatch<I, H, B>>;

template <bool Lstm, int I, int H>
Timing single_step(const std::vector<float>& pool, const Options& o)
{
    auto cell = std::make_unique<Single<Lstm, I, H>>(random_weights(I, H, Lstm ? 4 : 3, weight_seed(Lstm, H)));
    return time_single(*cell, pool, I, o);
}

template <int I, int H>
void step_shape(const Options& o)
{
    const auto pool = random_inputs((size_t)kPoolRows * I, 7 + I + H);
    for(bool lstm : { true, false })
    {
        const Timing t = lstm ? single_step<true, I, H>(pool, o) : single_step<false, I, H>(pool, o);
        std::printf("%s,%s,%d,%d,", impl(kIsa).c_str(), lstm ? "lstm" : "gru", I, H);
        print_timing(t);
        std::printf("\n");
        std::fflush(stdout);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// step-batch
template <bool Lstm, int I, int H, int B>
void batch_row(const std::vector<float>& pool, const Options& o, double single_ns)
{
    auto cell = std::make_unique<Batched<Lstm, I, H, B>>(random_weights(I, H, Lstm ? 4 : 3, weight_seed(Lstm, H)));
    const Timing t = time_steps(
        [&](long n) {
            float acc = 0;
            for(long s = 0; s < n; ++s)
            {
                cell->step(pool.data() + (size_t)((s * B) & (kPoolRows - 1)) * I);
                acc += cell->h(0)[0];
            }
            return (double)acc;
        },
        o.reps, o.target_ms).per(B);
    std::printf("%s,%s,%d,%d,%d,", impl("batch").c_str(), Lstm ? "lstm" : "gru", I, H, B);
    print_timing(t);
    std::printf(",%.3f\n", single_ns / t.median);
    std::fflush(stdout);
}

template <bool Lstm, int I, int H>
void batch_cell(const std::vector<float>& pool, const Options& o)
{
    const Timing single = single_step<Lstm, I, H>(pool, o);
    std::printf("%s,%s,%d,%d,1,", impl(kIsa).c_str(), Lstm ? "lstm" : "gru", I, H);
    print_timing(single);
    std::printf(",1.000\n");
    std::fflush(stdout);
    batch_row<Lstm, I, H, 8>(pool, o, single.median);
    batch_row<Lstm, I, H, 16>(pool, o, single.median);
    batch_row<Lstm, I, H, 32>(pool, o, single.median);
}

template <int I, int H>
void batch_shape(const Options& o)
{
    const auto pool = random_inputs((size_t)kPoolRows * I, 7 + I + H);
    batch_cell<true, I, H>(pool, o);
    batch_cell<false, I, H>(pool, o);
}

// ---------------------------------------------------------------------------------------------------------------
// bptt
void bptt(const Options& o)
{
    constexpr int I = 64, H = 128;
    const int T = kBpttT;
    auto net = std::make_unique<LstmTraining<I, H>>(random_weights(I, H, 4, 77), T);
    const auto xs = random_inputs((size_t)T * I, 5), dy = random_inputs((size_t)T * H, 6);
    auto forward = [&](long n) {
        double acc = 0;
        for(long s = 0; s < n; ++s)
        {
            net->forward(xs.data());
            acc += net->h_last()[0];
        }
        return acc;
    };
    auto both = [&](long n) {
        double acc = 0;
        for(long s = 0; s < n; ++s)
        {
            net->forward(xs.data());
            net->backward(dy.data());
            acc += net->dw(0, 0);
        }
        return acc;
    };
    auto recurrence = [&](long n) {
        for(long s = 0; s < n; ++s)
            net->recurrence(dy.data());
        return (double)net->dx(0, 0);
    };
    auto weights = [&](long n) {
        for(long s = 0; s < n; ++s)
            net->weight_gradients();
        return (double)net->dw(0, 0);
    };
    // alternate the measurements so all see the same machine; medians over the rounds
    std::vector<double> fw, fb, rec, wg;
    for(int round = 0; round < 3; ++round)
    {
        fw.push_back(time_steps(forward, o.reps, o.target_ms).median / T);
        fb.push_back(time_steps(both, o.reps, o.target_ms).median / T);
        rec.push_back(time_steps(recurrence, o.reps, o.target_ms).median / T);
        wg.push_back(time_steps(weights, o.reps, o.target_ms).median / T);
    }
    for(auto* v : { &fw, &fb, &rec, &wg })
        std::sort(v->begin(), v->end());
    const double f = fw[1], total = fb[1], flops = 2.0 * 4 * H * (I + H);
    std::printf("native LSTM(%d,%d) T=%d (%s), per time step, medians of 3 x %d repetitions:\n", I, H, T, kIsa, o.reps);
    std::printf("  forward (stores gates)  : %8.1f ns  (%.1f GFLOP/s)\n", f, flops / f);
    std::printf("  backward                : %8.1f ns  (total - forward)\n", total - f);
    std::printf("    recurrence alone      : %8.1f ns  (gate gradients, W^T dP per step)\n", rec[1]);
    std::printf("    weight gradient alone : %8.1f ns  (dW over all steps, db)\n", wg[1]);
    std::printf("  forward + backward      : %8.1f ns  (%.1f GFLOP/s on 3x the step's FLOPs)\n", total, 3 * flops / total);
}

// ---------------------------------------------------------------------------------------------------------------
// test
struct ErrorMeter // max |got - want| / max |want| over one tensor
{
    double diff = 0, scale = 0;
    void add(double got, double want)
    {
        diff = std::max(diff, std::fabs(got - want));
        scale = std::max(scale, std::fabs(want));
    }
    double relative() const { return diff / std::max(scale, 1e-30); }
};

constexpr double kTolerance = 1e-4;
int g_failures = 0;

void report(const char* what, const char* cell, int I, int H, int B, const ErrorMeter& e)
{
    const bool ok = e.relative() <= kTolerance && std::isfinite(e.relative());
    g_failures += ok ? 0 : 1;
    std::printf("%-5s %-16s (%3d,%3d) B=%2d  max rel err %.2e  %s\n", ok ? "ok" : "FAIL", what, I, H, B, e.relative(), cell);
}

constexpr int kTestSteps = 30;

template <bool Lstm, int I, int H>
void test_single()
{
    const auto w = random_weights(I, H, Lstm ? 4 : 3, weight_seed(Lstm, H));
    const auto xs = random_inputs((size_t)kTestSteps * I, 3);
    Single<Lstm, I, H> cell(w);
    std::vector<double> h(H), c(H);
    ErrorMeter eh, ec;
    for(int t = 0; t < kTestSteps; ++t)
    {
        cell.step(xs.data() + (size_t)t * I);
        if constexpr(Lstm)
            reference_lstm_step(w, xs.data() + (size_t)t * I, h, c);
        else
            reference_gru_step(w, xs.data() + (size_t)t * I, h);
        for(int u = 0; u < H; ++u)
        {
            eh.add(cell.h()[u], h[u]);
            if constexpr(Lstm)
                ec.add(cell.c()[u], c[u]);
        }
    }
    report("step h", Lstm ? "lstm" : "gru", I, H, 1, eh);
    if constexpr(Lstm)
        report("step c", "lstm", I, H, 1, ec);
}

template <bool Lstm, int I, int H, int B>
void test_batch()
{
    const auto w = random_weights(I, H, Lstm ? 4 : 3, weight_seed(Lstm, H));
    const int steps = 8;
    const auto xs = random_inputs((size_t)steps * B * I, 4);
    auto cell = std::make_unique<Batched<Lstm, I, H, B>>(w);
    std::vector<std::vector<double>> h(B, std::vector<double>(H)), c(B, std::vector<double>(H));
    ErrorMeter e;
    for(int t = 0; t < steps; ++t)
    {
        const float* x = xs.data() + (size_t)t * B * I;
        cell->step(x);
        for(int b = 0; b < B; ++b)
        {
            if constexpr(Lstm)
                reference_lstm_step(w, x + (size_t)b * I, h[b], c[b]);
            else
                reference_gru_step(w, x + (size_t)b * I, h[b]);
            for(int u = 0; u < H; ++u)
                e.add(cell->h(b)[u], h[b][u]);
        }
    }
    report("batch h", Lstm ? "lstm" : "gru", I, H, B, e);
}

template <int I, int H>
void test_step_shape()
{
    test_single<true, I, H>();
    test_single<false, I, H>();
}

template <int I, int H>
void test_batch_shape()
{
    test_batch<true, I, H, 8>();
    test_batch<true, I, H, 32>();
    test_batch<false, I, H, 8>();
    test_batch<false, I, H, 32>();
}

void test_bptt()
{
    constexpr int I = 64, H = 128;
    const int T = kBpttT;
    const auto w = random_weights(I, H, 4, 77);
    const auto xs = random_inputs((size_t)T * I, 5), dy = random_inputs((size_t)T * H, 6);
    auto net = std::make_unique<LstmTraining<I, H>>(w, T);
    net->forward(xs.data());
    net->backward(dy.data());
    const ReferenceGradients want = reference_lstm_bptt(w, xs, dy, T);
    ErrorMeter ih, hh, b, x;
    for(int row = 0; row < 4 * H; ++row)
    {
        for(int k = 0; k < I; ++k)
            ih.add(net->dw(row, k), want.w_ih[(size_t)row * I + k]);
        for(int k = 0; k < H; ++k)
            hh.add(net->dw(row, I + k), want.w_hh[(size_t)row * H + k]);
        b.add(net->db(row), want.bias[row]);
    }
    for(int t = 0; t < T; ++t)
        for(int k = 0; k < I; ++k)
            x.add(net->dx(t, k), want.x[(size_t)t * I + k]);
    report("bptt dW_ih", "lstm", I, H, 1, ih);
    report("bptt dW_hh", "lstm", I, H, 1, hh);
    report("bptt db", "lstm", I, H, 1, b);
    report("bptt dx", "lstm", I, H, 1, x);
}

int test()
{
    std::printf("native kernels (%s, %d vector registers), RNN_WSCALE=%g, against the double-precision reference:\n", kIsa,
        kVectorRegisters, weight_scale());
    test_step_shape<1, 8>();
    test_step_shape<8, 32>();
    test_step_shape<32, 64>();
    test_step_shape<64, 128>();
    test_step_shape<128, 256>();
    test_batch_shape<32, 64>();
    test_batch_shape<64, 128>();
    test_batch_shape<128, 256>();
    test_bptt();
    std::printf("%s\n", g_failures == 0 ? "all kernels within 1e-4" : "FAILED");
    return g_failures == 0 ? 0 : 1;
}
} // namespace

int main(int argc, char** argv)
{
    const std::string mode = argc > 1 ? argv[1] : "step";
    const Options o { argc > 2 ? std::atoi(argv[2]) : 31, argc > 3 ? std::atof(argv[3]) : 3.0 };
    if(mode == "step")
    {
        std::printf("impl,cell,I,H,ns_median,ns_min,ns_max,ns_median_clean,n_clean,cpu_frac,steps_per_rep,checksum\n");
        step_shape<1, 8>(o);
        step_shape<8, 32>(o);
        step_shape<32, 64>(o);
        step_shape<64, 128>(o);
        step_shape<128, 256>(o);
    }
    else if(mode == "step-batch")
    {
        std::printf("impl,cell,I,H,B,ns_median,ns_min,ns_max,ns_median_clean,n_clean,cpu_frac,steps_per_rep,checksum,speedup\n");
        batch_shape<32, 64>(o);
        batch_shape<64, 128>(o);
        batch_shape<128, 256>(o);
    }
    else if(mode == "bptt")
        bptt(Options { o.reps == 31 ? 7 : o.reps, o.target_ms * 5 });
    else if(mode == "test")
        return test();
    else
    {
        std::fprintf(stderr, "usage: %s step|step-batch|bptt|test [reps] [target_ms]\n", argv[0]);
        return 2;
    }
    std::fprintf(stderr, "sink=%g\n", g_sink);
    return 0;
}
