// Filtered by Maven from the parent pom's quiver.imports: edit that, not this file.
// The default imports of every Quiver JShell: ./quiver jshell (--startup) and the kernel's cells.
${quiver.imports}
