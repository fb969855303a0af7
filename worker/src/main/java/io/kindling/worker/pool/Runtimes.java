package io.kindling.worker.pool;

import io.kindling.worker.sandbox.DataFile;
import io.kindling.worker.sandbox.RootBind;
import io.kindling.worker.sandbox.RootFilesystems;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The runtimes this worker can start, by Lambda runtime identifier ({@code provided.al2023}, {@code java21}, ...), read
 * from data beside this class: {@code runtimes/runtimes.tsv} names each identifier's definition file, and each
 * definition file ({@code runtimes/provided.tsv}, {@code runtimes/java.tsv}) lists the root, the runtime directory,
 * the entrypoints, the environment and the command argument by argument, each with its reason. A new runtime (Python,
 * Node.js) is a line and a file, plus its files in the runtimes directory; no worker code changes.
 *
 * <p>The runtimes directory holds each runtime's own files on the host, e.g. {@code java/lib/*.jar} (the AWS Lambda
 * Java runtime interface client), which the sandbox sees at {@code /var/runtime}. The build puts it beside the jars:
 * {@code cli/target/runtimes} for the distribution, {@code worker/target/runtimes} in the reactor; see
 * {@link #defaultDirectory()}.
 */
public final class Runtimes {
    /** System property naming the runtimes directory; overrides the one found beside the code. */
    public static final String DIRECTORY_PROPERTY = "kindling.runtimes.dir";
    private static final String CATALOG = "runtimes/runtimes.tsv";

    private final Path directory;
    private final Map<String, Runtime> byIdentifier;

    private Runtimes(Path directory, Map<String, Runtime> byIdentifier) {
        this.directory = directory;
        this.byIdentifier = Collections.unmodifiableMap(byIdentifier);
    }

    /**
     * Every runtime of the catalog, their runtime directories under {@code directory}. Fails if a runtime directory is
     * missing or the sandbox uid could not read it: then every cold start of that runtime would fail, so the server
     * should not start.
     */
    public static Runtimes load(Path directory) {
        Path root = directory.toAbsolutePath().normalize();
        Map<String, Runtime> runtimes = new LinkedHashMap<>();
        Map<String, Runtime> byFile = new LinkedHashMap<>();
        for (DataFile.Row row : DataFile.readBeside(Runtimes.class, CATALOG)) {
            if (row.fields().size() != 3) {
                throw new IllegalStateException(row.where() + ": expected identifier, definition file, reason");
            }
            String identifier = row.field(0);
            Runtime shared = byFile.computeIfAbsent(row.field(1), file -> definition(identifier, file, Optional.of(root)));
            if (runtimes.put(identifier, renamed(shared, identifier)) != null) {
                throw new IllegalStateException(row.where() + ": " + identifier + " is listed twice");
            }
        }
        for (Path runtimeDir : byFile.values().stream().flatMap(r -> r.runtimeDir().stream()).distinct().toList()) {
            checkReadableBySandbox(runtimeDir);
        }
        return new Runtimes(root, runtimes);
    }

    /** {@link #load(Path)} of {@link #defaultDirectory()}. */
    public static Runtimes load() {
        return load(defaultDirectory());
    }

    /**
     * The system property {@value #DIRECTORY_PROPERTY} if set; otherwise the {@code runtimes} directory the build puts
     * beside the code: {@code target/runtimes} next to {@code target/classes} (the reactor) or next to
     * {@code target/lib/kindling-worker-*.jar} (the cli's distribution), whichever exists first.
     */
    public static Path defaultDirectory() {
        String configured = System.getProperty(DIRECTORY_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        Path code;
        try {
            code = Path.of(Runtimes.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("cannot tell where the worker's code lies; set -D" + DIRECTORY_PROPERTY, e);
        }
        return beside(code);
    }

    /** {@code runtimes} in the directory holding {@code code} (classes directory or jar), or in its parent. */
    static Path beside(Path code) {
        List<Path> candidates = new ArrayList<>();
        for (Path dir = code.getParent(); dir != null && candidates.size() < 2; dir = dir.getParent()) {
            candidates.add(dir.resolve("runtimes"));
        }
        return candidates.stream().filter(Files::isDirectory).findFirst().orElseThrow(() -> new IllegalStateException(
                "no runtimes directory at " + candidates + " (the build makes it: mvn package -pl cli -am); or set -D"
                        + DIRECTORY_PROPERTY));
    }

    public Path directory() {
        return directory;
    }

    /** The identifiers, in the catalog's order. */
    public Set<String> identifiers() {
        return byIdentifier.keySet();
    }

    public Optional<Runtime> find(String identifier) {
        return Optional.ofNullable(byIdentifier.get(identifier));
    }

    /** @throws IllegalArgumentException for an identifier the catalog does not have */
    public Runtime get(String identifier) {
        return find(identifier).orElseThrow(() -> new IllegalArgumentException(
                "no runtime " + identifier + "; this worker runs " + identifiers()));
    }

    private static Runtime renamed(Runtime runtime, String name) {
        return new Runtime(name, runtime.command(), runtime.environment(), runtime.rootBinds(), runtime.runtimeDir(),
                runtime.entrypoints());
    }

    /**
     * Reads one definition file. Row kinds, TAB separated, each ending in the reason:
     * <pre>
     * root        FILE           a root filesystem from the sandbox package's roots/, e.g. debian12-host.tsv
     * runtime-dir NAME           RUNTIMES/NAME is seen at /var/runtime
     * entrypoint  PATH           a path in the sandbox that must be executable (several: Lambda's search order)
     * env         NAME  VALUE    a variable the runtime needs
     * arg         VALUE          the next argument of the command, with {@link CommandTemplate} placeholders
     * </pre>
     *
     * @param runtimesDirectory where runtime directories are; empty only for runtimes that need none
     */
    static Runtime definition(String name, String file, Optional<Path> runtimesDirectory) {
        List<RootBind> root = null;
        Optional<Path> runtimeDir = Optional.empty();
        List<Path> entrypoints = new ArrayList<>();
        Map<String, String> environment = new LinkedHashMap<>();
        List<String> command = new ArrayList<>();
        for (DataFile.Row row : DataFile.readBeside(Runtimes.class, "runtimes/" + file)) {
            String kind = row.field(0);
            int expected = kind.equals("env") ? 4 : 3;
            if (row.fields().size() != expected) {
                throw new IllegalStateException(row.where() + ": a " + kind + " row has " + expected
                        + " TAB-separated fields, the last one the reason");
            }
            switch (kind) {
                case "root" -> {
                    if (root != null) {
                        throw new IllegalStateException(row.where() + ": a runtime has one root");
                    }
                    root = RootFilesystems.load("roots/" + row.field(1));
                }
                case "runtime-dir" -> {
                    Path base = runtimesDirectory.orElseThrow(() -> new IllegalStateException(
                            row.where() + ": needs a runtimes directory; load it through Runtimes.load"));
                    Path dir = base.resolve(row.field(1)).normalize();
                    if (!dir.getParent().equals(base)) {
                        throw new IllegalStateException(row.where() + ": a runtime directory is one name under "
                                + base + ": " + row.field(1));
                    }
                    runtimeDir = Optional.of(dir);
                }
                case "entrypoint" -> entrypoints.add(Path.of(row.field(1)));
                case "env" -> environment.put(row.field(1), row.field(2));
                case "arg" -> command.add(row.field(1));
                default -> throw new IllegalStateException(row.where() + ": unknown kind " + kind);
            }
        }
        if (root == null) {
            throw new IllegalStateException("runtimes/" + file + ": no root");
        }
        return new Runtime(name, command, environment, root, runtimeDir, entrypoints);
    }

    /**
     * The sandbox runs as a uid that owns no host file, so it reads the runtime directory as "others": every directory
     * from / down must let others in, and everything inside must be readable by them.
     */
    private static void checkReadableBySandbox(Path runtimeDir) {
        if (!Files.isDirectory(runtimeDir)) {
            throw new IllegalStateException("runtime directory " + runtimeDir + " is missing (the build makes it:"
                    + " mvn package -pl cli -am)");
        }
        for (Path dir = runtimeDir.getParent(); dir != null; dir = dir.getParent()) {
            requireOthers(dir, PosixFilePermission.OTHERS_EXECUTE, runtimeDir);
        }
        try (Stream<Path> tree = Files.walk(runtimeDir)) {
            for (Path path : tree.toList()) {
                requireOthers(path, PosixFilePermission.OTHERS_READ, runtimeDir);
                if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                    requireOthers(path, PosixFilePermission.OTHERS_EXECUTE, runtimeDir);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read runtime directory " + runtimeDir, e);
        }
    }

    private static void requireOthers(Path path, PosixFilePermission needed, Path runtimeDir) {
        try {
            if (!Files.getPosixFilePermissions(path).contains(needed)) {
                throw new IllegalStateException("the sandbox uid cannot use runtime directory " + runtimeDir + ": "
                        + path + " lacks " + needed + " (sandboxes read it as others, like function code)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the permissions of " + path, e);
        }
    }

    @Override
    public String toString() {
        return "Runtimes" + identifiers() + " from " + directory;
    }
}
