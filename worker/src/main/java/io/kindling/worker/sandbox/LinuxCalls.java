package io.kindling.worker.sandbox;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * The libc calls the JDK does not offer, through the FFM API: namespaces (unshare, setns), mounts
 * (the bind that names a network namespace), and bringing a loopback interface up. errno is
 * captured by the linker right after each call, before anything in the JVM can overwrite it.
 *
 * <p>unshare(2) and setns(2) for CLONE_NEWNET change the namespace of the calling <em>thread</em>
 * only. Call them from a dedicated platform thread, never from a virtual thread (it would move the
 * carrier, and with it every virtual thread later mounted there). Needs
 * {@code --enable-native-access=ALL-UNNAMED} (or the module) to run without a warning.
 */
// Restricted methods are the point of this class: downcalls into libc and reading strerror's string.
@SuppressWarnings("restricted")
final class LinuxCalls {
    static final int CLONE_NEWNET = 0x40000000;
    static final long MS_BIND = 0x1000;
    static final long MS_REC = 0x4000;
    static final long MS_SHARED = 1 << 20;
    static final int MNT_DETACH = 2;

    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final long SIOCGIFFLAGS = 0x8913;
    private static final long SIOCSIFFLAGS = 0x8914;
    private static final short IFF_UP = 0x1;
    /** struct ifreq: char ifr_name[IFNAMSIZ = 16], then a union whose first member is short ifr_flags; 40 bytes. */
    private static final long IFREQ_SIZE = 40;
    private static final long IFREQ_FLAGS_OFFSET = 16;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURED = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURED.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    // open(2) and ioctl(2) are variadic; declaring the trailing argument as variadic keeps the
    // x86-64 calling convention honest (%al holds the count of vector arguments).
    private static final MethodHandle OPEN = downcall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 2);
    private static final MethodHandle IOCTL = downcall("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2);
    private static final MethodHandle SETNS = downcall("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), -1);
    private static final MethodHandle UNSHARE = downcall("unshare", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), -1);
    private static final MethodHandle SOCKET = downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), -1);
    private static final MethodHandle MOUNT = downcall(
            "mount", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS), -1);
    private static final MethodHandle UMOUNT2 = downcall("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), -1);
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LIBC.findOrThrow("strerror"), FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private LinuxCalls() {}

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, int firstVariadic) {
        return firstVariadic < 0
                ? LINKER.downcallHandle(LIBC.findOrThrow(name), descriptor, CAPTURE_ERRNO)
                : LINKER.downcallHandle(LIBC.findOrThrow(name), descriptor, CAPTURE_ERRNO, Linker.Option.firstVariadicArg(firstVariadic));
    }

    /** A call returning -1 on failure with errno set. */
    @FunctionalInterface
    private interface Call {
        int invoke(MemorySegment errnoState, Arena arena) throws Throwable;
    }

    private static int check(String what, Call call) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURED);
            int result = call.invoke(state, arena);
            if (result == -1) {
                int errno = (int) ERRNO.get(state, 0L);
                throw new IOException(what + " failed: errno " + errno + " (" + strerror(errno) + ")");
            }
            return result;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(what + ": downcall failed", t);
        }
    }

    /** open(path, O_RDONLY | O_CLOEXEC): a descriptor for a namespace file. */
    static int openReadOnly(String path) throws IOException {
        return check("open " + path, (s, a) -> (int) OPEN.invokeExact(s, a.allocateFrom(path), O_RDONLY | O_CLOEXEC, 0));
    }

    /** setns(fd, nstype), for the calling thread. */
    static void setns(int fd, int nstype) throws IOException {
        check("setns", (s, a) -> (int) SETNS.invokeExact(s, fd, nstype));
    }

    /** unshare(flags), for the calling thread (CLONE_NEWNET: a new, empty network namespace). */
    static void unshare(int flags) throws IOException {
        check("unshare", (s, a) -> (int) UNSHARE.invokeExact(s, flags));
    }

    /** mount(source, target, fstype, flags, NULL). */
    static void mount(String source, String target, String fstype, long flags) throws IOException {
        check("mount " + source + " on " + target, (s, a) -> (int) MOUNT.invokeExact(
                s, a.allocateFrom(source), a.allocateFrom(target), a.allocateFrom(fstype), flags, MemorySegment.NULL));
    }

    /** umount2(target, flags). */
    static void umount2(String target, int flags) throws IOException {
        check("umount " + target, (s, a) -> (int) UMOUNT2.invokeExact(s, a.allocateFrom(target), flags));
    }

    /**
     * Sets IFF_UP on an interface of the calling thread's network namespace, as
     * {@code ip link set lo up} does; for lo that also assigns 127.0.0.1 and ::1.
     */
    static void bringUp(String interfaceName) throws IOException {
        int fd = check("socket", (s, a) -> (int) SOCKET.invokeExact(s, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = arena.allocate(IFREQ_SIZE);
            byte[] name = interfaceName.getBytes(StandardCharsets.US_ASCII);
            if (name.length >= 16) {
                throw new IOException("interface name too long: " + interfaceName);
            }
            MemorySegment.copy(name, 0, ifreq, JAVA_BYTE, 0, name.length); // NUL-terminated: the rest is zero
            check("SIOCGIFFLAGS " + interfaceName, (s, a) -> (int) IOCTL.invokeExact(s, fd, SIOCGIFFLAGS, ifreq));
            short flags = ifreq.get(JAVA_SHORT, IFREQ_FLAGS_OFFSET);
            ifreq.set(JAVA_SHORT, IFREQ_FLAGS_OFFSET, (short) (flags | IFF_UP));
            check("SIOCSIFFLAGS " + interfaceName, (s, a) -> (int) IOCTL.invokeExact(s, fd, SIOCSIFFLAGS, ifreq));
        } finally {
            close(fd);
        }
    }

    /** close(fd); errors are ignored, there is nothing useful to do about them. */
    static void close(int fd) {
        try {
            check("close", (s, a) -> (int) CLOSE.invokeExact(s, fd));
        } catch (IOException ignored) {
            // EBADF or EINTR: the descriptor is gone either way on Linux.
        }
    }

    private static String strerror(int errno) {
        try {
            MemorySegment message = (MemorySegment) STRERROR.invokeExact(errno);
            return message.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "unknown";
        }
    }
}
