/*
 * A stand-in for libcuda.so.1, libcublas and libnvrtc, for testing the Java bindings and the
 * backend's host-side logic on machines without a GPU (FakeCudaTest compiles it with cc).
 *
 * The driver part is written against the real cuda.h, so every function has the exact prototype
 * and exported name (cuMemAlloc -> cuMemAlloc_v2 ...) the bindings call. "Device memory" is host
 * memory from malloc, copies are memcpy, kernels are recorded but not run. The cuBLAS GEMMs are
 * real (naive, column-major), so the row-major trick and the transpose modes are checked for real.
 *
 * Compiled as C++ with QV_EMULATE defined (see emulate_cuda.h), kernels are not just recorded but
 * run on the CPU: cuModuleGetFunction finds them by name and cuLaunchKernel executes the grid.
 */
#include <cuda.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifdef QV_EMULATE
void* qv_emu_find(const char* name);
int qv_emu_launch(void* f, unsigned grid, unsigned block, void** params);
#endif

/* ---------------------------------------------------------------- test controls */

static size_t device_limit = 64u << 20;
static size_t device_used = 0;
static long alloc_calls = 0, free_calls = 0, launches = 0;
static int sync_error = 0;
static int init_result = 0;
static int device_count = 1;
static long long last_params[16];
static unsigned last_grid = 0, last_block = 0;

/* The context current on the calling OS thread, as the real driver keeps it: calls that need one
 * fail with CUDA_ERROR_INVALID_CONTEXT without it, so a path that forgets cuCtxSetCurrent on a new
 * thread (a notebook cell, the reclaimer, a virtual thread's new carrier) fails here as on a GPU. */
#define FAKE_CONTEXT ((CUcontext) (uintptr_t) 0x1234)
static __thread CUcontext current_context = 0;
static long context_errors = 0;
#define NEED_CONTEXT()                          \
  do {                                          \
    if (current_context != FAKE_CONTEXT) {      \
      context_errors++;                         \
      return CUDA_ERROR_INVALID_CONTEXT;        \
    }                                           \
  } while (0)

typedef struct Block { void* p; size_t n; struct Block* next; } Block;
static Block* blocks = 0;

long fake_alloc_calls(void) { return alloc_calls; }
long fake_free_calls(void) { return free_calls; }
long fake_launches(void) { return launches; }
long long fake_device_used(void) { return (long long) device_used; }
void fake_set_sync_error(int e) { sync_error = e; }
void fake_set_init_result(int e) { init_result = e; }
void fake_set_device_count(int n) { device_count = n; }
long long fake_last_param(int i) { return last_params[i]; }
unsigned fake_last_grid(void) { return last_grid; }
unsigned fake_last_block(void) { return last_block; }
long fake_context_errors(void) { return context_errors; }
/* What a virtual thread sees when it resumes on another carrier: an OS thread without the context. */
void fake_clear_current_context_int(int ignored) { current_context = 0; }

/* ---------------------------------------------------------------- driver */

CUresult cuInit(unsigned int flags) { return flags == 0 ? (CUresult) init_result : CUDA_ERROR_INVALID_VALUE; }
CUresult cuDriverGetVersion(int* v) { *v = 13000; return CUDA_SUCCESS; }

CUresult cuGetErrorName(CUresult e, const char** s) {
  switch (e) {
    case CUDA_SUCCESS: *s = "CUDA_SUCCESS"; return CUDA_SUCCESS;
    case CUDA_ERROR_OUT_OF_MEMORY: *s = "CUDA_ERROR_OUT_OF_MEMORY"; return CUDA_SUCCESS;
    case CUDA_ERROR_ILLEGAL_ADDRESS: *s = "CUDA_ERROR_ILLEGAL_ADDRESS"; return CUDA_SUCCESS;
    case CUDA_ERROR_INVALID_VALUE: *s = "CUDA_ERROR_INVALID_VALUE"; return CUDA_SUCCESS;
    case CUDA_ERROR_NO_DEVICE: *s = "CUDA_ERROR_NO_DEVICE"; return CUDA_SUCCESS;
    case CUDA_ERROR_STUB_LIBRARY: *s = "CUDA_ERROR_STUB_LIBRARY"; return CUDA_SUCCESS;
    case CUDA_ERROR_INVALID_CONTEXT: *s = "CUDA_ERROR_INVALID_CONTEXT"; return CUDA_SUCCESS;
    default: *s = 0; return CUDA_ERROR_INVALID_VALUE;
  }
}
CUresult cuGetErrorString(CUresult e, const char** s) {
  *s = e == CUDA_ERROR_ILLEGAL_ADDRESS ? "an illegal memory access was encountered" : "fake error";
  return CUDA_SUCCESS;
}

CUresult cuDeviceGetCount(int* n) { *n = device_count; return CUDA_SUCCESS; }
CUresult cuDeviceGet(CUdevice* d, int ordinal) { if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE; *d = 0; return CUDA_SUCCESS; }
CUresult cuDeviceGetName(char* name, int len, CUdevice d) { strncpy(name, "Fake GPU", len); return CUDA_SUCCESS; }
CUresult cuDeviceGetAttribute(int* v, CUdevice_attribute a, CUdevice d) {
  switch (a) {
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *v = 8; break;
    case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *v = 6; break;
    case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *v = 4; break;
    default: return CUDA_ERROR_INVALID_VALUE;
  }
  return CUDA_SUCCESS;
}
CUresult cuDeviceTotalMem(size_t* bytes, CUdevice d) { *bytes = device_limit; return CUDA_SUCCESS; }

CUresult cuDevicePrimaryCtxRetain(CUcontext* c, CUdevice d) { *c = FAKE_CONTEXT; return CUDA_SUCCESS; }
CUresult cuCtxSetCurrent(CUcontext c) {
  if (c != FAKE_CONTEXT && c != 0) return CUDA_ERROR_INVALID_CONTEXT;
  current_context = c;
  return CUDA_SUCCESS;
}
CUresult cuStreamCreate(CUstream* s, unsigned int flags) { NEED_CONTEXT(); *s = (CUstream) (uintptr_t) 0x5678; return CUDA_SUCCESS; }
CUresult cuStreamSynchronize(CUstream s) { NEED_CONTEXT(); int e = sync_error; sync_error = 0; return (CUresult) e; }

CUresult cuMemAlloc(CUdeviceptr* p, size_t n) {
  NEED_CONTEXT();
  if (device_used + n > device_limit) return CUDA_ERROR_OUT_OF_MEMORY;
  void* m = malloc(n);
  if (!m) return CUDA_ERROR_OUT_OF_MEMORY;
  Block* b = (Block*) malloc(sizeof(Block));
  b->p = m; b->n = n; b->next = blocks; blocks = b;
  device_used += n;
  alloc_calls++;
  *p = (CUdeviceptr) (uintptr_t) m;
  return CUDA_SUCCESS;
}
CUresult cuMemFree(CUdeviceptr p) {
  NEED_CONTEXT();
  for (Block** b = &blocks; *b; b = &(*b)->next) {
    if ((*b)->p == (void*) (uintptr_t) p) {
      Block* dead = *b;
      *b = dead->next;
      device_used -= dead->n;
      free(dead->p);
      free(dead);
      free_calls++;
      return CUDA_SUCCESS;
    }
  }
  return CUDA_ERROR_INVALID_VALUE;
}
CUresult cuMemGetInfo(size_t* f, size_t* t) { NEED_CONTEXT(); *f = device_limit - device_used; *t = device_limit; return CUDA_SUCCESS; }
CUresult cuMemHostAlloc(void** p, size_t n, unsigned int flags) { NEED_CONTEXT(); *p = malloc(n); return *p ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY; }
CUresult cuMemFreeHost(void* p) { free(p); return CUDA_SUCCESS; }
CUresult cuMemcpyHtoDAsync(CUdeviceptr d, const void* s, size_t n, CUstream st) { NEED_CONTEXT(); memcpy((void*) (uintptr_t) d, s, n); return CUDA_SUCCESS; }
CUresult cuMemcpyDtoHAsync(void* d, CUdeviceptr s, size_t n, CUstream st) { NEED_CONTEXT(); memcpy(d, (void*) (uintptr_t) s, n); return CUDA_SUCCESS; }
CUresult cuMemcpyDtoDAsync(CUdeviceptr d, CUdeviceptr s, size_t n, CUstream st) {
  NEED_CONTEXT();
  memmove((void*) (uintptr_t) d, (void*) (uintptr_t) s, n);
  return CUDA_SUCCESS;
}
CUresult cuMemsetD32Async(CUdeviceptr d, unsigned int v, size_t n, CUstream st) {
  NEED_CONTEXT();
  unsigned int* p = (unsigned int*) (uintptr_t) d;
  for (size_t i = 0; i < n; i++) p[i] = v;
  return CUDA_SUCCESS;
}
CUresult cuModuleLoadData(CUmodule* m, const void* image) {
  NEED_CONTEXT();
  if (device_limit - device_used < (1u << 20)) return CUDA_ERROR_OUT_OF_MEMORY; /* code and constants live on the device */
  *m = (CUmodule) (uintptr_t) 0x9000;
  return strstr((const char*) image, "fake ptx") || strstr((const char*) image, "fake cubin") ? CUDA_SUCCESS
                                                                                          : CUDA_ERROR_INVALID_IMAGE;
}
CUresult cuModuleGetFunction(CUfunction* f, CUmodule m, const char* name) {
  NEED_CONTEXT();
#ifdef QV_EMULATE
  *f = (CUfunction) qv_emu_find(name);
  return *f ? CUDA_SUCCESS : CUDA_ERROR_NOT_FOUND;
#else
  *f = (CUfunction) (uintptr_t) 0x9100;
  return CUDA_SUCCESS;
#endif
}
CUresult cuLaunchKernel(CUfunction f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx,
                        unsigned int by, unsigned int bz, unsigned int shared, CUstream s, void** params, void** extra) {
  NEED_CONTEXT();
  launches++;
  last_grid = gx;
  last_block = bx;
  for (int i = 0; i < 16; i++) last_params[i] = 0;
  /* The first 8 bytes of each argument (the backend never passes more than 16 before a layout ends a list). */
  for (int i = 0; i < 8 && params[i]; i++) memcpy(&last_params[i], params[i], 8);
#ifdef QV_EMULATE
  if (gx > 0 && bx > 0 && bx <= 1024) return (CUresult) qv_emu_launch((void*) f, gx, bx, params);
#endif
  return gx > 0 && bx > 0 && bx <= 1024 && gy == 1 && gz == 1 && by == 1 && bz == 1 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}
CUresult cuEventCreate(CUevent* e, unsigned int flags) { NEED_CONTEXT(); *e = (CUevent) (uintptr_t) 0x7000; return CUDA_SUCCESS; }
CUresult cuEventRecord(CUevent e, CUstream s) { NEED_CONTEXT(); return CUDA_SUCCESS; }
CUresult cuEventSynchronize(CUevent e) { NEED_CONTEXT(); return CUDA_SUCCESS; }

/* ---------------------------------------------------------------- cuBLAS (prototypes as in cublas_api.h) */

typedef int cublasStatus_t;
typedef void* cublasHandle_t;

/* Without a current context the CUDA runtime under cuBLAS would bind device 0's primary context on
 * its own: a wrong device for cuda:1. The fake insists on the context the backend set. */
#define NEED_CUBLAS_CONTEXT() if (current_context != FAKE_CONTEXT) { context_errors++; return 1; }
/* cuBLAS takes a workspace with cudaMalloc, outside the backend's allocator: without 4 MiB free on
 * the device a GEMM fails with CUBLAS_STATUS_ALLOC_FAILED, as a real one can. */
#define NEED_CUBLAS_WORKSPACE() if (device_limit - device_used < (4u << 20)) return 3;
cublasStatus_t cublasCreate_v2(cublasHandle_t* h) { NEED_CUBLAS_CONTEXT(); *h = (void*) (uintptr_t) 0xB1A5; return 0; }
cublasStatus_t cublasSetStream_v2(cublasHandle_t h, CUstream s) { return s == (CUstream) (uintptr_t) 0x5678 ? 0 : 7; }
const char* cublasGetStatusName(cublasStatus_t s) {
  return s == 7 ? "CUBLAS_STATUS_INVALID_VALUE" : s == 3 ? "CUBLAS_STATUS_ALLOC_FAILED" : "CUBLAS_STATUS_OTHER";
}

#define GEMM(NAME, T)                                                                                       \
  static cublasStatus_t NAME##_one(int ta, int tb, int m, int n, int k, const T* alpha, const T* A, int lda,  \
                                   const T* B, int ldb, const T* beta, T* C, int ldc) {                       \
    if (m < 0 || n < 0 || k < 0 || ldc < (m > 1 ? m : 1)) return 7;                                          \
    if (lda < (ta ? (k > 1 ? k : 1) : (m > 1 ? m : 1))) return 7;                                             \
    if (ldb < (tb ? (n > 1 ? n : 1) : (k > 1 ? k : 1))) return 7;                                             \
    for (int j = 0; j < n; j++)                                                                               \
      for (int i = 0; i < m; i++) {                                                                           \
        double s = 0;                                                                                         \
        for (int p = 0; p < k; p++) {                                                                         \
          T a = ta ? A[p + (long) i * lda] : A[i + (long) p * lda];                                           \
          T b = tb ? B[j + (long) p * ldb] : B[p + (long) j * ldb];                                           \
          s += (double) a * b;                                                                                \
        }                                                                                                     \
        C[i + (long) j * ldc] = (T) (*alpha * s + (*beta == 0 ? 0 : *beta * C[i + (long) j * ldc]));          \
      }                                                                                                       \
    return 0;                                                                                                 \
  }
GEMM(sgemm, float)
GEMM(dgemm, double)

cublasStatus_t cublasSgemm_v2(cublasHandle_t h, int ta, int tb, int m, int n, int k, const float* alpha, const float* A,
                              int lda, const float* B, int ldb, const float* beta, float* C, int ldc) {
  NEED_CUBLAS_CONTEXT();
  NEED_CUBLAS_WORKSPACE();
  return sgemm_one(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}
cublasStatus_t cublasDgemm_v2(cublasHandle_t h, int ta, int tb, int m, int n, int k, const double* alpha,
                              const double* A, int lda, const double* B, int ldb, const double* beta, double* C, int ldc) {
  NEED_CUBLAS_CONTEXT();
  NEED_CUBLAS_WORKSPACE();
  return dgemm_one(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
}
cublasStatus_t cublasSgemmStridedBatched(cublasHandle_t h, int ta, int tb, int m, int n, int k, const float* alpha,
                                         const float* A, int lda, long long sA, const float* B, int ldb, long long sB,
                                         const float* beta, float* C, int ldc, long long sC, int batches) {
  NEED_CUBLAS_CONTEXT();
  NEED_CUBLAS_WORKSPACE();
  for (int i = 0; i < batches; i++) {
    cublasStatus_t r = sgemm_one(ta, tb, m, n, k, alpha, A + i * sA, lda, B + i * sB, ldb, beta, C + i * sC, ldc);
    if (r) return r;
  }
  return 0;
}
cublasStatus_t cublasDgemmStridedBatched(cublasHandle_t h, int ta, int tb, int m, int n, int k, const double* alpha,
                                         const double* A, int lda, long long sA, const double* B, int ldb, long long sB,
                                         const double* beta, double* C, int ldc, long long sC, int batches) {
  NEED_CUBLAS_CONTEXT();
  NEED_CUBLAS_WORKSPACE();
  for (int i = 0; i < batches; i++) {
    cublasStatus_t r = dgemm_one(ta, tb, m, n, k, alpha, A + i * sA, lda, B + i * sB, ldb, beta, C + i * sC, ldc);
    if (r) return r;
  }
  return 0;
}

/* ---------------------------------------------------------------- NVRTC (prototypes as in nvrtc.h) */

typedef int nvrtcResult;
typedef struct { char* src; int ok; } Program;
typedef Program* nvrtcProgram;
static long compiles = 0;
static char last_options[1024];

long fake_compiles(void) { return compiles; }
const char* fake_last_options(void) { return last_options; }
long fake_last_options_has_sm(void) { return strstr(last_options, "--gpu-architecture=sm_90") != 0; }

nvrtcResult nvrtcVersion(int* major, int* minor) { *major = 12; *minor = 4; return 0; }
const char* nvrtcGetErrorString(nvrtcResult r) { return r == 6 ? "NVRTC_ERROR_COMPILATION" : r ? "NVRTC_ERROR_OTHER" : "NVRTC_SUCCESS"; }
nvrtcResult nvrtcGetNumSupportedArchs(int* n) { *n = 3; return 0; }
nvrtcResult nvrtcGetSupportedArchs(int* a) { a[0] = 75; a[1] = 80; a[2] = 90; return 0; }
nvrtcResult nvrtcCreateProgram(nvrtcProgram* p, const char* src, const char* name, int nh, const char* const* h,
                               const char* const* inc) {
  Program* q = (Program*) malloc(sizeof(Program));
  q->src = strdup(src);
  q->ok = 0;
  *p = q;
  return 0;
}
nvrtcResult nvrtcCompileProgram(nvrtcProgram p, int n, const char* const* options) {
  compiles++;
  last_options[0] = 0;
  for (int i = 0; i < n; i++) {
    strncat(last_options, options[i], sizeof(last_options) - strlen(last_options) - 2);
    strcat(last_options, " ");
  }
  p->ok = strstr(p->src, "#error") == 0;
  return p->ok ? 0 : 6;
}
nvrtcResult nvrtcGetProgramLogSize(nvrtcProgram p, size_t* n) { *n = strlen("fake.cu(1): error: #error found") + 1; return 0; }
nvrtcResult nvrtcGetProgramLog(nvrtcProgram p, char* log) { strcpy(log, "fake.cu(1): error: #error found"); return 0; }
nvrtcResult nvrtcGetPTXSize(nvrtcProgram p, size_t* n) { *n = strlen("// fake ptx\n") + 1; return p->ok ? 0 : 6; }
nvrtcResult nvrtcGetPTX(nvrtcProgram p, char* ptx) { strcpy(ptx, "// fake ptx\n"); return p->ok ? 0 : 6; }
/* CUBIN only for a real architecture (sm_XX), as NVRTC: after a compute_XX compile there is none. */
nvrtcResult nvrtcGetCUBINSize(nvrtcProgram p, size_t* n) {
  if (!p->ok || !strstr(last_options, "=sm_")) return 5;
  *n = strlen("fake cubin") + 1;
  return 0;
}
nvrtcResult nvrtcGetCUBIN(nvrtcProgram p, char* image) {
  if (!p->ok || !strstr(last_options, "=sm_")) return 5;
  strcpy(image, "fake cubin");
  return 0;
}
nvrtcResult nvrtcDestroyProgram(nvrtcProgram* p) { free((*p)->src); free(*p); *p = 0; return 0; }

#ifdef __cplusplus
}
#endif
