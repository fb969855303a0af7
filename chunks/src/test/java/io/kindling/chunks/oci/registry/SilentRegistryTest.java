package io.kindling.chunks.oci.registry;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A registry that accepts the connection and never answers must not hang a pull. */
class SilentRegistryTest {
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
