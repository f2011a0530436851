// Quiver CUDA kernels: shared definitions, prepended to every module before NVRTC compiles it.
// NVRTC has no C library headers, so everything here is builtins: no <cmath>, no <cstdint>.
// The op codes QV_UNARY_*, QV_BINARY_* and QV_REDUCE_* are #defined in front of this file from the
// Java enums (ElementwiseMath.UnaryOp / BinaryOp, backend.ReduceOp; see KernelSources.opCodes), so
// the switches below name the ops and no numbering has to be kept in step by hand.

typedef long long i64;

#define QV_MAX_RANK 8

// Shape and strides of K operands over a common (already broadcast, already collapsed) shape,
// passed by value. Host layout: int rank, int padding, i64 size[8], i64 stride[K][8].
template <int K>
struct Layout {
  int rank;
  int pad;
  i64 size[QV_MAX_RANK];
  i64 stride[K][QV_MAX_RANK];
};

// Element offsets of row-major position i in each of the K operands. I is the index type: 32-bit
// when the element count allows, because 64-bit division is several times slower on a GPU.
template <typename I, int K>
__device__ __forceinline__ void locate(I i, const Layout<K>& L, i64 (&off)[K]) {
#pragma unroll
  for (int k = 0; k < K; ++k) off[k] = 0;
  for (int d = L.rank - 1; d > 0; --d) {
    I n = (I) L.size[d];
    I c = i % n;
    i = i / n;
#pragma unroll
    for (int k = 0; k < K; ++k) off[k] += (i64) c * L.stride[k][d];
  }
#pragma unroll
  for (int k = 0; k < K; ++k) off[k] += (i64) i * L.stride[k][0];
}

// Grid-stride loop over n elements, in 32-bit indices when n fits. Variadic because the body
// has commas (template arguments).
#define QV_FOR_EACH(n, ...)                                                                   \
  if ((n) <= 0x7fffffffLL) {                                                                  \
    typedef unsigned int I;                                                                   \
    for (I i = blockIdx.x * blockDim.x + threadIdx.x; i < (I) (n); i += blockDim.x * gridDim.x) { \
      __VA_ARGS__                                                                             \
    }                                                                                         \
  } else {                                                                                    \
    typedef i64 I;                                                                            \
    for (I i = (i64) blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (i64) blockDim.x * gridDim.x) { \
      __VA_ARGS__                                                                             \
    }                                                                                         \
  }

// ---------------------------------------------------------------- scalar helpers

__device__ __forceinline__ float qv_nan(float) { return __int_as_float(0x7fc00000); }
__device__ __forceinline__ double qv_nan(double) { return __longlong_as_double(0x7ff8000000000000LL); }
__device__ __forceinline__ bool qv_signbit(float x) { return __float_as_int(x) < 0; }
__device__ __forceinline__ bool qv_signbit(double x) { return __double_as_longlong(x) < 0; }

__device__ __forceinline__ float qv_exp(float x) { return expf(x); }
__device__ __forceinline__ double qv_exp(double x) { return exp(x); }
__device__ __forceinline__ float qv_log(float x) { return logf(x); }
__device__ __forceinline__ double qv_log(double x) { return log(x); }
__device__ __forceinline__ float qv_sqrt(float x) { return sqrtf(x); }
__device__ __forceinline__ double qv_sqrt(double x) { return sqrt(x); }
__device__ __forceinline__ float qv_tanh(float x) { return tanhf(x); }
__device__ __forceinline__ double qv_tanh(double x) { return tanh(x); }
__device__ __forceinline__ float qv_sin(float x) { return sinf(x); }
__device__ __forceinline__ double qv_sin(double x) { return sin(x); }
__device__ __forceinline__ float qv_cos(float x) { return cosf(x); }
__device__ __forceinline__ double qv_cos(double x) { return cos(x); }
__device__ __forceinline__ float qv_abs(float x) { return fabsf(x); }
__device__ __forceinline__ double qv_abs(double x) { return fabs(x); }
__device__ __forceinline__ float qv_pow(float a, float b) { return powf(a, b); }
__device__ __forceinline__ double qv_pow(double a, double b) { return pow(a, b); }

// The type arithmetic happens in: int32 is computed in double and converted back, exactly as the
// CPU backend does (its scalar definitions are in double); the conversion double -> int
// truncates and saturates, and NaN gives 0, which is what Java's (int) cast does too.
template <typename T> struct Compute { typedef T type; };
template <> struct Compute<int> { typedef double type; };

// ---------------------------------------------------------------- the primitive ops

// ElementwiseMath.UnaryOp, as UnaryOp.apply defines each; an unknown code gives NaN.
template <typename C>
__device__ __forceinline__ C qv_unary(int op, C x) {
  switch (op) {
    case QV_UNARY_NEG: return -x;
    case QV_UNARY_EXP: return qv_exp(x);
    case QV_UNARY_LOG: return qv_log(x);
    case QV_UNARY_SQRT: return qv_sqrt(x);
    case QV_UNARY_TANH: return qv_tanh(x);
    case QV_UNARY_SIGMOID: { // the two forms keep exp from overflowing, as UnaryOp.apply does
      if (x >= (C) 0) return (C) 1 / ((C) 1 + qv_exp(-x));
      C e = qv_exp(x);
      return e / ((C) 1 + e);
    }
    case QV_UNARY_RELU: return x > (C) 0 ? x : (C) 0;
    case QV_UNARY_ABS: return qv_abs(x);
    case QV_UNARY_SIN: return qv_sin(x);
    case QV_UNARY_COS: return qv_cos(x);
    case QV_UNARY_SQUARE: return x * x;
    case QV_UNARY_RECIPROCAL: return (C) 1 / x;
    case QV_UNARY_SIGN: return x > (C) 0 ? (C) 1 : (x < (C) 0 ? (C) -1 : x); // ±0 and NaN unchanged, as Math.signum
    case QV_UNARY_STEP: return x > (C) 0 ? (C) 1 : (C) 0;
    default: return qv_nan(x);
  }
}

// ElementwiseMath.BinaryOp, as BinaryOp.apply defines each; an unknown code gives NaN.
template <typename C>
__device__ __forceinline__ C qv_binary(int op, C a, C b) {
  switch (op) {
    case QV_BINARY_ADD: return a + b;
    case QV_BINARY_SUB: return a - b;
    case QV_BINARY_MUL: return a * b;
    case QV_BINARY_DIV: return a / b;
    case QV_BINARY_POW: return qv_pow(a, b);
    // Math.max/min: NaN wins, and +0 is larger than -0 (fmax would drop the NaN).
    case QV_BINARY_MAX:
      if (a != a || b != b) return qv_nan(a);
      return a > b ? a : (b > a ? b : (qv_signbit(a) ? b : a));
    case QV_BINARY_MIN:
      if (a != a || b != b) return qv_nan(a);
      return a < b ? a : (b < a ? b : (qv_signbit(a) ? a : b));
    case QV_BINARY_EQ: return a == b ? (C) 1 : (C) 0;
    case QV_BINARY_NE: return a != b ? (C) 1 : (C) 0;
    case QV_BINARY_LT: return a < b ? (C) 1 : (C) 0;
    case QV_BINARY_LE: return a <= b ? (C) 1 : (C) 0;
    case QV_BINARY_GT: return a > b ? (C) 1 : (C) 0;
    case QV_BINARY_GE: return a >= b ? (C) 1 : (C) 0;
    default: return qv_nan(a);
  }
}

// ReduceOp: a NaN anywhere makes max/min NaN, as ReduceOp.combine has it.
template <typename A>
__device__ __forceinline__ A qv_combine(int op, A acc, A x) {
  switch (op) {
    case QV_REDUCE_SUM: return acc + x;
    case QV_REDUCE_MAX: return (x > acc || x != x) ? x : acc;
    case QV_REDUCE_MIN:
    default: return (x < acc || x != x) ? x : acc;
  }
}

template <typename A>
__device__ __forceinline__ A qv_identity(int op) {
  if (op == QV_REDUCE_SUM) return (A) 0;
  double inf = __longlong_as_double(0x7ff0000000000000LL);
  return (A) (op == QV_REDUCE_MAX ? -inf : inf);
}

// Conversions between element types. To int32 as Java's (int) cast does: truncate, saturate at
// the int range, NaN gives 0. Spelled out rather than left to the conversion instruction, because
// out-of-range float-to-int is undefined in C++ and the tests also run these kernels on a CPU.
__device__ __forceinline__ int qv_to_int(double x) {
  if (x != x) return 0;
  if (x >= 2147483647.0) return 2147483647;
  if (x <= -2147483648.0) return (int) (-2147483647 - 1);
  return (int) x;
}
template <typename To, typename From>
__device__ __forceinline__ To qv_convert(From x) { return (To) x; }
template <> __device__ __forceinline__ int qv_convert<int, float>(float x) { return qv_to_int((double) x); }
template <> __device__ __forceinline__ int qv_convert<int, double>(double x) { return qv_to_int(x); }

// Block-wide combine of one value per thread (blockDim.x a multiple of 32, at most 1024); the
// result is valid in thread 0.
template <typename A>
__device__ __forceinline__ A qv_block_combine(int op, A v) {
  __shared__ A warp_results[32];
  for (int d = 16; d > 0; d >>= 1) v = qv_combine(op, v, __shfl_down_sync(0xffffffffu, v, d));
  int lane = threadIdx.x & 31;
  int warp = threadIdx.x >> 5;
  if (lane == 0) warp_results[warp] = v;
  __syncthreads();
  int warps = blockDim.x >> 5;
  if (warp == 0) {
    v = lane < warps ? warp_results[lane] : qv_identity<A>(op);
    for (int d = 16; d > 0; d >>= 1) v = qv_combine(op, v, __shfl_down_sync(0xffffffffu, v, d));
  }
  __syncthreads(); // warp_results may be reused by the caller's next round
  return v;
}

// A device-side error (bad gather/scatter index), reported once into a small per-device word and
// raised as an exception on the host at the next synchronisation: {code, index, axis size, axis}.
__device__ __forceinline__ void qv_report(int* err, int code, i64 index, i64 axis_size, int axis) {
  if (atomicCAS(err, 0, code) == 0) {
    err[1] = (int) index;
    err[2] = (int) axis_size;
    err[3] = axis;
  }
}
