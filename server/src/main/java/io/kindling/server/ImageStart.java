package io.kindling.server;

import io.kindling.registry.ContainerImage;
import io.kindling.wire.ImageConfig;
import io.kindling.worker.sandbox.SandboxSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a container image function starts: the image's ENTRYPOINT, CMD and WORKDIR, each replaced by the function's
 * ImageConfig member when that is set (an empty list replaces too, so an ENTRYPOINT can be cleared), and the image's ENV.
 *
 * @param argv ENTRYPOINT then CMD; empty when the image and the function name nothing to run
 * @param workingDirectory where the process starts: the override, else WORKDIR, else {@code /} (Docker's default)
 * @param environment the image's ENV in its order; an entry without {@code =} or with a name a process environment
 *     cannot carry is left out
 * @param handler {@code _HANDLER}: the first CMD element, as base images' entrypoints and runtime clients expect
 */
record ImageStart(List<String> argv, String workingDirectory, Map<String, String> environment, String handler) {
    ImageStart {
        argv = List.copyOf(argv);
        environment = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(environment));
    }

    static ImageStart of(ContainerImage.Defaults image, ImageConfig overrides) {
        List<String> entryPoint = overrides != null && overrides.entryPoint() != null ? overrides.entryPoint()
                : image.entryPoint();
        List<String> command = overrides != null && overrides.command() != null ? overrides.command() : image.command();
        String workingDirectory = overrides != null && overrides.workingDirectory() != null
                && !overrides.workingDirectory().isEmpty() ? overrides.workingDirectory()
                : image.workingDirectory() != null && !image.workingDirectory().isEmpty() ? image.workingDirectory() : "/";
        List<String> argv = new ArrayList<>(entryPoint);
        argv.addAll(command);
        Map<String, String> environment = new LinkedHashMap<>();
        for (String entry : image.environment()) {
            int equals = entry.indexOf('=');
            if (equals > 0 && SandboxSpec.isEnvironmentName(entry.substring(0, equals)) && entry.indexOf('\0') < 0) {
                environment.put(entry.substring(0, equals), entry.substring(equals + 1));
            }
        }
        return new ImageStart(argv, workingDirectory, environment, command.isEmpty() ? "" : command.getFirst());
    }
}
