package org.gradlab.notebooks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/** The client side of a Jupyter kernel's shell, iopub and control channels (tcp on 127.0.0.1). */
final class KernelClient implements AutoCloseable {
    private final ZContext context = new ZContext();
    private final Wire wire;
    final ZMQ.Socket shell;
    final ZMQ.Socket iopub;
    final ZMQ.Socket control;

    /** Connects to a kernel listening at the ports of {@code connection}. */
    KernelClient(ConnectionFile connection) {
        wire = new Wire(connection.key());
        shell = socket(SocketType.DEALER, connection.shellPort());
        iopub = socket(SocketType.SUB, connection.iopubPort());
        iopub.subscribe(new byte[0]);
        control = socket(SocketType.DEALER, connection.controlPort());
    }

    private ZMQ.Socket socket(SocketType type, int port) {
        ZMQ.Socket s = context.createSocket(type);
        s.setLinger(0);
        s.connect("tcp://127.0.0.1:" + port);
        return s;
    }

    /** Sends a request of {@code type} on {@code socket}; returns its msg_id. */
    String send(ZMQ.Socket socket, String type, ObjectNode content) {
        return wire.send(socket, List.of(), type, null, content);
    }

    /** Receives the message waiting on {@code socket} (call after a poll said one is there). */
    Wire.Message receive(ZMQ.Socket socket) {
        return wire.receive(socket);
    }

    ZMQ.Poller poller(ZMQ.Socket... sockets) {
        ZMQ.Poller p = context.createPoller(sockets.length);
        for (ZMQ.Socket s : sockets) {
            p.register(s, ZMQ.Poller.POLLIN);
        }
        return p;
    }

    @Override
    public void close() {
        context.close();
    }
}
