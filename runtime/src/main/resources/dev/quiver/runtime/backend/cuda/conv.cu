// Convolution and pooling: im2col and its adjoint col2im (the backend multiplies the column matrices
// with cuBLAS), max and average pooling. Geometry structs arrive by value, packed by the host as
// consecutive ints (ConvGeometry and PoolGeometry in the Java backend, field by field). Every kernel
// is one thread per output element, with no atomics: col2im and the average-pool gradient gather,
// for each input pixel, the entries that read it.

__device__ __forceinline__ float qv_neg_inf(float) { return __int_as_float(0xff800000); }
__device__ __forceinline__ double qv_neg_inf(double) { return __longlong_as_double(0xfff0000000000000LL); }

struct ConvGeom {
  int batch, in_c, in_h, in_w, out_c, k_h, k_w, s_h, s_w, p_t, p_l, d_h, d_w, groups, out_h, out_w;
};

// One axis of pooling windows, as dev.quiver.runtime.backend.PoolAxis computes them.
struct PoolAxisGeom {
  int in, out, kernel, stride, pad, adaptive;
};

struct PoolGeom {
  PoolAxisGeom h, w;
  int count_include_pad, unused;
};

__device__ __forceinline__ int qv_pool_start(const PoolAxisGeom& a, int o) {
  if (a.adaptive) return (int) ((i64) o * a.in / a.out);
  int s = o * a.stride - a.pad;
  return s > 0 ? s : 0;
}

__device__ __forceinline__ int qv_pool_end(const PoolAxisGeom& a, int o) {
  if (a.adaptive) return (int) (((i64) (o + 1) * a.in + a.out - 1) / a.out);
  int e = o * a.stride - a.pad + a.kernel;
  return e < a.in ? e : a.in;
}

__device__ __forceinline__ int qv_pool_divisor(const PoolAxisGeom& a, int o, int count_include_pad) {
  if (a.adaptive || !count_include_pad) return qv_pool_end(a, o) - qv_pool_start(a, o);
  int s = o * a.stride - a.pad;
  int e = s + a.kernel;
  int limit = a.in + a.pad;
  return (e < limit ? e : limit) - s;
}

// The output positions whose windows may contain input position i (a superset; callers check).
__device__ __forceinline__ void qv_pool_range(const PoolAxisGeom& a, int i, int& lo, int& hi) {
  if (a.adaptive) {
    lo = (int) ((i64) i * a.out / a.in) - 1;
    hi = (int) (((i64) (i + 1) * a.out + a.in - 1) / a.in);
  } else {
    int t = i + a.pad - a.kernel;
    lo = t < 0 ? 0 : t / a.stride;
    hi = (i + a.pad) / a.stride;
  }
  if (lo < 0) lo = 0;
  if (hi > a.out - 1) hi = a.out - 1;
}

// cols [batch, in_c * k_h * k_w, out_h * out_w]: one thread per entry.
template <typename T>
__device__ __forceinline__ void im2col_body(const T* x, T* cols, const ConvGeom& g, i64 n) {
  QV_FOR_EACH(n, {
    i64 opx = (i64) g.out_h * g.out_w;
    i64 p = i % opx;
    i64 r = i / opx;
    int kj = (int) (r % g.k_w);
    int ki = (int) ((r / g.k_w) % g.k_h);
    i64 cb = r / ((i64) g.k_w * g.k_h);  // sample * in_c + channel
    int oh = (int) (p / g.out_w);
    int ow = (int) (p % g.out_w);
    int ih = oh * g.s_h - g.p_t + ki * g.d_h;
    int iw = ow * g.s_w - g.p_l + kj * g.d_w;
    T v = 0;
    if (ih >= 0 && ih < g.in_h && iw >= 0 && iw < g.in_w) v = x[(cb * g.in_h + ih) * g.in_w + iw];
    cols[i] = v;
  })
}

// x [batch, in_c, in_h, in_w] = the sum of the column entries that read each pixel.
template <typename T>
__device__ __forceinline__ void col2im_body(const T* cols, T* x, const ConvGeom& g, i64 n) {
  QV_FOR_EACH(n, {
    int iw = (int) (i % g.in_w);
    int ih = (int) ((i / g.in_w) % g.in_h);
    i64 cb = i / ((i64) g.in_w * g.in_h);  // sample * in_c + channel
    i64 opx = (i64) g.out_h * g.out_w;
    T s = 0;
    for (int ki = 0; ki < g.k_h; ++ki) {
      int th = ih + g.p_t - ki * g.d_h;
      if (th < 0 || th % g.s_h != 0) continue;
      int oh = th / g.s_h;
      if (oh >= g.out_h) continue;
      for (int kj = 0; kj < g.k_w; ++kj) {
        int tw = iw + g.p_l - kj * g.d_w;
        if (tw < 0 || tw % g.s_w != 0) continue;
        int ow = tw / g.s_w;
        if (ow >= g.out_w) continue;
        i64 row = (cb * g.k_h + ki) * g.k_w + kj;
        s += cols[row * opx + (i64) oh * g.out_w + ow];
      }
    }
    x[i] = s;
  })
}

// out and argmax [planes, out_h * out_w]; NaN wins, as on the CPU.
template <typename T>
__device__ __forceinline__ void max_pool_body(const T* x, T* out, int* argmax, const PoolGeom& g, i64 n) {
  QV_FOR_EACH(n, {
    i64 opx = (i64) g.h.out * g.w.out;
    i64 plane = i / opx;
    int o = (int) (i % opx);
    int r = o / g.w.out;
    int c = o % g.w.out;
    const T* xp = x + plane * ((i64) g.h.in * g.w.in);
    int h0 = qv_pool_start(g.h, r), h1 = qv_pool_end(g.h, r);
    int w0 = qv_pool_start(g.w, c), w1 = qv_pool_end(g.w, c);
    T best = qv_neg_inf((T) 0);
    int at = h0 * g.w.in + w0;
    bool nan = false;
    for (int a = h0; a < h1 && !nan; ++a) {
      for (int b = w0; b < w1; ++b) {
        T v = xp[a * g.w.in + b];
        if (v > best || v != v) {
          best = v;
          at = a * g.w.in + b;
          if (v != v) {
            nan = true;
            break;
          }
        }
      }
    }
    out[i] = best;
    argmax[i] = at;
  })
}

template <typename T>
__device__ __forceinline__ void avg_pool_body(const T* x, T* out, const PoolGeom& g, i64 n) {
  QV_FOR_EACH(n, {
    i64 opx = (i64) g.h.out * g.w.out;
    i64 plane = i / opx;
    int o = (int) (i % opx);
    int r = o / g.w.out;
    int c = o % g.w.out;
    const T* xp = x + plane * ((i64) g.h.in * g.w.in);
    int h0 = qv_pool_start(g.h, r), h1 = qv_pool_end(g.h, r);
    int w0 = qv_pool_start(g.w, c), w1 = qv_pool_end(g.w, c);
    T s = 0;
    for (int a = h0; a < h1; ++a)
      for (int b = w0; b < w1; ++b) s += xp[a * g.w.in + b];
    T d = (T) qv_pool_divisor(g.h, r, g.count_include_pad) * (T) qv_pool_divisor(g.w, c, g.count_include_pad);
    out[i] = s / d;
  })
}

// gx [planes, in_h * in_w]: each input pixel gathers the share of every window that contains it.
template <typename T>
__device__ __forceinline__ void avg_pool_backward_body(const T* dy, T* dx, const PoolGeom& g, i64 n) {
  QV_FOR_EACH(n, {
    i64 ipx = (i64) g.h.in * g.w.in;
    i64 plane = i / ipx;
    int p = (int) (i % ipx);
    int a = p / g.w.in;
    int b = p % g.w.in;
    const T* dyp = dy + plane * ((i64) g.h.out * g.w.out);
    int r0, r1, c0, c1;
    qv_pool_range(g.h, a, r0, r1);
    qv_pool_range(g.w, b, c0, c1);
    T s = 0;
    for (int r = r0; r <= r1; ++r) {
      if (a < qv_pool_start(g.h, r) || a >= qv_pool_end(g.h, r)) continue;
      T dh = (T) qv_pool_divisor(g.h, r, g.count_include_pad);
      for (int c = c0; c <= c1; ++c) {
        if (b < qv_pool_start(g.w, c) || b >= qv_pool_end(g.w, c)) continue;
        s += dyp[r * g.w.out + c] / (dh * (T) qv_pool_divisor(g.w, c, g.count_include_pad));
      }
    }
    dx[i] = s;
  })
}

#define QV_CONV(S, T)                                                                                   \
  extern "C" __global__ void im2col_##S(const T* x, T* cols, ConvGeom g, i64 n) {                       \
    im2col_body<T>(x, cols, g, n);                                                                      \
  }                                                                                                     \
  extern "C" __global__ void col2im_##S(const T* cols, T* x, ConvGeom g, i64 n) {                       \
    col2im_body<T>(cols, x, g, n);                                                                      \
  }                                                                                                     \
  extern "C" __global__ void max_pool_##S(const T* x, T* out, int* argmax, PoolGeom g, i64 n) {         \
    max_pool_body<T>(x, out, argmax, g, n);                                                             \
  }                                                                                                     \
  extern "C" __global__ void avg_pool_##S(const T* x, T* out, PoolGeom g, i64 n) {                      \
    avg_pool_body<T>(x, out, g, n);                                                                     \
  }                                                                                                     \
  extern "C" __global__ void avg_pool_backward_##S(const T* dy, T* dx, PoolGeom g, i64 n) {             \
    avg_pool_backward_body<T>(dy, dx, g, n);                                                            \
  }
QV_CONV(f32, float)
QV_CONV(f64, double)
