package org.gradlab.notebooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.zeromq.ZMQ;

/**
 * The Jupyter messaging protocol's wire format (5.3): routing identities, the {@code <IDS|MSG>}
 * delimiter, the HMAC-SHA256 signature (hex) of header, parent header, metadata and content, then
 * those four JSON frames. Every message received must carry a valid signature.
 */
final class Wire {
    static final String PROTOCOL_VERSION = "5.3";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] DELIMITER = "<IDS|MSG>".getBytes(StandardCharsets.US_ASCII);

    /** A received message: routing identities, header, type, the msg_id it answers (or null), content. */
    record Message(List<byte[]> identities, JsonNode header, String type, String parentId, JsonNode content) {}

    private final Mac mac;
    private final String session = UUID.randomUUID().toString();

    Wire(String key) {
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available: " + e, e);
        }
    }

    /** Sends a message of {@code type} answering {@code parent} (a header, or null); returns its msg_id. */
    String send(ZMQ.Socket socket, List<byte[]> identities, String type, JsonNode parent, ObjectNode content) {
        String id = UUID.randomUUID().toString();
        ObjectNode header = JSON.createObjectNode().put("msg_id", id).put("session", session)
                .put("username", "gradlab").put("date", OffsetDateTime.now(ZoneOffset.UTC).toString())
                .put("msg_type", type).put("version", PROTOCOL_VERSION);
        byte[][] parts = {bytes(header), bytes(parent == null ? JSON.createObjectNode() : parent),
                bytes(JSON.createObjectNode()), bytes(content)};
        for (byte[] identity : identities) {
            socket.sendMore(identity);
        }
        socket.sendMore(DELIMITER);
        socket.sendMore(sign(parts));
        for (int i = 0; i < parts.length - 1; i++) {
            socket.sendMore(parts[i]);
        }
        socket.send(parts[parts.length - 1]);
        return id;
    }

    /** Receives the message waiting on {@code socket}; checks its framing and signature. */
    Message receive(ZMQ.Socket socket) {
        List<byte[]> frames = new ArrayList<>();
        do {
            frames.add(socket.recv());
        } while (socket.hasReceiveMore());
        int d = 0;
        while (d < frames.size() && !Arrays.equals(frames.get(d), DELIMITER)) {
            d++;
        }
        if (frames.size() < d + 6) {
            throw new IllegalStateException("received a malformed Jupyter message (" + frames.size() + " frames, expected"
                    + " the <IDS|MSG> delimiter, then signature, header, parent header, metadata and content)");
        }
        byte[][] parts = {frames.get(d + 2), frames.get(d + 3), frames.get(d + 4), frames.get(d + 5)};
        byte[] signature = frames.get(d + 1);
        if (!MessageDigest.isEqual(sign(parts).getBytes(StandardCharsets.US_ASCII), signature)) {
            throw new IllegalStateException("received a Jupyter message with an invalid HMAC-SHA256 signature '"
                    + new String(signature, 0, Math.min(signature.length, 80), StandardCharsets.US_ASCII) + "'");
        }
        JsonNode header = tree(parts[0]);
        return new Message(List.copyOf(frames.subList(0, d)), header, header.path("msg_type").asText(),
                tree(parts[1]).path("msg_id").asText(null), tree(parts[3]));
    }

    private String sign(byte[][] parts) {
        for (byte[] p : parts) {
            mac.update(p);
        }
        return HexFormat.of().formatHex(mac.doFinal());
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode tree(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("received a Jupyter message part that is not JSON: "
                    + new String(json, 0, Math.min(json.length, 200), StandardCharsets.UTF_8));
        }
    }
}
