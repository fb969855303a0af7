package io.kindling.worker.pool;

import io.kindling.worker.sandbox.RootBind;
import io.kindling.worker.sandbox.SandboxFiles;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A Lambda runtime as data: what to start in the sandbox and on which root. {@link Runtimes} reads them from files;
 * nothing in the worker knows a runtime by name.
 *
 * @param name the runtime identifier, e.g. {@code provided.al2023}; becomes {@code AWS_EXECUTION_ENV}
 * @param command argv inside the sandbox, with {@link CommandTemplate} placeholders such as {@code {handler}}
 * @param environment variables the runtime itself needs (set before Lambda's reserved ones, after the function's)
 * @param rootBinds the read-only root the command runs on
 * @param runtimeDir the host directory the sandbox sees at /var/runtime ({@code LAMBDA_RUNTIME_DIR}), if any
 * @param entrypoints paths inside the sandbox, in Lambda's order of search, of which the first that exists must be
 *     executable before anything starts (Lambda: {@code Runtime.InvalidEntrypoint}); the command runs it
 * @param containerImage whether this is a container image's own start ({@link #containerImage(ImageLaunch)}) rather
 *     than a managed runtime: its command is the image's ENTRYPOINT + CMD, taken verbatim ({@code ${HOME}} in a
 *     {@code sh -c} argument is the image's, not a {@link CommandTemplate} placeholder), it has no root binds (the
 *     image is the root) and a missing entrypoint is named as Lambda names it for images
 */
public record Runtime(String name, List<String> command, Map<String, String> environment, List<RootBind> rootBinds,
                      Optional<Path> runtimeDir, List<Path> entrypoints, boolean containerImage) {
    /** The name of {@link #containerImage(ImageLaunch)} runtimes; never reported to the function (no AWS_EXECUTION_ENV). */
    public static final String CONTAINER_IMAGE = "container-image";

    public Runtime {
        Objects.requireNonNull(name, "name");
        command = List.copyOf(command);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command is empty");
        }
        if (!containerImage) {
            command.forEach(CommandTemplate::check);
        }
        environment = Collections.unmodifiableMap(new LinkedHashMap<>(environment));
        rootBinds = List.copyOf(rootBinds);
        Objects.requireNonNull(runtimeDir, "runtimeDir");
        entrypoints = List.copyOf(entrypoints);
        for (Path entrypoint : entrypoints) {
            if (!entrypoint.isAbsolute()) {
                throw new IllegalArgumentException("an entrypoint is a path inside the sandbox: " + entrypoint);
            }
        }
    }

    /** A managed runtime (command with placeholders, on a root of host pieces). */
    public Runtime(String name, List<String> command, Map<String, String> environment, List<RootBind> rootBinds,
                   Optional<Path> runtimeDir, List<Path> entrypoints) {
        this(name, command, environment, rootBinds, runtimeDir, entrypoints, false);
    }

    /** A runtime with no runtime directory and nothing to check before the start. */
    public Runtime(String name, List<String> command, Map<String, String> environment, List<RootBind> rootBinds) {
        this(name, command, environment, rootBinds, Optional.empty(), List.of());
    }

    /**
     * How a container image starts: its command verbatim, no root binds (the image is the root), no runtime directory,
     * no variables of its own (the image's ENV travels in {@link ImageLaunch#environment()}). The entrypoint checked
     * before the start is {@code command[0]} when it is an absolute path, so a missing or non-executable one is
     * {@code Runtime.InvalidEntrypoint} before anything starts, as for a zip's bootstrap; a bare name is looked up on
     * the image's PATH by bwrap's execvp inside the sandbox and cannot be judged from outside.
     */
    public static Runtime containerImage(ImageLaunch launch) {
        String first = launch.command().getFirst();
        List<Path> entrypoints = first.startsWith("/") ? List.of(Path.of(first)) : List.of();
        return new Runtime(CONTAINER_IMAGE, launch.command(), Map.of(), List.of(), Optional.empty(), entrypoints, true);
    }

    /** The OS-only runtime: the function ships its own {@code bootstrap} executable. Needs no runtime directory. */
    public static Runtime provided() {
        return Provided.RUNTIME;
    }

    /** Read once, on first use. */
    private static final class Provided {
        static final Runtime RUNTIME = Runtimes.definition("provided", "provided.tsv", Optional.empty());
    }

    /** The command for one function, placeholders filled; a container image's as it is. */
    public List<String> command(String handler, int memoryMb) {
        if (containerImage) {
            return command;
        }
        return command.stream().map(argument -> CommandTemplate.fill(argument, handler, memoryMb)).toList();
    }

    /**
     * What Lambda would say after {@code "Error: "} if this runtime cannot be started in {@code files}: the first
     * entrypoint that exists is not executable ({@code fork/exec /var/task/bootstrap: permission denied}), or none
     * exists ({@code Couldn't find valid bootstrap(s): [/var/task/bootstrap]}; for a container image, which has one
     * entrypoint and no search, {@code fork/exec /app/run: no such file or directory}). Empty when it can start.
     */
    public Optional<String> invalidEntrypoint(SandboxFiles files) {
        for (Path candidate : entrypoints) {
            switch (files.access(candidate)) {
                case EXECUTABLE -> {
                    return Optional.empty();
                }
                case NOT_EXECUTABLE -> {
                    return Optional.of("fork/exec " + candidate + ": permission denied");
                }
                case MISSING -> { /* Lambda goes on to the next candidate */ }
            }
        }
        if (entrypoints.isEmpty()) {
            return Optional.empty();
        }
        if (containerImage) {
            return Optional.of("fork/exec " + entrypoints.getFirst() + ": no such file or directory");
        }
        return Optional.of("Couldn't find valid bootstrap(s): "
                + entrypoints.stream().map(Path::toString).collect(Collectors.joining(" ", "[", "]")));
    }
}
