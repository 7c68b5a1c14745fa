package org.gradlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The ./gradlab launcher, on the jar that {@code package} just built (so it does not rebuild it). */
class LauncherIT {
    private static final Path ROOT = Path.of(System.getProperty("gradlab.basedir", "."));

    private record Result(int code, String output) {
    }

    private static Result gradlab(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("gradlab").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true).start();
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
}
