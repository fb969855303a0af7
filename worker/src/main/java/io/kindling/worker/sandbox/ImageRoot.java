package io.kindling.worker.sandbox;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A container image's flattened root filesystem as a sandbox's whole root, read-only (Lambda's PackageType Image).
 * Unlike a runtime's {@link RootBind}s it is the function's own code, like /var/task of a zip function: it lies under
 * Kindling's data directory (an EROFS mount at {@code <data>/mounts/images/<digest>}) and is not held to the host-path
 * allowlist; what the driver checks instead is that every bind source is a direct child of {@link #root()}, and that
 * the root itself exposes no forbidden host path (so {@code /} or {@code /var} can never be an "image").
 *
 * <p>Layout in the sandbox: bwrap builds its root on a tmpfs, so each top-level entry of the image is placed there
 * on its own ({@link #entries()}): directories and regular files bound read-only, symlinks recreated with their link
 * text (an absolute {@code etc2 -> /etc} then resolves inside the sandbox, i.e. inside the image, never on the host),
 * other types left out. {@code proc}, {@code dev} and {@code tmp} are the sandbox's own (fresh procfs, minimal /dev,
 * the sized tmpfs); the image's entries of those names are hidden. Nothing is generated into the image: its
 * /etc/passwd, /etc/hosts and /var/task are its own, as in Lambda.
 *
 * @param root the host directory holding the image's root; absolute; must be traversable by the sandbox uid
 * @param workingDirectory where the command starts inside the image (the image's WORKDIR, {@code /} without one);
 *     absolute
 */
public record ImageRoot(Path root, Path workingDirectory) {
    /** Top-level names the sandbox makes fresh itself (bwrap-flags.tsv: --proc, --dev, --tmpfs); the image's are hidden. */
    static final Set<String> SANDBOX_OWN = Set.of("proc", "dev", "tmp");

    public ImageRoot {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(workingDirectory, "workingDirectory");
        if (!root.isAbsolute()) {
            throw new IllegalArgumentException("an image root must be absolute: " + root);
        }
        root = root.normalize();
        if (!workingDirectory.isAbsolute()) {
            throw new IllegalArgumentException("an image's working directory is an absolute path inside it: " + workingDirectory);
        }
        workingDirectory = workingDirectory.normalize();
    }

    public ImageRoot(Path root, String workingDirectory) {
        this(root, Path.of(workingDirectory));
    }

    /**
     * The image's top-level entries as root pieces, sorted by name (a reproducible argv), each listed with lstat
     * semantics: a symlink is never followed, so none can point a bind at a host path. Directories and regular files
     * become {@link RootBind.Kind#READ_ONLY} binds of {@code <root>/<name>} at {@code /<name>}, symlinks
     * {@link RootBind.Kind#SYMLINK}s with their link text; sockets, fifos and device nodes are left out (a device node
     * would be useless anyway: binds are nodev), as are {@link #SANDBOX_OWN} names.
     *
     * @throws IOException if the root cannot be listed (e.g. its mount went away)
     */
    public List<RootBind> entries() throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> listing = Files.newDirectoryStream(root)) {
            listing.forEach(children::add);
        }
        children.sort(Comparator.comparing(child -> child.getFileName().toString()));
        List<RootBind> entries = new ArrayList<>();
        for (Path child : children) {
            String name = child.getFileName().toString();
            if (SANDBOX_OWN.contains(name)) {
                continue;
            }
            Path target = Path.of("/", name);
            BasicFileAttributes attributes = Files.readAttributes(child, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (attributes.isSymbolicLink()) {
                entries.add(RootBind.symlink(Files.readSymbolicLink(child).toString(), target,
                        "the image's own top-level link, resolved inside the sandbox"));
            } else if (attributes.isDirectory() || attributes.isRegularFile()) {
                entries.add(new RootBind(RootBind.Kind.READ_ONLY, child.toString(), target,
                        "the image's own top-level entry, read-only"));
            }
        }
        return List.copyOf(entries);
    }
}
