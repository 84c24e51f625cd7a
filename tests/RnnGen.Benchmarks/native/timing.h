// Timing harness: calibrate a repetition of n steps to ~target_ms, then time `reps` repetitions and report per-step
// figures.  Each repetition is timed on the wall clock and on this thread's CPU clock: on a shared machine a
// repetition during which another process ran shows CPU/wall < 1, so the "clean" median leaves those out.
// CSV columns (as the limit kernel prints them, so the scripts can read either):
//   ns_median,ns_min,ns_max,ns_median_clean,n_clean,cpu_frac,steps_per_rep,checksum
#pragma once
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

namespace rnngen
{
struct Timing
{
    double median, min, max, median_clean; // ns per step; median_clean is -1 with fewer than 3 clean repetitions
    int clean;
    double cpu_fraction;
    long steps_per_rep;
    double checksum;

    Timing per(double parts) const
    {
        Timing t = *this;
        t.median /= parts;
        t.min /= parts;
        t.max /= parts;
        if(t.median_clean > 0)
            t.median_clean /= parts;
        return t;
    }
};

inline double thread_cpu_ns()
{
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

inline double g_sink = 0; // results the compiler must not discard

// run(n) performs n steps and returns a value that depends on their outputs.
template <typename Run>
Timing time_steps(Run&& run, int reps = 31, double target_ms = 3.0)
{
    using clock = std::chrono::steady_clock;
    auto elapsed_ns = [](clock::time_point a, clock::time_point b) { return std::chrono::duration<double, std::nano>(b - a).count(); };
    long n = 64;
    for(;;) // warm-up and calibration: grow n until a run lasts 25 ms
    {
        const auto t0 = clock::now();
        g_sink += run(n);
        const double ns = elapsed_ns(t0, clock::now());
        if(ns >= 25e6)
        {
            n = std::max(4L, (long)(n * target_ms * 1e6 / ns));
            break;
        }
        n *= 2;
    }
    std::vector<double> wall, clean;
    double checksum = 0, wall_total = 0, cpu_total = 0;
    for(int r = 0; r < reps; ++r)
    {
        const double c0 = thread_cpu_ns();
        const auto t0 = clock::now();
        checksum += run(n);
        const auto t1 = clock::now();
        const double cpu = thread_cpu_ns() - c0, ns = elapsed_ns(t0, t1);
        wall.push_back(ns / n);
        if(cpu >= 0.98 * ns)
            clean.push_back(ns / n);
        wall_total += ns;
        cpu_total += cpu;
    }
    g_sink += checksum;
    std::sort(wall.begin(), wall.end());
    std::sort(clean.begin(), clean.end());
    return Timing { wall[wall.size() / 2], wall.front(), wall.back(), clean.size() >= 3 ? clean[clean.size() / 2] : -1.0,
        (int)clean.size(), cpu_total / wall_total, n, checksum };
}

inline void print_timing(const Timing& t)
{
    std::printf("%.2f,%.2f,%.2f,%.2f,%d,%.3f,%ld,%.6g", t.median, t.min, t.max, t.median_clean, t.clean, t.cpu_fraction,
        t.steps_per_rep, t.checksum);
}
} // namespace rnngen
