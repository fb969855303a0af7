package io.kindling.worker.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A sandbox's file tree as seen from the host, before the sandbox exists: which host file a path inside it would be,
 * following the mounts bwrap makes (/var/task, /var/runtime, the root binds) and symlinks as the kernel inside would.
 * So a missing or non-executable entrypoint is found, and named as Lambda names it, without starting anything.
 *
 * <p>Only the mounts that come from host paths are known; the generated /etc files, /proc, /dev and /tmp are not, and
 * paths there count as missing (no entrypoint lives there).
 *
 * <p>For a container image ({@link ImageRoot}) "/" is the image: its top-level entries laid out as the driver lays
 * them ({@link ImageRoot#entries()}), and nothing else. Every symlink, absolute ones included, resolves against that
 * root, so a link in the image never reaches a host file.
 */
public final class SandboxFiles {
    /** Linux's limit on symlinks followed in one lookup; more is ELOOP. */
    private static final int MAX_SYMLINKS = 40;

    /** What {@code execve} as the sandbox uid would find at a path. */
    public enum Access {
        /** Nothing there (or a dangling link): Lambda's "Couldn't find valid bootstrap(s)". */
        MISSING,
        /** Something there that the sandbox uid may not execute (a directory, a file without x for others). */
        NOT_EXECUTABLE,
        /** A regular file with execute permission for others. */
        EXECUTABLE
    }

    /** Sandbox path to host path, for every bind. */
    private final Map<Path, Path> binds = new LinkedHashMap<>();
    /** Sandbox path to link text, for the root's symlinks. */
    private final Map<Path, String> symlinks = new LinkedHashMap<>();

    private SandboxFiles(List<RootBind> rootBinds) {
        for (RootBind bind : rootBinds) {
            switch (bind.kind()) {
                case SYMLINK -> symlinks.put(bind.target(), bind.source());
                case READ_ONLY, READ_ONLY_IF_PRESENT -> binds.put(bind.target(), Path.of(bind.source()));
            }
        }
    }

    /**
     * The tree a sandbox of {@code spec} would see.
     *
     * @throws UncheckedIOException if the spec's image root cannot be listed
     */
    public static SandboxFiles of(SandboxSpec spec) {
        if (spec.image().isPresent()) {
            return of(spec.image().get());
        }
        return of(spec.codeDir(), spec.runtimeDir(), spec.rootBinds());
    }

    public static SandboxFiles of(Path codeDir, Optional<Path> runtimeDir, List<RootBind> rootBinds) {
        Objects.requireNonNull(codeDir, "codeDir");
        SandboxFiles files = new SandboxFiles(rootBinds);
        files.binds.put(Path.of(SandboxSpec.TASK_ROOT), codeDir);
        runtimeDir.ifPresent(dir -> files.binds.put(Path.of(SandboxSpec.RUNTIME_DIR), dir));
        return files;
    }

    /**
     * The tree a sandbox with {@code image} as its root would see: the image's top-level entries and nothing else.
     *
     * @throws UncheckedIOException if the image root cannot be listed
     */
    public static SandboxFiles of(ImageRoot image) {
        try {
            return new SandboxFiles(image.entries());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the image root " + image.root(), e);
        }
    }

    /**
     * Whether the sandbox uid could execute {@code inSandbox}. The sandbox uid owns no host file
     * ({@link BubblewrapConfig#sandboxUid()}), so the permission that counts is the one for others.
     */
    public Access access(Path inSandbox) {
        Optional<Path> host = hostPath(inSandbox);
        if (host.isEmpty()) {
            return Access.MISSING;
        }
        PosixFileAttributes attributes;
        try {
            attributes = Files.readAttributes(host.get(), PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return Access.MISSING;
        }
        return attributes.isRegularFile() && attributes.permissions().contains(PosixFilePermission.OTHERS_EXECUTE)
                ? Access.EXECUTABLE : Access.NOT_EXECUTABLE;
    }

    /**
     * The host file {@code inSandbox} resolves to, every symlink on the way followed inside the sandbox's tree; empty
     * if some component is missing, lies outside every bind, or the links loop.
     */
    public Optional<Path> hostPath(Path inSandbox) {
        if (!inSandbox.isAbsolute()) {
            throw new IllegalArgumentException("not an absolute sandbox path: " + inSandbox);
        }
        Deque<String> remaining = components(inSandbox.normalize());
        Path resolved = Path.of("/");
        int links = 0;
        while (!remaining.isEmpty()) {
            Path next = resolved.resolve(remaining.removeFirst());
            Optional<String> linkText = linkAt(next);
            if (linkText.isPresent()) {
                if (++links > MAX_SYMLINKS) {
                    return Optional.empty();
                }
                // resolved holds no links, so ".." in the link text can be normalized away against it.
                Path target = resolved.resolve(linkText.get()).normalize();
                List<String> rest = new ArrayList<>(remaining);
                remaining = components(target);
                remaining.addAll(rest);
                resolved = Path.of("/");
                continue;
            }
            Optional<Path> host = hostOf(next);
            if (host.isPresent() ? !Files.exists(host.get(), LinkOption.NOFOLLOW_LINKS) : !isMountParent(next)) {
                return Optional.empty();
            }
            resolved = next;
        }
        return hostOf(resolved);
    }

    /** The link text if {@code inSandbox} is a symlink: one of the root's, or one inside a bound host directory. */
    private Optional<String> linkAt(Path inSandbox) {
        String rootLink = symlinks.get(inSandbox);
        if (rootLink != null) {
            return Optional.of(rootLink);
        }
        Optional<Path> host = hostOf(inSandbox);
        if (host.isPresent() && Files.isSymbolicLink(host.get())) {
            try {
                return Optional.of(Files.readSymbolicLink(host.get()).toString());
            } catch (IOException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** Through the bind with the longest target that contains {@code inSandbox}. */
    private Optional<Path> hostOf(Path inSandbox) {
        Path best = null;
        for (Path target : binds.keySet()) {
            if (inSandbox.startsWith(target) && (best == null || target.getNameCount() > best.getNameCount())) {
                best = target;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        return Optional.of(binds.get(best).resolve(best.relativize(inSandbox).toString()));
    }

    /** A directory bwrap creates in its own root to mount something below it, such as /var for /var/task. */
    private boolean isMountParent(Path inSandbox) {
        return inSandbox.getNameCount() == 0
                || binds.keySet().stream().anyMatch(target -> target.startsWith(inSandbox))
                || symlinks.keySet().stream().anyMatch(link -> link.startsWith(inSandbox) && !link.equals(inSandbox));
    }

    private static Deque<String> components(Path absolute) {
        Deque<String> parts = new ArrayDeque<>();
        absolute.forEach(name -> parts.add(name.toString()));
        return parts;
    }
}
