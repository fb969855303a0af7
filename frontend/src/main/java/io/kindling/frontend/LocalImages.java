package io.kindling.frontend;

import io.kindling.wire.LocalImageBlob;
import io.kindling.wire.LocalImageManifest;
import java.io.IOException;
import java.io.InputStream;

/**
 * The node's local image store, a Kindling extension with no Lambda counterpart: images built without a registry
 * ({@code kindling deploy NAME --image ./dir} or {@code --image app.tar}) are pushed here blob by blob and then named
 * by a manifest, and functions run them as {@code ImageUri kindling.local/<repository>@sha256:<hex>}. The endpoints
 * ({@code /kindling/2026-11-27/images/…}) are authenticated like every other request.
 */
public interface LocalImages {
    /** The registry name image URIs use for this store. */
    String REGISTRY = "kindling.local";

    /** Whether the store has the blob {@code digest} ({@code sha256:<hex>}), so a client can skip uploading it. */
    boolean hasBlob(String digest) throws Rejected;

    /**
     * Stores {@code size} bytes read from {@code body} as the blob {@code digest}, streaming them to disk; kept only if
     * they are exactly that many and hash to that digest.
     *
     * @throws Rejected if the digest is malformed, the size over the limit, or the bytes are not the digest's
     * @throws UploadBroken if the body broke off; nothing is kept
     * @throws IOException if the disk failed; nothing is kept
     */
    LocalImageBlob putBlob(String digest, long size, InputStream body) throws Rejected, IOException;

    /**
     * Stores an image manifest and tags it {@code repository:tag}; every blob it names must be in the store already.
     *
     * @throws Rejected if the manifest is not one, a name is malformed, or a blob is missing
     */
    LocalImageManifest putManifest(String repository, String tag, byte[] manifest) throws Rejected, IOException;

    /** A node without a local image store refuses every push. */
    static LocalImages unavailable() {
        return new LocalImages() {
            @Override
            public boolean hasBlob(String digest) {
                return false;
            }

            @Override
            public LocalImageBlob putBlob(String digest, long size, InputStream body) throws Rejected {
                throw new Rejected(Rejected.Why.INVALID, "This node has no local image store.");
            }

            @Override
            public LocalImageManifest putManifest(String repository, String tag, byte[] manifest) throws Rejected {
                throw new Rejected(Rejected.Why.INVALID, "This node has no local image store.");
            }
        };
    }

    /**
     * A blob's body stopped before its Content-Length: the client went away, or sent nothing for the server's idle
     * timeout. Nothing was kept; it is the client's doing, so it is answered (if anyone still listens) and not logged
     * as a server failure.
     */
    final class UploadBroken extends IOException {
        private static final long serialVersionUID = 1L;

        public UploadBroken(String message, IOException cause) {
            super(message, cause);
        }
    }

    /** The push is refused; the message says why in the pusher's terms. */
    final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;

        /** What kind of refusal, for the status it gets. */
        public enum Why {
            /** A malformed name or digest, bytes that do not match their digest, a manifest naming missing blobs. */
            INVALID,
            /** A blob over the store's per-blob limit. */
            TOO_LARGE
        }

        private final Why why;

        public Rejected(Why why, String message) {
            super(message);
            this.why = why;
        }

        public Why why() {
            return why;
        }
    }
}
