// Elementwise kernels: fill, copy (with type conversion), unary, binary, where. Every kernel
// takes base pointers (the view's offset already added on the host), a Layout over the output's
// shape with one row of strides per operand (0 on broadcast axes), and the element count. A dense
// operand set arrives collapsed to rank 1 with stride 1, so the contiguous case costs no
// division: that is the fast path, without a second copy of each kernel.

template <typename T>
__device__ __forceinline__ void fill_body(T* y, const Layout<1>& L, i64 n, double value) {
  T v = qv_convert<T, double>(value);
  QV_FOR_EACH(n, {
    i64 off[1];
    locate<I, 1>(i, L, off);
    y[off[0]] = v;
  })
}

template <typename X, typename Y>
__device__ __forceinline__ void copy_body(const X* x, Y* y, const Layout<2>& L, i64 n) {
  QV_FOR_EACH(n, {
    i64 off[2];
    locate<I, 2>(i, L, off);
    y[off[1]] = qv_convert<Y, X>(x[off[0]]);
  })
}

template <typename T>
__device__ __forceinline__ void unary_body(int op, const T* x, T* y, const Layout<2>& L, i64 n) {
  typedef typename Compute<T>::type C;
  QV_FOR_EACH(n, {
    i64 off[2];
    locate<I, 2>(i, L, off);
    y[off[1]] = qv_convert<T, C>(qv_unary<C>(op, (C) x[off[0]]));
  })
}

template <typename T>
__device__ __forceinline__ void binary_body(int op, const T* a, const T* b, T* y, const Layout<3>& L, i64 n) {
  typedef typename Compute<T>::type C;
  QV_FOR_EACH(n, {
    i64 off[3];
    locate<I, 3>(i, L, off);
    y[off[2]] = qv_convert<T, C>(qv_binary<C>(op, (C) a[off[0]], (C) b[off[1]]));
  })
}

template <typename TC, typename T>
__device__ __forceinline__ void where_body(const TC* c, const T* a, const T* b, T* y, const Layout<4>& L, i64 n) {
  QV_FOR_EACH(n, {
    i64 off[4];
    locate<I, 4>(i, L, off);
    y[off[3]] = c[off[0]] != (TC) 0 ? a[off[1]] : b[off[2]];
  })
}

#define QV_FILL(S, T) \
  extern "C" __global__ void fill_##S(T* y, Layout<1> L, i64 n, double value) { fill_body<T>(y, L, n, value); }
QV_FILL(f32, float)
QV_FILL(f64, double)
QV_FILL(i32, int)

#define QV_UNARY(S, T) \
  extern "C" __global__ void unary_##S(int op, const T* x, T* y, Layout<2> L, i64 n) { unary_body<T>(op, x, y, L, n); }
QV_UNARY(f32, float)
QV_UNARY(f64, double)
QV_UNARY(i32, int)

#define QV_BINARY(S, T)                                                                          \
  extern "C" __global__ void binary_##S(int op, const T* a, const T* b, T* y, Layout<3> L, i64 n) { \
    binary_body<T>(op, a, b, y, L, n);                                                           \
  }
QV_BINARY(f32, float)
QV_BINARY(f64, double)
QV_BINARY(i32, int)

#define QV_COPY(SX, X, SY, Y) \
  extern "C" __global__ void copy_##SX##_##SY(const X* x, Y* y, Layout<2> L, i64 n) { copy_body<X, Y>(x, y, L, n); }
QV_COPY(f32, float, f32, float)
QV_COPY(f32, float, f64, double)
QV_COPY(f32, float, i32, int)
QV_COPY(f64, double, f32, float)
QV_COPY(f64, double, f64, double)
QV_COPY(f64, double, i32, int)
QV_COPY(i32, int, f32, float)
QV_COPY(i32, int, f64, double)
QV_COPY(i32, int, i32, int)

#define QV_WHERE(SC, TC, S, T)                                                                       \
  extern "C" __global__ void where_##SC##_##S(const TC* c, const T* a, const T* b, T* y, Layout<4> L, i64 n) { \
    where_body<TC, T>(c, a, b, y, L, n);                                                             \
  }
QV_WHERE(f32, float, f32, float)
QV_WHERE(f32, float, f64, double)
QV_WHERE(f32, float, i32, int)
QV_WHERE(f64, double, f32, float)
QV_WHERE(f64, double, f64, double)
QV_WHERE(f64, double, i32, int)
QV_WHERE(i32, int, f32, float)
QV_WHERE(i32, int, f64, double)
QV_WHERE(i32, int, i32, int)
