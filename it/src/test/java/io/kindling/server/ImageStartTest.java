package io.kindling.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kindling.registry.ContainerImage;
import io.kindling.wire.ImageConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How an image's config and a function's ImageConfig combine, and how registry credentials are read. */
class ImageStartTest {
    static final ContainerImage.Defaults IMAGE = new ContainerImage.Defaults(List.of("/usr/bin/java", "-cp", "./*",
            "com.amazonaws.services.lambda.runtime.api.client.AWSLambda"), List.of("example.Hello::handleRequest"),
            "/var/task", List.of("PATH=/usr/bin:/bin", "JAVA_HOME=/usr/lib/jvm", "NO_VALUE", "BAD-NAME=x", "EMPTY="));

    @TempDir
    Path dir;

    @Test
    void theImagesOwnConfigStartsItWhenTheFunctionOverridesNothing() {
        ImageStart start = ImageStart.of(IMAGE, null);
        assertThat(start.argv()).containsExactly("/usr/bin/java", "-cp", "./*",
                "com.amazonaws.services.lambda.runtime.api.client.AWSLambda", "example.Hello::handleRequest");
        assertThat(start.workingDirectory()).isEqualTo("/var/task");
        assertThat(start.handler()).isEqualTo("example.Hello::handleRequest");
        assertThat(start.environment()).as("entries a process environment cannot carry are left out")
                .containsExactly(Map.entry("PATH", "/usr/bin:/bin"), Map.entry("JAVA_HOME", "/usr/lib/jvm"),
                        Map.entry("EMPTY", ""));
    }

    @Test
    void eachImageConfigMemberReplacesItsOwnAndAnEmptyListClears() {
        ImageStart command = ImageStart.of(IMAGE, new ImageConfig(null, List.of("other.Handler"), null));
        assertThat(command.argv()).endsWith("other.Handler").hasSize(5);
        assertThat(command.handler()).isEqualTo("other.Handler");
        assertThat(command.workingDirectory()).isEqualTo("/var/task");

        ImageStart cleared = ImageStart.of(IMAGE, new ImageConfig(List.of("/bootstrap"), List.of(), "/opt"));
        assertThat(cleared.argv()).containsExactly("/bootstrap");
        assertThat(cleared.handler()).isEmpty();
        assertThat(cleared.workingDirectory()).isEqualTo("/opt");

        ImageStart bare = ImageStart.of(new ContainerImage.Defaults(List.of(), List.of(), null, List.of()), null);
        assertThat(bare.argv()).as("nothing to run: the worker refuses it").isEmpty();
        assertThat(bare.workingDirectory()).as("Docker's default").isEqualTo("/");
    }

    @Test
    void registryCredentialsAreReadFromDockersConfigOnlyWhenPrivate() throws IOException {
        Path file = dir.resolve("config.json");
        Files.writeString(file, """
                {"auths": {"registry.example.com": {"auth": "%s"},
                           "https://index.docker.io/v1/": {"username": "hub", "password": "p:w"}}}
                """.formatted(java.util.Base64.getEncoder().encodeToString("ci:s3cret".getBytes())));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> ImageRegistries.readCredentials(file)).hasMessageContaining("chmod 600");

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        var credentials = ImageRegistries.readCredentials(file);
        assertThat(credentials.get("registry.example.com").username()).isEqualTo("ci");
        assertThat(credentials.get("registry.example.com").password()).isEqualTo("s3cret");
        assertThat(credentials.get("docker.io").password()).as("Docker Hub, as image references name it")
                .isEqualTo("p:w");

        Files.writeString(file, "{\"credsStore\": \"desktop\"}");
        assertThatThrownBy(() -> ImageRegistries.readCredentials(file)).hasMessageContaining("auths");
    }
}
