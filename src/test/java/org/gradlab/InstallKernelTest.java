package org.gradlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * notebooks/install-kernel.sh on archives laid out like IJava's and JJava's release zips (built
 * here: the machine that runs the tests may not reach GitHub), its failures, and its choice of
 * where the Jupyter it is given looks for kernels.
 */
class InstallKernelTest {
    private static final Path SCRIPT = Path.of(System.getProperty("gradlab.basedir", ".")).resolve("notebooks/install-kernel.sh");

    @TempDir
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    private record Result(int code, String output) {
    }

    private static List<String> strings(JsonNode array) {
        List<String> list = new ArrayList<>();
        array.forEach(n -> list.add(n.asText()));
        return list;
    }

    /** Runs the script with TMPDIR inside the test folder, so its temporaries can be counted. */
    private Result install(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        cmd.addAll(List.of(args));
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("TMPDIR", tmp.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(List.of(), left.toList(), "temporaries left behind:\n" + out);
        }
        return new Result(p.exitValue(), out);
    }

    private Path zip(String name, Map<String, String> entries) throws IOException {
        Path zip = dir.resolve(name);
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
            for (Map.Entry<String, String> e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue().getBytes(StandardCharsets.UTF_8));
            }
        }
        return zip;
    }

    /** IJava 1.3.0's zip: install.py beside java/, whose kernel.json names @KERNEL_INSTALL_DIRECTORY@. */
    private Path ijavaZip() throws IOException {
        return zip("ijava-1.3.0.zip", Map.of(
                "install.py", "raise SystemExit('not run by install-kernel.sh')\n",
                "java/kernel.json", "{\"argv\": [\"java\", \"-jar\", \"@KERNEL_INSTALL_DIRECTORY@/ijava-1.3.0.jar\", "
                        + "\"{connection_file}\"], \"display_name\": \"Java\", \"language\": \"java\"}",
                "java/ijava-1.3.0.jar", "jar"));
    }

    @Test
    void ijavaAndJjavaZipsInstallIntoTheDataFolderWithTheirPathsResolved() throws Exception {
        Path data = dir.resolve("jupyter data");   // a space, as in many home folders
        Result ijava = install("ijava", "--from", ijavaZip().toString(), "--data-dir", data.toString());
        assertEquals(0, ijava.code(), ijava.output());
        Path kernel = data.resolve("kernels/java");
        JsonNode ijavaSpec = JSON.readTree(kernel.resolve("kernel.json").toFile());
        assertEquals(List.of("java", "-Djava.awt.headless=true", "-XX:+UseSerialGC", "-jar", kernel + "/ijava-1.3.0.jar",
                "{connection_file}"), strings(ijavaSpec.get("argv")), "gradlab's JVM options after java");
        assertEquals("{\"OMP_NUM_THREADS\":\"1\"}", ijavaSpec.get("env").toString());
        assertTrue(Files.isRegularFile(kernel.resolve("ijava-1.3.0.jar")));
        assertTrue(ijava.output().contains("installed the ijava kernel as 'java' in " + kernel), ijava.output());

        Path jjava = zip("jjava-1.0-a7-kernelspec.zip", Map.of(
                "kernel.json", "{\"argv\": [\"java\", \"-jar\", \"{resource_dir}/jjava-launcher.jar\", "
                        + "\"{resource_dir}/jjava.jar\", \"{connection_file}\"], \"display_name\": \"Java (jjava)\","
                        + " \"env\": {\"JJAVA_TIMEOUT\": \"-1\", \"JJAVA_JVM_OPTS\": \"-Xss2m\"}}",
                "jjava-launcher.jar", "l", "jjava.jar", "j"));
        Result r = install("jjava", "--from", jjava.toString(), "--data-dir", data.toString());
        assertEquals(0, r.code(), r.output());
        JsonNode jjavaSpec = JSON.readTree(kernel.resolve("kernel.json").toFile());
        assertEquals(List.of("java", "-jar", kernel + "/jjava-launcher.jar", kernel + "/jjava.jar", "{connection_file}"),
                strings(jjavaSpec.get("argv")), "the launcher's JVM as it was");
        assertEquals("{\"JJAVA_TIMEOUT\":\"-1\",\"JJAVA_JVM_OPTS\":\"-Djava.awt.headless=true -XX:+UseSerialGC -Xss2m\","
                + "\"OMP_NUM_THREADS\":\"1\"}", jjavaSpec.get("env").toString(),
                "the kernel's JVM gets gradlab's options (JJava's launcher passes JJAVA_JVM_OPTS), before any of its own");
        assertFalse(Files.exists(kernel.resolve("ijava-1.3.0.jar")), "the IJava kernel was replaced, not mixed in");
    }

    @Test
    void aFailedInstallKeepsTheKernelThereAndLeavesNoTemporaries() throws Exception {
        Path data = dir.resolve("data");
        assertEquals(0, install("ijava", "--from", ijavaZip().toString(), "--data-dir", data.toString()).code());
        String before = Files.readString(data.resolve("kernels/java/kernel.json"));

        Path notZip = Files.writeString(dir.resolve("broken.zip"), "<html>rate limited</html>");
        Result broken = install("jjava", "--from", notZip.toString(), "--data-dir", data.toString());
        assertEquals(1, broken.code());
        assertEquals("install-kernel.sh: " + notZip + " is not a readable zip", broken.output().strip());

        Path empty = zip("empty.zip", Map.of("README", "no kernel here"));
        Result noSpec = install("ijava", "--from", empty.toString(), "--data-dir", data.toString());
        assertEquals(1, noSpec.code());
        assertTrue(noSpec.output().contains(empty + " holds no kernel.json"), noSpec.output());

        Result missing = install("ijava", "--from", dir.resolve("nope.zip").toString(), "--data-dir", data.toString());
        assertEquals(1, missing.code());
        assertEquals(before, Files.readString(data.resolve("kernels/java/kernel.json")));
        try (Stream<Path> s = Files.list(data.resolve("kernels"))) {
            assertEquals(List.of(data.resolve("kernels/java")), s.toList(), "no half-installed kernel beside it");
        }
        Result usage = install("ijava", "--data-dir");
        assertEquals(2, usage.code());
        assertEquals("install-kernel.sh: --data-dir needs a value", usage.output().strip());
    }

    /**
     * A Jupyter in a virtual environment looks in its own sys.prefix: the kernel goes there, and
     * that Jupyter lists it. Built from Debian's Python with its Jupyter packages (no pip needed).
     */
    @Test
    void aVirtualEnvironmentsJupyterGetsTheKernelInItsPrefix() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python) && new ProcessBuilder(python.toString(), "-c", "import jupyter_client")
                .start().waitFor() == 0, "needs Jupyter for /usr/bin/python3");
        Path venv = dir.resolve("venv");
        assertEquals(0, new ProcessBuilder(python.toString(), "-m", "venv", "--without-pip", "--system-site-packages",
                venv.toString()).inheritIO().start().waitFor());
        Path bin = venv.resolve("bin");
        Files.writeString(bin.resolve("jupyter"), "#!" + bin.resolve("python3") + "\nimport sys\n"
                + "from jupyter_core.command import main\nsys.exit(main())\n");
        Files.writeString(bin.resolve("jupyter-kernelspec"), "#!" + bin.resolve("python3") + "\n"
                + "from jupyter_client.kernelspecapp import KernelSpecApp\nKernelSpecApp.launch_instance()\n");
        for (String f : new String[] {"jupyter", "jupyter-kernelspec"}) {
            assertTrue(bin.resolve(f).toFile().setExecutable(true));
        }
        Result r = install("ijava", "--from", ijavaZip().toString(), "--jupyter", bin.resolve("jupyter").toString());
        assertEquals(0, r.code(), r.output());
        Path kernel = venv.resolve("share/jupyter/kernels/java");
        assertTrue(r.output().lines().anyMatch(l -> l.matches("\\s*java\\s+" + java.util.regex.Pattern.quote(kernel.toString()))),
                "the venv's jupyter kernelspec list shows it:\n" + r.output());
    }
}
