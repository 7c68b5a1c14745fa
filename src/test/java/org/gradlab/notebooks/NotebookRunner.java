package org.gradlab.notebooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.zeromq.ZMQ;

/**
 * Executes a notebook headless through a Jupyter kernel it starts itself, speaking the Jupyter
 * messaging protocol (5.3) over ZeroMQ (JeroMQ): no Python, no Jupyter, no kernelspec.
 *
 * <ul>
 *   <li>Writes a connection file (tcp on 127.0.0.1, five free ports, HMAC-SHA256, a random key)
 *       and starts {@code kernelCommand} with the file in place of {@code {connection_file}} (or
 *       after it) in the notebook's folder, with {@code kernelEnv} added to the environment, as
 *       Jupyter starts a kernel from its kernel.json.
 *   <li>Waits for a kernel_info_reply on shell and a message on iopub; a kernel that does not
 *       answer within the startup timeout is killed and a fresh one started, up to {@code tries}
 *       starts.
 *   <li>Executes every code cell in order, collecting its iopub outputs until the kernel is idle;
 *       fails on a cell error or a cell past the cell timeout.
 *   <li>Every number the markdown states as a result must be in the outputs ({@link NarrativeNumbers}).
 *   <li>Cells tagged {@code expect-image} must show an image/png; cells tagged {@code expect-table}
 *       must print a table (a Tablesaw table: a line with '|' and a line of 10+ dashes); every
 *       image must be a real PNG chart (2,000 bytes or more).
 *   <li>Writes the executed notebook, every image and the kernel's output (NAME-kernel.log) to
 *       {@code out}, and always shuts the kernel down. On Linux the summary gives the kernel's
 *       peak resident memory (VmHWM of its process and any child process, summed).
 * </ul>
 */
public record NotebookRunner(List<String> kernelCommand, Map<String, String> kernelEnv, Path out, int tries,
        Duration startupTimeout, Duration cellTimeout) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TABLE_RULE = Pattern.compile("^-{10,}\\s*$", Pattern.MULTILINE);
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*[A-Za-z]");
    private static final int MIN_PNG_BYTES = 2000;
    /** Where a kernel.json's argv takes the connection file (appended when the command does not name it). */
    static final String CONNECTION_FILE = "{connection_file}";

    public NotebookRunner {
        kernelCommand = List.copyOf(kernelCommand);
        kernelEnv = Map.copyOf(kernelEnv);
        if (kernelCommand.isEmpty()) {
            throw new IllegalArgumentException("NotebookRunner: kernelCommand must not be empty");
        }
        if (tries < 1) {
            throw new IllegalArgumentException("NotebookRunner: tries must be >= 1, got " + tries);
        }
        if (startupTimeout.isNegative() || startupTimeout.isZero() || cellTimeout.isNegative() || cellTimeout.isZero()) {
            throw new IllegalArgumentException("NotebookRunner: timeouts must be > 0, got startup " + startupTimeout
                    + ", cell " + cellTimeout);
        }
    }

    /**
     * The kernel that {@code notebooks/install-kernel.sh} installed in {@code kernelDir}, started as
     * Jupyter starts it from its kernel.json: its argv, with java as this JVM's java followed by
     * {@code jvmOptions} (e.g. {@code -XX:MaxRAM=2g}, Binder's memory), and its env. One start (a
     * kernel that does not answer in 60 s fails the run), 900 s a cell.
     */
    public static NotebookRunner installed(Path kernelDir, List<String> jvmOptions, Path out) throws IOException {
        Path file = kernelDir.resolve("kernel.json");
        JsonNode spec;
        try {
            spec = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not a readable kernel.json (" + e.getMessage() + ")");
        }
        List<String> argv = strings(spec.get("argv"));
        if (argv.isEmpty() || !argv.get(0).equals("java") || !argv.contains(CONNECTION_FILE)) {
            throw new IllegalArgumentException(file + ": expected an argv that starts with java and names "
                    + CONNECTION_FILE + ", got " + argv);
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmOptions);
        cmd.addAll(argv.subList(1, argv.size()));
        Map<String, String> env = new java.util.LinkedHashMap<>();
        spec.path("env").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        return new NotebookRunner(cmd, env, out, 1, Duration.ofSeconds(60), Duration.ofSeconds(900));
    }

    /** A kernel start that did not answer in time, or died before answering: worth a retry. */
    static final class StartFailed extends Exception {
        StartFailed(String message) {
            super(message);
        }
    }

    /**
     * Executes {@code notebook} and checks what it shows; returns the summary lines (time, kernel
     * starts, images written). Throws {@link AssertionError} naming the notebook, the cell and the
     * kernel's error on any failure; the executed notebook is written to {@code out} either way.
     */
    public List<String> run(Path notebook) throws IOException, InterruptedException {
        String name = notebook.getFileName().toString().replaceFirst("\\.ipynb$", "");
        ObjectNode nb = read(notebook);
        Files.createDirectories(out);
        Path log = out.resolve(name + "-kernel.log");
        Files.deleteIfExists(log);
        List<String> summary = new ArrayList<>();
        for (int attempt = 1; ; attempt++) {
            long t0 = System.nanoTime();
            try (Kernel kernel = Kernel.start(this, notebook.toAbsolutePath().getParent(), log)) {
                try {
                    kernel.awaitReady(startupTimeout);
                } catch (StartFailed e) {
                    String msg = name + ": kernel start " + attempt + " of " + tries + " " + e.getMessage();
                    if (attempt == tries) {
                        throw new AssertionError(msg + "; giving up (kernel log: " + log + ")");
                    }
                    summary.add(msg + "; retrying with a fresh kernel");
                    continue;
                }
                try {
                    execute(kernel, nb, name, notebook.toAbsolutePath().getParent());
                } finally {
                    write(nb, out.resolve(notebook.getFileName()));
                }
                long peak = kernel.peakRssMb();
                summary.add(String.format("%s: executed in %.1f s (kernel start %d of %d%s)", name,
                        (System.nanoTime() - t0) / 1e9, attempt, tries, peak > 0 ? ", peak RSS " + peak + " MB" : ""));
            }
            break;
        }
        summary.add(check(nb, name));
        return summary;
    }

    private static ObjectNode read(Path notebook) throws IOException {
        JsonNode nb;
        try {
            nb = JSON.readTree(notebook.toFile());
        } catch (IOException e) {
            throw new AssertionError(notebook + ": not a notebook (not JSON: " + e.getMessage().lines().findFirst()
                    .orElse("") + ")");
        }
        if (!(nb instanceof ObjectNode o) || nb.path("nbformat").asInt() != 4 || !nb.path("cells").isArray()) {
            throw new AssertionError(notebook + ": not an nbformat 4 notebook (expected an object with nbformat 4"
                    + " and a cells list)");
        }
        return o;
    }

    /**
     * Runs the code cells in order; outputs that name the notebook's folder by its absolute path
     * (a kernel's "Add /home/me/gradlab/notebooks/../target/... to classpath") name it relative to
     * the notebook instead, so that an executed notebook holds no path of the machine that ran it.
     */
    private void execute(Kernel kernel, ObjectNode nb, String name, Path folder) throws InterruptedException {
        ArrayNode cells = (ArrayNode) nb.get("cells");
        for (int i = 0; i < cells.size(); i++) {
            if (!(cells.get(i) instanceof ObjectNode cell) || !"code".equals(cell.path("cell_type").asText())) {
                continue;
            }
            String source = text(cell.get("source"));
            ArrayNode outputs = kernel.execute(source, cellTimeout, cell, name + ": cell " + i);
            cell.set("outputs", relative(outputs, folder + java.io.File.separator));
            for (JsonNode o : outputs) {
                if ("error".equals(o.path("output_type").asText())) {
                    throw new AssertionError(String.format("%s: cell %d failed (first line: %s):%n%s: %s%n%s", name,
                            i, source.lines().findFirst().orElse(""), o.path("ename").asText(),
                            o.path("evalue").asText(), ANSI.matcher(String.join("\n", strings(o.get("traceback"))))
                                    .replaceAll("")));
                }
            }
        }
    }

    /** The checks of what the cells show; returns the images line, throws listing every problem. */
    private String check(ObjectNode nb, String name) throws IOException {
        List<String> problems = new ArrayList<>();
        int images = 0;
        JsonNode cells = nb.get("cells");
        for (int i = 0; i < cells.size(); i++) {
            JsonNode cell = cells.get(i);
            if (!"code".equals(cell.path("cell_type").asText())) {
                continue;
            }
            Set<String> tags = new HashSet<>(strings(cell.path("metadata").get("tags")));
            StringBuilder text = new StringBuilder();
            int pngs = 0;
            for (JsonNode o : cell.path("outputs")) {
                text.append("stream".equals(o.path("output_type").asText()) ? text(o.get("text"))
                        : text(o.path("data").get("text/plain")));
                JsonNode png = o.path("data").get("image/png");
                if (png == null) {
                    continue;
                }
                byte[] raw;
                try {
                    raw = Base64.getMimeDecoder().decode(text(png));
                } catch (IllegalArgumentException e) {
                    raw = new byte[0];
                }
                if (raw.length < MIN_PNG_BYTES || raw[0] != (byte) 0x89 || raw[1] != 'P' || raw[2] != 'N' || raw[3] != 'G') {
                    problems.add(String.format("cell %d: image %d is not a real PNG chart (%d bytes)", i, pngs, raw.length));
                }
                Files.write(out.resolve(String.format("%s-cell%02d-%d.png", name, i, pngs)), raw);
                pngs++;
                images++;
            }
            if (tags.contains("expect-image") && pngs == 0) {
                problems.add("cell " + i + ": tagged expect-image but showed no image/png");
            }
            if (tags.contains("expect-table") && !(text.indexOf("|") >= 0 && TABLE_RULE.matcher(text).find())) {
                problems.add("cell " + i + ": tagged expect-table but printed no table:\n"
                        + text.substring(0, Math.min(500, text.length())).stripTrailing());
            }
        }
        NarrativeNumbers.unmatched(nb).forEach(n -> problems.add(n + " is stated in the text but no output or code cell"
                + " has it"));
        if (!problems.isEmpty()) {
            throw new AssertionError(name + ": " + String.join("\n" + name + ": ", problems));
        }
        return name + ": " + images + " image(s) written to " + out;
    }

    /** {@code node} with {@code prefix} removed from every string in it. */
    private static <T extends JsonNode> T relative(T node, String prefix) {
        if (node instanceof ObjectNode o) {
            o.fields().forEachRemaining(e -> e.setValue(e.getValue().isTextual()
                    ? JSON.getNodeFactory().textNode(e.getValue().asText().replace(prefix, "")) : relative(e.getValue(), prefix)));
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                a.set(i, a.get(i).isTextual() ? JSON.getNodeFactory().textNode(a.get(i).asText().replace(prefix, ""))
                        : relative(a.get(i), prefix));
            }
        }
        return node;
    }

    /** A notebook's multiline string: a string, or a list of strings to join. */
    static String text(JsonNode node) {
        return node == null ? "" : node.isArray() ? String.join("", strings(node)) : node.asText();
    }

    private static List<String> strings(JsonNode node) {
        List<String> list = new ArrayList<>();
        if (node != null) {
            node.forEach(n -> list.add(n.asText()));
        }
        return list;
    }

    private static void write(ObjectNode nb, Path file) {
        try {
            JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), nb);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not write the executed notebook " + file, e);
        }
    }

    /** A started kernel process with its client; closing it shuts the kernel down. */
    private static final class Kernel implements AutoCloseable {
        private final Process process;
        private final KernelClient client;
        private final Path connectionFile;
        private boolean answered;

        private Kernel(Process process, KernelClient client, Path connectionFile) {
            this.process = process;
            this.client = client;
            this.connectionFile = connectionFile;
        }

        static Kernel start(NotebookRunner runner, Path dir, Path log) throws IOException {
            ConnectionFile conn = ConnectionFile.fresh();
            Path runtime = Files.createDirectories(runner.out.resolve("runtime"));
            Path file = runtime.resolve("kernel-" + UUID.randomUUID() + ".json").toAbsolutePath();
            conn.write(file);
            List<String> cmd = new ArrayList<>(runner.kernelCommand);
            if (cmd.contains(CONNECTION_FILE)) {
                cmd.replaceAll(a -> a.equals(CONNECTION_FILE) ? file.toString() : a);
            } else {
                cmd.add(file.toString());
            }
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().putAll(runner.kernelEnv);
            Process p;
            try {
                p = pb.start();
            } catch (IOException e) {
                Files.deleteIfExists(file);
                throw new AssertionError("could not start the kernel " + cmd + ": " + e.getMessage());
            }
            return new Kernel(p, new KernelClient(conn), file);
        }

        /** The peak resident memory of the kernel's process and its children, in MB; 0 where /proc cannot tell. */
        long peakRssMb() {
            long kb = 0;
            for (ProcessHandle p : java.util.stream.Stream.concat(java.util.stream.Stream.of(process.toHandle()),
                    process.descendants()).toList()) {
                try {
                    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
                        if (line.startsWith("VmHWM:")) {
                            kb += Long.parseLong(line.replaceAll("\\D", ""));
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // not Linux, or the process is gone
                }
            }
            return kb / 1024;
        }

        /** Waits for a kernel_info_reply on shell and a message on iopub (so iopub's subscription is live). */
        void awaitReady(Duration timeout) throws StartFailed {
            long deadline = System.nanoTime() + timeout.toNanos();
            Set<String> sent = new HashSet<>();
            boolean replied = false;
            boolean heard = false;
            long nextSend = 0;
            ZMQ.Poller poller = client.poller(client.shell, client.iopub);
            while (!(replied && heard)) {
                long now = System.nanoTime();
                if (now > deadline) {
                    throw new StartFailed("did not answer in " + timeout.toSeconds() + " s");
                }
                if (!process.isAlive()) {
                    throw new StartFailed("died before answering (exit " + process.exitValue() + ")");
                }
                if (now >= nextSend) {   // as jupyter_client does: ask again every second until answered
                    sent.add(client.send(client.shell, "kernel_info_request", JSON.createObjectNode()));
                    nextSend = now + TimeUnit.SECONDS.toNanos(1);
                }
                poller.poll(200);
                if (poller.pollin(0)) {
                    Wire.Message m = client.receive(client.shell);
                    replied |= "kernel_info_reply".equals(m.type()) && sent.contains(m.parentId());
                }
                if (poller.pollin(1)) {
                    heard |= sent.contains(client.receive(client.iopub).parentId());
                }
            }
            answered = true;
        }

        /**
         * Executes one cell; returns its outputs (nbformat 4) once the kernel replied and went idle.
         * Sets the cell's execution_count. An execute_reply with status error and no error output
         * adds one from the reply.
         */
        ArrayNode execute(String code, Duration timeout, ObjectNode cell, String what) throws InterruptedException {
            ObjectNode content = JSON.createObjectNode().put("code", code).put("silent", false)
                    .put("store_history", true).put("allow_stdin", false).put("stop_on_error", true);
            content.putObject("user_expressions");
            String id = client.send(client.shell, "execute_request", content);
            ArrayNode outputs = JSON.createArrayNode();
            JsonNode reply = null;
            boolean idle = false;
            boolean clearOnNext = false;
            long deadline = System.nanoTime() + timeout.toNanos();
            ZMQ.Poller poller = client.poller(client.shell, client.iopub);
            while (reply == null || !idle) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(what + " ran past " + timeout.toSeconds() + " s");
                }
                if (!process.isAlive()) {
                    throw new AssertionError(what + ": the kernel died (exit " + process.waitFor() + ")");
                }
                poller.poll(500);
                if (poller.pollin(0)) {
                    Wire.Message m = client.receive(client.shell);
                    if ("execute_reply".equals(m.type()) && id.equals(m.parentId())) {
                        reply = m.content();
                    }
                }
                if (!poller.pollin(1)) {
                    continue;
                }
                Wire.Message m = client.receive(client.iopub);
                if (!id.equals(m.parentId())) {
                    continue;
                }
                JsonNode c = m.content();
                ObjectNode o = JSON.createObjectNode();
                switch (m.type()) {
                    case "status" -> idle = "idle".equals(c.path("execution_state").asText());
                    case "execute_input" -> cell.set("execution_count", c.get("execution_count"));
                    case "clear_output" -> {
                        clearOnNext = c.path("wait").asBoolean();
                        if (!clearOnNext) {
                            outputs.removeAll();
                        }
                    }
                    case "stream" -> {
                        JsonNode last = outputs.isEmpty() || clearOnNext ? null : outputs.get(outputs.size() - 1);
                        if (last instanceof ObjectNode l && "stream".equals(l.path("output_type").asText())
                                && l.path("name").asText().equals(c.path("name").asText())) {
                            l.put("text", l.path("text").asText() + c.path("text").asText());   // one output a stream, as shown
                        } else {
                            o.put("output_type", "stream").put("name", c.path("name").asText())
                                    .put("text", c.path("text").asText());
                        }
                    }
                    case "display_data", "execute_result" -> {
                        o.put("output_type", m.type());
                        if (m.type().equals("execute_result")) {
                            o.set("execution_count", c.get("execution_count"));
                        }
                        o.set("data", c.path("data").isObject() ? c.get("data") : JSON.createObjectNode());
                        o.set("metadata", c.path("metadata").isObject() ? c.get("metadata") : JSON.createObjectNode());
                    }
                    case "error" -> errorOutput(o, c);
                    default -> { }
                }
                if (!o.isEmpty()) {
                    if (clearOnNext) {
                        outputs.removeAll();
                        clearOnNext = false;
                    }
                    outputs.add(o);
                }
            }
            if (reply.has("execution_count") && !reply.get("execution_count").isNull()) {
                cell.set("execution_count", reply.get("execution_count"));
            }
            String status = reply.path("status").asText();
            boolean shownError = false;
            for (JsonNode o : outputs) {
                shownError |= "error".equals(o.path("output_type").asText());
            }
            if (!"ok".equals(status) && !shownError) {
                ObjectNode o = outputs.addObject();
                errorOutput(o, reply);
                if (!reply.has("ename")) {
                    o.put("ename", "execute_reply").put("evalue", "status " + status);
                }
            }
            return outputs;
        }

        private static void errorOutput(ObjectNode o, JsonNode c) {
            o.put("output_type", "error").put("ename", c.path("ename").asText())
                    .put("evalue", c.path("evalue").asText());
            o.set("traceback", c.path("traceback").isArray() ? c.get("traceback") : JSON.createArrayNode());
        }

        /**
         * A kernel that answered gets a shutdown_request on control and a few seconds to exit; then
         * the process (and any child) is killed.
         */
        @Override
        public void close() throws IOException {
            try {
                if (answered && process.isAlive()) {
                    ObjectNode content = JSON.createObjectNode().put("restart", false);
                    String id = client.send(client.control, "shutdown_request", content);
                    ZMQ.Poller poller = client.poller(client.control);
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (System.nanoTime() < deadline && process.isAlive()) {
                        if (poller.poll(200) > 0 && id.equals(client.receive(client.control).parentId())) {
                            process.waitFor(5, TimeUnit.SECONDS);
                            break;
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                // a kernel that answers nonsense is killed below all the same
            } finally {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                client.close();
                Files.deleteIfExists(connectionFile);
            }
        }
    }
}
