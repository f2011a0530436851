// Reductions, arg-reductions and the one-pass log-softmax.
//
// A reduction sees x through two layouts: `kept` over the output's axes (strides of x and of y)
// and `red` over the reduced axes (strides of x only). Output o and reduced position r address
// x at kept(o) + red(r). Two strategies, picked on the host:
//  - reduce_thread: one thread per output, a sequential loop over r. Right when the reduced axes
//    are short or not innermost in memory (a bias gradient: x [batch, n] summed over the batch),
//    because neighbouring threads then read neighbouring elements.
//  - reduce_block: one block per (output, split): a block-wide tree over r. Right when the
//    reduced run is long and contiguous. With splits > 1 each block writes a partial result to
//    `partial` [n_out, splits] and reduce_partials finishes: a full sum of 10^8 elements then
//    uses the whole GPU, not one multiprocessor.
// Accumulators: float for float32 (as PyTorch), double for float64 and for int32 (exact there).

template <typename T> struct Acc { typedef T type; };
template <> struct Acc<int> { typedef double type; };

template <typename T>
__device__ __forceinline__ void reduce_thread_body(int op, const T* x, T* y, const Layout<2>& kept, const Layout<1>& red,
                                                   i64 n_out, i64 n_red) {
  typedef typename Acc<T>::type A;
  QV_FOR_EACH(n_out, {
    i64 ko[2];
    locate<I, 2>(i, kept, ko);
    A acc = qv_identity<A>(op);
    for (i64 r = 0; r < n_red; ++r) {
      i64 ro[1];
      locate<i64, 1>(r, red, ro);
      acc = qv_combine<A>(op, acc, (A) x[ko[0] + ro[0]]);
    }
    y[ko[1]] = qv_convert<T, A>(acc);
  })
}

template <typename T>
__device__ __forceinline__ void reduce_block_body(int op, const T* x, T* y, typename Acc<T>::type* partial,
                                                  const Layout<2>& kept, const Layout<1>& red, i64 n_out, i64 n_red,
                                                  int splits) {
  typedef typename Acc<T>::type A;
  i64 chunk = (n_red + splits - 1) / splits;
  for (i64 b = blockIdx.x; b < n_out * splits; b += gridDim.x) {
    i64 o = b / splits;
    int s = (int) (b % splits);
    i64 ko[2];
    locate<i64, 2>(o, kept, ko);
    i64 from = s * chunk;
    i64 to = from + chunk < n_red ? from + chunk : n_red;
    A acc = qv_identity<A>(op);
    if (red.rank == 1) {
      i64 st = red.stride[0][0];
      for (i64 r = from + threadIdx.x; r < to; r += blockDim.x) acc = qv_combine<A>(op, acc, (A) x[ko[0] + r * st]);
    } else {
      for (i64 r = from + threadIdx.x; r < to; r += blockDim.x) {
        i64 ro[1];
        locate<i64, 1>(r, red, ro);
        acc = qv_combine<A>(op, acc, (A) x[ko[0] + ro[0]]);
      }
    }
    acc = qv_block_combine<A>(op, acc);
    if (threadIdx.x == 0) {
      if (splits == 1) {
        y[ko[1]] = qv_convert<T, A>(acc);
      } else {
        partial[o * splits + s] = acc;
      }
    }
  }
}

template <typename T>
__device__ __forceinline__ void reduce_partials_body(int op, const typename Acc<T>::type* partial, T* y,
                                                     const Layout<1>& out, i64 n_out, int splits) {
  typedef typename Acc<T>::type A;
  for (i64 o = blockIdx.x; o < n_out; o += gridDim.x) {
    A acc = qv_identity<A>(op);
    for (int s = threadIdx.x; s < splits; s += blockDim.x) acc = qv_combine<A>(op, acc, partial[o * splits + s]);
    acc = qv_block_combine<A>(op, acc);
    if (threadIdx.x == 0) {
      i64 yo[1];
      locate<i64, 1>(o, out, yo);
      y[yo[0]] = qv_convert<T, A>(acc);
    }
  }
}

// Index of the first largest (max != 0) or smallest element along one axis; the first NaN wins
// and ends the scan, as in the CPU backend.
template <typename T>
__device__ __forceinline__ void argreduce_body(const T* x, int* y, const Layout<2>& kept, i64 n_out, i64 len, i64 step,
                                               int max) {
  QV_FOR_EACH(n_out, {
    i64 ko[2];
    locate<I, 2>(i, kept, ko);
    const T* p = x + ko[0];
    i64 best = 0;
    T bv = p[0];
    for (i64 j = 1; j < len && bv == bv; ++j) {
      T v = p[j * step];
      if (max ? (v > bv || v != v) : (v < bv || v != v)) {
        best = j;
        bv = v;
      }
    }
    y[ko[1]] = (int) best;
  })
}

// out[r, :] = x[r, :] - logsumexp(x[r, :]) for dense rows of length n, one block per row. A NaN
// spreads to its row; an all -inf row is shifted by 0, as in the CPU kernel.
template <typename T>
__device__ __forceinline__ void log_softmax_body(const T* x, T* y, i64 rows, i64 n) {
  for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* xr = x + r * n;
    T* yr = y + r * n;
    T m = qv_identity<T>(QV_REDUCE_MAX);
    for (i64 i = threadIdx.x; i < n; i += blockDim.x) m = qv_combine<T>(QV_REDUCE_MAX, m, xr[i]);
    m = qv_block_combine<T>(QV_REDUCE_MAX, m);
    __shared__ T shared_shift;
    if (threadIdx.x == 0) shared_shift = (m == qv_identity<T>(QV_REDUCE_MAX)) ? (T) 0 : m;
    __syncthreads();
    T shift = shared_shift;
    T s = 0;
    for (i64 i = threadIdx.x; i < n; i += blockDim.x) s += qv_exp(xr[i] - shift);
    s = qv_block_combine<T>(QV_REDUCE_SUM, s);
    __shared__ T shared_lse;
    if (threadIdx.x == 0) shared_lse = shift + qv_log(s);
    __syncthreads();
    T lse = shared_lse;
    for (i64 i = threadIdx.x; i < n; i += blockDim.x) yr[i] = xr[i] - lse;
    __syncthreads(); // shared_shift and shared_lse are rewritten for the next row
  }
}

#define QV_REDUCE(S, T, A)                                                                                   \
  extern "C" __global__ void reduce_thread_##S(int op, const T* x, T* y, Layout<2> kept, Layout<1> red, i64 n_out, \
                                               i64 n_red) {                                                   \
    reduce_thread_body<T>(op, x, y, kept, red, n_out, n_red);                                                 \
  }                                                                                                          \
  extern "C" __global__ void reduce_block_##S(int op, const T* x, T* y, A* partial, Layout<2> kept, Layout<1> red,  \
                                              i64 n_out, i64 n_red, int splits) {                            \
    reduce_block_body<T>(op, x, y, partial, kept, red, n_out, n_red, splits);                                \
  }                                                                                                          \
  extern "C" __global__ void reduce_partials_##S(int op, const A* partial, T* y, Layout<1> out, i64 n_out,    \
                                                 int splits) {                                               \
    reduce_partials_body<T>(op, partial, y, out, n_out, splits);                                             \
  }                                                                                                          \
  extern "C" __global__ void argreduce_##S(const T* x, int* y, Layout<2> kept, i64 n_out, i64 len, i64 step,  \
                                           int max) {                                                        \
    argreduce_body<T>(x, y, kept, n_out, len, step, max);                                                    \
  }
QV_REDUCE(f32, float, float)
QV_REDUCE(f64, double, double)
QV_REDUCE(i32, int, double)

extern "C" __global__ void log_softmax_f32(const float* x, float* y, i64 rows, i64 n) {
  log_softmax_body<float>(x, y, rows, n);
}
extern "C" __global__ void log_softmax_f64(const double* x, double* y, i64 rows, i64 n) {
  log_softmax_body<double>(x, y, rows, n);
}
