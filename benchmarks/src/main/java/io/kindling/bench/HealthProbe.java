package io.kindling.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Asks {@code GET /health} over a bare socket, so a start-up figure does not include loading and
 * warming an HTTP client in the prober.
 */
final class HealthProbe {
    private HealthProbe() {}

    /** Polls every millisecond until /health answers 200; fails if {@code process} (when given) dies first. */
    static void awaitHealthy(int port, Duration timeout, Process process) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                int status = status(port);
                if (status == 200) {
                    return;
                }
                throw new IOException("/health answered " + status);
            } catch (ConnectException notYet) {
                if (process != null && !process.isAlive()) {
                    throw new IOException("server process exited with " + process.exitValue() + " before answering /health");
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("/health did not answer within " + timeout);
                }
                Thread.sleep(1);
            }
        }
    }

    static int status(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET /health HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            StringBuilder statusLine = new StringBuilder();
            for (int b; (b = in.read()) >= 0 && b != '\n'; ) {
                statusLine.append((char) b);
            }
            String[] parts = statusLine.toString().split(" ");
            if (parts.length < 2) {
                throw new IOException("no HTTP status line from /health: " + statusLine);
            }
            return Integer.parseInt(parts[1]);
        }
    }
}
