package dev.quiver.kernel.jshell;

import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Whether the JVM can redefine a class in place with new bytes: the same class header (name, flags,
 * superclass, interfaces), the same fields in the same order, the same methods (names, descriptors,
 * flags), none of the attributes the JVM also compares (nest, record, permitted subclasses). Only
 * what changed are method bodies, which HotSpot's redefinition always accepts.
 *
 * <p>Why: {@link MethodEdits} redefines an edited method's class without waiting for the cell JVM
 * when it knows in advance that the redefinition cannot be refused (a body that adds a lambda adds
 * a method, which the JVM refuses: that one still waits, and goes to JShell when refused).
 */
final class ClassShapes {

  private ClassShapes() {}

  /** True when {@code after} differs from {@code before} at most in method bodies. */
  static boolean onlyBodiesDiffer(byte[] before, byte[] after) {
    try {
      var a = ClassFile.of().parse(before);
      var b = ClassFile.of().parse(after);
      return header(a).equals(header(b))
          && fields(a).equals(fields(b))
          && methods(a).equals(methods(b))
          && plain(a)
          && plain(b);
    } catch (IllegalArgumentException e) {
      return false; // not a class file this JDK reads: let the JVM decide, waiting for it
    }
  }

  private static List<String> header(ClassModel c) {
    return List.of(
        c.thisClass().asInternalName(),
        Integer.toString(c.flags().flagsMask()),
        c.superclass().map(ClassEntry::asInternalName).orElse(""),
        String.join(",", c.interfaces().stream().map(ClassEntry::asInternalName).toList()));
  }

  // In order: the JVM compares fields one by one.
  private static List<String> fields(ClassModel c) {
    return c.fields().stream()
        .map(f -> f.fieldName() + " " + f.fieldType() + " " + f.flags().flagsMask())
        .toList();
  }

  // In any order: the JVM matches methods by name and descriptor.
  private static Set<String> methods(ClassModel c) {
    var shapes = new HashSet<String>();
    for (var m : c.methods()) {
      shapes.add(m.methodName() + " " + m.methodType() + " " + m.flags().flagsMask());
    }
    return shapes;
  }

  private static boolean plain(ClassModel c) {
    return c.findAttribute(Attributes.nestHost()).isEmpty()
        && c.findAttribute(Attributes.nestMembers()).isEmpty()
        && c.findAttribute(Attributes.record()).isEmpty()
        && c.findAttribute(Attributes.permittedSubclasses()).isEmpty();
  }
}
