package io.kindling.worker.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One piece of a sandbox's root filesystem, always read-only. A runtime's root is a list of these,
 * kept as data ({@link RootFilesystems}), so a new runtime or host layout is a new data file.
 *
 * @param kind how the piece appears in the sandbox
 * @param source the host path for binds; the link's text for symlinks (usually relative)
 * @param target absolute path inside the sandbox
 * @param reason why the runtime needs it; required, as for every allowlist entry
 */
public record RootBind(Kind kind, String source, Path target, String reason) {
    public enum Kind {
        /** {@code --ro-bind}: the host path must exist. */
        READ_ONLY("--ro-bind"),
        /** {@code --ro-bind-try}: bound when the host has it, skipped otherwise. */
        READ_ONLY_IF_PRESENT("--ro-bind-try"),
        /** {@code --symlink}: a link, as the host has it (merged /usr makes /bin a link). */
        SYMLINK("--symlink");

        private final String flag;

        Kind(String flag) {
            this.flag = flag;
        }

        String flag() {
            return flag;
        }
    }

    public RootBind {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(reason, "reason");
        if (reason.isBlank()) {
            throw new IllegalArgumentException("a root bind needs a reason: " + target);
        }
        if (!target.isAbsolute() || !target.normalize().equals(target)) {
            throw new IllegalArgumentException("target must be an absolute, normalized path: " + target);
        }
        if (kind != Kind.SYMLINK && !Path.of(source).isAbsolute()) {
            throw new IllegalArgumentException("a bind's source must be an absolute host path: " + source);
        }
    }

    public static RootBind readOnly(Path hostPath, String reason) {
        return new RootBind(Kind.READ_ONLY, hostPath.toString(), hostPath, reason);
    }

    public static RootBind readOnlyIfPresent(Path hostPath, String reason) {
        return new RootBind(Kind.READ_ONLY_IF_PRESENT, hostPath.toString(), hostPath, reason);
    }

    public static RootBind symlink(String linkText, Path target, String reason) {
        return new RootBind(Kind.SYMLINK, linkText, target, reason);
    }

    /** The host path this bind exposes; empty for symlinks, which expose nothing of the host. */
    Optional<Path> hostPath() {
        return kind == Kind.SYMLINK ? Optional.empty() : Optional.of(Path.of(source).normalize());
    }

    List<String> bwrapArgs() {
        return List.of(kind.flag(), source, target.toString());
    }
}
