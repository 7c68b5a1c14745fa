package org.gradlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What repo2docker does with binder/, simulated (it cannot run here): it installs apt.txt, then runs
 * postBuild in a copy of the repository with Binder's Jupyter on PATH. The copy here has the real
 * binder/ and notebooks/install-kernel.sh; the Maven wrapper, curl and jupyter are stand-ins that
 * record what they were asked for (the build makes a small jar with the real one's layout). Online,
 * curl serves an IJava release zip built here and IJava is installed; offline (GitHub unreachable)
 * both downloads fail and the rapaio fallback from Maven Central is. Either way the image keeps one
 * jar of the build and no Maven downloads.
 */
class BinderTest {
    private static final Path ROOT = Path.of(System.getProperty("gradlab.basedir", "."));

    @TempDir
    Path dir;

    @Test
    void aptInstallsOnlyAJdk17AndStartRunsOnOneThread() throws IOException {
        assertEquals(List.of("openjdk-17-jdk-headless"), Files.readAllLines(ROOT.resolve("binder/apt.txt")),
                "no maven: the wrapper brings it, and Debian's maven package would bring another JDK as the default java");
        assertTrue(Files.readString(ROOT.resolve("binder/start")).contains("export OMP_NUM_THREADS=1\nexec \"$@\""));
    }

    private record Run(int code, String output, Path repo, Path home, Path log) {
    }

    /** Lays out the repository copy and the stand-ins, runs postBuild as repo2docker does. */
    private Run postBuild(boolean online) throws Exception {
        Path repo = Files.createDirectories(dir.resolve("repo"));
        Path home = Files.createDirectories(dir.resolve("home"));
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path log = dir.resolve("calls.log");
        for (String f : List.of("binder/postBuild", "binder/apt.txt", "notebooks/install-kernel.sh", "notebooks/rapaio/LoopThread.java")) {
            Files.createDirectories(repo.resolve(f).getParent());
            Files.copy(ROOT.resolve(f), repo.resolve(f));
        }
        Files.createDirectories(home.resolve(".m2/repository/org/example"));
        script(repo.resolve("mvnw"), "echo \"mvnw $*\" >> '" + log + "'\n"
                + "case \"$*\" in\n"
                + "  *package*) mkdir -p target/notebook target/classes/org target/test-classes && echo jar > target/notebook/classpath.jar"
                + " && echo thin > target/gradlab-0.1.0-SNAPSHOT.jar ;;\n"
                + "  *dependency:copy*) for a; do [[ $a == -DoutputDirectory=* ]] && out=${a#*=}; done\n"
                + "    echo jar > \"$out/rapaio-jupyter-kernel-3.0.1.jar\" ;;\n"
                + "esac\n");
        Path zip = ijavaZip();
        script(bin.resolve("curl"), "echo \"curl $*\" >> '" + log + "'\n"
                + (online ? "while (($#)); do [[ $1 == -o ]] && cp '" + zip + "' \"$2\"; shift; done\n"
                        : "echo 'curl: (6) Could not resolve host: github.com' >&2; exit 6\n"));
        script(bin.resolve("jupyter"), "case \"$1\" in --data-dir) echo \"$HOME/.local/share/jupyter\" ;;"
                + " kernelspec) echo \"  java  $HOME/.local/share/jupyter/kernels/java\" ;; esac\n");
        ProcessBuilder pb = new ProcessBuilder("bash", "binder/postBuild").directory(repo.toFile()).redirectErrorStream(true);
        pb.environment().put("HOME", home.toString());
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        return new Run(p.exitValue(), out, repo, home, log);
    }

    private static void script(Path file, String body) throws IOException {
        Files.writeString(file, "#!/usr/bin/env bash\n" + body);
        assertTrue(file.toFile().setExecutable(true));
    }

    /** IJava 1.3.0's release zip, laid out as the real one: install.py beside java/ with kernel.json and the jar. */
    private Path ijavaZip() throws IOException {
        Path zip = dir.resolve("ijava-1.3.0.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
            for (String[] e : new String[][] {{"install.py", "raise SystemExit(1)\n"},
                    {"java/kernel.json", "{\"argv\": [\"java\", \"-jar\", \"@KERNEL_INSTALL_DIRECTORY@/ijava-1.3.0.jar\","
                            + " \"{connection_file}\"], \"display_name\": \"Java\", \"env\": {}, \"language\": \"java\"}"},
                    {"java/ijava-1.3.0.jar", "jar"}}) {
                z.putNextEntry(new ZipEntry(e[0]));
                z.write(e[1].getBytes(StandardCharsets.UTF_8));
            }
        }
        return zip;
    }

    /** What is left of the build: the one jar the kernels load, and no Maven downloads. */
    private static void assertOnlyTheNotebooksJarIsLeft(Run r) throws IOException {
        try (Stream<Path> s = Files.walk(r.repo().resolve("target"))) {
            assertEquals(List.of("target", "target/notebook", "target/notebook/classpath.jar"),
                    s.map(p -> r.repo().relativize(p).toString()).sorted().toList(), r.output());
        }
        assertFalse(Files.exists(r.home().resolve(".m2/repository")), "Maven's downloads are dropped");
    }

    @Test
    void onlineIJavaIsInstalledWithGradlabsSettings() throws Exception {
        Run r = postBuild(true);
        assertEquals(0, r.code(), r.output());
        Path kernel = r.home().resolve(".local/share/jupyter/kernels/java");
        JsonNode spec = new ObjectMapper().readTree(kernel.resolve("kernel.json").toFile());
        assertEquals("[\"java\",\"-Djava.awt.headless=true\",\"-XX:+UseSerialGC\",\"-jar\",\"" + kernel
                + "/ijava-1.3.0.jar\",\"{connection_file}\"]", spec.get("argv").toString());
        assertEquals("1", spec.get("env").get("OMP_NUM_THREADS").asText());
        assertTrue(r.output().contains("installed the ijava kernel as 'java' in " + kernel), r.output());
        assertEquals(List.of("mvnw -q -B package -DskipTests",
                "curl -fsSL https://github.com/SpencerPark/IJava/releases/download/v1.3.0/ijava-1.3.0.zip -o"),
                Files.readAllLines(r.log()).stream().map(l -> l.replaceFirst(" -o .*", " -o")).toList());
        assertOnlyTheNotebooksJarIsLeft(r);
    }

    @Test
    void offlineTheRapaioFallbackIsInstalled() throws Exception {
        Run r = postBuild(false);
        assertEquals(0, r.code(), r.output());
        assertTrue(r.output().contains("could not download https://github.com/SpencerPark/IJava/")
                && r.output().contains("could not download https://github.com/dflib/jjava/"), r.output());
        Path kernel = r.home().resolve(".local/share/jupyter/kernels/java");
        assertTrue(r.output().contains("installed the rapaio kernel as 'java' in " + kernel), r.output());
        String json = Files.readString(kernel.resolve("kernel.json"));
        assertTrue(json.contains("\"-cp\", \"" + kernel + "/patch:" + kernel + "/rapaio-jupyter-kernel-3.0.1.jar\""), json);
        assertTrue(Files.isRegularFile(kernel.resolve("patch/org/rapaio/jupyter/kernel/channels/LoopThread.class")));
        assertOnlyTheNotebooksJarIsLeft(r);
    }
}
