// Filtered by Maven from the parent pom's quiver.kernel.imports: edit that, not this file.
// What the kernel's cells import on top of imports.jsh.
${quiver.kernel.imports}
