"""Debian's jupyter_kernel_test suite against the Quiver kernel, with a sample for every test."""
import os
import unittest

import jupyter_kernel_test


class QuiverKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("QUIVER_TEST_KERNEL", "quiver-java")
    language_name = "java"
    file_extension = ".jshell"

    code_hello_world = 'System.out.println("hello, world");'
    code_stderr = 'System.err.println("to stderr");'

    completion_samples = [
        {"text": "Math.ma", "matches": {"max("}},
        {"text": "String.valueO", "matches": {"valueOf("}},
    ]

    complete_code_samples = ["1 + 1", "int x = 1;", "void f() {}", "for (int i = 0; i < 3; i++) {}"]
    incomplete_code_samples = ["for (int i = 0; i < 3; i++) {", "void f() {", '"abc" +']
    invalid_code_samples = ["int x = );", "1 +* 2;"]

    code_page_something = "Math.max?"

    code_generate_error = 'throw new IllegalStateException("expected")'

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"quiver".toUpperCase()', "result": "QUIVER"},
        {"code": "java.util.List.of(1, 2, 3)", "result": "[1, 2, 3]"},
    ]

    code_display_data = [
        {"code": 'show(new Html("<b>bold</b>"));', "mime": "text/html"},
        {"code": 'show(new Markdown("*it*"));', "mime": "text/markdown"},
        {"code": 'show(Latex.math("x^2"));', "mime": "text/latex"},
    ]

    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "6 ? 7"

    code_inspect_sample = "Math.max"

    code_clear_output = 'System.out.println("before"); clear();'


if __name__ == "__main__":
    unittest.main(verbosity=2)
