package io.kindling.chunks.oci.registry;

import java.util.Map;
import java.util.Optional;

/** The credentials configured on the server for a registry, by its {@code host[:port]} as written in image references. */
@FunctionalInterface
public interface CredentialsLookup {
    Optional<RegistryCredentials> forRegistry(String registry);

    /** Anonymous pulls everywhere. */
    static CredentialsLookup none() {
        return registry -> Optional.empty();
    }

    static CredentialsLookup of(Map<String, RegistryCredentials> byRegistry) {
        Map<String, RegistryCredentials> copy = Map.copyOf(byRegistry);
        return registry -> Optional.ofNullable(copy.get(registry));
    }
}
