package org.gradlab.plot;

import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Objects;
import tech.tablesaw.api.Table;

/**
 * Shows HTML in the notebook kernel running this code, and plain text anywhere else, with one
 * kernel-neutral call. The kernels' own display functions are found by reflection, so gradlab
 * needs none of them to build:
 * <ul>
 * <li>rapaio ({@code org.rapaio.jupyter.kernel.MainApp.kernel.display(DisplayData)});</li>
 * <li>IJava ({@code io.github.spencerpark.ijava.IJava.getKernelInstance().display(DisplayData)});</li>
 * <li>JJava 1.0-a6 and later ({@code org.dflib.jjava.kernel.JavaNotebookStatics.kernel()}) and
 * JJava before 1.0-a6 ({@code org.dflib.jjava.JJava.getKernelInstance()}), IJava's API renamed.</li>
 * </ul>
 * Each gets one {@code display_data} message with {@code text/html} and the text as {@code text/plain}.
 * Outside a kernel (a plain JVM, the CLI, a test) the text is printed to {@code System.out}.
 *
 * <pre>{@code
 * Show.html(DoctorPage.fragment(diagnosis), diagnosis.verdict() + "\n\n" + diagnosis.ranking());
 * Show.table(table);   // an HTML table in a notebook, the printed table elsewhere
 * }</pre>
 */
public final class Show {
    /**
     * A kernel: the static method (or field) of {@code holder} that gives the running kernel, whose
     * {@code display(displayData)} shows a DisplayData, made by {@code displayData}'s static
     * {@code factory(String)} or, when that is null, its {@code (String)} constructor.
     */
    private record Kernel(String name, String holder, String getter, String displayData, String factory) {
    }

    private static final List<Kernel> KERNELS = List.of(
            new Kernel("rapaio", "org.rapaio.jupyter.kernel.MainApp", "kernel",
                    "org.rapaio.jupyter.kernel.display.DisplayData", "fromText"),
            new Kernel("ijava", "io.github.spencerpark.ijava.IJava", "getKernelInstance",
                    "io.github.spencerpark.jupyter.kernel.display.DisplayData", null),
            new Kernel("jjava", "org.dflib.jjava.kernel.JavaNotebookStatics", "kernel",
                    "org.dflib.jjava.jupyter.kernel.display.DisplayData", null),
            new Kernel("jjava", "org.dflib.jjava.JJava", "getKernelInstance",
                    "org.dflib.jjava.jupyter.kernel.display.DisplayData", null));

    private Show() {
    }

    /**
     * Displays {@code html} (a fragment: no {@code <html>} or page-wide style) in the running
     * kernel, or prints {@code text} to {@code System.out} when no kernel can display it.
     * Returns nothing, so that a notebook cell ending with it shows no value of its own.
     */
    public static void html(String html, String text) {
        html(html, text, System.out, Show.class.getClassLoader());
    }

    /**
     * Displays {@code table} as an HTML table (its caption the table's name, its columns' print
     * formats, long column names breakable at their underscores, as wide as the page and scrolled
     * sideways past it) in the running kernel, or prints {@code table.printAll()} elsewhere.
     */
    public static void table(Table table) {
        Objects.requireNonNull(table, "table");
        html(Report.tableHtml(table, true), table.printAll());
    }

    /**
     * {@link #html(String, String)} with the kernel's classes looked up through {@code loader},
     * printing to {@code out}; returns {@code "rapaio"}, {@code "ijava"}, {@code "jjava"} or {@code "text"}.
     */
    static String html(String html, String text, PrintStream out, ClassLoader loader) {
        Objects.requireNonNull(html, "html");
        Objects.requireNonNull(text, "text");
        for (Kernel k : KERNELS) {
            Object kernel = running(k, loader);
            Object data = kernel == null ? null : data(k, text, html, loader);
            if (data == null) {
                continue;
            }
            try {
                Method display = kernel.getClass().getMethod("display", data.getClass());
                display.invoke(kernel, data);
                return k.name();
            } catch (InvocationTargetException e) {
                throw new IllegalStateException("show: the kernel's display failed: " + e.getCause(), e.getCause());
            } catch (ReflectiveOperationException | LinkageError e) {
                // not this kernel
            }
        }
        out.println(text);
        return "text";
    }

    /** The running kernel of {@code k}'s kind; null when its classes are not there or no kernel runs (JJava's kernel() throws then). */
    private static Object running(Kernel k, ClassLoader loader) {
        try {
            Class<?> holder = Class.forName(k.holder(), true, loader);
            try {
                return holder.getMethod(k.getter()).invoke(null);
            } catch (NoSuchMethodException e) {
                return holder.getField(k.getter()).get(null);
            }
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }

    /** {@code k}'s DisplayData holding {@code text} as text/plain and {@code html} as text/html; null when its class is not there. */
    private static Object data(Kernel k, String text, String html, ClassLoader loader) {
        try {
            Class<?> c = Class.forName(k.displayData(), true, loader);
            Object data = k.factory() != null ? c.getMethod(k.factory(), String.class).invoke(null, text)
                    : c.getConstructor(String.class).newInstance(text);
            c.getMethod("putHTML", String.class).invoke(data, html);
            return data;
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }
}
