package io.kindling.worker.sandbox;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One network namespace per sandbox, holding only a loopback interface and the sandbox's Runtime
 * API listener: the function reaches 127.0.0.1:9001 and nothing else, the host's loopback included.
 *
 * <p>Named the way iproute2 names them, a bind mount at {@code /run/netns/<name>}, so they show up
 * in {@code ip netns list}, an operator can look inside ({@code ip netns exec kindling-<id> ss -tln})
 * and {@code ip netns del} removes them. Created through syscalls instead of {@code ip netns add}
 * plus {@code ip -n NAME link set lo up}: the result is the same, minus two process spawns, which
 * cost about 20 ms per sandbox on these machines (measured), close to half the cold-start budget.
 *
 * <p>A socket belongs to the namespace of the thread that created it, for its whole life, whatever
 * thread later accepts on it. So a fresh platform thread per sandbox enters a new namespace
 * (unshare), brings lo up, names the namespace, creates and binds the listener, returns to the
 * worker's namespace (setns) and ends. A thread that ends cannot leak a foreign namespace to
 * unrelated work even if returning failed; the return is still checked so a failure is reported.
 */
final class NetworkNamespaces {
    /** Where iproute2 keeps the bind mounts that hold named namespaces alive. */
    static final Path RUN_NETNS = Path.of("/run/netns");
    private static final Path THREAD_NETNS = Path.of("/proc/thread-self/ns/net");
    private static final int BACKLOG = 64;

    private final Duration timeout;
    private volatile boolean runNetnsReady;

    NetworkNamespaces(Duration timeout) {
        this.timeout = timeout;
    }

    /** The file to open for setns(2) or {@code nsenter --net=}. */
    Path file(String name) {
        return RUN_NETNS.resolve(name);
    }

    /** The calling thread's network namespace, e.g. {@code net:[4026531840]}. */
    static String currentThreadNamespace() throws IOException {
        return Files.readSymbolicLink(THREAD_NETNS).toString();
    }

    /** Creates and names the namespace and returns a listener bound inside it. */
    ServerSocketChannel createWithListener(String name, InetSocketAddress address) throws SandboxException {
        prepareRunNetns();
        Path file = file(name);
        try {
            Files.createFile(file);
        } catch (FileAlreadyExistsException e) {
            throw new SandboxException.NetworkFailed(file + " already exists (a leftover? see cleanLeftovers)", e);
        } catch (IOException e) {
            throw new SandboxException.NetworkFailed("creating " + file + ": " + e, e);
        }
        CompletableFuture<ServerSocketChannel> result = new CompletableFuture<>();
        Thread.ofPlatform().name("kindling-netns-" + name).daemon(true).start(() -> createInside(file, address, result));
        try {
            return result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            deleteQuietly(name);
            Throwable cause = e.getCause();
            if (cause instanceof ListenerException) {
                throw new SandboxException.ListenerFailed(address + " in " + name + ": " + cause.getCause().getMessage(), cause.getCause());
            }
            throw new SandboxException.NetworkFailed(name + ": " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            // The thread may still finish; close what it opens so the namespace can go away.
            result.thenAccept(NetworkNamespaces::closeQuietly);
            deleteQuietly(name);
            throw new SandboxException.NetworkFailed(name + ": not created within " + timeout, e);
        } catch (InterruptedException e) {
            result.thenAccept(NetworkNamespaces::closeQuietly);
            deleteQuietly(name);
            Thread.currentThread().interrupt();
            throw new SandboxException.NetworkFailed(name + ": interrupted", e);
        }
    }

    /** Marks a failure of the listener itself, as opposed to the namespace. */
    private static final class ListenerException extends IOException {
        ListenerException(IOException cause) {
            super(cause);
        }
    }

    /** Runs on its own platform thread, which ends afterwards. */
    private static void createInside(Path file, InetSocketAddress address, CompletableFuture<ServerSocketChannel> result) {
        ServerSocketChannel channel = null;
        int home = -1;
        try {
            String homeName = currentThreadNamespace();
            home = LinuxCalls.openReadOnly(THREAD_NETNS.toString());
            LinuxCalls.unshare(LinuxCalls.CLONE_NEWNET);
            try {
                // A new namespace's lo is down and has no address; up, it gets 127.0.0.1 and ::1.
                LinuxCalls.bringUp("lo");
                // thread-self, not self: /proc/self/ns/net is the main thread's namespace.
                LinuxCalls.mount(THREAD_NETNS.toString(), file.toString(), "none", LinuxCalls.MS_BIND);
                try {
                    // IPv4 explicitly: a dual-stack socket bound to 127.0.0.1 would work too, but
                    // shows up as ::ffff:127.0.0.1 in every log.
                    channel = ServerSocketChannel.open(StandardProtocolFamily.INET);
                    channel.bind(address, BACKLOG);
                } catch (IOException e) {
                    throw new ListenerException(e);
                }
            } finally {
                LinuxCalls.setns(home, LinuxCalls.CLONE_NEWNET);
                String now = currentThreadNamespace();
                if (!now.equals(homeName)) {
                    throw new IOException("thread stayed in " + now + " instead of returning to " + homeName);
                }
            }
            result.complete(channel);
        } catch (Throwable t) {
            closeQuietly(channel);
            result.completeExceptionally(t);
        } finally {
            if (home >= 0) {
                LinuxCalls.close(home);
            }
        }
    }

    /**
     * Makes /run/netns a shared mount point, as iproute2 does before its first namespace, so a
     * namespace named later is visible in mount namespaces copied from the host's meanwhile
     * (e.g. by {@code ip netns exec}). Once per driver; a no-op when ip has done it already.
     */
    private void prepareRunNetns() throws SandboxException {
        if (runNetnsReady) {
            return;
        }
        synchronized (this) {
            if (runNetnsReady) {
                return;
            }
            try {
                Files.createDirectories(RUN_NETNS);
                if (!isSharedMountPoint(RUN_NETNS)) {
                    LinuxCalls.mount(RUN_NETNS.toString(), RUN_NETNS.toString(), "none", LinuxCalls.MS_BIND | LinuxCalls.MS_REC);
                    LinuxCalls.mount("none", RUN_NETNS.toString(), "none", LinuxCalls.MS_SHARED | LinuxCalls.MS_REC);
                }
            } catch (IOException e) {
                throw new SandboxException.NetworkFailed("preparing " + RUN_NETNS + ": " + e, e);
            }
            runNetnsReady = true;
        }
    }

    private static boolean isSharedMountPoint(Path dir) throws IOException {
        // Field 5 is the mount point; optional fields before " - " include shared:N.
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] fields = line.split(" ");
            if (fields.length > 6 && fields[4].equals(dir.toString())) {
                String optional = line.substring(0, line.indexOf(" - "));
                return optional.contains(" shared:");
            }
        }
        return false;
    }

    /**
     * Unmounts and unlinks the name, as {@code ip netns del} does. The kernel frees the namespace
     * when its last user (process or socket) is gone, which close() ensures by killing first and
     * closing the listener.
     */
    void delete(String name) throws SandboxException {
        Path file = file(name);
        if (!Files.exists(file)) {
            return;
        }
        try {
            try {
                LinuxCalls.umount2(file.toString(), LinuxCalls.MNT_DETACH);
            } catch (IOException e) {
                // EINVAL: not mounted, e.g. a start-up that failed between creating and naming.
                if (!e.getMessage().contains("errno 22")) {
                    throw e;
                }
            }
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new SandboxException.NetworkFailed("deleting " + file + ": " + e.getMessage(), e);
        }
    }

    void deleteQuietly(String name) {
        try {
            delete(name);
        } catch (SandboxException ignored) {
            // The caller is already failing; cleanLeftovers() gets what is left.
        }
    }

    /** Names of namespaces starting with {@code prefix}, read from /run/netns as {@code ip netns list} does. */
    List<String> list(String prefix) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(RUN_NETNS, prefix + "*")) {
            for (Path entry : entries) {
                names.add(entry.getFileName().toString());
            }
        } catch (NoSuchFileException e) {
            return List.of();
        }
        return names;
    }

    static void closeQuietly(ServerSocketChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing to do: the descriptor is released either way.
        }
    }
}
