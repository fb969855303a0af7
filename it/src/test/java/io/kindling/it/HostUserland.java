package io.kindling.it;

import io.kindling.chunks.oci.layers.TestLayer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A container image's base layer made of this host's own binaries: each tool named, every library {@code ldd} lists
 * for it, the symbolic links on the way (sh → dash, libc.so.6 → its versioned file), and merged /usr's top-level links
 * (bin, lib, lib64, sbin). Enough for the shell bootstraps of {@link ProvidedRuntimeBootstraps} to run with the image
 * as their whole root, and nothing of the host beyond it. {@link #librariesFor} makes the other kind of base: the C
 * libraries alone, for binaries an image brings itself (a jlinked Java runtime).
 */
final class HostUserland {
    /** What {@link ProvidedRuntimeBootstraps#SWISS_ARMY} and the isolation probes run. */
    static final List<String> TOOLS = List.of("sh", "dash", "curl", "grep", "cut", "tr", "cat", "cp", "printenv",
            "base64", "sed", "head", "dd", "sleep", "stat", "ls", "id", "touch", "env", "wc", "sha256sum");

    private final TestLayer layer = new TestLayer();
    private final Set<String> added = new LinkedHashSet<>();

    /** Starts with merged /usr's top-level links (bin, lib, lib64, sbin). */
    private HostUserland() {
        for (String top : List.of("bin", "lib", "lib64", "sbin")) {
            layer.symlink(top, "usr/" + top);
            added.add(top);
        }
    }

    /** The layer, with {@code /etc} and {@code /var/task} left to the layers above. */
    static TestLayer layer() throws IOException, InterruptedException {
        HostUserland userland = new HostUserland();
        for (String tool : TOOLS) {
            userland.copy(Path.of("/usr/bin", tool));
            for (Path library : libraries(Path.of("/usr/bin", tool))) {
                userland.copy(library);
            }
        }
        return userland.layer;
    }

    /**
     * The C userland that {@code binaries} (files outside the host's own tree, such as a jlinked Java runtime) need:
     * the host libraries ldd lists for each, libraries of their own directory tree left out, plus {@code dlopened}
     * (host libraries loaded by name at run time, which ldd cannot see), and no tools.
     */
    static TestLayer librariesFor(List<Path> binaries, Path ownTree, List<Path> dlopened)
            throws IOException, InterruptedException {
        HostUserland userland = new HostUserland();
        for (Path library : libraries(binaries.toArray(Path[]::new))) {
            if (!library.normalize().startsWith(ownTree)) {
                userland.copy(library);
            }
        }
        for (Path library : dlopened) {
            userland.copy(library);
        }
        return userland.layer;
    }

    /** The path as the image has it: merged /usr, so /lib/x/y is usr/lib/x/y. */
    private static Path merged(Path path) {
        String text = path.normalize().toString();
        for (String top : List.of("/lib/", "/lib64/", "/bin/", "/sbin/")) {
            if (text.startsWith(top)) {
                return Path.of("/usr" + text);
            }
        }
        return Path.of(text);
    }

    /** Adds {@code path} and, if it is a link, the links and the file it leads to, with every parent directory. */
    private void copy(Path path) throws IOException {
        Path current = merged(path);
        for (int hops = 0; hops < 40; hops++) {
            if (added.contains(current.toString())) {
                return;
            }
            directories(current.getParent());
            added.add(current.toString());
            if (Files.isSymbolicLink(current)) {
                String target = Files.readSymbolicLink(current).toString();
                layer.symlink(relative(current), target);
                current = merged(current.getParent().resolve(target));
            } else {
                layer.file(relative(current), Files.readAllBytes(current), 0755, 0, 0);
                return;
            }
        }
        throw new IOException("too many links from " + path);
    }

    private void directories(Path dir) {
        if (dir == null || dir.toString().equals("/") || added.contains(dir.toString())) {
            return;
        }
        directories(dir.getParent());
        added.add(dir.toString());
        layer.dir(relative(dir), 0755, 0, 0);
    }

    private static String relative(Path path) {
        return path.toString().substring(1);
    }

    /** What ldd says {@code binaries} load, the dynamic loader included (one ldd for them all). */
    private static List<Path> libraries(Path... binaries) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ldd"));
        for (Path binary : binaries) {
            command.add(binary.toString());
        }
        Process ldd = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(ldd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!ldd.waitFor(30, TimeUnit.SECONDS) || ldd.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
        List<Path> libraries = new ArrayList<>();
        for (String line : output.split("\n")) {
            String trimmed = line.trim();
            if (binaries.length > 1 && trimmed.endsWith(":")) {
                continue; // the name of the binary whose libraries follow
            }
            int arrow = trimmed.indexOf("=> ");
            String path = arrow >= 0 ? trimmed.substring(arrow + 3) : trimmed;
            int space = path.indexOf(' ');
            path = space >= 0 ? path.substring(0, space) : path;
            if (path.startsWith("/")) {
                libraries.add(Path.of(path));
            }
        }
        return libraries;
    }
}
