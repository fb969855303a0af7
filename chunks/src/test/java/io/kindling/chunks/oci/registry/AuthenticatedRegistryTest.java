package io.kindling.chunks.oci.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A registry behind an htpasswd file: basic authentication, as docker-registry does it. */
class AuthenticatedRegistryTest {
    private static final RegistryCredentials PULLER = new RegistryCredentials("puller", "s3cret-pass");
    @TempDir static Path dir;
    private static LocalRegistry registry;
    private static Descriptor manifest;

    @BeforeAll
    static void startRegistry() throws Exception {
        registry = LocalRegistry.start(dir.resolve("registry"), Optional.of(PULLER));
        OciLayoutBuilder layout = new OciLayoutBuilder(dir.resolve("layout"));
        manifest = layout.image("v1", Platform.LINUX_AMD64, List.of(layout.layer(Map.of("secret", "data"), true)));
        registry.push(layout, "v1", "private/fn:v1", false);
    }

    @AfterAll
    static void stopRegistry() throws Exception {
        registry.close();
    }

    private RegistryClient client(Optional<RegistryCredentials> credentials) {
        return new RegistryClient(RegistrySettings.defaults().withCredentials(CredentialsLookup.of(
                credentials.map(c -> Map.of(registry.address(), c)).orElse(Map.of()))));
    }

    @Test
    void pullsWithTheConfiguredCredentials() throws Exception {
        try (RegistryClient client = client(Optional.of(PULLER))) {
            PulledImage pulled = client.resolve(registry.image("private/fn:v1"), Platform.LINUX_AMD64);
            assertThat(pulled.manifestDigest()).isEqualTo(manifest.digest());
            FetchedLayer layer = client.fetchLayer(pulled.resolved(), pulled.layers().getFirst(), dir.resolve("layers"));
            assertThat(layer.file()).exists();
        }
    }

    @Test
    void withoutCredentialsItSaysSo() {
        try (RegistryClient client = client(Optional.empty())) {
            assertThatThrownBy(() -> client.resolve(registry.image("private/fn:v1"), Platform.LINUX_AMD64))
                    .isInstanceOf(RegistryPullException.AuthFailed.class)
                    .hasMessage("The registry " + registry.address() + " needs a user name and password to pull "
                            + registry.address() + "/private/fn:v1, and none is configured for it.");
        }
    }

    @Test
    void aWrongPasswordIsRefusedWithoutShowingIt() {
        try (RegistryClient client = client(Optional.of(new RegistryCredentials("puller", "wrong-pass")))) {
            assertThatThrownBy(() -> client.resolve(registry.image("private/fn:v1"), Platform.LINUX_AMD64))
                    .isInstanceOf(RegistryPullException.AuthFailed.class)
                    .hasMessageStartingWith("The registry " + registry.address() + " refused the credentials of user puller for pulling "
                            + registry.address() + "/private/fn:v1")
                    .hasMessageNotContaining("wrong-pass");
        }
    }
}
