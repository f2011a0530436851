package dev.quiver.kotlin

import dev.quiver.agent.CellCompilationError
import dev.quiver.agent.CellLanguage
import dev.quiver.agent.CellLanguages
import dev.quiver.agent.Shared
import java.io.File
import java.lang.reflect.GenericArrayType
import java.lang.reflect.Modifier
import java.lang.reflect.ParameterizedType
import java.lang.reflect.Type
import java.lang.reflect.WildcardType
import java.net.URLClassLoader
import kotlin.script.experimental.api.*
import kotlin.script.experimental.host.toScriptSource
import kotlinx.coroutines.runBlocking
import kotlin.script.experimental.jvm.BasicJvmReplEvaluator
import kotlin.script.experimental.jvm.KJvmEvaluatedSnippet
import kotlin.script.experimental.jvm.baseClassLoader
import kotlin.script.experimental.jvm.defaultJvmScriptingHostConfiguration
import kotlin.script.experimental.jvm.jvm
import kotlin.script.experimental.jvm.updateClasspath
import kotlin.script.experimental.util.LinkedSnippet
import org.jetbrains.kotlin.scripting.compiler.plugin.impl.KJvmReplCompilerBase
import org.jetbrains.kotlin.scripting.compiler.plugin.repl.ReplCodeAnalyzerBase

/**
 * The host of %%kotlin cells in the cell JVM, as the agent finds it (META-INF/services): the kernel
 * adds this jar and the Kotlin compiler to the cell JVM's class path on the first Kotlin cell and
 * calls the agent's CellLanguages.eval("kotlin", ...) from a JShell snippet, so a Kotlin cell runs
 * on the same thread, with the same output streams, display sink and interrupt as a Java cell.
 */
class KotlinLanguage : CellLanguage {
    override fun name() = "kotlin"

    override fun eval(cell: CellLanguage.Cell): Any? = KotlinCells.eval(cell)
}

/** The Kotlin REPL of %%kotlin cells: one per cell JVM, as the notebook's Java cells share one JShell. */
object KotlinCells {

    private val loader: ClassLoader = KotlinCells::class.java.classLoader
    private var compiler: KJvmReplCompilerBase<ReplCodeAnalyzerBase>? = null
    private val evaluator = BasicJvmReplEvaluator()
    private var imports: List<String> = emptyList()
    private var classpathSeen: Set<String> = emptySet()
    private var compilationConfiguration: ScriptCompilationConfiguration? = null
    private var evaluationConfiguration: ScriptEvaluationConfiguration? = null
    private val bridged = HashMap<String, String>()      // Java name -> Kotlin type declared for it
    private var snippetNo = 0

    init {
        System.setProperty("quiver.kotlin.loaded", "true")
    }

    /** The class path the compiler resolves against: the cell JVM's, then what was added since (%classpath, %maven, Kotlin). */
    private fun classpath(): List<File> {
        val entries = LinkedHashSet<String>()
        System.getProperty("java.class.path").split(File.pathSeparator).filter { it.isNotBlank() }.forEach { entries.add(it) }
        var l: ClassLoader? = loader
        while (l != null) {
            if (l is URLClassLoader) {
                l.urLs.filter { it.protocol == "file" }.forEach { entries.add(File(it.toURI()).path) }
            }
            l = l.parent
        }
        return entries.map { File(it) }
    }

    private fun configure() {
        val cp = classpath()
        val key = cp.map { it.path }.toSet()
        if (compiler != null && key == classpathSeen) return
        classpathSeen = key
        val defaultImports = imports
        compilationConfiguration = ScriptCompilationConfiguration {
            jvm { updateClasspath(cp) }
            defaultImports(defaultImports)
            compilerOptions("-jvm-target", "21", "-Xsuppress-version-warnings", "-nowarn")
        }
        evaluationConfiguration = ScriptEvaluationConfiguration {
            jvm { baseClassLoader(loader) }
        }
        if (compiler == null) {
            compiler = KJvmReplCompilerBase(defaultJvmScriptingHostConfiguration)
        }
    }

    /**
     * Runs one Kotlin cell: the notebook's Java variables become Kotlin properties first, and the
     * cell's own top-level properties are published to Java after it. The default imports (the
     * same paths in Kotlin, e.g. "dev.quiver.runtime.*") are the first cell's.
     */
    fun eval(cell: CellLanguage.Cell): Any? {
        if (imports.isEmpty()) imports = cell.imports()
        configure()
        bridgeJava(cell.variables())
        val result = run(cell.code(), "cell", cell.number())
        publish(result)
        val rv = result.result
        return when (rv) {
            is ResultValue.Value -> rv.value
            is ResultValue.Error -> throw trim(rv.error, cell.number())
            else -> CellLanguages.NO_VALUE
        }
    }

    // Each snippet needs a name of its own (the REPL names its class after it): cell<N>_<snippet>.kts.
    private fun run(code: String, name: String, cell: Int): KJvmEvaluatedSnippet {
        snippetNo++
        val source = code.toScriptSource(if (name == "cell") "cell${cell}_$snippetNo.kts" else "${name}_$snippetNo.kts")
        val compiled: ResultWithDiagnostics<LinkedSnippet<kotlin.script.experimental.jvm.impl.KJvmCompiledScript>> = runBlocking { compiler!!.compile(source, compilationConfiguration!!) }
        val snippet = when (compiled) {
            is ResultWithDiagnostics.Success -> compiled.value
            is ResultWithDiagnostics.Failure -> throw CellCompilationError(report(compiled.reports, code, cell))
        }
        val evaluated: ResultWithDiagnostics<LinkedSnippet<KJvmEvaluatedSnippet>> = runBlocking { evaluator.eval(snippet, evaluationConfiguration!!) }
        return when (evaluated) {
            is ResultWithDiagnostics.Success -> evaluated.value.get()
            is ResultWithDiagnostics.Failure -> throw IllegalStateException(
                evaluated.reports.joinToString("\n") { it.render() })
        }
    }

    private fun report(reports: List<ScriptDiagnostic>, code: String, cell: Int): String {
        val lines = code.lines()
        val out = StringBuilder()
        for (d in reports.filter { it.severity >= ScriptDiagnostic.Severity.ERROR }) {
            val loc = d.location
            if (loc == null) {
                out.append("\u001b[31mcell [").append(cell).append("]: ").append(d.message).append("\u001b[0m\n")
                continue
            }
            val line = loc.start.line
            val col = loc.start.col
            out.append("\u001b[31mcell [").append(cell).append("] line ").append(line).append(", column ").append(col)
                .append(": ").append(d.message).append("\u001b[0m\n")
            val text = lines.getOrNull(line - 1) ?: ""
            out.append("    ").append(text).append('\n')
            out.append("    ").append(" ".repeat((col - 1).coerceIn(0, text.length))).append("^\n")
        }
        if (out.isEmpty()) out.append(reports.joinToString("\n") { it.render() })
        return out.toString().trimEnd()
    }

    // The user's exception, its stack cut at the REPL's frames and the script frames named by cell.
    private fun trim(t: Throwable, cell: Int): Throwable {
        var e: Throwable? = t
        while (e != null) {
            val frames = e.stackTrace
            val kept = ArrayList<StackTraceElement>()
            for (f in frames) {
                if (f.className.startsWith("kotlin.script.experimental.") || f.className.startsWith("java.lang.reflect.")
                    || f.className.startsWith("jdk.internal.reflect.")) break
                if (f.fileName?.endsWith(".kts") == true) {
                    val c = f.fileName!!.removePrefix("cell").removeSuffix(".kts").substringBefore('_')
                    kept.add(StackTraceElement("kotlin", f.methodName.takeIf { it != "<init>" } ?: "", "kotlin cell [$c]", f.lineNumber))
                } else {
                    kept.add(f)
                }
            }
            e.stackTrace = kept.toTypedArray()
            e = e.cause
        }
        return t
    }

    // ---------------------------------------------------------------------------------------
    // Java -> Kotlin: each Java variable becomes a Kotlin property read from Shared.

    private fun bridgeJava(variables: List<CellLanguage.Variable>) {
        val decl = StringBuilder()
        val changed = HashMap<String, String>()
        for (v in variables) {
            Shared.put(v.name(), v.value())
            var kt = kotlinType(v.javaType()) ?: "Any"
            if (v.value() == null || kt == "Any") kt = "$kt?"
            if (bridged[v.name()] == kt) continue
            changed[v.name()] = kt
            decl.append("val `").append(v.name()).append("`: ").append(kt)
                .append(" get() = dev.quiver.agent.Shared.get(\"").append(v.name()).append("\") as ").append(kt).append('\n')
        }
        if (decl.isEmpty()) return
        try {
            run(decl.toString(), "java_variables", 0)
        } catch (e: CellCompilationError) {
            // A type Kotlin cannot name after all: fall back to Any? for the new ones.
            val fallback = StringBuilder()
            for (n in changed.keys) {
                changed[n] = "Any?"
                fallback.append("val `").append(n).append("`: Any? get() = dev.quiver.agent.Shared.get(\"").append(n).append("\")\n")
            }
            run(fallback.toString(), "java_variables", 0)
        }
        bridged.putAll(changed)
    }

    private val javaLangMapped = mapOf(
        "Object" to "Any", "String" to "String", "Integer" to "Int", "Long" to "Long", "Double" to "Double",
        "Float" to "Float", "Short" to "Short", "Byte" to "Byte", "Character" to "Char", "Boolean" to "Boolean",
        "CharSequence" to "CharSequence", "Number" to "Number", "Comparable" to "Comparable", "Iterable" to "MutableIterable",
        "Throwable" to "Throwable")
    private val javaUtilMapped = mapOf(
        "List" to "MutableList", "Map" to "MutableMap", "Set" to "MutableSet", "Collection" to "MutableCollection",
        "Iterator" to "MutableIterator", "ArrayList" to "ArrayList", "HashMap" to "HashMap", "HashSet" to "HashSet",
        "LinkedHashMap" to "LinkedHashMap", "LinkedHashSet" to "LinkedHashSet")
    private val primitives = mapOf("int" to "Int", "long" to "Long", "double" to "Double", "float" to "Float",
        "short" to "Short", "byte" to "Byte", "char" to "Char", "boolean" to "Boolean")
    private val searchPackages = listOf("java.lang", "java.util", "java.util.function", "java.util.stream", "java.io",
        "java.math", "java.nio.file", "java.util.concurrent")

    /** A Java type as JShell writes it (`List<Integer>`, `double[]`, `Tensor`) in Kotlin, or null if Kotlin cannot name it. */
    fun kotlinType(java: String): String? = try {
        TypeParser(java.replace(" ", "")).parse()
    } catch (e: Exception) {
        null
    }

    private class TypeParser(val s: String) {
        var i = 0
        fun parse(): String? {
            val t = type() ?: return null
            return if (i == s.length) t else null
        }

        private fun type(): String? {
            if (s.startsWith("?", i)) {
                i++
                return when {
                    s.startsWith("extends", i) -> { i += 7; "out " + (type() ?: return null) }
                    s.startsWith("super", i) -> { i += 5; "in " + (type() ?: return null) }
                    else -> "*"
                }
            }
            val start = i
            while (i < s.length && (s[i].isJavaIdentifierPart() || s[i] == '.')) i++
            val name = s.substring(start, i)
            var args: List<String>? = null
            if (i < s.length && s[i] == '<') {
                i++
                val list = ArrayList<String>()
                while (true) {
                    list.add(type() ?: return null)
                    if (s[i] == ',') { i++; continue }
                    if (s[i] == '>') { i++; break }
                    return null
                }
                args = list
            }
            var dims = 0
            while (s.startsWith("[]", i)) { i += 2; dims++ }
            var base = primitives[name]
            if (base != null && args == null) {
                if (dims == 0) return base
                dims--
                base = base + "Array"
            } else {
                base = className(name) ?: return null
                if (args != null) base += "<" + args.joinToString(", ") + ">"
                else {
                    val c = load(name)
                    if (c != null && c.typeParameters.isNotEmpty()) base += "<" + c.typeParameters.joinToString(", ") { "*" } + ">"
                }
            }
            repeat(dims) { base = "Array<$base>" }
            return base
        }
    }

    private fun load(name: String): Class<*>? {
        val candidates = if (name.contains('.')) listOf(name, name.replaceAfterLast('.', "").dropLast(1) + "$" + name.substringAfterLast('.'))
        else searchPackages.map { "$it.$name" } + imports.filter { it.endsWith(".*") }.map { it.dropLast(2) + "." + name } +
            imports.filter { it.endsWith(".$name") }
        for (c in candidates) {
            try {
                return Class.forName(c, false, loader)
            } catch (e: ClassNotFoundException) {
                // next
            } catch (e: LinkageError) {
                // next
            }
        }
        return null
    }

    private fun className(name: String): String? {
        val c = load(name) ?: return null
        if (c.packageName == "java.lang" && javaLangMapped.containsKey(c.simpleName)) return javaLangMapped[c.simpleName]
        if (c.packageName == "java.util" && javaUtilMapped.containsKey(c.simpleName)) return javaUtilMapped[c.simpleName]
        return c.canonicalName
    }

    // ---------------------------------------------------------------------------------------
    // Kotlin -> Java: top-level properties with a backing field are published with their Java type.

    private class Published(val instance: Any, val field: java.lang.reflect.Field, var last: Any?)

    private val published = LinkedHashMap<String, Published>()

    private fun publish(snippet: KJvmEvaluatedSnippet) {
        val rv = snippet.result
        val cls = rv.scriptClass?.java
        val instance = rv.scriptInstance
        if (cls != null && instance != null) {
            for (f in cls.declaredFields) {
                if (f.isSynthetic || Modifier.isStatic(f.modifiers) || f.name.contains('$')) continue
                val value = try {
                    f.isAccessible = true
                    f.get(instance)
                } catch (e: Exception) {
                    continue
                }
                published[f.name] = Published(instance, f, value)
                Shared.publish(f.name, javaType(f.genericType), value)
            }
        }
        // A var of an earlier cell that this cell changed (counter += 1) is published again.
        for ((name, p) in published) {
            if (p.instance === instance) continue
            val now = try { p.field.get(p.instance) } catch (e: Exception) { continue }
            if (now !== p.last && now != p.last) {
                p.last = now
                Shared.publish(name, javaType(p.field.genericType), now)
            }
        }
    }

    private fun visible(c: Class<*>): Boolean {
        if (c.isPrimitive) return true
        if (c.isArray) return visible(c.componentType)
        if (c.isAnonymousClass || c.isLocalClass || c.canonicalName == null) return false
        return try {
            Class.forName(c.name, false, loader) === c && Modifier.isPublic(c.modifiers)
        } catch (e: Throwable) {
            false
        }
    }

    private fun javaType(t: Type): String = render(t) ?: "Object"

    private fun render(t: Type): String? = when (t) {
        is Class<*> -> if (visible(t)) t.canonicalName else null
        is ParameterizedType -> {
            val raw = render(t.rawType) ?: null
            val args = t.actualTypeArguments.map { render(it) }
            if (raw == null) null else if (args.any { it == null }) raw else raw + "<" + args.joinToString(", ") + ">"
        }
        is GenericArrayType -> render(t.genericComponentType)?.let { "$it[]" }
        is WildcardType -> when {
            t.lowerBounds.isNotEmpty() -> render(t.lowerBounds[0])?.let { "? super $it" }
            t.upperBounds.isNotEmpty() && t.upperBounds[0] != Any::class.java -> render(t.upperBounds[0])?.let { "? extends $it" } ?: "?"
            else -> "?"
        }
        else -> null
    }
}
