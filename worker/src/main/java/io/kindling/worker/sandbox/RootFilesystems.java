package io.kindling.worker.sandbox;

import java.nio.file.Path;
import java.util.List;

/** Root filesystems as data: each is a list of {@link RootBind}s read from a file in {@code roots/}. */
public final class RootFilesystems {
    private static final List<RootBind> DEBIAN_12_HOST = load("roots/debian12-host.tsv");

    private RootFilesystems() {}

    /**
     * The host's own /usr and the few /etc files a {@code provided} bootstrap (shell or binary)
     * and the host's JDKs need, on a Debian 12 host with merged /usr.
     */
    public static List<RootBind> debian12Host() {
        return DEBIAN_12_HOST;
    }

    /** Reads a root from a resource beside this class; see {@code roots/debian12-host.tsv} for the format. */
    public static List<RootBind> load(String resource) {
        return DataFile.read(resource, 4).stream().map(RootFilesystems::toBind).toList();
    }

    private static RootBind toBind(DataFile.Row row) {
        RootBind.Kind kind = switch (row.field(0)) {
            case "ro" -> RootBind.Kind.READ_ONLY;
            case "ro-try" -> RootBind.Kind.READ_ONLY_IF_PRESENT;
            case "symlink" -> RootBind.Kind.SYMLINK;
            default -> throw new IllegalStateException(row.where() + ": unknown kind " + row.field(0));
        };
        return new RootBind(kind, row.field(1), Path.of(row.field(2)), row.reason());
    }
}
