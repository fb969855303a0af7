package io.kindling.chunks.oci.registry;

import java.util.Objects;

/**
 * The platform an image is pulled for: always Linux, with the architecture in OCI's spelling
 * ({@code amd64}, {@code arm64}; Lambda's x86_64 is amd64). An index's variant is ignored: Lambda's
 * two architectures each have one variant in practice.
 */
public record Platform(String os, String architecture) {
    public static final Platform LINUX_AMD64 = new Platform("linux", "amd64");
    public static final Platform LINUX_ARM64 = new Platform("linux", "arm64");

    public Platform {
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(architecture, "architecture");
    }

    boolean matches(String otherOs, String otherArchitecture) {
        return os.equals(otherOs) && architecture.equals(otherArchitecture);
    }

    @Override
    public String toString() {
        return os + "/" + architecture;
    }
}
