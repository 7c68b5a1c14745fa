package org.gradlab.plot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;

/**
 * Renders an HTML file in headless Chromium at 1280 CSS pixels wide and reports what a reader
 * would run into: horizontal overflow (the document wider than the window), images that did not
 * load, and console errors; it keeps a full-page screenshot.
 *
 * <p>How: Debian's {@code chromium} (or {@code $GRADLAB_CHROMIUM}) starts headless with a fresh
 * profile in a temporary folder and {@code --remote-debugging-port=0}; the DevTools protocol, over
 * the JDK's own WebSocket client, sets a 1280 x 900 viewport, loads the page and waits for its load
 * event (which waits for images), then reads {@code document.documentElement.scrollWidth} and each
 * image's {@code complete} and {@code naturalWidth}, collects {@code Runtime.exceptionThrown},
 * {@code console.error} and the browser's own error log entries (a file that failed to load
 * appears there), and captures the whole page in tiles it stitches into one PNG under
 * {@code target/screenshots/}. Only the processes it started are stopped, and the profile is
 * deleted.
 *
 * <pre>
 * Browser.Result r = Browser.render(Path.of("runs/study/report.html"));   // skips the test without chromium
 * assertTrue(r.problems().isEmpty(), r.problems().toString());
 * </pre>
 */
public final class Browser {
    /** The window's width in CSS pixels. */
    public static final int WIDTH = 1280;
    /** The window's height in CSS pixels (the page may be taller; the screenshot is the whole page). */
    public static final int HEIGHT = 900;
    /** Where screenshots go, relative to the working directory (Maven runs tests in the project's root). */
    public static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final int TILE = 4000;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Measured in the page once it has loaded. */
    private static final String MEASURE = """
            (() => {
              const d = document.documentElement;
              const wide = [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > d.clientWidth + 0.5)
                .filter(e => !e.parentElement || e.parentElement.getBoundingClientRect().right <= d.clientWidth + 0.5)
                .slice(0, 5)
                .map(e => e.tagName.toLowerCase() + ' ' + Math.round(e.getBoundingClientRect().width) + ' px wide: '
                     + (e.textContent || e.getAttribute('alt') || '').trim().replace(/\\s+/g, ' ').slice(0, 60));
              return {
                scrollWidth: Math.max(d.scrollWidth, document.body ? document.body.scrollWidth : 0),
                scrollHeight: Math.max(d.scrollHeight, document.body ? document.body.scrollHeight : 0),
                clientWidth: d.clientWidth,
                broken: [...document.images].filter(i => !i.complete || i.naturalWidth === 0)
                  .map(i => (i.getAttribute('alt') || '') + ' <' + (i.getAttribute('src') || '').slice(0, 80) + '>'),
                images: document.images.length,
                wide: wide
              };
            })()""";

    private Browser() {
    }

    /**
     * What the page did in the browser.
     *
     * @param page          the HTML file
     * @param width         the window's width (CSS pixels)
     * @param scrollWidth   the document's width: above {@code width} the reader scrolls sideways
     * @param scrollHeight  the document's height
     * @param images        images on the page
     * @param brokenImages  images that did not load (alt text and the start of their source)
     * @param consoleErrors uncaught exceptions, {@code console.error} calls and the browser's error log
     * @param wideElements  a few of the outermost elements that stick out past the window, for the message
     * @param screenshot    the full-page PNG
     */
    public record Result(Path page, int width, int scrollWidth, int scrollHeight, int images, List<String> brokenImages,
            List<String> consoleErrors, List<String> wideElements, Path screenshot) {

        /** Whether the reader has to scroll sideways. */
        public boolean overflows() {
            return scrollWidth > width;
        }

        /** Everything wrong, one line each; empty for a clean page. */
        public List<String> problems() {
            List<String> p = new ArrayList<>();
            if (overflows()) {
                p.add("the page is " + scrollWidth + " px wide in a " + width + " px window" + (wideElements.isEmpty() ? ""
                        : "; sticking out: " + String.join("; ", wideElements)));
            }
            brokenImages.forEach(i -> p.add("image did not load: " + i));
            consoleErrors.forEach(e -> p.add("console error: " + e));
            return p;
        }
    }

    /** Chromium: {@code $GRADLAB_CHROMIUM}, else Debian's {@code /usr/bin/chromium}, else {@code chromium} on the PATH. */
    public static Optional<Path> chromium() {
        String env = System.getenv("GRADLAB_CHROMIUM");
        if (env != null && !env.isBlank()) {
            return Optional.of(Path.of(env)).filter(Files::isExecutable);
        }
        Stream<Path> path = Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .filter(s -> !s.isEmpty()).map(s -> Path.of(s, "chromium"));
        return Stream.concat(Stream.of(Path.of("/usr/bin/chromium")), path).filter(Files::isExecutable).findFirst();
    }

    /** Skips the calling test, saying why, when there is no Chromium. */
    public static Path assumeChromium() {
        Optional<Path> c = chromium();
        Assumptions.assumeTrue(c.isPresent(), "no chromium here (Debian: apt-get install chromium; or set GRADLAB_CHROMIUM): "
                + "the browser check is skipped");
        return c.orElseThrow();
    }

    /** Renders {@code html} and keeps its screenshot as {@code target/screenshots/<file name>.png}; skips the test without Chromium. */
    public static Result render(Path html) throws IOException {
        return render(html, SCREENSHOTS.resolve(html.getFileName().toString().replaceAll("\\.html?$", "") + ".png"));
    }

    /** Renders {@code html} and writes its full-page screenshot to {@code screenshot}; skips the test without Chromium. */
    public static Result render(Path html, Path screenshot) throws IOException {
        Path chromium = assumeChromium();
        if (!Files.isRegularFile(html)) {
            throw new IOException("browser: no such page " + html);
        }
        Path profile = Files.createTempDirectory("gradlab-chromium");
        Process process = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
                "--user-data-dir=" + profile, "--remote-debugging-port=0", "--window-size=" + WIDTH + "," + HEIGHT, "about:blank")
                .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile()).start();
        try (Session s = Session.open(process, profile)) {
            return s.render(html.toAbsolutePath().toUri(), screenshot);
        } finally {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            deleteTree(profile);
        }
    }

    /** One DevTools connection to the browser's first page. */
    private static final class Session implements WebSocket.Listener, AutoCloseable {
        private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
        private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
        private final CompletableFuture<Void> loaded = new CompletableFuture<>();
        private final AtomicInteger ids = new AtomicInteger();
        private final StringBuilder frame = new StringBuilder();
        private WebSocket socket;

        static Session open(Process process, Path profile) throws IOException {
            Path port = profile.resolve("DevToolsActivePort");
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!Files.isRegularFile(port) || Files.readAllLines(port).size() < 2) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("browser: chromium " + (process.isAlive() ? "did not open its DevTools port in time"
                            : "exited with " + process.exitValue()) + "; its log ends: " + tail(profile.resolve("chromium.log")));
                }
                sleep(100);
            }
            int p = Integer.parseInt(Files.readAllLines(port).get(0).strip());
            HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
            JsonNode targets;
            try {
                targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p + "/json/list"))
                        .timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString()).body());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("browser: interrupted", e);
            }
            String ws = null;
            for (JsonNode t : targets) {
                if ("page".equals(t.path("type").asText()) && ws == null) {
                    ws = t.path("webSocketDebuggerUrl").asText();
                }
            }
            if (ws == null) {
                throw new IOException("browser: chromium has no page to drive: " + targets);
            }
            Session s = new Session();
            s.socket = get(http.newWebSocketBuilder().connectTimeout(TIMEOUT).buildAsync(URI.create(ws), s));
            return s;
        }

        Result render(URI page, Path screenshot) throws IOException {
            call("Page.enable", null);
            call("Runtime.enable", null);
            call("Log.enable", null);
            ObjectNode metrics = JSON.createObjectNode().put("width", WIDTH).put("height", HEIGHT).put("deviceScaleFactor", 1)
                    .put("mobile", false);
            call("Emulation.setDeviceMetricsOverride", metrics);
            call("Page.navigate", JSON.createObjectNode().put("url", page.toString()));
            get(loaded);
            // one more frame, so layout and late errors have settled
            call("Runtime.evaluate", JSON.createObjectNode().put("awaitPromise", true)
                    .put("expression", "new Promise(r => requestAnimationFrame(() => setTimeout(r, 50)))"));
            JsonNode m = call("Runtime.evaluate", JSON.createObjectNode().put("expression", MEASURE).put("returnByValue", true))
                    .path("result").path("value");
            int scrollWidth = m.path("scrollWidth").asInt();
            int scrollHeight = Math.max(1, m.path("scrollHeight").asInt());
            List<String> broken = new ArrayList<>();
            m.path("broken").forEach(b -> broken.add(b.asText()));
            List<String> wide = new ArrayList<>();
            m.path("wide").forEach(w -> wide.add(w.asText()));
            screenshot(Math.max(WIDTH, scrollWidth), scrollHeight, screenshot);
            synchronized (errors) {
                return new Result(Path.of(page), m.path("clientWidth").asInt(WIDTH), scrollWidth, scrollHeight, m.path("images").asInt(),
                        List.copyOf(broken), List.copyOf(errors), List.copyOf(wide), screenshot);
            }
        }

        /** The whole page, captured in tiles of at most {@value #TILE} px (a single huge capture can come back blank). */
        private void screenshot(int width, int height, Path file) throws IOException {
            BufferedImage page = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = page.createGraphics();
            try {
                for (int top = 0; top < height; top += TILE) {
                    ObjectNode clip = JSON.createObjectNode().put("x", 0).put("y", top).put("width", width)
                            .put("height", Math.min(TILE, height - top)).put("scale", 1);
                    ObjectNode params = JSON.createObjectNode().put("format", "png").put("captureBeyondViewport", true);
                    params.set("clip", clip);
                    byte[] png = Base64.getDecoder().decode(call("Page.captureScreenshot", params).path("data").asText());
                    g.drawImage(ImageIO.read(new ByteArrayInputStream(png)), 0, top, null);
                }
            } finally {
                g.dispose();
            }
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            ImageIO.write(page, "png", file.toFile());
        }

        private JsonNode call(String method, ObjectNode params) throws IOException {
            int id = ids.incrementAndGet();
            CompletableFuture<JsonNode> answer = new CompletableFuture<>();
            pending.put(id, answer);
            ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
            if (params != null) {
                msg.set("params", params);
            }
            get(socket.sendText(msg.toString(), true));
            JsonNode r = get(answer);
            if (r.has("error")) {
                throw new IOException("browser: " + method + " failed: " + r.get("error"));
            }
            return r.path("result");
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            frame.append(data);
            if (last) {
                String text = frame.toString();
                frame.setLength(0);
                try {
                    event(JSON.readTree(text));
                } catch (IOException e) {
                    errors.add("(unreadable DevTools message: " + e.getMessage() + ")");
                }
            }
            webSocket.request(1);
            return null;
        }

        private void event(JsonNode msg) {
            if (msg.has("id")) {
                CompletableFuture<JsonNode> f = pending.remove(msg.get("id").asInt());
                if (f != null) {
                    f.complete(msg);
                }
                return;
            }
            JsonNode p = msg.path("params");
            switch (msg.path("method").asText()) {
                case "Page.loadEventFired" -> loaded.complete(null);
                case "Runtime.exceptionThrown" -> {
                    JsonNode d = p.path("exceptionDetails");
                    errors.add(d.path("exception").path("description").asText(d.path("text").asText()));
                }
                case "Runtime.consoleAPICalled" -> {
                    if (List.of("error", "assert").contains(p.path("type").asText())) {
                        List<String> args = new ArrayList<>();
                        p.path("args").forEach(a -> args.add(a.has("value") ? a.get("value").asText() : a.path("description").asText()));
                        errors.add(String.join(" ", args));
                    }
                }
                case "Log.entryAdded" -> {
                    JsonNode e = p.path("entry");
                    if ("error".equals(e.path("level").asText())) {
                        String url = e.path("url").asText();
                        errors.add(e.path("text").asText() + (url.isEmpty() ? "" : " (" + abbreviate(url) + ")"));
                    }
                }
                default -> {
                }
            }
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            IOException e = new IOException("browser: the DevTools connection failed: " + error, error);
            pending.values().forEach(f -> f.completeExceptionally(e));
            loaded.completeExceptionally(e);
        }

        @Override
        public void close() {
            if (socket != null) {
                socket.abort();
            }
        }
    }

    private static <T> T get(CompletableFuture<T> f) throws IOException {
        try {
            return f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("browser: interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException("browser: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IOException("browser: no answer from chromium in " + TIMEOUT.toSeconds() + " s", e);
        }
    }

    private static String abbreviate(String url) {
        return url.length() <= 100 ? url : url.substring(0, 100) + "...";
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void sleep(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("browser: interrupted", e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind is not worth failing a test for
        }
    }
}
