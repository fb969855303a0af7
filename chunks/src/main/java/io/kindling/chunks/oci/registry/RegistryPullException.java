package io.kindling.chunks.oci.registry;

/**
 * An image could not be pulled. Each subtype is one thing a person can act on, and its message is a
 * sentence naming the image: the registry is down or mistyped, the tag does not exist, the
 * credentials are wrong, the image is not something Kindling can run, it is too large, or the
 * registry sent bytes that are not what the manifest promised.
 */
public abstract sealed class RegistryPullException extends Exception {
    private static final long serialVersionUID = 1L;

    private RegistryPullException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The registry did not answer: wrong host or port, down, or the connection broke mid-transfer; or a local image
     * layout could not be read.
     */
    public static final class Unreachable extends RegistryPullException {
        private static final long serialVersionUID = 1L;

        Unreachable(ImageReference image, String registry, Throwable cause) {
            super("The registry " + registry + " cannot be reached to pull " + image + ": " + describe(cause), cause);
        }

        /** A local source (an image layout) that could not be read; the message is complete. */
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }

        static String describe(Throwable cause) {
            String message = cause.getMessage();
            return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
        }
    }

    /** The repository, tag, digest or a blob the manifest names does not exist in the registry. */
    public static final class NotFound extends RegistryPullException {
        private static final long serialVersionUID = 1L;

        NotFound(String message) {
            super(message, null);
        }
    }

    /** The registry refused the credentials configured for it, or needs some and none are configured. */
    public static final class AuthFailed extends RegistryPullException {
        private static final long serialVersionUID = 1L;

        AuthFailed(String message) {
            super(message, null);
        }
    }

    /** A manifest, config or layer of a kind Kindling cannot run (another manifest schema, a foreign layer, an artifact). */
    public static final class UnsupportedMediaType extends RegistryPullException {
        private static final long serialVersionUID = 1L;

        UnsupportedMediaType(String message) {
            super(message, null);
        }
    }

    /** The index has no image for the function's platform, or the image was built for another one. */
    public static final class NoMatchingPlatform extends RegistryPullException {
        private static final long serialVersionUID = 1L;

        NoMatchingPlatform(String message) {
            super(message, null);
        }
    }

    /** The layers' compressed sizes add up to more than the configured limit; nothing was downloaded. */
    public static final class ImageTooLarge extends RegistryPullException {
        private static final long serialVersionUID = 1L;
        private final long size;
        private final long limit;

        ImageTooLarge(ImageReference image, long size, long limit) {
            super("The image " + image + " has " + size + " bytes of compressed layers, more than the limit of "
                    + limit + " bytes.", null);
            this.size = size;
            this.limit = limit;
        }

        public long size() {
            return size;
        }

        public long limit() {
            return limit;
        }
    }

    /** A layer or config blob's bytes do not match its digest or size: corrupted in the registry or on the way. */
    public static final class BadLayer extends RegistryPullException {
        private static final long serialVersionUID = 1L;

        BadLayer(String message) {
            super(message, null);
        }
    }

    /** A manifest or index is not valid JSON of its kind, is too large, or does not match the digest it was pulled by. */
    public static final class BadManifest extends RegistryPullException {
        private static final long serialVersionUID = 1L;

        BadManifest(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The registry answered with an error it should not give for a pull (5xx, 429, an unexpected status). */
    public static final class RegistryError extends RegistryPullException {
        private static final long serialVersionUID = 1L;
        private final int status;

        RegistryError(String message, int status) {
            super(message, null);
            this.status = status;
        }

        /** The HTTP status the registry answered with. */
        public int status() {
            return status;
        }
    }
}
