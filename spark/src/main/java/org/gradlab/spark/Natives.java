package org.gradlab.spark;

import java.util.ArrayList;
import java.util.List;

/**
 * ND4J's native libraries on an executor. The job jar carries them for the platforms it was built
 * for (linux-x86_64; more with {@code -Dextra.platform=...}, see spark/pom.xml): JavaCPP loads the
 * ones of its platform, {@code org.bytedeco.javacpp.platform} or else the JVM's OS and
 * architecture. An executor of another platform gets one line naming it instead of a stack trace.
 */
final class Natives {
    /** Where each of the three native jars keeps its libraries, per platform. */
    private static final List<String> FOLDERS = List.of("org/nd4j/linalg/cpu/nativecpu/bindings/%s/",
            "org/bytedeco/openblas/%s/", "org/bytedeco/javacpp/%s/");

    private Natives() {
    }

    /** The platform JavaCPP loads natives for in this JVM, e.g. {@code linux-x86_64}. */
    static String platform() {
        return org.bytedeco.javacpp.Loader.getPlatform();
    }

    /**
     * Why ND4J cannot run on {@code platform} with the classes {@code loader} sees, in one line;
     * null when its natives for that platform are all there.
     */
    static String missing(String platform, ClassLoader loader) {
        List<String> absent = new ArrayList<>();
        for (String f : FOLDERS) {
            if (loader.getResource(String.format(f, platform)) == null) {
                absent.add(f.substring(0, f.indexOf("%s")) + platform);
            }
        }
        if (absent.isEmpty()) {
            return null;
        }
        return "executor platform " + platform + ": the job jar has no ND4J natives for it (no " + String.join(", ", absent)
                + "); build the job jar with -Dextra.platform=" + platform + " (README, \"More than one machine\")";
    }

    /** One line for natives that are there but did not load on {@code platform}. */
    static String didNotLoad(String platform, LinkageError e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
        return "executor platform " + platform + ": ND4J's natives did not load (" + e.getClass().getSimpleName() + ": " + m + ")";
    }
}
