package dev.quiver.runtime.backend.cuda.ffi;

/**
 * A failed call into the CUDA driver, cuBLAS or NVRTC: names the call, the library's name for the
 * error code, its description, and the values the call was made with.
 */
public class CudaException extends RuntimeException {
  private final int code;
  private final String errorName;

  public CudaException(String call, int code, String errorName, String description, String values) {
    super(
        call
            + " failed: "
            + errorName
            + " ("
            + code
            + ")"
            + (description == null ? "" : ": " + description)
            + (values == null || values.isEmpty() ? "" : " [" + values + "]"));
    this.code = code;
    this.errorName = errorName;
  }

  public CudaException(String message) {
    super(message);
    this.code = -1;
    this.errorName = "";
  }

  /** The library's numeric result code. */
  public int code() {
    return code;
  }

  /** The library's name for {@link #code()}, e.g. CUDA_ERROR_OUT_OF_MEMORY. */
  public String errorName() {
    return errorName;
  }
}
