package io.kindling.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/**
 * The two {@code provided.al2023} runtimes the invoke figures use, each both as a package for Kindling and as an
 * executable on the host for the bare baseline. Both echo the event. The sandbox's root is the host's /usr, so
 * whatever runs here runs there. The third runtime of the figures, Java, is {@link JavaEcho}.
 *
 * <ul>
 *   <li>C: {@code bootstrap.c} (a resource) compiled at benchmark start with the host's gcc, static when the host
 *       has a static libc: one keep-alive connection, no process per invocation. What is left is Kindling.</li>
 *   <li>sh: the AWS custom-runtime tutorial's shape, sh + curl: two curl processes per invocation, so its figures
 *       are mostly curl's own start-up.</li>
 * </ul>
 */
final class ProvidedBootstraps {
    /**
     * One runtime the invoke figures run: a function package for Kindling and the same runtime's command for the bare
     * baseline outside any sandbox.
     *
     * @param id           short name in figure ids: {@code c}, {@code sh} or {@code java}
     * @param label        how the tables name it
     * @param runtime      the function's Lambda runtime identifier, e.g. {@code provided.al2023}
     * @param handler      the function's handler
     * @param zip          the function's package
     * @param reportsClock answers the event {@code "clock"} with two monotonic times ({@link #CLOCK_EVENT}): when its
     *                     own code began ({@code main_ns}: C's main(), Java's handler class initialised) and when it
     *                     had the first event ({@code next_ns}); otherwise it echoes that event like any other
     * @param slowToStart  a start takes about a second (a JVM), so cold starts measure it fewer times
     * @param bare         how the bare baseline starts it on the host
     */
    record Bootstrap(String id, String label, String runtime, String handler, byte[] zip, boolean reportsClock,
                     boolean slowToStart, Bare bare) {}

    /**
     * The runtime started directly on the host: what a sandbox would run, with the sandbox's paths replaced by the
     * host's.
     *
     * @param command     argv
     * @param directory   the working directory, null for the benchmark's own
     * @param environment variables besides {@code AWS_LAMBDA_RUNTIME_API}, {@code PATH} and {@code TMPDIR}, which the
     *                    cold-start benchmark sets
     */
    record Bare(List<String> command, Path directory, Map<String, String> environment) {
        static Bare executable(Path executable) {
            return new Bare(List.of(executable.toString()), null, Map.of());
        }
    }

    static final String PROVIDED = "provided.al2023";

    /** The event that makes the C and Java runtimes report their clock; the sh runtime echoes it back. */
    static final String CLOCK_EVENT = "\"clock\"";

    /**
     * The tutorial loop without extra processes for parsing: the request id comes out of the header file with the
     * shell's own {@code read} and {@code case} (header names match in any case, as HTTP has them). Files go to
     * $TMPDIR when set, so the bare baseline does not share the host's /tmp; the sandbox has its own /tmp.
     */
    static final String SHELL = """
            #!/bin/sh
            set -eu
            API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
            T="${TMPDIR:-/tmp}"
            while true; do
              curl -sS -f -o "$T/event" -D "$T/headers" "$API/next"
              ID=
              while IFS= read -r LINE; do
                case "$LINE" in
                  [Ll][Aa][Mm][Bb][Dd][Aa]-[Rr][Uu][Nn][Tt][Ii][Mm][Ee]-[Aa][Ww][Ss]-[Rr][Ee][Qq][Uu][Ee][Ss][Tt]-[Ii][Dd]:*)
                    ID=${LINE#*:}; ID=${ID# }; ID=${ID%?} ;;
                esac
              done < "$T/headers"
              curl -sS -f -o /dev/null --data-binary @"$T/event" "$API/$ID/response"
            done
            """;

    private ProvidedBootstraps() {}

    static Bootstrap shell(Path dir) throws IOException {
        Path executable = Files.createDirectories(dir.resolve("sh")).resolve("bootstrap");
        byte[] script = SHELL.getBytes(StandardCharsets.UTF_8);
        Files.write(executable, script);
        Files.setPosixFilePermissions(executable, PosixFilePermissions.fromString("rwxr-xr-x"));
        return new Bootstrap("sh", "sh + curl (two curl processes per invoke)", PROVIDED, "bootstrap", zip(script), false,
                false, Bare.executable(executable));
    }

    /**
     * Compiles {@code bootstrap.c}: {@code gcc -O2 -static}, or without {@code -static} when that fails (no static
     * libc); the label says which.
     *
     * @throws IOException when there is no gcc or neither build works; the message says why
     */
    static Bootstrap compiled(Path dir) throws IOException, InterruptedException {
        return compiled(dir, "c", List.of(), "keep-alive");
    }

    /**
     * {@code bootstrap.c} built with {@code -DONE_SHOT}: it answers one event and exits (status 0) once its response
     * is accepted, so each invoke of its function needs a new environment. Id {@code c1}.
     *
     * @throws IOException as {@link #compiled(Path)}
     */
    static Bootstrap compiledOneShot(Path dir) throws IOException, InterruptedException {
        return compiled(dir, "c1", List.of("-DONE_SHOT"), "one event, then exits");
    }

    private static Bootstrap compiled(Path dir, String id, List<String> defines, String shape)
            throws IOException, InterruptedException {
        Path work = Files.createDirectories(dir.resolve(id));
        Path source = work.resolve("bootstrap.c");
        try (InputStream in = ProvidedBootstraps.class.getResourceAsStream("bootstrap.c")) {
            if (in == null) {
                throw new IOException("bootstrap.c is missing from the benchmark jar");
            }
            Files.write(source, in.readAllBytes());
        }
        Path executable = work.resolve("bootstrap");
        String linkage = "static";
        List<String> flags = new ArrayList<>(List.of("-O2"));
        flags.addAll(defines);
        List<String> output = List.of("-o", executable.toString(), source.toString());
        List<String> staticBuild = new ArrayList<>(flags);
        staticBuild.add("-static");
        staticBuild.addAll(output);
        String failure = gcc(staticBuild);
        if (failure != null) {
            linkage = "dynamic";
            List<String> dynamicBuild = new ArrayList<>(flags);
            dynamicBuild.addAll(output);
            failure = gcc(dynamicBuild);
        }
        if (failure != null) {
            throw new IOException("gcc could not build the C runtime: " + failure);
        }
        return new Bootstrap(id, "C (gcc -O2, " + linkage + ", " + shape + ")", PROVIDED, "bootstrap",
                zip(Files.readAllBytes(executable)), true, false, Bare.executable(executable));
    }

    /** Runs gcc; null when it succeeded, else what went wrong. */
    private static String gcc(List<String> arguments) throws InterruptedException {
        List<String> command = new ArrayList<>(List.of("gcc"));
        command.addAll(arguments);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return "gcc took over a minute";
            }
            return process.exitValue() == 0 ? null : new String(output, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    /** A package of one executable entry, {@code bootstrap} (mode 0755, which java.util.zip cannot write). */
    private static byte[] zip(byte[] bootstrap) throws IOException {
        return zip(Map.of("bootstrap", bootstrap), 0100755);
    }

    /** A package of these entries (name to content, in the map's order), every one with this unix mode. */
    static byte[] zip(Map<String, byte[]> entries, int unixMode) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512 + entries.values().stream().mapToInt(b -> b.length).sum());
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(out)) {
            for (Map.Entry<String, byte[]> file : entries.entrySet()) {
                ZipArchiveEntry entry = new ZipArchiveEntry(file.getKey());
                entry.setUnixMode(unixMode);
                zip.putArchiveEntry(entry);
                zip.write(file.getValue());
                zip.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }
}
