package io.kindling.chunks.oci.registry;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A registry that accepts the connection and never answers, or stops sending mid-body, must not hang a pull. */
class SilentRegistryTest {
    @Test
    void aBodyThatStopsComingIsUnreachable() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/v2/", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", MediaTypes.OCI_MANIFEST);
            exchange.sendResponseHeaders(200, 1000);
            exchange.getResponseBody().write("{\"schemaVersion\":2,".getBytes());
            exchange.getResponseBody().flush();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        server.start();
        try (RegistryClient client = new RegistryClient(RegistrySettings.defaults().withRequestTimeout(Duration.ofMillis(500)))) {
            ImageReference image = ImageReference.parse("127.0.0.1:" + server.getAddress().getPort() + "/fn:v1");
            assertThatThrownBy(() -> client.resolve(image, Platform.LINUX_AMD64))
                    .isInstanceOf(RegistryPullException.Unreachable.class)
                    .hasMessageContaining("(reading the manifest v1)").hasMessageEndingWith(": no data for 500 ms");
        } finally {
            release.countDown();
            server.stop(0);
        }
    }

    @Test
    void noAnswerWithinTheRequestTimeoutIsUnreachable() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                RegistryClient client = new RegistryClient(RegistrySettings.defaults().withRequestTimeout(Duration.ofMillis(500)))) {
            Thread.ofVirtual().start(() -> {
                try (Socket accepted = silent.accept()) {
                    accepted.getInputStream().readAllBytes();
                } catch (java.io.IOException e) {
                    // the client gave up and closed the connection
                }
            });
            ImageReference image = ImageReference.parse("127.0.0.1:" + silent.getLocalPort() + "/fn:v1");
            assertThatThrownBy(() -> client.resolve(image, Platform.LINUX_AMD64))
                    .isInstanceOf(RegistryPullException.Unreachable.class)
                    .hasMessage("The registry http://127.0.0.1:" + silent.getLocalPort() + " cannot be reached to pull " + image
                            + ": no answer within 500 ms");
        }
    }
}
