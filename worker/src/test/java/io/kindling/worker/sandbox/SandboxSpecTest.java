package io.kindling.worker.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Records that check their invariants: spec, limits, exit status, root data. */
class SandboxSpecTest {
    private static final Path CODE = Path.of("/data/code/abc");

    @Test
    void idsMustBeSafeAsFileAndNamespaceNames() {
        for (String bad : List.of("", "../x", "a/b", "-lead", "with space", "a".repeat(65), "dot.ted")) {
            assertThatThrownBy(() -> SandboxSpec.builder(bad, CODE).build()).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(SandboxSpec.builder("fn-1_A", CODE).build().id()).isEqualTo("fn-1_A");
    }

    @Test
    void environmentNamesAndValuesAreChecked() {
        assertThatThrownBy(() -> SandboxSpec.builder("a", CODE).env("1BAD", "x").build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SandboxSpec.builder("a", CODE).env("A=B", "x").build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SandboxSpec.builder("a", CODE).env("A", "x\0y").build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SandboxSpec.builder("a", CODE).command("/bin/sh", "a\0b").build()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SandboxSpec.builder("a", Path.of("relative")).build()).isInstanceOf(IllegalArgumentException.class);
        SandboxSpec spec = SandboxSpec.builder("a", CODE).env("B", "2").env("A", "1").build();
        assertThat(spec.environment().keySet()).containsExactly("B", "A");
        assertThatThrownBy(() -> spec.environment().put("C", "3")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void lambdaLimitsFollowMemory() {
        SandboxLimits small = SandboxLimits.lambda(128, 512);
        assertThat(small.memoryBytes()).isEqualTo(128L << 20);
        assertThat(small.tmpBytes()).isEqualTo(512L << 20);
        assertThat(small.maxPids()).isEqualTo(1024);
        assertThat(small.cpuShares()).isEqualTo(74);
        assertThat(small.cpuCores().getAsDouble()).isCloseTo(0.0724, org.assertj.core.data.Offset.offset(0.001));
        SandboxLimits oneCore = SandboxLimits.lambda(1769, 10240);
        assertThat(oneCore.cpuShares()).isEqualTo(1024);
        assertThat(oneCore.cpuCores().getAsDouble()).isEqualTo(1.0);
        assertThat(oneCore.cpuWeight()).isEqualTo(39);
        assertThatThrownBy(() -> new SandboxLimits(1 << 20, 1 << 20, 1024, 1024, OptionalDouble.empty()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SandboxLimits(128L << 20, 1 << 20, 3, 1024, OptionalDouble.empty()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void exitStatusDecodesSignals() {
        assertThat(ExitStatus.of(0, false)).isEqualTo(new ExitStatus(0, OptionalInt.empty(), false));
        assertThat(ExitStatus.of(137, true)).isEqualTo(new ExitStatus(137, OptionalInt.of(9), true));
        assertThat(ExitStatus.of(143, false).signal()).hasValue(15);
        assertThat(ExitStatus.of(128, false).killedBySignal()).isFalse();
    }

    @Test
    void theDebianRootIsDataWithAReasonPerEntryAndMatchesThisHost() throws Exception {
        List<RootBind> root = RootFilesystems.debian12Host();
        assertThat(root).isNotEmpty().allSatisfy(bind -> assertThat(bind.reason()).hasSizeGreaterThan(15));
        assertThat(root).extracting(RootBind::target).doesNotHaveDuplicates()
                .noneMatch(t -> t.startsWith("/home") || t.startsWith("/root") || t.startsWith("/work") || t.startsWith("/var"));
        for (RootBind bind : root) {
            if (bind.kind() == RootBind.Kind.SYMLINK) {
                // The data says the host has merged /usr; if this fails, the host needs another root file.
                assertThat(Files.readSymbolicLink(bind.target()).toString()).as(bind.target().toString()).isEqualTo(bind.source());
            } else if (bind.kind() == RootBind.Kind.READ_ONLY) {
                assertThat(Path.of(bind.source())).exists();
            }
        }
    }

    @Test
    void theForbiddenHostPathsAreDataWithReasons() {
        List<DataFile.Row> rows = DataFile.read("forbidden-host-paths.tsv", 2);
        assertThat(rows).extracting(r -> r.field(0)).contains("/home", "/root", "/work", "/var/lib", "/run", "/proc", "/sys");
        assertThat(rows).allSatisfy(r -> assertThat(Path.of(r.field(0)).isAbsolute()).isTrue());
    }
}
