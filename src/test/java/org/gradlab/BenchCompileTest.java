package org.gradlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmarks under bench/ are never run by the tests, so nothing else notices when an API they
 * use changes: every bench/*.java compiles against the library (but SparkOverhead.java, which
 * needs gradlab-spark and Spark on its class path: bench/spark.sh runs it from the Spark module's jars).
 */
class BenchCompileTest {
    @TempDir
    Path out;

    @Test
    void everyBenchmarkCompiles() throws IOException {
        List<String> sources;
        try (Stream<Path> files = Files.list(Path.of("bench"))) {
            sources = files.filter(f -> f.toString().endsWith(".java") && !f.getFileName().toString().startsWith("Spark"))
                    .map(Path::toString).sorted().toList();
        }
        assertTrue(sources.size() >= 4, "benchmarks found: " + sources);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter errors = new StringWriter();
        List<String> args = new ArrayList<>(List.of("-nowarn", "-proc:none", "-d", out.toString(), "-cp",
                System.getProperty("java.class.path")));
        args.addAll(sources);
        int code = javac.run(null, null, new java.io.PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                errors.write(b);
            }
        }), args.toArray(String[]::new));
        assertEquals(0, code, errors.toString());
    }
}
