package io.kindling.worker.pool;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

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
 * @param codeDir the unpacked code, mounted read-only at /var/task
 * @param environment the function's own variables
 * @param runtime what to start
 */
public record FunctionVersionSpec(String functionName, String version, int memoryMb, int ephemeralStorageMb,
                                  Duration timeout, String handler, String region, Path codeDir,
                                  Map<String, String> environment, Runtime runtime) {
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
