package io.kindling.worker.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bwrap flag list is data; these checks keep it honest. */
class BubblewrapCommandTest {
    private static final Map<String, String> VALUES = Map.of(
            "uid", "993", "gid", "993", "hostname", "sandbox",
            "passwd", "/run/kindling/kindling-f/etc/passwd",
            "group", "/run/kindling/kindling-f/etc/group",
            "hosts", "/run/kindling/kindling-f/etc/hosts",
            "codeDir", "/data/code/with space",
            "tmpBytes", "536870912",
            "workDir", "/var/task");

    @Test
    void everyFlagHasAReasonAndKnownPlaceholders() {
        List<BubblewrapCommand.Flag> flags = BubblewrapCommand.standard().flags();
        assertThat(flags).isNotEmpty().allSatisfy(flag -> {
            assertThat(flag.reason()).as(flag.where()).hasSizeGreaterThan(20);
            assertThat(flag.tokens()).as(flag.where()).isNotEmpty();
        });
    }

    @Test
    void theStandardCommandLine() {
        List<String> args = BubblewrapCommand.standard().arguments(VALUES, Map.of(
                "root", List.of("--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin"),
                "command", List.of("/var/task/bootstrap", "--flag")));
        assertThat(String.join(" ", args)).isEqualTo(
                "--unshare-all --share-net --unshare-user --disable-userns --uid 993 --gid 993 --cap-drop ALL --die-with-parent"
                        + " --new-session --hostname sandbox --clearenv --args 3"
                        + " --ro-bind /usr /usr --symlink usr/bin /bin"
                        + " --ro-bind /run/kindling/kindling-f/etc/passwd /etc/passwd"
                        + " --ro-bind /run/kindling/kindling-f/etc/group /etc/group"
                        + " --ro-bind /run/kindling/kindling-f/etc/hosts /etc/hosts"
                        + " --ro-bind /data/code/with space /var/task"
                        + " --proc /proc --dev /dev --size 536870912 --tmpfs /tmp --remount-ro / --chdir /var/task"
                        + " -- /var/task/bootstrap --flag");
        // A value with a space is still one argument.
        assertThat(args).contains("/data/code/with space");
        // Nothing may follow the command: it would become the function's arguments.
        assertThat(args.getLast()).isEqualTo("--flag");
        // The read-only remount comes after every mount it must cover, before the command.
        assertThat(args.indexOf("--remount-ro")).isGreaterThan(args.lastIndexOf("--ro-bind")).isGreaterThan(args.indexOf("--tmpfs"));
        // Never: the host's network, a shared pid namespace, or root in the sandbox.
        assertThat(args).doesNotContain("--unshare-net", "--share-pid", "--as-pid-1", "--cap-add", "--bind", "--dev-bind");
    }

    @Test
    void aRuntimeDirectoryIsBoundReadOnlyAtVarRuntimeOnlyWhenThereIsOne() {
        Map<String, String> values = new LinkedHashMap<>(VALUES);
        values.put("runtimeDir", "/opt/kindling/runtimes/java");
        Map<String, List<String>> lists = Map.of("root", List.of(), "command", List.of("/usr/bin/java"));

        String withRuntime = String.join(" ", BubblewrapCommand.standard().arguments(values, lists));
        String without = String.join(" ", BubblewrapCommand.standard().arguments(VALUES, lists));

        assertThat(withRuntime).contains("--ro-bind /data/code/with space /var/task"
                + " --ro-bind /opt/kindling/runtimes/java /var/runtime --proc /proc");
        assertThat(without).doesNotContain("/var/runtime");
        // Below the read-only remount, like every mount it must cover.
        assertThat(withRuntime.indexOf("/var/runtime")).isLessThan(withRuntime.indexOf("--remount-ro"));
    }

    @Test
    void theEnvironmentTravelsAsNulSeparatedSetenvArguments() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("A", "1");
        env.put("SECRET", "x y\nz");
        byte[] payload = BubblewrapCommand.environmentArguments(env);
        assertThat(new String(payload, StandardCharsets.UTF_8)).isEqualTo("--setenv\0A\0001\0--setenv\0SECRET\0x y\nz\0");
        assertThat(BubblewrapCommand.environmentArguments(Map.of())).isEmpty();
    }

    @Test
    void anUnknownPlaceholderInTheDataIsAPackagingBug() {
        List<DataFile.Row> rows = DataFile.parse("test.tsv", "--uid {uidd}\tmisspelt placeholder\n", 2);
        assertThatThrownBy(() -> new BubblewrapCommand(rows)).hasMessageContaining("{uidd}");
        // Only values a sandbox may lack can be optional.
        List<DataFile.Row> optional = DataFile.parse("test.tsv", "--size {tmpBytes?} --tmpfs /tmp\tnever optional\n", 2);
        assertThatThrownBy(() -> new BubblewrapCommand(optional)).hasMessageContaining("{tmpBytes?}");
        assertThatThrownBy(() -> DataFile.parse("test.tsv", "--new-session\t \n", 2)).hasMessageContaining("needs a reason");
        assertThatThrownBy(() -> DataFile.parse("test.tsv", "--new-session\n", 2)).hasMessageContaining("the reason");
    }

    @Test
    void rootBindsRenderAsBwrapFlags() {
        assertThat(RootBind.readOnly(Path.of("/usr"), "binaries").bwrapArgs()).containsExactly("--ro-bind", "/usr", "/usr");
        assertThat(RootBind.readOnlyIfPresent(Path.of("/etc/localtime"), "zone").bwrapArgs())
                .containsExactly("--ro-bind-try", "/etc/localtime", "/etc/localtime");
        assertThat(RootBind.symlink("usr/lib64", Path.of("/lib64"), "loader").bwrapArgs()).containsExactly("--symlink", "usr/lib64", "/lib64");
    }
}
