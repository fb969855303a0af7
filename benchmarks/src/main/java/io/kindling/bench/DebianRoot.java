package io.kindling.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A realistic image root: Debian's {@code python3} and every package it depends on (apt's closure, without recommends),
 * each {@code .deb} fetched with {@code apt-get download} and unpacked with {@code dpkg-deb -x} into one tree, the
 * usr-merge symlinks ({@code bin}, {@code lib}, {@code lib64}, {@code sbin}) added, and the standard library compiled
 * to {@code .pyc} as Debian's postinst would ({@code compileall}, unchecked-hash, so the read-only root is never
 * written). Maintainer scripts are not run.
 *
 * <p>Both the {@code .deb} files and the finished tree are kept in a cache directory across runs ({@code
 * -Dkindling.bench.cache}, else {@code $XDG_CACHE_HOME/kindling-bench}, else {@code ~/.cache/kindling-bench}), so a
 * rerun needs neither the network nor the compile.
 */
final class DebianRoot {
    private static final String TOP = "python3";
    private static final Pattern PACKAGE = Pattern.compile("[a-z0-9][a-z0-9+.-]+");

    /** Why no root could be had (no apt, no network, no dpkg-deb…): the table says it and the run goes on. */
    static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message);
        }
    }

    /** The unpacked root and the packages in it. */
    record Root(Path dir, List<String> packages) {}

    private final Path cache;

    DebianRoot(Path cache) {
        this.cache = cache;
    }

    static Path defaultCache() {
        String property = System.getProperty("kindling.bench.cache");
        if (property != null) {
            return Path.of(property);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("kindling-bench");
    }

    Root prepare() throws Unavailable, InterruptedException {
        Path home = cache.resolve("debian-" + TOP);
        Path root = home.resolve("root");
        Path done = home.resolve("root.packages");
        try {
            if (Files.isRegularFile(done) && Files.isDirectory(root)) {
                return new Root(root, Files.readAllLines(done));
            }
            Path debs = Files.createDirectories(home.resolve("debs"));
            List<String> packages = closure();
            List<String> missing = new ArrayList<>();
            for (String name : packages) {
                if (deb(debs, name) == null) {
                    missing.add(name);
                }
            }
            if (!missing.isEmpty()) {
                RoundTripBench.progress("images: apt-get download of " + missing.size() + " Debian packages into " + debs);
                List<String> command = new ArrayList<>(List.of("apt-get", "download", "-q"));
                command.addAll(missing);
                run(command, debs, 600);
            }
            Path building = home.resolve("root.building");
            ControlPlaneBench.deleteRecursively(building);
            Files.createDirectories(building);
            for (String name : packages) {
                Path deb = deb(debs, name);
                if (deb == null) {
                    throw new Unavailable("apt-get download gave no .deb for " + name);
                }
                run(List.of("dpkg-deb", "-x", deb.toString(), building.toString()), building, 120);
            }
            for (String top : List.of("bin", "lib", "lib64", "sbin")) {
                Path link = building.resolve(top);
                if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(building.resolve("usr").resolve(top));
                    Files.createSymbolicLink(link, Path.of("usr", top));
                }
            }
            for (String dir : List.of("dev", "proc", "sys", "tmp", "root", "var/task", "var/runtime")) {
                Files.createDirectories(building.resolve(dir));
            }
            compile(building);
            ControlPlaneBench.deleteRecursively(root);
            Files.move(building, root, StandardCopyOption.ATOMIC_MOVE);
            Files.write(done, packages);
            return new Root(root, packages);
        } catch (IOException e) {
            throw new Unavailable("building the Debian root failed: " + e.getMessage());
        }
    }

    /** {@code python3} and everything it depends on, as apt resolves it on this host (real packages only). */
    private static List<String> closure() throws Unavailable, InterruptedException, IOException {
        String out = run(List.of("apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
                "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances", TOP), null, 120);
        TreeSet<String> names = new TreeSet<>();
        for (String line : out.split("\n")) {
            if (!line.startsWith(" ") && PACKAGE.matcher(line.strip()).matches()) {
                names.add(line.strip());
            }
        }
        if (!names.contains(TOP)) {
            throw new Unavailable("apt-cache knows no " + TOP + " (run apt-get update once)");
        }
        return List.copyOf(names);
    }

    /** The cached {@code .deb} of package {@code name}, or null. */
    private static Path deb(Path debs, String name) throws IOException {
        try (Stream<Path> files = Files.list(debs)) {
            return files.filter(f -> f.getFileName().toString().startsWith(name + "_")
                    && f.getFileName().toString().endsWith(".deb")).findFirst().orElse(null);
        }
    }

    /**
     * The standard library compiled by the root's own interpreter (Debian's python3 runs on this Debian host), paths
     * recorded as they are inside the image; skipped when it cannot run here (the image then compiles in memory).
     */
    private static void compile(Path root) throws InterruptedException, IOException {
        Path python = root.resolve("usr/bin/python3");
        Path lib;
        try (Stream<Path> libs = Files.list(root.resolve("usr/lib"))) {
            lib = libs.filter(p -> p.getFileName().toString().matches("python3\\.\\d+")).findFirst().orElse(null);
        }
        if (lib == null || !Files.exists(python)) {
            return;
        }
        try {
            run(List.of(python.toRealPath().toString(), "-m", "compileall", "-q", "-j", "0", "--invalidation-mode",
                    "unchecked-hash", "-s", root.toString(), "-p", "/", lib.toString()), root, 600);
        } catch (Unavailable e) {
            RoundTripBench.progress("images: the Debian root's stdlib stays uncompiled: " + e.getMessage());
        }
    }

    private static String run(List<String> command, Path dir, int timeoutSeconds)
            throws Unavailable, InterruptedException, IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (dir != null) {
            builder.directory(dir.toFile());
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new Unavailable(command.getFirst() + " cannot run here: " + e.getMessage());
        }
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new Unavailable(command.getFirst() + " took over " + timeoutSeconds + " s");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            String tail = text.length() > 400 ? text.substring(text.length() - 400) : text;
            throw new Unavailable(String.join(" ", command.subList(0, Math.min(3, command.size()))) + " exited with "
                    + process.exitValue() + ": " + tail.strip());
        }
        return text;
    }
}
