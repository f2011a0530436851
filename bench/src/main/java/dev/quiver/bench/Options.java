package dev.quiver.bench;

import dev.quiver.runtime.Device;
import dev.quiver.runtime.backend.Backends;
import java.util.List;

/**
 * Parsed command line of {@code BenchMain NAME [--json] [--vs numpy|torch] [--size N] [--device
 * cpu|cuda|cuda:N]}.
 */
record Options(
    String bench, boolean json, String peer, long size, Device device, int repeats, int jvms) {
  /**
   * Fresh JVMs per figure unless {@code --jvms} says otherwise: one JVM's figure is not a figure.
   */
  static final int DEFAULT_JVMS = 5;

  /** The benchmarks that run their Quiver side on {@code --device}. */
  static final List<String> ON_DEVICE =
      List.of(
          "matmul",
          "iris-train",
          "mlp-train",
          "lstm-train",
          "conv2d",
          "lenet-train",
          "fashion-cnn");

  static final List<String> BENCHES =
      List.of(
          "matmul",
          "smallop",
          "elementwise",
          "iris-train",
          "mlp-train",
          "lstm-train",
          "conv2d",
          "lenet-train",
          "fashion-cnn");
  static final List<String> PEERS = List.of("numpy", "torch");

  static String usage() {
    return """
        usage: BenchMain NAME [--json] [--vs numpy|torch] [--size N] [--device cpu|cuda|cuda:N] [--repeats R] [--jvms N]
          matmul       fp32 GFLOP/s of a.matmul(b), square N (default 1024; 8192 on cuda)
          smallop      nanoseconds per a.add(b) of two float32 tensors of N elements (default 1000)
          elementwise  GB/s of relu(a*b+c) on N floats (default 16M) vs a plain copy
          iris-train   microseconds per training step of the Iris 4-10-8-3 classifier (batch 16, Adam), test accuracy
          mlp-train    milliseconds per training step of a 784-256-128-10 MLP (batch N, default 128, Adam)
          lstm-train   milliseconds per training step of a next-token LSTM (vocabulary 64, hidden 128, sequence 32, batch N, default 32, Adam), 1 and 2 layers
          conv2d       GFLOP/s of a 3x3 convolution's forward and backward, batch N (default 32), 64 -> 64 channels, 56x56
          lenet-train  milliseconds per training step of a LeNet-5-like network on 28x28 images (batch N, default 64, Adam)
          fashion-cnn  seconds for one epoch of notebook 13's CNN on N Fashion-MNIST images (default 60000), test accuracy
          --json       one JSON object per line instead of a table
          --device D   where Quiver's tensors live for matmul, iris-train, mlp-train and lstm-train (default cpu); the torch peer then runs on that GPU too
          --vs PEER    also run the same work in /usr/bin/python3 with numpy or torch (2 threads), print the ratio
          --repeats R  at least R rounds per figure (each figure is the lower decile of its rounds; see Timing)
          --jvms N     run the benchmark (and its peer) in N fresh JVMs, one after the other, and print each
                       figure as the median with its min and max (default 5; 1: this JVM only)""";
  }

  static Options parse(String[] args) {
    if (args.length == 0
        || args[0].equals("--help")
        || args[0].equals("-h")
        || args[0].equals("help")) {
      throw new UsageException(null);
    }
    String bench = args[0];
    if (!BENCHES.contains(bench)) {
      throw new UsageException("unknown benchmark '" + bench + "'; choose one of " + BENCHES);
    }
    boolean json = false;
    String peer = null;
    long size = -1;
    Device device = Device.CPU;
    int repeats = 0;
    int jvms = DEFAULT_JVMS;
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--json" -> json = true;
        case "--vs" -> {
          peer = value(args, ++i, a);
          if (!PEERS.contains(peer)) {
            throw new UsageException("--vs " + peer + ": the peers are " + PEERS);
          }
        }
        case "--size" -> {
          try {
            size = Long.parseLong(value(args, ++i, a));
          } catch (NumberFormatException e) {
            throw new UsageException("--size needs a whole number, got '" + args[i] + "'");
          }
          if (size <= 0) {
            throw new UsageException("--size must be positive, got " + size);
          }
        }
        case "--device" -> {
          String name = value(args, ++i, a);
          try {
            device = Device.parse(name);
          } catch (IllegalArgumentException e) {
            throw new UsageException("--device: " + e.getMessage());
          }
          try {
            Backends.of(
                device); // a machine without the device fails here, with the reason, before any
            // timing
          } catch (IllegalStateException e) {
            throw new UsageException("--device " + name + " cannot be used: " + e.getMessage());
          }
        }
        case "--repeats" -> repeats = positive(value(args, ++i, a), a);
        case "--jvms" -> jvms = positive(value(args, ++i, a), a);
        default -> throw new UsageException("unknown option '" + a + "'");
      }
    }
    if (!device.equals(Device.CPU) && !ON_DEVICE.contains(bench)) {
      throw new UsageException(
          "--device "
              + device
              + ": "
              + bench
              + " runs on the CPU only; --device applies to "
              + ON_DEVICE);
    }
    if (size < 0) {
      size =
          switch (bench) {
            case "matmul" -> device.kind() == Device.Kind.CUDA ? 8192 : 1024;
            case "smallop" -> 1000;
            case "iris-train" -> 16;
            case "mlp-train" -> 128;
            case "lstm-train" -> 32;
            case "conv2d" -> 32;
            case "lenet-train" -> 64;
            case "fashion-cnn" -> 60000;
            default -> 1L << 24;
          };
    }
    return new Options(bench, json, peer, size, device, repeats, jvms);
  }

  private static int positive(String value, String option) {
    try {
      int n = Integer.parseInt(value);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // the message below names the value
    }
    throw new UsageException(option + " needs a positive whole number, got '" + value + "'");
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new UsageException(option + " needs a value");
    }
    return args[i];
  }

  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }
}
