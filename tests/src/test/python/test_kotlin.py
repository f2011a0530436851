"""%%kotlin cells through jupyter_client: values, state, sharing with Java both ways, errors,
interrupt, display, completion, and that a Java-only session never loads the Kotlin compiler."""
import time
import unittest

from kernel_util import PROMPT_S, drain, interrupt_and_wait, run, start, value


def error_of(kc, code):
    content, outputs = run(kc, code, timeout=120)
    assert content["status"] == "error", (code, content, outputs)
    return content


class JavaOnlySession(unittest.TestCase):
    def test_java_cells_never_load_kotlin(self):
        km, kc = start()
        try:
            self.assertEqual(value(kc, 'int a = 20; a + 22'), "42")
            run(kc, 'var l = new ArrayList<Integer>(); l.add(1);')
            # The Kotlin host sets this when it is loaded; the compiler is not even on the class path.
            self.assertEqual(value(kc, 'System.getProperty("quiver.kotlin.loaded")'), "null")
            self.assertEqual(value(kc, 'System.getProperty("java.class.path").contains("kotlin-stdlib")'), "false")
            self.assertEqual(value(kc, '''
                boolean found;
                try { Class.forName("kotlin.Unit"); found = true; } catch (ClassNotFoundException e) { found = false; }
                found'''), "false")
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)


class KotlinCells(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start()
        value(cls.kc, '1 + 1')

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=True)

    def test_01_value_and_loaded_lazily(self):
        self.assertEqual(value(self.kc, 'System.getProperty("quiver.kotlin.loaded")'), "null")
        self.assertEqual(value(self.kc, '%%kotlin\nval greeting = "Kotlin"\n"$greeting ${listOf(1, 2, 3).sum()}"'), "Kotlin 6")
        self.assertEqual(value(self.kc, 'System.getProperty("quiver.kotlin.loaded")'), "true")

    def test_02_state_across_kotlin_cells(self):
        run(self.kc, '%%kotlin\nfun square(x: Int) = x * x\nvar counter = 10\ndata class P(val x: Int, val y: Int)')
        run(self.kc, '%%kotlin\ncounter += square(3)')
        self.assertEqual(value(self.kc, '%%kotlin\ncounter'), "19")
        self.assertEqual(value(self.kc, '%%kotlin\nP(1, 2).copy(y = 5)'), "P(x=1, y=5)")

    def test_03_java_to_kotlin(self):
        run(self.kc, 'int epochs = 3; double[] weights = {0.5, 1.5}; var tags = new ArrayList<String>(List.of("a", "b"));'
                     ' Tensor ones = Tensor.ones(2, 3);')
        self.assertEqual(value(self.kc, '%%kotlin\nepochs * 2'), "6")
        self.assertEqual(value(self.kc, '%%kotlin\nweights.sum()'), "2.0")
        # Declared types: ArrayList<String> is a MutableList, so Kotlin can add to Java's list.
        self.assertEqual(value(self.kc, '%%kotlin\ntags.add("from kotlin")\ntags.joinToString("+")'), "a+b+from kotlin")
        self.assertEqual(value(self.kc, 'tags.size()'), "3")
        self.assertEqual(value(self.kc, '%%kotlin\nones.shape().contentToString()'), "[2, 3]")
        # A Java variable that changes is seen with its new value.
        run(self.kc, 'epochs = 7;')
        self.assertEqual(value(self.kc, '%%kotlin\nepochs'), "7")
        # Through the shared map, by name.
        run(self.kc, 'Shared.put("lr", 0.25);')
        self.assertEqual(value(self.kc, '%%kotlin\nShared.get("lr", Double::class.java) * 4'), "1.0")

    def test_04_kotlin_to_java(self):
        run(self.kc, '%%kotlin\nval fromKotlin = 41 + 1\nval words = listOf("x", "y")\nval scale = doubleArrayOf(2.0, 4.0)')
        self.assertEqual(value(self.kc, 'fromKotlin + 1'), "43")        # an int in Java
        self.assertEqual(value(self.kc, 'words.get(1) + words.size()'), "y2")   # a List<String>
        self.assertEqual(value(self.kc, 'scale[1] * 2'), "8.0")          # a double[]
        # A Kotlin var changed by a later Kotlin cell is published again.
        run(self.kc, '%%kotlin\nvar steps = 1')
        run(self.kc, '%%kotlin\nsteps += 10')
        self.assertEqual(value(self.kc, 'steps'), "11")
        # A Kotlin-only type is shared as an Object.
        run(self.kc, '%%kotlin\ndata class Point(val x: Int)\nval point = Point(3)')
        self.assertEqual(value(self.kc, 'point.toString()'), "Point(x=3)")

    def test_05_compile_error_line_and_column(self):
        content = error_of(self.kc, '%%kotlin\nval ok = 1\nval bad: String = ok')
        self.assertEqual(content["ename"], "CompilationError")
        text = "\n".join(content["traceback"])
        self.assertIn("line 3, column 19", text)
        self.assertIn("Type mismatch", text)
        self.assertIn("                      ^", text)

    def test_06_exception_trimmed(self):
        content = error_of(self.kc, '%%kotlin\nfun divide(a: Int, b: Int) = a / b\ndivide(1, 0)')
        self.assertEqual(content["ename"], "java.lang.ArithmeticException")
        text = "\n".join(content["traceback"])
        self.assertRegex(text, r"at divide \(cell \[\d+\], line 2\)")
        self.assertRegex(text, r"at cell \[\d+\], line 3")
        self.assertNotIn("kotlin.script.experimental", text)
        self.assertNotIn("jdk.jshell", text)
        # The REPL goes on after an exception.
        self.assertEqual(value(self.kc, '%%kotlin\nsquare(4)'), "16")

    def test_07_interrupt_stops_a_loop_and_keeps_state(self):
        kc = self.kc
        run(kc, '%%kotlin\nval keptK = "kept"\nvar spins = 0L')
        msg_id = kc.execute('%%kotlin\nwhile (true) { spins++ }')
        time.sleep(2.0)
        reply, elapsed = interrupt_and_wait(self.km, kc, msg_id, timeout=20)
        drain(kc)
        self.assertEqual(reply["content"]["status"], "error", reply["content"])
        self.assertEqual(reply["content"]["ename"], "Interrupted")
        self.assertLess(elapsed, PROMPT_S, f"interrupt took {elapsed:.2f} s")
        self.assertEqual(value(kc, '%%kotlin\nkeptK + " " + (spins > 0)'), "kept true")
        self.assertEqual(value(kc, 'keptK'), 'kept')

    def test_08_display_and_streams(self):
        content, outputs = run(self.kc, '%%kotlin\nprintln("out")\nSystem.err.println("err")\n'
                                        'show("progress", "0%")\nshow("progress", "100%")\nTensor.ones(2, 2)')
        self.assertEqual(content["status"], "ok", content)
        kinds = [o[0] for o in outputs]
        self.assertEqual([k for k in kinds if k != "stream"], ["display_data", "update_display_data", "execute_result"])
        streams = {o[1]["name"]: o[1]["text"] for o in outputs if o[0] == "stream"}
        self.assertEqual(streams, {"stdout": "out\n", "stderr": "err\n"})
        self.assertIn("text/html", outputs[-1][1]["data"])
        # A declaration or Unit shows no result.
        content, outputs = run(self.kc, '%%kotlin\nval nothingShown = 1')
        self.assertEqual([o for o in outputs if o[0] == "execute_result"], [])

    def test_09_complete_and_is_complete(self):
        kc = self.kc
        code = '%%kotlin\nval myLongName = 1\nmyLo'
        kc.complete(code, len(code))
        reply = kc.get_shell_msg(timeout=10)["content"]
        self.assertEqual(reply["status"], "ok")
        self.assertIn("myLongName", reply["matches"])
        code = '%%kotlin\nlistOf(1).'
        kc.complete(code, len(code))
        reply = kc.get_shell_msg(timeout=10)["content"]
        self.assertEqual(reply["status"], "ok")
        self.assertEqual(reply["matches"], [])
        kc.is_complete('%%kotlin\nfun f() {')
        self.assertEqual(kc.get_shell_msg(timeout=10)["content"]["status"], "incomplete")
        kc.is_complete('%%kotlin\nfun f() { }')
        self.assertEqual(kc.get_shell_msg(timeout=10)["content"]["status"], "complete")

    def test_10_classpath_added_after_kotlin_started(self):
        # A folder of classes compiled here, added with %classpath once the Kotlin host is up.
        out = value(self.kc, '''
            var qkDir = Files.createTempDirectory("quiver-kotlin-cp");
            var qkSrc = qkDir.resolve("Greeter.java");
            Files.writeString(qkSrc, "package qkdemo; public class Greeter { public static String hello(String n) { return \\"hello \\" + n; } }");
            javax.tools.ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", qkDir.resolve("out").toString(), qkSrc.toString());
            qkDir.resolve("out").toString()''')
        content, _ = run(self.kc, "%classpath " + out)
        self.assertEqual(content["status"], "ok", content)
        self.assertEqual(value(self.kc, '%%kotlin\nqkdemo.Greeter.hello("kotlin")'), "hello kotlin")

    def test_11_recurrent_layers_and_text(self):
        # The recurrent layers, the vocabulary and the sampler need nothing special in Kotlin.
        # (Dense.of takes a long: Kotlin does not widen the Int of size() by itself.)
        content, _ = run(self.kc, '%%kotlin\nval vocabK = Vocabulary.chars("abcabc")\n'
                                  'val lmK = Sequential.of(Embedding.of(vocabK.size(), 4), LSTM.of(8).layers(2).bidirectional(), '
                                  'GRU.of(6), Dense.of(vocabK.size().toLong()))\nlmK.seed(1)', timeout=120)
        self.assertEqual(content["status"], "ok", content)
        self.assertEqual(value(self.kc, '%%kotlin\nlmK.apply(Tensor.ofInts(vocabK.encode("abca"), 1, 4)).shape().contentToString()'),
                         "[1, 4, 5]")
        self.assertEqual(value(self.kc, '%%kotlin\nSampler.greedy().generate(lmK, vocabK.encode("ab"), 3, 4).size'), "3")
        # and Java sees the Kotlin model
        self.assertEqual(value(self.kc, 'lmK.countParams() > 0'), "true")


if __name__ == "__main__":
    unittest.main(verbosity=2)
