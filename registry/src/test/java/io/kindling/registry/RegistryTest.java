package io.kindling.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kindling.chunks.LocalCodeStore;
import io.kindling.chunks.PackageLimits;
import io.kindling.chunks.ZipPackageInspector;
import io.kindling.wire.LoggingConfig;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry's transactions and state transitions, on a real SQLite file and a real code store. */
class RegistryTest {
    @TempDir
    Path dir;
    LocalCodeStore store;
    Registry registry;
    final List<String> pending = new ArrayList<>();

    static final FunctionSettings SETTINGS = new FunctionSettings("Zip", "provided.al2023", "arn:aws:iam::1:role/r",
            "bootstrap", "", 3, 128, Map.of(), 512, List.of("x86_64"), "PassThrough",
            new LoggingConfig("Text", null, null, null));

    @BeforeEach
    void open() throws Exception {
        store = new LocalCodeStore(dir.resolve("code"));
        registry = new Registry(dir.resolve("registry.db"), store, Clock.systemUTC(), new Registry.ConcurrencyLimits(1000, 100));
        registry.onCodePending((name, sha) -> pending.add(name + "@" + sha));
    }

    @AfterEach
    void close() {
        registry.close();
    }

    Registry.StagedCode stage(String content) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            ZipEntry entry = new ZipEntry("bootstrap");
            entry.setTime(315_532_800_000L);
            zip.putNextEntry(entry);
            zip.write(content.getBytes());
        }
        Path file = Files.createTempFile(dir, "stage", ".zip");
        Files.write(file, bytes.toByteArray());
        return new Registry.StagedCode(file, new ZipPackageInspector().inspect(file, PackageLimits.lambdaDefaults()));
    }

    @Test
    void aNewFunctionIsPendingUntilItsCodeIsReady() throws Exception {
        var code = stage("one");
        FunctionVersion created = registry.createFunction("f", SETTINGS, code, Map.of(), false);
        assertThat(created.status().state()).isEqualTo(VersionStatus.State.Pending);
        assertThat(pending).containsExactly("f@" + code.summary().sha256Hex());
        assertThatThrownBy(() -> registry.updateSettings("f", s -> s, null))
                .isInstanceOf(RegistryException.UpdateInProgress.class);

        registry.codeReady("f", code.summary().sha256Hex());
        FunctionVersion ready = registry.resolve("f", null);
        assertThat(ready.status()).isEqualTo(VersionStatus.ready());
        assertThat(registry.pendingCode()).isEmpty();
    }

    @Test
    void aFailedPreparationFailsANewFunctionButNotAnUpdatedOne() throws Exception {
        var one = stage("one");
        registry.createFunction("f", SETTINGS, one, Map.of(), false);
        registry.codeFailed("f", one.summary().sha256Hex(), "disk full");
        assertThat(registry.resolve("f", null).status().state()).isEqualTo(VersionStatus.State.Failed);

        var two = stage("two");
        registry.createFunction("g", SETTINGS, two, Map.of(), false);
        registry.codeReady("g", two.summary().sha256Hex());
        var three = stage("three");
        registry.updateCode("g", three, null, false);
        registry.codeFailed("g", three.summary().sha256Hex(), "disk full");
        VersionStatus s = registry.resolve("g", null).status();
        assertThat(s.state()).isEqualTo(VersionStatus.State.Active);
        assertThat(s.lastUpdateStatus()).isEqualTo(VersionStatus.UpdateStatus.Failed);
        assertThat(s.lastUpdateStatusReason()).isEqualTo("disk full");
    }

    @Test
    void publishingUnchangedCodeAndSettingsReturnsTheNewestVersion() throws Exception {
        var code = stage("p");
        registry.createFunction("p", SETTINGS, code, Map.of(), false);
        registry.codeReady("p", code.summary().sha256Hex());
        assertThat(registry.publishVersion("p", null, "first", null).version()).isEqualTo("1");
        assertThat(registry.publishVersion("p", null, "again", null).version()).isEqualTo("1");
        registry.updateSettings("p", s -> new FunctionSettings(s.packageType(), s.runtime(), s.role(), s.handler(),
                s.description(), s.timeoutSeconds(), 256, s.environment(), s.ephemeralStorageMb(), s.architectures(),
                s.tracingMode(), s.logging()), null);
        FunctionVersion v2 = registry.publishVersion("p", code.summary().sha256Hex(), "second", null);
        assertThat(v2.version()).isEqualTo("2");
        assertThat(v2.settings().memoryMb()).isEqualTo(256);
        assertThat(registry.resolve("p", "1").settings().memoryMb()).isEqualTo(128);
    }

    @Test
    void packagesAreStoredOnceAndDeletedWithTheirLastReference() throws Exception {
        var shared = stage("shared");
        String sha = shared.summary().sha256Hex();
        registry.createFunction("a", SETTINGS, shared, Map.of(), false);
        registry.createFunction("b", SETTINGS, stage("shared"), Map.of(), false);
        assertThat(store.find(sha)).isPresent();
        registry.deleteFunction("a");
        assertThat(store.find(sha)).isPresent();
        registry.deleteFunction("b");
        assertThat(store.find(sha)).isEmpty();
    }

    @Test
    void dataDerivedFromCodeGoesOnlyOnceNoVersionReferencesAndNothingHoldsIt() throws Exception {
        var code = stage("derived");
        String sha = code.summary().sha256Hex();
        List<String> deleted = new ArrayList<>();
        registry.createFunction("d", SETTINGS, code, Map.of(), false);
        assertThat(registry.codeInUse()).containsExactly(sha);
        assertThat(registry.deleteIfCodeUnused(sha, () -> deleted.add(sha))).isFalse();

        Registry.CodeHold hold = registry.holdCode(sha); // a pool still running the code
        registry.deleteFunction("d");
        assertThat(registry.codeInUse()).containsExactly(sha);
        assertThat(registry.deleteIfCodeUnused(sha, () -> deleted.add(sha))).isFalse();
        assertThat(deleted).isEmpty();

        hold.close();
        assertThat(registry.codeInUse()).isEmpty();
        assertThat(registry.deleteIfCodeUnused(sha, () -> deleted.add(sha))).isTrue();
        assertThat(deleted).containsExactly(sha);
        assertThat(registry.deleteIfCodeUnused(sha, () -> false)).as("nothing left to delete").isFalse();
    }

    @Test
    void aRejectedCreateStoresNothing() throws Exception {
        registry.createFunction("taken", SETTINGS, stage("first"), Map.of(), false);
        var second = stage("second");
        assertThatThrownBy(() -> registry.createFunction("taken", SETTINGS, second, Map.of(), false))
                .isInstanceOf(RegistryException.FunctionExists.class);
        assertThat(store.find(second.summary().sha256Hex())).isEmpty();
    }

    @Test
    void aliasesPinTheirVersions() throws Exception {
        var code = stage("al");
        registry.createFunction("al", SETTINGS, code, Map.of(), true);
        registry.codeReady("al", code.summary().sha256Hex());
        registry.createAlias("al", "live", "1", null, Map.of());
        assertThat(registry.resolve("al", "live").version()).isEqualTo("1");
        assertThatThrownBy(() -> registry.deleteVersion("al", 1)).isInstanceOf(RegistryException.VersionInUse.class);
        assertThatThrownBy(() -> registry.createAlias("al", "ghost", "9", null, Map.of()))
                .isInstanceOf(RegistryException.VersionNotFound.class);
        assertThatThrownBy(() -> registry.updateAlias("al", "live", "1", null, null, "stale"))
                .isInstanceOf(RegistryException.RevisionMismatch.class);
    }

    @Test
    void reservedConcurrencyKeepsOneHundredUnreserved() throws Exception {
        registry.createFunction("c1", SETTINGS, stage("c1"), Map.of(), false);
        registry.createFunction("c2", SETTINGS, stage("c2"), Map.of(), false);
        registry.putReservedConcurrency("c1", 800);
        assertThatThrownBy(() -> registry.putReservedConcurrency("c2", 101))
                .isInstanceOf(RegistryException.InvalidRequest.class).hasMessageContaining("[100]");
        assertThat(registry.putReservedConcurrency("c2", 100)).isEqualTo(100);
        // Replacing c1's own reservation does not count it twice.
        assertThat(registry.putReservedConcurrency("c1", 800)).isEqualTo(800);
        assertThat(registry.usage().reservedConcurrency()).isEqualTo(900);
    }

    @Test
    void listingPagesAreStableAcrossMarkers() throws Exception {
        var code = stage("l");
        for (int i = 0; i < 7; i++) {
            registry.createFunction("l" + i, SETTINGS, code, Map.of(), false);
        }
        List<String> seen = new ArrayList<>();
        String marker = null;
        do {
            Page<FunctionVersion> page = registry.listFunctions(marker, 3, false);
            page.items().forEach(v -> seen.add(v.functionName()));
            marker = page.nextMarker().orElse(null);
        } while (marker != null);
        assertThat(seen).containsExactly("l0", "l1", "l2", "l3", "l4", "l5", "l6");
        assertThatThrownBy(() -> registry.listFunctions("%%%", 3, false)).isInstanceOf(RegistryException.InvalidRequest.class);
    }
}
