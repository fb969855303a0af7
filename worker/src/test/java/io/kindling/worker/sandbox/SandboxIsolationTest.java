package io.kindling.worker.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the function inside a sandbox can and cannot see or do; every probe runs in a real sandbox. */
class SandboxIsolationTest extends SandboxTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);


    @Test
    void runsUnprivilegedAloneInItsPidNamespaceWithNoCapabilities() throws Exception {
        var started = harness.start("probe", """
                #!/bin/sh
                echo "uid=$(id -u) gid=$(id -g) groups=$(id -G)"
                set -- /proc/[0-9]*
                echo "pids=$*"
                echo "self=$$"
                grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' /proc/self/status
                echo "hostname=$(hostname)"
                echo "user=$(whoami)"
                echo "cwd=$(pwd)"
                echo "done"
                """);
        ExitStatus status = started.sandbox().exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        String out = started.output().text();

        assertThat(status).isEqualTo(new ExitStatus(0, java.util.OptionalInt.empty(), false));
        assertThat(out).contains("uid=993 gid=993 groups=993");
        // Only the sandbox's init (bwrap, pid 1) and the bootstrap itself.
        assertThat(out).contains("pids=/proc/1 /proc/2", "self=2");
        assertThat(out).contains("CapInh:\t0000000000000000", "CapPrm:\t0000000000000000", "CapEff:\t0000000000000000",
                "CapBnd:\t0000000000000000", "CapAmb:\t0000000000000000", "NoNewPrivs:\t1");
        assertThat(out).contains("hostname=sandbox", "user=sbx_user1051", "cwd=/var/task");
    }

    @Test
    void rootAndCodeAreReadOnlyTmpIsPrivateAndBounded() throws Exception {
        var started = harness.start(harness.spec("files", """
                #!/bin/sh
                touch /var/task/probe 2>/dev/null && echo task=writable || echo task=read-only
                touch /probe 2>/dev/null && echo root=writable || echo root=read-only
                touch /etc/probe 2>/dev/null && echo etc=writable || echo etc=read-only
                touch /usr/probe 2>/dev/null && echo usr=writable || echo usr=read-only
                echo hello > /tmp/probe && echo tmp=writable
                ls -A /tmp | tr '\\n' ' '; echo
                dd if=/dev/zero of=/tmp/fill bs=1M count=16 2>&1 | head -1
                echo "tmp-size=$(df -k /tmp | tail -1 | tr -s ' ' | cut -d' ' -f2)"
                """).limits(new SandboxLimits(64L << 20, 4L << 20, 64, 1024, java.util.OptionalDouble.empty())));
        started.sandbox().exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        String out = started.output().text();

        assertThat(out).contains("task=read-only", "root=read-only", "etc=read-only", "usr=read-only", "tmp=writable");
        assertThat(out).contains("probe \n"); // the host's /tmp is not there, only what the function wrote
        assertThat(out).contains("No space left on device");
        assertThat(out).contains("tmp-size=4096");
        assertThat(Files.exists(started.codeDir().resolve("probe"))).isFalse();
    }

    @Test
    void theRuntimeDirectoryIsReadOnlyAtVarRuntime() throws Exception {
        Path runtime = Files.createDirectories(harness.workDir.resolve("runtime/lib"));
        Files.writeString(runtime.resolve("client.jar"), "from the runtime\n");
        var started = harness.start(harness.spec("runtime", """
                #!/bin/sh
                cat /var/runtime/lib/client.jar
                touch /var/runtime/probe 2>/dev/null && echo runtime=writable || echo runtime=read-only
                echo "LAMBDA_RUNTIME_DIR is where the runtime is: $(ls /var/runtime)"
                """).runtimeDir(Optional.of(runtime.getParent())));
        started.sandbox().exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);

        assertThat(started.output().text()).isEqualTo(
                "from the runtime\nruntime=read-only\nLAMBDA_RUNTIME_DIR is where the runtime is: lib\n");
    }

    @Test
    void seesNoHostPathsThatAreNotBound() throws Exception {
        var started = harness.start("paths", """
                #!/bin/sh
                for p in /work /root /home /var/lib /var/log /run /sys /opt /srv /mnt /boot /etc/shadow /etc/ssh \\
                    /run/netns /sys/fs/cgroup /var/runtime /usr/bin/sh; do
                  if [ -e "$p" ]; then echo "visible $p"; else echo "absent $p"; fi
                done
                cat /etc/passwd
                ls /etc | tr '\\n' ' '; echo
                ls /dev | tr '\\n' ' '; echo
                echo "fds $(ls /proc/self/fd | tr '\\n' ' ')"
                """);
        started.sandbox().exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        String out = started.output().text();

        for (String p : List.of("/work", "/root", "/home", "/var/lib", "/var/log", "/run", "/sys", "/opt", "/srv", "/mnt", "/boot",
                "/etc/shadow", "/etc/ssh", "/run/netns", "/sys/fs/cgroup", "/var/runtime")) {
            assertThat(out).contains("absent " + p);
        }
        assertThat(out).contains("visible /usr/bin/sh");
        assertThat(out).contains("sbx_user1051:x:993:993:").doesNotContain("daemon:");
        // stdin is /dev/null, stdout and stderr the log pipe, 3 is ls's own directory: no
        // descriptor of the worker (the listener, files, the --args pipe) leaked in.
        assertThat(out).contains("fds 0 1 2 3 \n");
    }

    @Test
    void environmentIsExactlyTheSpecsAndStaysOutOfArgv() throws Exception {
        var started = harness.start(harness.spec("env", """
                #!/bin/sh
                env | sort
                echo "--"
                read line; echo "stdin-read=$?"
                exec sleep 1000
                """).env("SECRET_KEY", "s3cr3t with spaces='quoted' $HOME").env("EMPTY", ""));
        started.output().awaitLine("--", TIMEOUT);
        String out = started.output().await(t -> t.contains("stdin-read="), TIMEOUT);
        List<String> env = out.lines().takeWhile(l -> !l.equals("--")).toList();
        assertThat(env).containsExactlyInAnyOrder(
                "AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001", "EMPTY=", "PWD=/var/task", "SECRET_KEY=s3cr3t with spaces='quoted' $HOME");
        assertThat(out).contains("stdin-read=1");

        String cmdline = new String(Files.readAllBytes(Path.of("/proc", Long.toString(started.sandbox().pid()), "cmdline")),
                StandardCharsets.UTF_8);
        assertThat(cmdline).contains("bwrap").doesNotContain("s3cr3t");
    }

    @Test
    void reachesItsOwnRuntimeApiButNotTheHostLoopback() throws Exception {
        try (ServerSocket host = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            var started = harness.start(harness.spec("net", """
                    #!/bin/bash
                    if timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$HOST_PORT" 2>/dev/null; then echo host=reachable; else echo host=unreachable; fi
                    exec 3<>/dev/tcp/127.0.0.1/9001 || exit 9
                    echo "hello from $NAME" >&3
                    read -r answer <&3
                    echo "answer=$answer"
                    """).env("HOST_PORT", Integer.toString(host.getLocalPort())).env("NAME", "net"));
            try (SocketChannel api = accept(started.sandbox())) {
                var reader = new BufferedReader(new InputStreamReader(Channels.newInputStream(api), StandardCharsets.UTF_8));
                assertThat(reader.readLine()).isEqualTo("hello from net");
                api.write(StandardCharsets.UTF_8.encode("pong\n"));
            }
            assertThat(started.sandbox().exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).exitCode()).isZero();
            assertThat(started.output().text()).contains("host=unreachable", "answer=pong");
            // Nothing arrived at the host's listener either.
            host.setSoTimeout(1);
            assertThat(acceptsNothing(host)).isTrue();
        }
    }

    @Test
    void twoSandboxesEachReachOnlyTheirOwnPort9001() throws Exception {
        String bootstrap = """
                #!/bin/bash
                exec 3<>/dev/tcp/127.0.0.1/9001 || exit 9
                echo "I am $NAME" >&3
                """;
        var a = harness.start(harness.spec("twin-a", bootstrap).env("NAME", "a"));
        var b = harness.start(harness.spec("twin-b", bootstrap).env("NAME", "b"));
        assertThat(readLine(b.sandbox())).isEqualTo("I am b");
        assertThat(readLine(a.sandbox())).isEqualTo("I am a");
        assertThat(a.sandbox().exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).exitCode()).isZero();
        assertThat(b.sandbox().exit().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).exitCode()).isZero();
    }

    @Test
    void startingLeavesTheCallersThreadInTheHostNetworkNamespace() throws Exception {
        String before = NetworkNamespaces.currentThreadNamespace();
        var started = harness.start("ns", "#!/bin/sh\necho up\nexec sleep 1000\n");
        assertThat(NetworkNamespaces.currentThreadNamespace()).isEqualTo(before);
        started.output().awaitLine("up", TIMEOUT);

        // The sandbox's processes are in the named namespace, which is not the worker's.
        Object inode = Files.getAttribute(Path.of("/run/netns").resolve(started.sandbox().networkNamespace()), "unix:ino");
        String sandboxNs = "net:[" + inode + "]";
        assertThat(sandboxNs).isNotEqualTo(before);
        for (long pid : List.of(started.sandbox().pid())) {
            assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns", "net")).toString()).isEqualTo(sandboxNs);
        }
        ProcessHandle.of(started.sandbox().pid()).orElseThrow().descendants().forEach(p -> {
            try {
                assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(p.pid()), "ns", "net")).toString()).isEqualTo(sandboxNs);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static String readLine(Sandbox sandbox) throws Exception {
        try (SocketChannel api = accept(sandbox)) {
            return new BufferedReader(new InputStreamReader(Channels.newInputStream(api), StandardCharsets.UTF_8)).readLine();
        }
    }

    static SocketChannel accept(Sandbox sandbox) throws Exception {
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return sandbox.runtimeApiListener().accept();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, executor).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    private static boolean acceptsNothing(ServerSocket host) throws Exception {
        try (var ignored = host.accept()) {
            return false;
        } catch (java.net.SocketTimeoutException e) {
            return true;
        }
    }

    static List<String> lines(String text) {
        return Arrays.asList(text.split("\n"));
    }
}
