package io.kindling.frontend;

import io.kindling.registry.Registry;

/**
 * Where container images come from: CreateFunction and UpdateFunctionCode with an {@code ImageUri} resolve it here
 * before anything is committed, as Lambda does, so a reference that names no image, a registry that refuses the
 * server's credentials or one that cannot be reached is an error of the request itself. The layers are imported later,
 * in the background, while the version is Pending.
 */
public interface ContainerImages {
    /**
     * Reads the image's manifest for {@code architecture} (Lambda's {@code x86_64} or {@code arm64}) and its config.
     *
     * @throws ImageUnavailable with a message for the person who named the image
     */
    Registry.ImageCode resolve(String imageUri, String architecture) throws ImageUnavailable, InterruptedException;

    /** A node that cannot pull images says why on every attempt. */
    static ContainerImages unavailable(String why) {
        return (imageUri, architecture) -> {
            throw new ImageUnavailable(why);
        };
    }

    /** The image cannot be used; the message says why in the user's terms. */
    final class ImageUnavailable extends Exception {
        private static final long serialVersionUID = 1L;

        public ImageUnavailable(String message) {
            super(message);
        }

        public ImageUnavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
