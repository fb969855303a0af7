package io.kindling.worker.sandbox;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kindling.chunks.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Real sandboxes for tests: a driver with a test-only name prefix (so cleanLeftovers() in a test
 * only ever touches this test's sandboxes), a scratch root and code directories the sandbox uid
 * can traverse, and a list of everything started so each test cleans up after itself.
 */
final class SandboxHarness implements AutoCloseable {
    /** A started sandbox and what it printed. */
    record Started(BubblewrapSandbox sandbox, CapturedOutput output, Path codeDir) {}

    final String prefix;
    final Path workDir;
    final BubblewrapConfig config;
    final BubblewrapDriver driver;
    private final List<Sandbox> started = new ArrayList<>();
    private int counter;

    SandboxHarness() throws Exception {
        // A failure, never a skip: these tests are the proof that sandboxes isolate. bin/test, run as
        // root, installs what they need.
        assertTrue(isRoot(), "sandbox tests need root (network namespaces, cgroups): run bin/test as root");
        assertTrue(Files.isExecutable(Path.of("/usr/bin/bwrap")), "bubblewrap is not installed: run bin/test as root");
        prefix = "kindling-t" + randomSuffix();
        // Not JUnit's @TempDir: that is mode 0700, and bwrap runs as the sandbox uid, which must
        // be able to reach the code and scratch directories, as in production.
        workDir = Files.createTempDirectory(Path.of("/tmp"), prefix + "-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        config = BubblewrapConfig.defaults().withNamePrefix(prefix).withScratchRoot(workDir.resolve("scratch"));
        driver = BubblewrapDriver.create(config);
    }

    static boolean isRoot() {
        try {
            return Files.readString(Path.of("/proc/self/status")).lines()
                    .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }

    private static String randomSuffix() {
        return Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36 * 36), 36).toLowerCase(Locale.ROOT);
    }

    /** A fresh code directory holding {@code bootstrap} with the given script. */
    Path codeDir(String bootstrap) throws IOException {
        Path dir = workDir.resolve("code-" + (++counter));
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path file = dir.resolve("bootstrap");
        Files.writeString(file, bootstrap);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    SandboxSpec.Builder spec(String id, String bootstrap) throws IOException {
        return SandboxSpec.builder(id, codeDir(bootstrap))
                .limits(SandboxLimits.lambda(128, 16))
                .env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001");
    }

    Started start(String id, String bootstrap) throws Exception {
        return start(spec(id, bootstrap));
    }

    Started start(SandboxSpec.Builder builder) throws Exception {
        CapturedOutput output = new CapturedOutput();
        SandboxSpec spec = builder.output(OutputSink.stream(output)).build();
        Sandbox sandbox = track(driver.start(spec));
        return new Started((BubblewrapSandbox) sandbox, output, spec.codeDir());
    }

    <S extends Sandbox> S track(S sandbox) {
        synchronized (started) {
            started.add(sandbox);
        }
        return sandbox;
    }

    /** Host command output (stdout and stderr), for checks like {@code ip netns list}. */
    static String run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    /**
     * Running, as opposed to gone or a zombie. A process killed together with its parent is
     * reparented to the host's init and reaped whenever that gets to it; it no longer runs.
     */
    static boolean running(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException gone) {
            return false;
        }
    }

    @Override
    public void close() throws Exception {
        driver.stopPrecreating();
        synchronized (started) {
            started.forEach(Sandbox::close);
        }
        driver.cleanLeftovers();
        FileTrees.deleteRecursively(workDir);
        // The cgroup parents <hierarchy>/<prefix> are per test run; remove them too.
        for (String controller : CgroupsV1.CONTROLLERS) {
            Files.deleteIfExists(Path.of("/sys/fs/cgroup", controller, prefix));
        }
    }
}
