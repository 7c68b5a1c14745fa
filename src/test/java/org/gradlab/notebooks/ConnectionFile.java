package org.gradlab.notebooks;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Jupyter connection file's contents: tcp on 127.0.0.1, five ports, HMAC-SHA256 with
 * {@code key}. {@link #fresh()} picks five free ports and a random 256-bit key, as
 * jupyter_client does.
 */
record ConnectionFile(int shellPort, int iopubPort, int stdinPort, int controlPort, int hbPort, String key) {

    static ConnectionFile fresh() throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {   // all five held open at once, so they differ
                held.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            return new ConnectionFile(held.get(0).getLocalPort(), held.get(1).getLocalPort(),
                    held.get(2).getLocalPort(), held.get(3).getLocalPort(), held.get(4).getLocalPort(),
                    HexFormat.of().formatHex(key));
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    /** Writes the connection file a kernel is started with. */
    void write(Path file) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("transport", "tcp");
        json.put("ip", "127.0.0.1");
        json.put("shell_port", shellPort);
        json.put("iopub_port", iopubPort);
        json.put("stdin_port", stdinPort);
        json.put("control_port", controlPort);
        json.put("hb_port", hbPort);
        json.put("signature_scheme", "hmac-sha256");
        json.put("key", key);
        json.put("kernel_name", "java");
        Files.writeString(file, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json));
    }
}
