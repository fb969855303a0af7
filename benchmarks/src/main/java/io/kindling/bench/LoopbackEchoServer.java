package io.kindling.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Baseline A: the cheapest request/answer over loopback TCP. Blocking sockets, one platform thread
 * per connection, Nagle off on both ends, a fixed-size message echoed back unchanged. No framing,
 * no parsing: what is left is the kernel's loopback path and two thread wake-ups per round trip.
 */
final class LoopbackEchoServer implements AutoCloseable {
    private final int messageSize;
    private final ServerSocket listener;
    private final List<Socket> connections = new CopyOnWriteArrayList<>();

    LoopbackEchoServer(int messageSize) throws IOException {
        this.messageSize = messageSize;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().name("tcp-echo-accept").daemon(true).start(this::acceptLoop);
    }

    int port() {
        return listener.getLocalPort();
    }

    /** A client connection whose {@link ClosedLoopScenario.Call} sends one message and reads its echo. */
    ClosedLoopScenario.Call connect() throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port()));
        connections.add(socket);
        OutputStream out = socket.getOutputStream();
        InputStream in = socket.getInputStream();
        byte[] message = new byte[messageSize];
        for (int i = 0; i < message.length; i++) {
            message[i] = (byte) i;
        }
        byte[] echo = new byte[messageSize];
        return () -> {
            out.write(message);
            if (in.readNBytes(echo, 0, messageSize) != messageSize) {
                throw new IOException("echo server closed the connection");
            }
        };
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                socket.setTcpNoDelay(true);
                connections.add(socket);
                Thread.ofPlatform().name("tcp-echo").daemon(true).start(() -> echo(socket));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void echo(Socket socket) {
        byte[] buffer = new byte[messageSize];
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            while (in.readNBytes(buffer, 0, messageSize) == messageSize) {
                out.write(buffer);
            }
        } catch (SocketException e) {
            // the client went away
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket socket : connections) {
            socket.close();
        }
    }
}
