package org.gradlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Documentation that compiles: every {@code java} block of the README and every
 * {@code <pre>{@code ...}</pre>} example in the library's Javadoc is compiled, as written, against
 * the library. Each becomes the body of a method in a class that imports every gradlab package
 * (plus {@code java.util}, {@code java.nio.file}, Tablesaw and XChart) and has the variables the
 * examples take as given ({@code model}, {@code split}, {@code trainer}, ...) as fields, so a block
 * may use what an earlier one made; an example's own {@code import} lines go to the top.
 */
class DocExamplesTest {
    private static final Path ROOT = Path.of(System.getProperty("gradlab.basedir", "."));
    private static final List<String> PACKAGES = List.of("org.gradlab", "org.gradlab.host", "org.gradlab.nn", "org.gradlab.optim",
            "org.gradlab.schedule", "org.gradlab.clip", "org.gradlab.data", "org.gradlab.train", "org.gradlab.diagnostics",
            "org.gradlab.plot", "org.gradlab.experiment.spec", "org.gradlab.experiment.engine", "org.gradlab.experiment.report",
            "org.gradlab.experiment.jobs", "java.util", "java.nio.file", "tech.tablesaw.api", "org.knowm.xchart",
            "org.nd4j.linalg.api.ndarray", "org.nd4j.linalg.factory");
    /** What the examples take as given: a reader's notebook so far. */
    private static final String CONTEXT = """
            Dataset.Split split; Sequential model; Trainer trainer; Batches.Batch batch; Rng rng; Loss loss; Schedule schedule;
            INDArray x, y, h0, c0, dOutput, dhN, dcN, logits, oneHotTargets, weight; Monitor monitor; Table table; Lstm lstm;
            List<RunResult> results; LayerGain.Result gains; String json; long step; double testLoss; History history;
            Batches.Batch fixedBatch; INDArray oneHot; Doctor.Diagnosis diagnosis; List<RunSpec> runs;
            """;

    @TempDir
    Path dir;

    /** An example: where it is written and its text. */
    record Example(String where, String code) {
    }

    static List<Example> readmeBlocks() throws IOException {
        List<Example> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(ROOT.resolve("README.md"));
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals("```java")) {
                int start = i + 1;
                StringBuilder b = new StringBuilder();
                for (i = start; !lines.get(i).strip().equals("```"); i++) {
                    b.append(lines.get(i)).append('\n');
                }
                out.add(new Example("README.md:" + start, b.toString()));
            }
        }
        return out;
    }

    static List<Example> javadocExamples() throws IOException {
        List<Example> out = new ArrayList<>();
        Pattern pre = Pattern.compile("<pre>\\{@code(.*?)\\}</pre>", Pattern.DOTALL);
        try (Stream<Path> files = Files.walk(ROOT.resolve("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                String text = Files.readString(f);
                Matcher m = pre.matcher(text);
                while (m.find()) {
                    int line = (int) text.substring(0, m.start()).chars().filter(c -> c == '\n').count() + 1;
                    String code = m.group(1).lines().map(l -> l.replaceFirst("^\\s*\\* ?", "")).reduce("", (a, b) -> a + b + "\n");
                    out.add(new Example(ROOT.resolve("src/main/java").relativize(f) + ":" + line, code));
                }
            }
        }
        return out;
    }

    /** A compilation unit holding {@code example} as the body of a method of class {@code name}. */
    private static String unit(String name, Example example) {
        StringBuilder imports = new StringBuilder();
        PACKAGES.forEach(p -> imports.append("import ").append(p).append(".*;\n"));
        StringBuilder body = new StringBuilder();
        for (String l : example.code().lines().toList()) {
            (l.startsWith("import ") ? imports : body).append(l).append('\n');
        }
        return imports + "@SuppressWarnings(\"all\")\nclass " + name + " {\n" + CONTEXT + "\nvoid example() throws Exception {\n"
                + body + "\n}\n}\n";
    }

    @Test
    void everyReadmeBlockAndJavadocExampleCompiles() throws IOException {
        List<Example> readme = readmeBlocks();
        List<Example> javadoc = javadocExamples();
        assertTrue(readme.size() >= 7, "README java blocks: " + readme.size());
        assertTrue(javadoc.size() >= 60, "Javadoc examples: " + javadoc.size());
        List<JavaFileObject> units = new ArrayList<>();
        List<String> origin = new ArrayList<>();
        for (Example e : concat(readme, javadoc)) {
            String name = "Example" + units.size();
            units.add(source(name, unit(name, e)));
            origin.add(e.where());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> found = new DiagnosticCollector<>();
        StringWriter out = new StringWriter();
        boolean ok = javac.getTask(out, null, found, List.of("-proc:none", "-d", dir.toString(), "-classpath",
                System.getProperty("java.class.path")), null, units).call();
        List<String> errors = new ArrayList<>();
        for (Diagnostic<? extends JavaFileObject> d : found.getDiagnostics()) {
            if (d.getKind() == Diagnostic.Kind.ERROR) {
                String unitName = d.getSource().getName().replaceAll(".*/|\\.java$", "");
                int index = Integer.parseInt(unitName.replaceAll("\\D", ""));
                errors.add(origin.get(index) + ": " + d.getMessage(Locale.ROOT).replace("\n", " ") + " (generated line "
                        + d.getLineNumber() + ")");
            }
        }
        assertEquals(List.of(), errors, "examples that do not compile");
        assertTrue(ok, out.toString());
    }

    private static List<Example> concat(List<Example> a, List<Example> b) {
        List<Example> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static JavaFileObject source(String name, String code) {
        return new SimpleJavaFileObject(java.net.URI.create("string:///" + name + ".java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return code;
            }
        };
    }
}
