package io.kindling.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * Kindling as a separate process (`kindling serve` from this test's classpath), so a test can
 * kill it with SIGKILL or stop it with SIGTERM like an operator would.
 */
final class ChildServer implements AutoCloseable {
    final Path dataDir;
    final Path log;
    final int port;
    private final Process process;

    private ChildServer(Path dataDir, Path log, int port, Process process) {
        this.dataDir = dataDir;
        this.log = log;
        this.port = port;
        this.process = process;
    }

    /** {@code kindling serve} on the data directory {@code dir/data}, with {@code serveOptions} added. */
    static ChildServer start(Path dir, String name, String... serveOptions) throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        Path dataDir = dir.resolve("data");
        Path log = dir.resolve(name + ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // The runtimes the build put beside the test classes, as this JVM was told.
        String runtimes = "-Dkindling.runtimes.dir=" + System.getProperty("kindling.runtimes.dir", "");
        List<String> command = new java.util.ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", runtimes,
                "-cp", System.getProperty("java.class.path"), "io.kindling.cli.Kindling", "serve",
                "--data-dir", dataDir.toString(), "--port", Integer.toString(port), "--account-id", TestServer.ACCOUNT,
                "--credentials", TestServer.writeCredentials(dir).toString()));
        command.addAll(List.of(serveOptions));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ChildServer child = new ChildServer(dataDir, log, port, process);
        child.awaitHealthy();
        return child;
    }

    private void awaitHealthy() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("kindling serve exited with " + process.exitValue() + ":\n" + output());
            }
            try {
                var r = http.send(HttpRequest.newBuilder(URI.create(endpoint() + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("kindling serve did not become healthy in 60 s:\n" + output());
    }

    String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    LambdaClient client() {
        return TestServer.client(endpoint(), TestServer.ACCESS_KEY, TestServer.SECRET_KEY);
    }

    String output() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed or closed. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, as systemd or an operator's Ctrl-C would send; returns the exit code. */
    int terminate() throws InterruptedException {
        process.destroy();
        return process.waitFor();
    }

    /**
     * Stops a server still running the way an operator would (SIGTERM), so it removes its sandboxes (provisioned ones
     * included); SIGKILL only if it does not stop in time. A SIGKILLed server leaves them for the next start on its
     * data directory, and the test's directory is gone by then.
     */
    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                kill9();
            }
        }
    }
}
