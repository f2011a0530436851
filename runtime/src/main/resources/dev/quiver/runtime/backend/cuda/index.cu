// gather and its adjoint scatter-add (torch.gather / scatter_add semantics). The layout is over
// the index tensor's shape with strides of {data with the axis stride set to 0, index, other};
// the data axis is addressed separately by the index value times `axis_stride`. A bad index is
// reported through `err` (see qv_report) and the element is skipped.

template <typename T>
__device__ __forceinline__ void gather_body(const T* x, const int* index, T* y, const Layout<3>& L, i64 n,
                                            i64 axis_stride, i64 axis_size, int axis, int* err) {
  QV_FOR_EACH(n, {
    i64 off[3];
    locate<I, 3>(i, L, off);
    i64 t = index[off[1]];
    if (t < 0 || t >= axis_size) {
      qv_report(err, 1, t, axis_size, axis);
    } else {
      y[off[2]] = x[off[0] + t * axis_stride];
    }
  })
}

__device__ __forceinline__ void qv_atomic_add(float* p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void qv_atomic_add(int* p, int v) { atomicAdd(p, v); }
__device__ __forceinline__ void qv_atomic_add(double* p, double v) {
#if __CUDA_ARCH__ >= 600
  atomicAdd(p, v);
#else
  // Before sm_60 there is no double atomicAdd: the compare-and-swap loop from the CUDA guide's idea.
  unsigned long long* a = (unsigned long long*) p;
  unsigned long long old = *a, assumed;
  do {
    assumed = old;
    old = atomicCAS(a, assumed, __double_as_longlong(v + __longlong_as_double(assumed)));
  } while (assumed != old);
#endif
}

template <typename T>
__device__ __forceinline__ void scatter_add_body(T* out, const int* index, const T* src, const Layout<3>& L, i64 n,
                                                 i64 axis_stride, i64 axis_size, int axis, int* err) {
  QV_FOR_EACH(n, {
    i64 off[3];
    locate<I, 3>(i, L, off);
    i64 t = index[off[1]];
    if (t < 0 || t >= axis_size) {
      qv_report(err, 2, t, axis_size, axis);
    } else {
      qv_atomic_add(out + off[0] + t * axis_stride, src[off[2]]);
    }
  })
}

#define QV_INDEX(S, T)                                                                                      \
  extern "C" __global__ void gather_##S(const T* x, const int* index, T* y, Layout<3> L, i64 n, i64 axis_stride, \
                                        i64 axis_size, int axis, int* err) {                                 \
    gather_body<T>(x, index, y, L, n, axis_stride, axis_size, axis, err);                                   \
  }                                                                                                         \
  extern "C" __global__ void scatter_add_##S(T* out, const int* index, const T* src, Layout<3> L, i64 n,       \
                                             i64 axis_stride, i64 axis_size, int axis, int* err) {           \
    scatter_add_body<T>(out, index, src, L, n, axis_stride, axis_size, axis, err);                          \
  }
QV_INDEX(f32, float)
QV_INDEX(f64, double)
QV_INDEX(i32, int)
