package org.gradlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The ./gradlab launcher, on the jar that {@code package} just built (so it does not rebuild it). */
class LauncherIT {
    private static final Path ROOT = Path.of(System.getProperty("gradlab.basedir", "."));

    private record Result(int code, String output) {
    }

    private static Result gradlab(String... args) throws Exception {
        return gradlab(Map.of(), args);
    }

    private static Result gradlab(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("gradlab").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        return new Result(p.exitValue(), out);
    }

    @Test
    void passesArgumentsAndExitCodesThrough() throws Exception {
        Result help = gradlab("article", "--help");
        assertEquals(0, help.code(), help.output());
        assertTrue(help.output().startsWith("Usage: gradlab article"), "no rebuild, no noise:\n" + help.output());
        Result bad = gradlab("article", "--epochs", "4294967297");
        assertEquals(2, bad.code(), bad.output());
        assertTrue(bad.output().startsWith("gradlab: Invalid value for option '--epochs': '4294967297'"), bad.output());
    }

    /**
     * The build writes the class-data archive beside the jar and the launcher maps it: with
     * {@code -Xshare:on} the JVM refuses to start unless every archive it is given maps.
     */
    @Test
    void mapsTheClassDataArchiveTheBuildWrote() throws Exception {
        Path jar = ROOT.resolve("target/notebook/classpath.jar");
        Path archive = ROOT.resolve("target/notebook/classpath.jsa");
        assertTrue(Files.size(archive) > 1_000_000, "the build wrote " + archive);
        assertEquals(Files.size(archive), Long.parseLong(Files.readString(ROOT.resolve("target/notebook/classpath.jsa.size")).strip()),
                "the size the build recorded");
        assertTrue(Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) >= 0,
                "the archive is at least as new as the jar");
        Result help = gradlab(Map.of("GRADLAB_JAVA_OPTS", "-Xshare:on -Xlog:cds=info"), "article", "--help");
        assertEquals(0, help.code(), help.output());
        assertTrue(help.output().contains("Usage: gradlab article"), help.output());
        assertTrue(help.output().contains(archive.getFileName().toString()), "the JVM names the archive it maps:\n" + help.output());
        assertFalse(Files.exists(ROOT.resolve("target/notebook/classpath.jar.part")), "the shaded jar was renamed into place");
        List<String> options = jvmOptions(Map.of("GRADLAB_JAVA_OPTS", "-Xmx2g -Xlog:gc*"));
        assertEquals(List.of("-Xms8m", "-Xmx1g", "-XX:+UseSerialGC"), options.subList(0, 3), "the launcher's options: " + options);
        assertTrue(options.contains("-XX:SharedArchiveFile=" + archive.toRealPath()), "the archive among them: " + options);
        assertEquals(List.of("-Xmx2g", "-Xlog:gc*"), options.subList(options.size() - 2, options.size()),
                "GRADLAB_JAVA_OPTS last, as the launcher runs java, word for word: " + options);
    }

    /** {@code ./gradlab --jvm-options}, read back by the shell as the benches read it: one option per element. */
    private static List<String> jvmOptions(Map<String, String> env) throws Exception {
        Result r = gradlab(env, "--jvm-options");
        assertEquals(0, r.code(), r.output());
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "eval \"a=($1)\"; printf '%s\\n' \"${a[@]}\"", "bash", r.output().strip());
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out.lines().toList();
    }

    /** A truncated archive (an interrupted copy, a full disk) crashes the JVM that maps it: the launcher leaves it alone. */
    @Test
    void startsWithoutAnArchiveThatIsNotWhole() throws Exception {
        Path archive = ROOT.resolve("target/notebook/classpath.jsa");
        Path saved = Files.createTempFile("classpath", ".jsa");
        Files.copy(archive, saved, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        FileTime stamp = Files.getLastModifiedTime(archive);
        try {
            archive.toFile().setWritable(true);
            byte[] head = new byte[100_000];
            try (var in = Files.newInputStream(saved)) {
                assertEquals(head.length, in.readNBytes(head, 0, head.length));
            }
            Files.write(archive, head);
            Files.setLastModifiedTime(archive, stamp);
            Result help = gradlab("article", "--help");
            assertEquals(0, help.code(), help.output());
            assertTrue(help.output().startsWith("Usage: gradlab article"), help.output());
            List<String> options = jvmOptions(Map.of());
            assertTrue(options.contains("-XX:+UseSerialGC") && options.stream().noneMatch(o -> o.contains("SharedArchiveFile")),
                    "the options leave the archive out: " + options);
        } finally {
            Files.copy(saved, archive, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.setLastModifiedTime(archive, stamp);
            Files.delete(saved);
        }
    }
}
