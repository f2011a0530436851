// Runs the backend's CUDA C kernels on a CPU, for tests on machines without a GPU (see
// EmulatedCudaBackendTest). Included after fake_cuda.c and before the kernel sources, in one C++
// translation unit. Each CUDA thread of a block is a ucontext fiber on one OS thread; the
// scheduler resumes fibers until they reach __syncthreads (all threads of the block) or a warp
// shuffle (the 32 lanes of the warp), so block reductions run with their real synchronisation.
// Kernels without synchronisation run thread by thread, plainly. Slow, but the same code.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <type_traits>
#include <ucontext.h>
#include <utility>
#include <vector>

#define __device__
#define __global__
#define __forceinline__ inline
#define __shared__ static

struct qv_dim { unsigned int x, y, z; };
static qv_dim threadIdx, blockIdx, blockDim, gridDim;

inline float __int_as_float(int i) { float f; memcpy(&f, &i, 4); return f; }
inline int __float_as_int(float f) { int i; memcpy(&i, &f, 4); return i; }
inline double __longlong_as_double(long long i) { double d; memcpy(&d, &i, 8); return d; }
inline long long __double_as_longlong(double d) { long long i; memcpy(&i, &d, 8); return i; }

// One OS thread runs every fiber, and fibers switch only at barriers: plain read-modify-write is atomic here.
inline int atomicCAS(int* p, int cmp, int val) { int old = *p; if (old == cmp) *p = val; return old; }
inline unsigned long long atomicCAS(unsigned long long* p, unsigned long long cmp, unsigned long long val) {
  unsigned long long old = *p; if (old == cmp) *p = val; return old;
}
inline float atomicAdd(float* p, float v) { float old = *p; *p = old + v; return old; }
inline int atomicAdd(int* p, int v) { int old = *p; *p = old + v; return old; }

enum { QV_RUN, QV_WAIT_WARP, QV_WAIT_BLOCK, QV_DONE };
struct QvFiber { ucontext_t ctx; int state; };
static std::vector<QvFiber> qv_fibers;
static ucontext_t qv_scheduler;
static int qv_current = -1;
static long long qv_slots[1024];
static void (*qv_body)(void**);
static void** qv_args;
static const size_t QV_STACK = 64 << 10;
static char* qv_stacks;

static void qv_yield(int state) {
  QvFiber& f = qv_fibers[qv_current];
  f.state = state;
  swapcontext(&f.ctx, &qv_scheduler);
}

inline void __syncthreads() {
  if (qv_current >= 0) qv_yield(QV_WAIT_BLOCK);
}

template <typename T>
T __shfl_down_sync(unsigned mask, T v, int d) {
  if (qv_current < 0) { fprintf(stderr, "emulated shuffle outside a fiber block\n"); abort(); }
  unsigned lane = threadIdx.x & 31, base = threadIdx.x - lane;
  memcpy(&qv_slots[threadIdx.x], &v, sizeof(T));
  qv_yield(QV_WAIT_WARP);
  T r = v;
  if (lane + d < 32) memcpy(&r, &qv_slots[base + lane + d], sizeof(T));
  qv_yield(QV_WAIT_WARP);
  return r;
}

static void qv_fiber_main() {
  qv_body(qv_args);
  qv_fibers[qv_current].state = QV_DONE;
}

static void qv_run_block_as_fibers(void (*body)(void**), void** args, int n) {
  if (!qv_stacks) qv_stacks = (char*) malloc(QV_STACK * 1024);
  qv_body = body;
  qv_args = args;
  qv_fibers.assign(n, QvFiber());
  for (int t = 0; t < n; t++) {
    QvFiber& f = qv_fibers[t];
    getcontext(&f.ctx);
    f.ctx.uc_stack.ss_sp = qv_stacks + t * QV_STACK;
    f.ctx.uc_stack.ss_size = QV_STACK;
    f.ctx.uc_link = &qv_scheduler;
    makecontext(&f.ctx, qv_fiber_main, 0);
    f.state = QV_RUN;
  }
  for (;;) {
    bool ran = false;
    for (int t = 0; t < n; t++) {
      if (qv_fibers[t].state == QV_RUN) {
        qv_current = t;
        threadIdx = {(unsigned) t, 0, 0};
        swapcontext(&qv_scheduler, &qv_fibers[t].ctx);
        ran = true;
      }
    }
    qv_current = -1;
    bool all_done = true, all_at_block = true, released = false;
    for (int t = 0; t < n; t++) {
      int s = qv_fibers[t].state;
      all_done &= s == QV_DONE;
      all_at_block &= s == QV_DONE || s == QV_WAIT_BLOCK;
    }
    if (all_done) break;
    for (int w = 0; w < n / 32; w++) {
      bool all = true, any = false;
      for (int l = 0; l < 32; l++) {
        int s = qv_fibers[w * 32 + l].state;
        all &= s == QV_WAIT_WARP || s == QV_DONE;
        any |= s == QV_WAIT_WARP;
      }
      if (all && any) {
        for (int l = 0; l < 32; l++) {
          if (qv_fibers[w * 32 + l].state == QV_WAIT_WARP) qv_fibers[w * 32 + l].state = QV_RUN;
        }
        released = true;
      }
    }
    if (!released && all_at_block) {
      for (int t = 0; t < n; t++) {
        if (qv_fibers[t].state == QV_WAIT_BLOCK) qv_fibers[t].state = QV_RUN;
      }
      released = true;
    }
    if (!ran && !released) {
      fprintf(stderr, "emulated kernel deadlocked: threads wait at different barriers (divergent __syncthreads or shuffle)\n");
      abort();
    }
  }
  qv_fibers.clear();
}

// Calling a kernel with the argument list cuLaunchKernel gets: each parameter read from its pointer.
template <typename... A, std::size_t... I>
static void qv_call(void (*f)(A...), void** p, std::index_sequence<I...>) {
  f(*static_cast<std::remove_cv_t<std::remove_reference_t<A>>*>(p[I])...);
}
template <typename... A>
static void qv_invoke(void (*f)(A...), void** p) {
  qv_call(f, p, std::index_sequence_for<A...>{});
}

struct QvKernel { const char* name; void (*run)(void**); bool syncs; };
