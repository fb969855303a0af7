package io.kindling.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.kindling.chunks.LocalCodeStore;
import io.kindling.wire.ImageConfig;
import io.kindling.wire.LoggingConfig;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image versions in the registry: what is stored for them, what survives a restart, what a publish copies. */
class ContainerImageRegistryTest {
    static final String DIGEST = "ab".repeat(32);
    static final ContainerImage IMAGE = new ContainerImage("localhost:5000/app:v1", "localhost:5000/app@sha256:" + DIGEST,
            new ContainerImage.Defaults(List.of("/entry"), List.of("handler.one"), "/var/task",
                    List.of("PATH=/usr/bin:/bin")));
    static final FunctionSettings SETTINGS = new FunctionSettings("Image", null, "arn:aws:iam::1:role/r", null, "", 3,
            128, Map.of(), 512, List.of("x86_64"), "PassThrough", new LoggingConfig("Text", null, null, null),
            new ImageConfig(null, List.of("handler.two"), "/opt"));

    @TempDir
    Path dir;
    Registry registry;
    final List<String> pending = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        registry = open(dir);
    }

    private Registry open(Path at) throws Exception {
        Registry opened = new Registry(at.resolve("registry.db"), new LocalCodeStore(at.resolve("code")),
                Clock.systemUTC(), new Registry.ConcurrencyLimits(1000, 100));
        opened.onCodePending((name, sha) -> pending.add(name + "@" + sha));
        return opened;
    }

    @AfterEach
    void close() {
        registry.close();
    }

    @Test
    void anImageVersionKeepsItsImageAndOverridesAcrossARestartAndAPublish() throws Exception {
        FunctionVersion created = registry.createFunction("img", SETTINGS, new Registry.ImageCode(DIGEST, 1234, IMAGE),
                Map.of(), false);
        assertThat(created.code()).isEqualTo(new CodeRef(DIGEST, 1234, Optional.of(IMAGE)));
        assertThat(pending).containsExactly("img@" + DIGEST);
        assertThat(registry.containerImage("img", DIGEST)).contains(IMAGE);
        assertThat(registry.containerImage("img", "cd".repeat(32))).isEmpty();

        registry.close();
        registry = open(dir);
        FunctionVersion reopened = registry.resolve("img", null);
        assertThat(reopened.code().image()).contains(IMAGE);
        assertThat(reopened.settings().imageConfig()).isEqualTo(SETTINGS.imageConfig());
        assertThat(registry.pendingCode()).containsExactly(new Registry.CodeRefOf("img", DIGEST));

        registry.codeReady("img", DIGEST);
        FunctionVersion published = registry.publishVersion("img", DIGEST, "v1", null);
        assertThat(published.code().image()).contains(IMAGE);
        assertThat(published.settings().isImage()).isTrue();
    }

    @Test
    void aFailedImportRecordsLambdasReasonCode() throws Exception {
        registry.createFunction("img", SETTINGS, new Registry.ImageCode(DIGEST, 1, IMAGE), Map.of(), false);
        registry.codeFailed("img", DIGEST, "Layer 2 of image … has the digest sha256:00…", "InvalidImage");
        VersionStatus status = registry.resolve("img", null).status();
        assertThat(status.state()).isEqualTo(VersionStatus.State.Failed);
        assertThat(status.stateReasonCode()).isEqualTo("InvalidImage");
        assertThat(status.lastUpdateStatusReasonCode()).isEqualTo("InvalidImage");
        assertThat(registry.codeInUse()).contains(DIGEST);
    }

    @Test
    void aDatabaseFromBeforeImagesIsMigratedAndItsZipVersionsReadAsZips() throws Exception {
        registry.close();
        Path old = dir.resolve("old");
        java.nio.file.Files.createDirectories(old);
        String sha = "cd".repeat(32);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + old.resolve("registry.db"));
             Statement s = c.createStatement()) {
            for (String script : List.of("V1__functions_versions_aliases.sql",
                    "V2__event_invoke_and_provisioned_concurrency.sql")) {
                try (var in = Registry.class.getResourceAsStream("/db/migration/" + script)) {
                    for (String statement : new String(in.readAllBytes()).split(";")) {
                        if (!statement.isBlank()) {
                            s.execute(statement);
                        }
                    }
                }
            }
            s.execute("PRAGMA user_version = 2");
            s.execute("INSERT INTO functions(name, created_at) VALUES ('zip', '2026-01-01T00:00:00Z')");
            s.execute("INSERT INTO versions VALUES ('zip', 0, '{\"PackageType\":\"Zip\",\"Runtime\":\"provided\","
                    + "\"Handler\":\"bootstrap\",\"TimeoutSeconds\":3,\"MemoryMb\":128,\"Environment\":{},"
                    + "\"EphemeralStorageMb\":512,\"Architectures\":[\"x86_64\"]}', '" + sha + "', 10, 'r',"
                    + " '2026-01-01T00:00:00Z', 'Active', NULL, NULL, 'Successful', NULL, NULL)");
        }
        registry = open(old);
        FunctionVersion zip = registry.resolve("zip", null);
        assertThat(zip.code()).isEqualTo(new CodeRef(sha, 10));
        assertThat(zip.settings().imageConfig()).isNull();
        assertThat(zip.settings().isImage()).isFalse();
    }
}
