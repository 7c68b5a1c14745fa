package org.gradlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        Result options = gradlab(Map.of("GRADLAB_JAVA_OPTS", "-Xmx2g"), "--jvm-options");
        assertEquals(0, options.code(), options.output());
        assertTrue(options.output().startsWith("-Xms8m -Xmx1g -XX:+UseSerialGC "), "the launcher's options:\n" + options.output());
        assertTrue(options.output().contains(" -XX:SharedArchiveFile=" + archive.toAbsolutePath().normalize() + " "),
                "the archive among them:\n" + options.output());
        assertTrue(options.output().strip().endsWith(" -Xmx2g"), "GRADLAB_JAVA_OPTS last, as the launcher runs java:\n" + options.output());
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
            Result options = gradlab("--jvm-options");
            assertEquals(0, options.code(), options.output());
            assertTrue(options.output().contains("-XX:+UseSerialGC") && !options.output().contains("SharedArchiveFile"),
                    "the options leave the archive out:\n" + options.output());
        } finally {
            Files.copy(saved, archive, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.setLastModifiedTime(archive, stamp);
            Files.delete(saved);
        }
    }
}
