package io.kindling.worker.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Exit, signals, close() and cleanLeftovers() on real sandboxes. */
class SandboxLifecycleTest extends SandboxTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);


    @Test
    void exitCodeIsReportedAfterTheOutputIsDelivered() throws Exception {
        var started = harness.start("exit", "#!/bin/sh\necho last words\nexit 3\n");
        ExitStatus status = started.sandbox().exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(status).isEqualTo(new ExitStatus(3, OptionalInt.empty(), false));
        // exit() completes only after the pipe reached end of stream: no wait for output needed.
        assertThat(started.output().text()).isEqualTo("last words\n");
    }

    @Test
    void outputCanGoStraightToAFile() throws Exception {
        Path log = harness.workDir.resolve("file-sink.log");
        Sandbox sandbox = harness.track(harness.driver.start(harness.spec("tofile", "#!/bin/sh\necho to the file\necho and stderr >&2\n")
                .output(OutputSink.file(log)).build()));
        assertThat(sandbox.exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).exitCode()).isZero();
        assertThat(Files.readString(log)).isEqualTo("to the file\nand stderr\n");
    }

    @Test
    void terminateSendsSigtermToTheFunction() throws Exception {
        var started = harness.start("term", """
                #!/bin/sh
                trap 'echo got-term; exit 7' TERM
                echo ready
                while :; do sleep 1; done
                """);
        started.output().awaitLine("ready", TIMEOUT);
        started.sandbox().terminate();
        ExitStatus status = started.sandbox().exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(status).isEqualTo(new ExitStatus(7, OptionalInt.empty(), false));
        assertThat(started.output().text()).contains("got-term");
    }

    @Test
    void killEndsEvenAFrozenSandbox() throws Exception {
        var started = harness.start("kill", "#!/bin/sh\ntrap '' TERM\necho ready\nexec sleep 1000\n");
        started.output().awaitLine("ready", TIMEOUT);
        started.sandbox().freeze();
        started.sandbox().kill();
        ExitStatus status = started.sandbox().exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(status.signal()).hasValue(9);
        assertThat(status.oomKilled()).isFalse();
    }

    @Test
    void closeRemovesProcessesCgroupsNamespaceAndScratch() throws Exception {
        var started = harness.start("close", """
                #!/bin/sh
                sleep 1000 &
                echo ready
                exec sleep 1000
                """);
        started.output().awaitLine("ready", TIMEOUT);
        BubblewrapSandbox sandbox = started.sandbox();
        List<ProcessHandle> processes = new ArrayList<>();
        processes.add(ProcessHandle.of(sandbox.pid()).orElseThrow());
        processes.addAll(processes.getFirst().descendants().toList());
        assertThat(processes).hasSize(4);
        List<Path> cgroups = sandbox.cgroupDirectories();
        Path scratch = sandbox.scratchDirectory();
        String netns = sandbox.networkNamespace();
        assertThat(SandboxHarness.run("ip", "netns", "list")).contains(netns);

        sandbox.close();

        assertThat(processes).noneMatch(ProcessHandle::isAlive);
        assertThat(cgroups).isNotEmpty().allSatisfy(dir -> assertThat(dir).doesNotExist());
        assertThat(scratch).doesNotExist();
        assertThat(SandboxHarness.run("ip", "netns", "list")).doesNotContain(netns);
        assertThat(sandbox.runtimeApiListener().isOpen()).isFalse();
        assertThat(sandbox.exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).signal()).hasValue(9);

        sandbox.close(); // idempotent
        assertThatThrownBy(sandbox::freeze).isInstanceOf(SandboxException.Closed.class);
        // The id is free again.
        harness.start("close", "#!/bin/sh\nexit 0\n");
    }

    @Test
    void cleanLeftoversRemovesWhatACrashedWorkerLeft() throws Exception {
        // A sandbox whose driver "crashed": its processes, cgroups, namespace and scratch stay.
        var leaked = harness.start("leaked", "#!/bin/sh\necho ready\nexec sleep 1000\n");
        leaked.output().awaitLine("ready", TIMEOUT);
        leaked.sandbox().freeze(); // frozen leftovers must die too
        List<ProcessHandle> leakedProcesses = new ArrayList<>(ProcessHandle.of(leaked.sandbox().pid()).orElseThrow().descendants().toList());
        // Pieces leaked on their own, as a crash between two start-up steps would leave them.
        String strayNetns = harness.prefix + "-stray";
        SandboxHarness.run("ip", "netns", "add", strayNetns);
        Path strayCgroup = Path.of("/sys/fs/cgroup/memory", harness.prefix, "stray");
        Files.createDirectories(strayCgroup);
        Path strayScratch = Files.createDirectories(harness.config.scratchRoot().resolve(harness.prefix + "-stray").resolve("etc"));

        // The new worker's driver, same configuration; it must leave its own live sandbox alone.
        BubblewrapDriver restarted = BubblewrapDriver.create(harness.config);
        Sandbox survivor = harness.track(restarted.start(harness.spec("survivor", "#!/bin/sh\nexec sleep 1000\n").build()));

        restarted.cleanLeftovers();

        assertThat(leakedProcesses).isNotEmpty().noneMatch(SandboxHarness::running);
        assertThat(leaked.sandbox().exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).signal()).hasValue(9);
        assertThat(leaked.sandbox().cgroupDirectories()).allSatisfy(dir -> assertThat(dir).doesNotExist());
        assertThat(leaked.sandbox().scratchDirectory()).doesNotExist();
        String namespaces = SandboxHarness.run("ip", "netns", "list");
        assertThat(namespaces).doesNotContain(leaked.sandbox().networkNamespace()).doesNotContain(strayNetns);
        assertThat(strayCgroup).doesNotExist();
        assertThat(strayScratch.getParent()).doesNotExist();

        assertThat(ProcessHandle.of(survivor.pid())).isPresent();
        assertThat(namespaces).contains(harness.prefix + "-survivor");
        assertThat(survivor.exit()).isNotDone();
    }

    @Test
    void aSandboxOutlivesTheThreadThatStartedIt() throws Exception {
        // bwrap --die-with-parent fires when the parent *thread* ends; the driver spawns from its
        // own long-lived threads, so a short-lived caller must not take the sandbox with it.
        CompletableFuture<SandboxHarness.Started> started = new CompletableFuture<>();
        Thread caller = Thread.ofPlatform().start(() -> {
            try {
                started.complete(harness.start("orphan", """
                        #!/bin/bash
                        exec 3<>/dev/tcp/127.0.0.1/9001 || exit 9
                        read -r line <&3
                        echo "got $line"
                        """));
            } catch (Throwable t) {
                started.completeExceptionally(t);
            }
        });
        caller.join();
        var sandbox = started.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        try (SocketChannel api = SandboxIsolationTest.accept(sandbox.sandbox())) {
            api.write(StandardCharsets.UTF_8.encode("ping\n"));
        }
        assertThat(sandbox.sandbox().exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).exitCode()).isZero();
        assertThat(sandbox.output().text()).contains("got ping");
    }

    @Test
    void aDuplicateIdOrAForbiddenBindIsRefusedBeforeAnythingIsCreated() throws Exception {
        harness.start("dup", "#!/bin/sh\nexec sleep 1000\n");
        assertThatThrownBy(() -> harness.driver.start(harness.spec("dup", "#!/bin/sh\n").build()))
                .isInstanceOf(SandboxException.InvalidSpec.class)
                .hasMessageContaining("already running");

        for (RootBind bad : List.of(
                RootBind.readOnly(Path.of("/"), "everything"),
                RootBind.readOnly(Path.of("/var"), "contains /var/lib"),
                RootBind.readOnly(Path.of("/root/.ssh"), "under /root"),
                RootBind.readOnlyIfPresent(Path.of("/etc/shadow"), "hashes"),
                RootBind.readOnly(harness.config.scratchRoot(), "other sandboxes"),
                new RootBind(RootBind.Kind.READ_ONLY, "/usr/share", Path.of("/var/task/x"), "overlays the code"))) {
            var rootBinds = new ArrayList<>(RootFilesystems.debian12Host());
            rootBinds.add(bad);
            assertThatThrownBy(() -> harness.driver.start(harness.spec("bad", "#!/bin/sh\n").rootBinds(rootBinds).build()))
                    .as(bad.toString())
                    .isInstanceOf(SandboxException.InvalidSpec.class);
        }
        assertThat(SandboxHarness.run("ip", "netns", "list")).doesNotContain(harness.prefix + "-bad");
    }

    @Test
    void aRuntimeDirectoryThatWouldExposeHostOrKindlingPathsIsRefused() throws Exception {
        for (Path bad : List.of(Path.of("/"), Path.of("/var"), Path.of("/etc"), harness.config.scratchRoot(),
                harness.config.scratchRoot().resolve("kindling-other"))) {
            assertThatThrownBy(() -> harness.driver.start(harness.spec("bad", "#!/bin/sh\n")
                    .runtimeDir(Optional.of(bad)).build()))
                    .as(bad.toString())
                    .isInstanceOf(SandboxException.InvalidSpec.class)
                    .hasMessageContaining("runtime directory");
        }
        // Kindling's own build tree (or a test's directory) is fine: it exposes only itself.
        Path runtime = Files.createDirectories(harness.workDir.resolve("runtimes/java"));
        var started = harness.start(harness.spec("good", "#!/bin/sh\nls -d /var/runtime\n").runtimeDir(Optional.of(runtime)));
        assertThat(started.sandbox().exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).exitCode()).isZero();
        assertThat(SandboxHarness.run("ip", "netns", "list")).doesNotContain(harness.prefix + "-bad");
    }

    @Test
    void aMissingCommandFailsInsideTheSandboxWithBwrapsMessage() throws Exception {
        var started = harness.start(harness.spec("missing", "#!/bin/sh\n").command("/var/task/nope"));
        ExitStatus status = started.sandbox().exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(status.exitCode()).isNotZero();
        assertThat(started.output().text()).contains("/var/task/nope");
    }

    static String readLine(SocketChannel channel) throws Exception {
        return new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8)).readLine();
    }
}
