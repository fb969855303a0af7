package io.kindling.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kindling.chunks.LocalCodeStore;
import io.kindling.chunks.PackageLimits;
import io.kindling.chunks.ZipPackageInspector;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Event invoke configs and provisioned concurrency configs, on a real SQLite file, including a reopen. */
class AsyncAndProvisionedConfigsTest {
    @TempDir
    Path dir;
    Registry registry;
    final AtomicInteger provisionedChanges = new AtomicInteger();

    @BeforeEach
    void open() throws Exception {
        registry = openRegistry();
    }

    Registry openRegistry() throws Exception {
        Registry r = new Registry(dir.resolve("registry.db"), new LocalCodeStore(dir.resolve("code")), Clock.systemUTC(),
                new Registry.ConcurrencyLimits(1000, 100));
        r.addProvisionedConcurrencyListener(provisionedChanges::incrementAndGet);
        return r;
    }

    @AfterEach
    void close() {
        registry.close();
    }

    /** A function with versions 1..versions published (each with other settings, so each is a new version). */
    void function(String name, int versions) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("bootstrap"));
            zip.write(name.getBytes());
        }
        Path file = Files.createTempFile(dir, "stage", ".zip");
        Files.write(file, bytes.toByteArray());
        var code = new Registry.StagedCode(file, new ZipPackageInspector().inspect(file, PackageLimits.lambdaDefaults()));
        registry.createFunction(name, RegistryTest.SETTINGS, code, Map.of(), false);
        registry.codeReady(name, code.summary().sha256Hex());
        for (int i = 1; i <= versions; i++) {
            int memory = 128 + i;
            registry.updateSettings(name, s -> new FunctionSettings(s.packageType(), s.runtime(), s.role(), s.handler(),
                    s.description(), s.timeoutSeconds(), memory, s.environment(), s.ephemeralStorageMb(),
                    s.architectures(), s.tracingMode(), s.logging()), null);
            registry.publishVersion(name, null, null, null);
        }
    }

    static EventInvokeSettings retries(int n) {
        return new EventInvokeSettings(OptionalInt.of(n), OptionalInt.empty(), Optional.empty(), Optional.empty());
    }

    @Test
    void putReplacesUpdateMergesAndEachQualifierHasItsOwn() throws Exception {
        function("ev", 1);
        registry.createAlias("ev", "live", "1", null, Map.of());
        String dest = "arn:aws:lambda:us-east-1:123456789012:function:sink";
        registry.putEventInvokeConfig("ev", null, new EventInvokeSettings(OptionalInt.of(1), OptionalInt.of(300),
                Optional.of(dest), Optional.empty()));
        EventInvokeConfig merged = registry.updateEventInvokeConfig("ev", "$LATEST", s -> new EventInvokeSettings(
                s.maximumRetryAttempts(), OptionalInt.of(600), s.onSuccess(), s.onFailure()));
        assertThat(merged.maximumRetryAttempts()).hasValue(1);
        assertThat(merged.maximumEventAgeSeconds()).hasValue(600);
        assertThat(merged.onSuccess()).contains(dest);

        EventInvokeConfig replaced = registry.putEventInvokeConfig("ev", null, retries(0));
        assertThat(replaced.maximumEventAgeSeconds()).isEmpty();
        assertThat(replaced.onSuccess()).isEmpty();
        assertThat(registry.eventInvokeConfig("ev", null)).contains(replaced);
        assertThat(registry.eventInvokeConfig("ev", "live")).isEmpty();

        registry.putEventInvokeConfig("ev", "live", retries(2));
        registry.putEventInvokeConfig("ev", "1", retries(1));
        assertThat(registry.eventInvokeConfig("ev", "live").orElseThrow().maximumRetryAttempts()).hasValue(2);
        assertThat(registry.listEventInvokeConfigs("ev", null, 50).items())
                .extracting(EventInvokeConfig::qualifier).containsExactly("$LATEST", "1", "live");
        Page<EventInvokeConfig> first = registry.listEventInvokeConfigs("ev", null, 2);
        assertThat(registry.listEventInvokeConfigs("ev", first.nextMarker().orElseThrow(), 2).items())
                .extracting(EventInvokeConfig::qualifier).containsExactly("live");

        assertThatThrownBy(() -> registry.updateEventInvokeConfig("other", null, s -> s))
                .isInstanceOf(RegistryException.FunctionNotFound.class);
        assertThatThrownBy(() -> registry.putEventInvokeConfig("ev", "ghost", retries(1)))
                .isInstanceOf(RegistryException.AliasNotFound.class);
        assertThatThrownBy(() -> registry.putEventInvokeConfig("ev", "7", retries(1)))
                .isInstanceOf(RegistryException.VersionNotFound.class);
    }

    @Test
    void updatingOrDeletingAMissingConfigIsNotFound() throws Exception {
        function("none", 0);
        assertThatThrownBy(() -> registry.updateEventInvokeConfig("none", null, s -> s))
                .isInstanceOf(RegistryException.EventInvokeConfigNotFound.class);
        assertThatThrownBy(() -> registry.getEventInvokeConfig("none", null))
                .isInstanceOf(RegistryException.EventInvokeConfigNotFound.class);
        assertThatThrownBy(() -> registry.deleteEventInvokeConfig("none", null))
                .isInstanceOf(RegistryException.EventInvokeConfigNotFound.class);
        registry.putEventInvokeConfig("none", null, retries(1));
        registry.deleteEventInvokeConfig("none", null);
        assertThat(registry.eventInvokeConfig("none", null)).isEmpty();
    }

    @Test
    void configsGoWithTheirAliasVersionOrFunctionAndSurviveAReopen() throws Exception {
        function("gone", 2);
        registry.createAlias("gone", "live", "1", null, Map.of());
        registry.putEventInvokeConfig("gone", "live", retries(1));
        registry.putEventInvokeConfig("gone", "2", retries(2));
        registry.putEventInvokeConfig("gone", null, retries(0));
        registry.putProvisionedConcurrency("gone", "live", 3);
        registry.putProvisionedConcurrency("gone", "2", 2);
        registry.reportProvisioned("gone", "2", 2, ProvisionedStatus.READY, Optional.empty());

        registry.close();
        registry = openRegistry();
        assertThat(registry.eventInvokeConfig("gone", "live").orElseThrow().maximumRetryAttempts()).hasValue(1);
        ProvisionedConcurrency two = registry.provisionedConcurrency("gone", "2").orElseThrow();
        assertThat(two.status()).isEqualTo(ProvisionedStatus.READY);
        assertThat(two.available()).isEqualTo(2);

        int before = provisionedChanges.get();
        registry.deleteAlias("gone", "live");
        assertThat(registry.eventInvokeConfig("gone", "live")).isEmpty();
        assertThat(registry.provisionedConcurrency("gone", "live")).isEmpty();
        registry.deleteVersion("gone", 2);
        assertThat(registry.eventInvokeConfig("gone", "2")).isEmpty();
        assertThat(registry.provisionedConcurrency()).isEmpty();
        assertThat(provisionedChanges.get()).isEqualTo(before + 2);
        assertThat(registry.eventInvokeConfig("gone", null)).isPresent();
        registry.deleteFunction("gone");
        assertThat(registry.eventInvokeConfig("gone", null)).isEmpty();

        // A new function of the same name starts without the old one's configs.
        function("gone", 0);
        assertThat(registry.listEventInvokeConfigs("gone", null, 50).items()).isEmpty();
        registry.close();
        registry = openRegistry();
        assertThat(registry.eventInvokeConfig("gone", null)).isEmpty();
    }

    @Test
    void provisionedConcurrencyNeedsAPublishedVersionAndNotBothAliasAndVersion() throws Exception {
        function("pc", 2);
        registry.createAlias("pc", "live", "1", null, Map.of());
        registry.createAlias("pc", "edge", "$LATEST", null, Map.of());
        assertThatThrownBy(() -> registry.putProvisionedConcurrency("pc", "$LATEST", 1))
                .isInstanceOf(RegistryException.InvalidRequest.class).hasMessageContaining("unpublished");
        assertThatThrownBy(() -> registry.putProvisionedConcurrency("pc", "edge", 1))
                .isInstanceOf(RegistryException.InvalidRequest.class).hasMessageContaining("unpublished");

        ProvisionedConcurrency put = registry.putProvisionedConcurrency("pc", "live", 5);
        assertThat(put.resolvedVersion()).isEqualTo("1");
        assertThat(put.status()).isEqualTo(ProvisionedStatus.IN_PROGRESS);
        assertThat(put.allocated()).isZero();
        assertThatThrownBy(() -> registry.putProvisionedConcurrency("pc", "1", 1))
                .isInstanceOf(RegistryException.ConfigurationConflict.class)
                .hasMessage("Version is pointed by a Provisioned Concurrency alias");
        registry.putProvisionedConcurrency("pc", "2", 1);
        assertThatThrownBy(() -> registry.updateAlias("pc", "live", "2", null, null, null))
                .isInstanceOf(RegistryException.ConfigurationConflict.class);
        registry.createAlias("pc", "next", "2", null, Map.of());
        assertThatThrownBy(() -> registry.putProvisionedConcurrency("pc", "next", 1))
                .isInstanceOf(RegistryException.ConfigurationConflict.class)
                .hasMessageContaining("already Provisioned version");

        // The worker's report, then the alias moves: the config starts over for the new version.
        registry.deleteProvisionedConcurrency("pc", "2");
        registry.reportProvisioned("pc", "live", 5, ProvisionedStatus.READY, Optional.empty());
        assertThat(registry.provisionedConcurrency("pc", "live").orElseThrow().available()).isEqualTo(5);
        int before = provisionedChanges.get();
        registry.updateAlias("pc", "live", "2", null, null, null);
        ProvisionedConcurrency moved = registry.provisionedConcurrency("pc", "live").orElseThrow();
        assertThat(moved.resolvedVersion()).isEqualTo("2");
        assertThat(moved.status()).isEqualTo(ProvisionedStatus.IN_PROGRESS);
        assertThat(moved.allocated()).isZero();
        assertThat(provisionedChanges.get()).isEqualTo(before + 1);

        // Reports for configs that are gone are ignored; deleting what is not there is fine.
        registry.deleteProvisionedConcurrency("pc", "live");
        registry.reportProvisioned("pc", "live", 5, ProvisionedStatus.READY, Optional.empty());
        assertThat(registry.provisionedConcurrency("pc", "live")).isEmpty();
        registry.deleteProvisionedConcurrency("pc", "live");
        assertThatThrownBy(() -> registry.getProvisionedConcurrency("pc", "live"))
                .isInstanceOf(RegistryException.ProvisionedConcurrencyNotFound.class);
    }

    @Test
    void provisionedConcurrencyFitsTheReservationOrLeavesTheUnreservedMinimum() throws Exception {
        function("capped", 2);
        function("free", 1);
        registry.putReservedConcurrency("capped", 10);
        registry.putProvisionedConcurrency("capped", "1", 6);
        assertThatThrownBy(() -> registry.putProvisionedConcurrency("capped", "2", 5))
                .isInstanceOf(RegistryException.InvalidRequest.class)
                .hasMessage("Requested Provisioned Concurrency should not be greater than the"
                        + " reservedConcurrentExecution for function");
        registry.putProvisionedConcurrency("capped", "2", 4);
        // Replacing a config counts its new value, not old plus new.
        registry.putProvisionedConcurrency("capped", "1", 6);
        assertThatThrownBy(() -> registry.putReservedConcurrency("capped", 9))
                .isInstanceOf(RegistryException.InvalidRequest.class).hasMessageContaining("provisioned concurrency (10)");

        // 1000 - 10 reserved = 990 unreserved; 100 must stay.
        assertThatThrownBy(() -> registry.putProvisionedConcurrency("free", "1", 891))
                .isInstanceOf(RegistryException.InvalidRequest.class)
                .hasMessage("Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution"
                        + " below its minimum value of [100].");
        registry.putProvisionedConcurrency("free", "1", 890);
        Registry.Usage usage = registry.usage();
        assertThat(usage.unreservedConcurrency(registry.limits())).isEqualTo(100);
        // A reservation elsewhere must leave room for free's provisioned concurrency too.
        assertThatThrownBy(() -> registry.putReservedConcurrency("capped", 11))
                .isInstanceOf(RegistryException.InvalidRequest.class).hasMessageContaining("[100]");
        // Reserving for free itself moves its provisioned concurrency inside the reservation.
        registry.putReservedConcurrency("free", 890);
        assertThat(registry.usage().unreservedConcurrency(registry.limits())).isEqualTo(100);
        List<String> all = new ArrayList<>();
        registry.provisionedConcurrency().forEach(p -> all.add(p.functionName() + ":" + p.qualifier()));
        assertThat(all).containsExactly("capped:1", "capped:2", "free:1");
    }
}
