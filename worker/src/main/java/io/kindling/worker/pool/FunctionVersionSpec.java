package io.kindling.worker.pool;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One function version as the worker runs it: everything an environment of it needs to start.
 *
 * @param functionName the function's name, e.g. {@code my-function}
 * @param version {@code $LATEST} or a published version number
 * @param memoryMb the configured memory (Lambda's "MB" are MiB)
 * @param ephemeralStorageMb the size of /tmp
 * @param timeout how long one invocation may run
 * @param handler the configured handler ({@code _HANDLER}); the runtime interprets it
 * @param region the region reported to the function
 * @param codeDir the unpacked code, mounted read-only at /var/task; for a container image its flattened root
 *     filesystem, which is the sandbox's whole root (see {@link #ofImage})
 * @param environment the function's own variables
 * @param runtime what to start; for a container image {@link Runtime#containerImage(ImageLaunch)}
 * @param image how the container image starts, for a PackageType Image function; empty for a zip function
 */
public record FunctionVersionSpec(String functionName, String version, int memoryMb, int ephemeralStorageMb,
                                  Duration timeout, String handler, String region, Path codeDir,
                                  Map<String, String> environment, Runtime runtime, Optional<ImageLaunch> image) {
    public FunctionVersionSpec {
        Objects.requireNonNull(functionName, "functionName");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(codeDir, "codeDir");
        Objects.requireNonNull(runtime, "runtime");
        if (memoryMb < 128) {
            throw new IllegalArgumentException("memoryMb below Lambda's minimum of 128: " + memoryMb);
        }
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        environment = Collections.unmodifiableMap(new LinkedHashMap<>(environment));
        Objects.requireNonNull(image, "image");
        // One without the other would start an image's command on the host's root, or a runtime on an image.
        if (image.isPresent() != runtime.containerImage()) {
            throw new IllegalArgumentException(image.isPresent()
                    ? "a container image function runs the image's own command (Runtime.containerImage), not " + runtime.name()
                    : "the container image runtime needs the image's launch (FunctionVersionSpec.ofImage)");
        }
    }

    /** A zip function: its code at /var/task, on its runtime's root. */
    public FunctionVersionSpec(String functionName, String version, int memoryMb, int ephemeralStorageMb,
                               Duration timeout, String handler, String region, Path codeDir,
                               Map<String, String> environment, Runtime runtime) {
        this(functionName, version, memoryMb, ephemeralStorageMb, timeout, handler, region, codeDir, environment,
                runtime, Optional.empty());
    }

    /**
     * A container image function: {@code imageRoot} (the image's flattened root, e.g. its EROFS mount) is the
     * sandbox's whole root, read-only, and {@code launch} says what runs there and where.
     *
     * @param handler {@code _HANDLER} as Lambda sets it for images: CMD[0], or "" without a CMD (the caller's choice)
     * @param environment the function's own variables; they override the image's ENV
     */
    public static FunctionVersionSpec ofImage(String functionName, String version, int memoryMb,
                                              int ephemeralStorageMb, Duration timeout, String handler, String region,
                                              Path imageRoot, Map<String, String> environment, ImageLaunch launch) {
        return new FunctionVersionSpec(functionName, version, memoryMb, ephemeralStorageMb, timeout, handler, region,
                imageRoot, environment, Runtime.containerImage(launch), Optional.of(launch));
    }

    /** {@code name:version}, the key pool snapshots carry. */
    public String qualifiedName() {
        return functionName + ":" + version;
    }

    /** Lambda's log group for the function. */
    public String logGroup() {
        return "/aws/lambda/" + functionName;
    }

    public long memoryBytes() {
        return (long) memoryMb << 20;
    }
}
