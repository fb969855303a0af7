package io.kindling.worker.pool;

import io.kindling.worker.sandbox.SandboxSpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a container image function starts (Lambda's PackageType Image), from the image's config as the caller resolved
 * it: Lambda's ImageConfig overrides already applied.
 *
 * @param command the effective ENTRYPOINT + CMD, merged by the caller; argv inside the sandbox, taken verbatim (no
 *     placeholders, no shell); not empty, no argument with a NUL (argv would silently cut it)
 * @param workingDirectory the image's WORKDIR, an absolute path inside the image; the caller defaults it to {@code /}
 * @param environment the image's own ENV, in the image's order (kept: the sandbox's environ is reproducible); the
 *     function's variables and Lambda's reserved ones override it. Names match {@code [A-Za-z_][A-Za-z0-9_]*}, as
 *     every sandbox variable must; values hold no NUL
 */
public record ImageLaunch(List<String> command, String workingDirectory, Map<String, String> environment) {
    public ImageLaunch {
        command = List.copyOf(command);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("an image's command (ENTRYPOINT + CMD) is empty: nothing to start");
        }
        for (String argument : command) {
            if (argument.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("an image's command argument contains NUL: " + argument);
            }
        }
        Objects.requireNonNull(workingDirectory, "workingDirectory");
        if (!workingDirectory.startsWith("/") || workingDirectory.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("an image's working directory is an absolute path: " + workingDirectory);
        }
        environment = Collections.unmodifiableMap(new LinkedHashMap<>(environment));
        for (var variable : environment.entrySet()) {
            // Checked here, where the caller can still tell the image is unusable, not at the first cold start.
            if (!SandboxSpec.isEnvironmentName(variable.getKey())) {
                throw new IllegalArgumentException("an image's ENV name is not a sandbox variable's: " + variable.getKey());
            }
            if (variable.getValue().indexOf('\0') >= 0) {
                throw new IllegalArgumentException("an image's ENV " + variable.getKey() + " contains NUL");
            }
        }
    }
}
