package dev.quiver.bench;

import dev.quiver.runtime.Device;
import java.util.List;

/** Parsed command line of {@code BenchMain NAME [--json] [--vs numpy|torch] [--size N] [--device cpu|cuda[:N]]}. */
record Options(String bench, boolean json, String peer, long size, Device device, int repeats) {
  static final List<String> BENCHES = List.of("matmul", "smallop", "elementwise", "iris-train", "mlp-train");
  static final List<String> PEERS = List.of("numpy", "torch");

  static String usage() {
    return """
        usage: BenchMain NAME [--json] [--vs numpy|torch] [--size N] [--device cpu|cuda[:N]] [--repeats R]
          matmul       fp32 GFLOP/s of a.matmul(b), square N (default 1024; 8192 on cuda)
          smallop      nanoseconds per a.add(b) of two float32 tensors of N elements (default 1000)
          elementwise  GB/s of relu(a*b+c) on N floats (default 16M) vs a plain copy
          iris-train   microseconds per training step of the Iris 4-10-8-3 classifier (batch 16, Adam), test accuracy
          mlp-train    milliseconds per training step of a 784-256-128-10 MLP (batch N, default 128, Adam)
          --json       one JSON object per line instead of a table
          --vs PEER    also run the same work in /usr/bin/python3 with numpy or torch (2 threads), print the ratio
          --device D   where tensors live: cpu (default) or cuda, cuda:1 ...; the torch peer then runs on that GPU too""";
  }

  static Options parse(String[] args) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
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
          device = parseDevice(value(args, ++i, a));
        }
        case "--repeats" -> repeats = Integer.parseInt(value(args, ++i, a));
        default -> throw new UsageException("unknown option '" + a + "'");
      }
    }
    if (size < 0) {
      size = switch (bench) {
        case "matmul" -> device.kind() == Device.Kind.CUDA ? 8192 : 1024;
        case "smallop" -> 1000;
        case "iris-train" -> 16;
        case "mlp-train" -> 128;
        default -> 1L << 24;
      };
    }
    return new Options(bench, json, peer, size, device, repeats);
  }

  /** cpu, cuda (device 0) or cuda:N. */
  static Device parseDevice(String s) {
    if (s.equals("cpu")) {
      return Device.CPU;
    }
    if (s.equals("cuda")) {
      return Device.cuda(0);
    }
    if (s.startsWith("cuda:")) {
      try {
        int i = Integer.parseInt(s.substring(5));
        if (i >= 0) {
          return Device.cuda(i);
        }
      } catch (NumberFormatException ignored) {
        // Fall through to the usage error.
      }
    }
    throw new UsageException("--device " + s + ": use cpu, cuda or cuda:N");
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
