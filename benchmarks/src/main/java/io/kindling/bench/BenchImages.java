package io.kindling.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The container images figure 11 pulls, built from files on this host and pushed into a {@link LocalImageRegistry}:
 *
 * <ul>
 *   <li><b>small</b>: a minimal userland copied from the host ({@code dash} as {@code /bin/sh}, {@code cat},
 *       {@code curl} and every library {@code ldd} lists for them and the bootstrap, {@code bin}/{@code lib}/{@code
 *       lib64} symlinks into {@code /usr}), one layer; and the C echo runtime of {@link ProvidedBootstraps} at
 *       {@code /var/task/bootstrap}, the image's ENTRYPOINT, in a second layer.</li>
 *   <li><b>large</b>: the same two layers with a third between them, {@code /opt/data/part-NN.bin}: random files the
 *       handler never reads (256 MiB each, each from its own seed).</li>
 *   <li><b>python</b>: a Debian root of {@code python3} and its dependencies ({@link DebianRoot}) and a Python
 *       bootstrap that answers the Runtime API with urllib; ENTRYPOINT {@code python3}, CMD the bootstrap.</li>
 * </ul>
 * All three are tags of one repository, so the large image's first layers are the small image's blobs.
 */
final class BenchImages {
    static final String REPOSITORY = "kindling-bench/fn";
    static final long DATA_FILE_BYTES = 256L << 20;
    private static final List<String> PROGRAMS = List.of("/usr/bin/dash", "/usr/bin/cat", "/usr/bin/curl");
    private static final List<String> ENV = List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG=C.UTF-8");

    /** The Python handler: the Runtime API loop with urllib, echoing each event. */
    static final String PYTHON_BOOTSTRAP = """
            import os
            import urllib.request

            API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"

            while True:
                with urllib.request.urlopen(API + "next") as answer:
                    request_id = answer.headers["Lambda-Runtime-Aws-Request-Id"]
                    event = answer.read()
                request = urllib.request.Request(API + request_id + "/response", data=event, method="POST")
                with urllib.request.urlopen(request) as posted:
                    posted.read()
            """;

    /**
     * The images as pushed.
     *
     * @param python            null when no Debian root could be had ({@code pythonUnavailable} says why)
     * @param dataLayer         the large image's layer of random files
     * @param userlandFiles     the host files the small image copies, for the table
     */
    record Images(LocalImageRegistry.PushedImage small, LocalImageRegistry.PushedImage large,
                  LocalImageRegistry.PushedImage python, String pythonUnavailable, OciLayerWriter.Blob dataLayer,
                  List<String> userlandFiles, List<String> debianPackages) {}

    private BenchImages() {}

    /**
     * Builds and pushes the images.
     *
     * @param requestedDataBytes the large image's random bytes, or -1 for as many as fit, with the small image's
     *                           layers and every tar header, within {@code imageLimit} (Lambda's 10 GiB)
     */
    static Images build(LocalImageRegistry registry, Path bootstrap, long requestedDataBytes, long imageLimit,
                        DebianRoot debian) throws IOException, InterruptedException {
        Userland userland = userland(bootstrap);
        RoundTripBench.progress("images: pushing the small image's userland (" + userland.files().size()
                + " host files)");
        OciLayerWriter.Blob base = registry.pushLayer(REPOSITORY, layer -> {
            for (String dir : List.of("usr/bin", "usr/lib", "usr/lib64", "usr/sbin")) {
                layer.directory(dir, 0755);
            }
            for (String top : List.of("bin", "lib", "lib64", "sbin")) {
                layer.symlink(top, "usr/" + top);
            }
            for (String dir : List.of("dev", "proc", "sys", "etc", "root", "var/task", "var/runtime")) {
                layer.directory(dir, 0755);
            }
            layer.directory("tmp", 01777);
            layer.symlink("usr/bin/sh", "dash");
            for (Map.Entry<String, Path> file : userland.files().entrySet()) {
                layer.file(file.getKey(), file.getValue(), 0755);
            }
            for (Map.Entry<String, String> link : userland.links().entrySet()) {
                layer.symlink(link.getKey(), link.getValue());
            }
        });
        OciLayerWriter.Blob function = registry.pushLayer(REPOSITORY,
                layer -> layer.file("var/task/bootstrap", bootstrap, 0755));
        LocalImageRegistry.RunConfig c = new LocalImageRegistry.RunConfig(List.of("/var/task/bootstrap"), List.of(), ENV,
                "/var/task");
        LocalImageRegistry.PushedImage small = registry.pushImage(REPOSITORY, "small", List.of(base, function), c);
        // 16 MiB of room for the data layer's tar headers and end blocks.
        long dataBytes = requestedDataBytes >= 0 ? requestedDataBytes : imageLimit - small.layerBytes() - (16L << 20);
        RoundTripBench.progress("images: streaming the large image's " + Format.bytes(dataBytes) + " data layer into "
                + "the registry");
        OciLayerWriter.Blob data = registry.pushLayer(REPOSITORY, layer -> {
            int part = 0;
            for (long written = 0; written < dataBytes; written += DATA_FILE_BYTES, part++) {
                layer.randomFile(String.format("opt/data/part-%02d.bin", part), Math.min(DATA_FILE_BYTES,
                        dataBytes - written), 1000 + part);
            }
        });
        LocalImageRegistry.PushedImage large = registry.pushImage(REPOSITORY, "large", List.of(base, data, function), c);
        LocalImageRegistry.PushedImage python = null;
        String pythonUnavailable = null;
        List<String> packages = List.of();
        try {
            DebianRoot.Root root = debian.prepare();
            packages = root.packages();
            RoundTripBench.progress("images: pushing the Debian python3 image (" + packages.size() + " packages)");
            OciLayerWriter.Blob debianLayer = registry.pushLayer(REPOSITORY, layer -> layer.tree(root.dir()));
            OciLayerWriter.Blob handler = registry.pushLayer(REPOSITORY, layer -> layer.file("var/task/bootstrap.py",
                    PYTHON_BOOTSTRAP.getBytes(StandardCharsets.UTF_8), 0644));
            python = registry.pushImage(REPOSITORY, "python", List.of(debianLayer, handler),
                    new LocalImageRegistry.RunConfig(List.of("/usr/bin/python3"), List.of("/var/task/bootstrap.py"),
                            ENV, "/var/task"));
        } catch (DebianRoot.Unavailable e) {
            pythonUnavailable = e.getMessage();
            RoundTripBench.progress("images: no Debian python3 image: " + pythonUnavailable);
        }
        return new Images(small, large, python, pythonUnavailable, data, List.copyOf(userland.files().keySet()),
                packages);
    }

    /**
     * The small image's userland in /usr.
     *
     * @param files image path → host file: the programs, and the libraries {@code ldd} lists for them and the
     *              bootstrap (none when it is static), at their real paths
     * @param links image path → absolute target: each load path that is not its library's real path (a soname link,
     *              {@code /lib64/ld-linux-x86-64.so.2})
     */
    private record Userland(Map<String, Path> files, Map<String, String> links) {}

    private static Userland userland(Path bootstrap) throws IOException, InterruptedException {
        Map<String, Path> files = new LinkedHashMap<>();
        Map<String, String> links = new LinkedHashMap<>();
        List<Path> programs = new ArrayList<>();
        for (String program : PROGRAMS) {
            if (Files.isExecutable(Path.of(program))) {
                programs.add(Path.of(program));
            }
        }
        List<Path> withLibraries = new ArrayList<>(programs);
        withLibraries.add(bootstrap);
        for (Path program : programs) {
            files.put(inUsr(program.toString()), program.toRealPath());
        }
        for (Path executable : withLibraries) {
            for (String loadPath : ldd(executable)) {
                Path real = Path.of(loadPath).toRealPath();
                String realInUsr = inUsr(real.toString());
                files.putIfAbsent(realInUsr, real);
                String load = inUsr(loadPath);
                if (!load.equals(realInUsr) && !files.containsKey(load)) {
                    links.putIfAbsent(load, "/" + realInUsr);
                }
            }
        }
        return new Userland(files, links);
    }

    /** The absolute paths {@code ldd} lists (none for a static executable). */
    private static List<String> ldd(Path executable) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("ldd", executable.toString()).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        List<String> paths = new ArrayList<>();
        for (String line : out.split("\n")) {
            for (String token : line.strip().split("\\s+")) {
                if (token.startsWith("/")) {
                    paths.add(token);
                }
            }
        }
        return paths;
    }

    /** {@code /lib/x} → {@code usr/lib/x} (and bin, sbin, lib64), as the image keeps everything in /usr. */
    private static String inUsr(String hostPath) {
        for (String top : List.of("/lib64/", "/lib/", "/bin/", "/sbin/")) {
            if (hostPath.startsWith(top)) {
                return "usr" + hostPath;
            }
        }
        return hostPath.substring(1);
    }
}
