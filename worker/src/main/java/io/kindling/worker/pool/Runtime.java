package io.kindling.worker.pool;

import io.kindling.worker.sandbox.RootBind;
import io.kindling.worker.sandbox.RootFilesystems;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Lambda runtime as data: what to start in the sandbox and on which root.
 *
 * @param name the runtime identifier, e.g. {@code provided.al2023}; becomes {@code AWS_EXECUTION_ENV}
 * @param command argv inside the sandbox
 * @param environment variables the runtime itself needs (set before Lambda's reserved ones, after the function's)
 * @param rootBinds the read-only root the command runs on
 */
public record Runtime(String name, List<String> command, Map<String, String> environment, List<RootBind> rootBinds) {
    public Runtime {
        Objects.requireNonNull(name, "name");
        command = List.copyOf(command);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command is empty");
        }
        environment = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(environment));
        rootBinds = List.copyOf(rootBinds);
    }

    /** The OS-only runtime: the function ships its own {@code bootstrap} executable. */
    public static Runtime provided() {
        return new Runtime("provided", List.of("/var/task/bootstrap"), Map.of(), RootFilesystems.debian12Host());
    }
}
