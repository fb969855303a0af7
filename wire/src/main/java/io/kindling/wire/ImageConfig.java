package io.kindling.wire;

import java.util.List;

/**
 * A container image function's overrides of its image's ENTRYPOINT, CMD and WORKDIR (Lambda's {@code ImageConfig}). A
 * null member keeps the image's value; an empty list clears it.
 */
public record ImageConfig(List<String> entryPoint, List<String> command, String workingDirectory) {
    public ImageConfig {
        entryPoint = entryPoint == null ? null : List.copyOf(entryPoint);
        command = command == null ? null : List.copyOf(command);
    }
}
