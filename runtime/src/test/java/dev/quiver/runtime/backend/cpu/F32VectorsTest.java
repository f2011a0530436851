package dev.quiver.runtime.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.MethodModel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The staged kernels' bulk copies between segments and arrays. */
class F32VectorsTest {

  private static MemorySegment floats(Arena arena, int n) {
    var s = arena.allocate(4L * n);
    for (int i = 0; i < n; i++) {
      s.setAtIndex(ValueLayout.JAVA_FLOAT, i, i + 0.5f);
    }
    return s;
  }

  @Test
  void gathersDenseStridedAndBroadcastRowsFromAnIndex() {
    try (var arena = Arena.ofConfined()) {
      var s = floats(arena, 40);
      float[] dst = new float[12];
      F32Vectors.gatherRows(s, 2, 3, 3, 3, dst, 1); // dense: elements 2..10
      assertArrayEquals(
          new float[] {0, 2.5f, 3.5f, 4.5f, 5.5f, 6.5f, 7.5f, 8.5f, 9.5f, 10.5f, 0, 0}, dst);
      Arrays.fill(dst, 0);
      F32Vectors.gatherRows(s, 1, 10, 3, 2, dst, 2); // rows at 1, 11, 21
      assertArrayEquals(
          new float[] {0, 0, 1.5f, 2.5f, 11.5f, 12.5f, 21.5f, 22.5f, 0, 0, 0, 0}, dst);
      Arrays.fill(dst, 0);
      F32Vectors.gatherRows(s, 5, 0, 4, 2, dst, 0); // a broadcast row: staged once
      assertArrayEquals(new float[] {5.5f, 6.5f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, dst);
    }
  }

  @Test
  void scattersDenseAndStridedRowsFromAnIndex() {
    try (var arena = Arena.ofConfined()) {
      var s = arena.allocate(4L * 20);
      float[] src = {9, 1, 2, 3, 4, 5, 6};
      F32Vectors.scatterRows(src, 1, 3, 2, s, 4, 5); // rows at 4, 9, 14
      float[] out = s.toArray(ValueLayout.JAVA_FLOAT);
      assertArrayEquals(
          new float[] {0, 0, 0, 0, 1, 2, 0, 0, 0, 3, 4, 0, 0, 0, 5, 6, 0, 0, 0, 0}, out);
      F32Vectors.write(src, 0, s, 0, 7);
      F32Vectors.read(s, 1, out, 10, 3);
      assertArrayEquals(new float[] {1, 2, 3}, Arrays.copyOfRange(out, 10, 13));
    }
  }

  /**
   * C1 inlines every method of at most 35 bytes of bytecode (C1MaxInlineSize), and with it the
   * whole force-inlined tree under MemorySegment.copy, at each call site: the shared copies must
   * stay larger, so that C1 compiles that tree once, in them (see gatherRows).
   */
  @Test
  void theSharedCopiesStayOverC1sInliningLimit() throws Exception {
    byte[] bytes;
    try (var in = F32Vectors.class.getResourceAsStream("F32Vectors.class")) {
      bytes = in.readAllBytes();
    }
    int checked = 0;
    for (MethodModel m : ClassFile.of().parse(bytes).methods()) {
      String name = m.methodName().stringValue();
      if ((name.equals("gatherRows") || name.equals("scatterRows"))
              && m.methodTypeSymbol().parameterCount() == 7
          || name.equals("copyBytes")) {
        int size = m.findAttribute(Attributes.code()).orElseThrow().codeLength();
        assertTrue(size > 35, name + " is " + size + " bytes of bytecode: C1 would inline it");
        checked++;
      }
    }
    assertTrue(checked == 3, "found " + checked + " of gatherRows, scatterRows and copyBytes");
  }
}
