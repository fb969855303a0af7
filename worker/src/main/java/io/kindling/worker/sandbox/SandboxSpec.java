package io.kindling.worker.sandbox;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What to run and within which limits. The caller decides the environment (including
 * {@code AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001}); the driver passes it on unchanged and adds none
 * of the worker's own.
 *
 * @param id names the sandbox's network namespace, cgroups and scratch dir: 1 to 64 of
 *     {@code [A-Za-z0-9_-]}, starting with a letter or digit, unique among live sandboxes
 * @param codeDir host directory mounted read-only at /var/task; must be readable by the sandbox
 *     uid (as in Lambda: files 644, directories 755)
 * @param command argv inside the sandbox, e.g. {@code /var/task/bootstrap}
 * @param environment the function's complete environment; names match {@code [A-Za-z_][A-Za-z0-9_]*}
 * @param limits memory, /tmp, processes and CPU
 * @param output where stdout and stderr go (one stream)
 * @param rootBinds the runtime's read-only root, e.g. {@link RootFilesystems#debian12Host()}
 * @param runtimeDir host directory mounted read-only at {@value #RUNTIME_DIR} ({@code LAMBDA_RUNTIME_DIR}): the
 *     runtime's own files, e.g. the Java runtime interface client in {@code lib/}; empty for {@code provided}
 *     runtimes, whose bootstrap is in the code. Like codeDir, a directory Kindling controls, so it may lie in a
 *     build tree; it must be readable by the sandbox uid
 * @param image a container image that is the sandbox's whole root instead ({@link ImageRoot}): then
 *     {@code codeDir} is the image's root (the image is the function's code), nothing is bound at /var/task, no
 *     /etc file is generated, {@code rootBinds} is empty and there is no {@code runtimeDir}; see
 *     {@link #imageBuilder(String, ImageRoot)}
 */
public record SandboxSpec(
        String id,
        Path codeDir,
        List<String> command,
        Map<String, String> environment,
        SandboxLimits limits,
        OutputSink output,
        List<RootBind> rootBinds,
        Optional<Path> runtimeDir,
        Optional<ImageRoot> image) {
    /** Where {@link #codeDir()} appears in the sandbox ({@code LAMBDA_TASK_ROOT}); see bwrap-flags.tsv. */
    public static final String TASK_ROOT = "/var/task";
    /** Where {@link #runtimeDir()} appears in the sandbox ({@code LAMBDA_RUNTIME_DIR}); see bwrap-flags.tsv. */
    public static final String RUNTIME_DIR = "/var/runtime";

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /**
     * Whether {@code name} can be a sandbox's environment variable: {@code [A-Za-z_][A-Za-z0-9_]*}, as every spec's
     * variables must be (they reach bwrap as {@code --setenv} pairs). For callers that take variables from elsewhere,
     * such as an image's ENV, and must decide what to do with the rest.
     */
    public static boolean isEnvironmentName(String name) {
        return ENV_NAME.matcher(name).matches();
    }

    public SandboxSpec {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(codeDir, "codeDir");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(output, "output");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("id must match " + ID + ": " + id);
        }
        if (!codeDir.isAbsolute()) {
            throw new IllegalArgumentException("codeDir must be absolute: " + codeDir);
        }
        command = List.copyOf(command);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command is empty");
        }
        for (String arg : command) {
            // Arguments travel through argv of the launcher; a NUL would silently cut them.
            if (arg.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("command argument contains NUL: " + arg);
            }
        }
        // Insertion order is kept so the sandbox's environ is reproducible.
        environment = Collections.unmodifiableMap(new LinkedHashMap<>(environment));
        for (var e : environment.entrySet()) {
            if (!ENV_NAME.matcher(e.getKey()).matches()) {
                throw new IllegalArgumentException("environment variable name must match " + ENV_NAME + ": " + e.getKey());
            }
            // The variables reach bwrap as NUL-separated --setenv pairs (see bwrap-flags.tsv).
            if (e.getValue().indexOf('\0') >= 0) {
                throw new IllegalArgumentException("environment variable " + e.getKey() + " contains NUL");
            }
        }
        rootBinds = List.copyOf(rootBinds);
        Objects.requireNonNull(runtimeDir, "runtimeDir");
        if (runtimeDir.isPresent() && !runtimeDir.get().isAbsolute()) {
            throw new IllegalArgumentException("runtimeDir must be absolute: " + runtimeDir.get());
        }
        Objects.requireNonNull(image, "image");
        if (image.isPresent()) {
            // The image is the whole root: host pieces or a runtime directory mixed in would be a second root.
            if (!rootBinds.isEmpty() || runtimeDir.isPresent()) {
                throw new IllegalArgumentException("an image sandbox has no root binds and no runtime directory");
            }
            if (!codeDir.normalize().equals(image.get().root())) {
                throw new IllegalArgumentException("an image sandbox's codeDir is its image root: " + codeDir);
            }
        } else if (rootBinds.isEmpty()) {
            throw new IllegalArgumentException("rootBinds is empty: the command would find no binaries or libraries");
        }
    }

    /** The 8-component form of every sandbox that runs on a runtime's root (no image). */
    public SandboxSpec(String id, Path codeDir, List<String> command, Map<String, String> environment,
                       SandboxLimits limits, OutputSink output, List<RootBind> rootBinds, Optional<Path> runtimeDir) {
        this(id, codeDir, command, environment, limits, output, rootBinds, runtimeDir, Optional.empty());
    }

    /** Where the command starts: the image's working directory, else {@value #TASK_ROOT} as in Lambda. */
    public String workingDirectory() {
        return image.map(i -> i.workingDirectory().toString()).orElse(TASK_ROOT);
    }

    public static Builder builder(String id, Path codeDir) {
        return new Builder(id, codeDir);
    }

    /** A sandbox whose whole root is {@code image}: no root binds, no runtime directory, codeDir the image root. */
    public static Builder imageBuilder(String id, ImageRoot image) {
        Builder builder = new Builder(id, image.root());
        builder.image = Optional.of(image);
        builder.rootBinds = List.of();
        return builder;
    }

    /**
     * Defaults: Lambda's 128 MB / 512 MB limits, no environment, output discarded, the Debian 12 host root (none for
     * an {@link #imageBuilder image}), no runtime directory.
     */
    public static final class Builder {
        private final String id;
        private final Path codeDir;
        private List<String> command = List.of("/var/task/bootstrap");
        private final Map<String, String> environment = new LinkedHashMap<>();
        private SandboxLimits limits = SandboxLimits.lambda(128, 512);
        private OutputSink output = OutputSink.discard();
        private List<RootBind> rootBinds = RootFilesystems.debian12Host();
        private Optional<Path> runtimeDir = Optional.empty();
        private Optional<ImageRoot> image = Optional.empty();

        private Builder(String id, Path codeDir) {
            this.id = id;
            this.codeDir = codeDir;
        }

        public Builder command(List<String> command) {
            this.command = List.copyOf(command);
            return this;
        }

        public Builder command(String... command) {
            return command(List.of(command));
        }

        public Builder environment(Map<String, String> environment) {
            this.environment.putAll(environment);
            return this;
        }

        public Builder env(String name, String value) {
            this.environment.put(name, value);
            return this;
        }

        public Builder limits(SandboxLimits limits) {
            this.limits = limits;
            return this;
        }

        public Builder output(OutputSink output) {
            this.output = output;
            return this;
        }

        public Builder rootBinds(List<RootBind> rootBinds) {
            this.rootBinds = List.copyOf(rootBinds);
            return this;
        }

        public Builder runtimeDir(Optional<Path> runtimeDir) {
            this.runtimeDir = runtimeDir;
            return this;
        }

        public SandboxSpec build() {
            return new SandboxSpec(id, codeDir, command, environment, limits, output, rootBinds, runtimeDir, image);
        }
    }
}
