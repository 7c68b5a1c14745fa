package org.gradlab.notebooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A tiny Jupyter kernel for NotebookRunnerTest, started as {@code FakeKernel MODE CONNECTION_FILE}.
 * Modes: {@code hang-once:FILE} never answers when FILE does not exist yet (creating it), like
 * rapaio's hanging starts, and serves otherwise; {@code hang} never answers; {@code serve} serves;
 * {@code wrong-key} signs its messages with another key. Serving, a cell's code says what it
 * shows: {@code table} prints a Tablesaw-like table, {@code chart} shows a 64x64 noise PNG,
 * {@code tiny} a 1x1 PNG, {@code fail} raises an error, {@code sleep} takes a minute, anything
 * else is echoed on stdout.
 */
public final class FakeKernel {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        JsonNode conn = JSON.readTree(Path.of(args[1]).toFile());
        if (mode.equals("hang") || mode.startsWith("hang-once:") && hangsThisTime(Path.of(mode.substring(10)))) {
            Thread.sleep(Long.MAX_VALUE);
        }
        Wire in = new Wire(conn.get("key").asText());
        Wire wire = mode.equals("wrong-key") ? new Wire("not the key") : in;
        try (ZContext context = new ZContext()) {
            ZMQ.Socket shell = bind(context, SocketType.ROUTER, conn.get("shell_port").asInt());
            ZMQ.Socket iopub = bind(context, SocketType.PUB, conn.get("iopub_port").asInt());
            ZMQ.Socket control = bind(context, SocketType.ROUTER, conn.get("control_port").asInt());
            ZMQ.Poller poller = context.createPoller(2);
            poller.register(shell, ZMQ.Poller.POLLIN);
            poller.register(control, ZMQ.Poller.POLLIN);
            int count = 0;
            while (true) {
                poller.poll(-1);
                if (poller.pollin(1)) {
                    Wire.Message m = in.receive(control);
                    wire.send(control, m.identities(), "shutdown_reply", m.header(),
                            JSON.createObjectNode().put("status", "ok").put("restart", false));
                    return;
                }
                Wire.Message m = in.receive(shell);
                publish(wire, iopub, m, "status", JSON.createObjectNode().put("execution_state", "busy"));
                ObjectNode reply = JSON.createObjectNode().put("status", "ok");
                if (m.type().equals("kernel_info_request")) {
                    reply.put("protocol_version", Wire.PROTOCOL_VERSION).put("implementation", "fake");
                } else if (m.type().equals("execute_request")) {
                    count++;
                    String code = m.content().get("code").asText().strip();
                    publish(wire, iopub, m, "execute_input", JSON.createObjectNode().put("code", code)
                            .put("execution_count", count));
                    show(wire, iopub, m, code, reply);
                    reply.put("execution_count", count);
                }
                wire.send(shell, m.identities(), m.type().replace("_request", "_reply"), m.header(), reply);
                publish(wire, iopub, m, "status", JSON.createObjectNode().put("execution_state", "idle"));
            }
        }
    }

    private static boolean hangsThisTime(Path marker) throws Exception {
        if (Files.exists(marker)) {
            return false;
        }
        Files.createFile(marker);
        return true;
    }

    private static ZMQ.Socket bind(ZContext context, SocketType type, int port) {
        ZMQ.Socket s = context.createSocket(type);
        s.bind("tcp://127.0.0.1:" + port);
        return s;
    }

    private static void publish(Wire wire, ZMQ.Socket iopub, Wire.Message parent, String type, ObjectNode content) {
        wire.send(iopub, List.of(("kernel." + type).getBytes()), type, parent.header(), content);
    }

    private static void show(Wire wire, ZMQ.Socket iopub, Wire.Message m, String code, ObjectNode reply)
            throws Exception {
        switch (code) {
            case "table" -> {
                stdout(wire, iopub, m, "   a   |  b  |\n");   // in two pieces, as a stream may come
                stdout(wire, iopub, m, "-------------\n  1   |  2  |\n");
            }
            case "chart", "tiny" -> {
                int side = code.equals("chart") ? 64 : 1;
                BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
                Random random = new Random(1);
                for (int y = 0; y < side; y++) {
                    for (int x = 0; x < side; x++) {
                        image.setRGB(x, y, random.nextInt());
                    }
                }
                ByteArrayOutputStream png = new ByteArrayOutputStream();
                ImageIO.write(image, "png", png);
                ObjectNode content = JSON.createObjectNode();
                content.putObject("data").put("image/png", Base64.getEncoder().encodeToString(png.toByteArray()))
                        .put("text/plain", "chart");
                content.putObject("metadata");
                publish(wire, iopub, m, "display_data", content);
            }
            case "fail" -> {
                ObjectNode error = JSON.createObjectNode().put("ename", "java.lang.ArithmeticException")
                        .put("evalue", "/ by zero");
                error.putArray("traceback").add("\u001B[31mjava.lang.ArithmeticException: / by zero\u001B[0m")
                        .add("  at cell 1");
                publish(wire, iopub, m, "error", error);
                reply.setAll(error);
                reply.put("status", "error");
            }
            case "sleep" -> Thread.sleep(60_000);
            default -> stdout(wire, iopub, m, code + "\n");
        }
    }

    private static void stdout(Wire wire, ZMQ.Socket iopub, Wire.Message m, String text) {
        publish(wire, iopub, m, "stream", JSON.createObjectNode().put("name", "stdout").put("text", text));
    }
}
