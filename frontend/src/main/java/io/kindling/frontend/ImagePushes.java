package io.kindling.frontend;

import java.io.IOException;
import java.io.InputStream;
import java.util.regex.Pattern;

/**
 * The local image store's endpoints ({@link LocalImages}): what {@code kindling deploy NAME --image ./dir} pushes.
 * A blob's body arrives as a stream and goes to disk as it comes ({@link FrontendHandler} does not read it first);
 * a manifest's is small and read like any other body.
 */
final class ImagePushes {
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    private final LocalImages images;

    ImagePushes(LocalImages images) {
        this.images = images;
    }

    /**
     * The payload hash the signature is checked against for a streamed blob: the blob's own digest, which the store
     * then checks the body against as it streams. A client may sign {@code UNSIGNED-PAYLOAD} instead, or that same
     * hash; both leave the body's integrity to the digest, which the upload cannot pass without. A malformed digest
     * gives the empty body's hash, so authentication still comes first and the 400 after it.
     */
    static String claimedPayloadHash(String digest) {
        return digest != null && DIGEST.matcher(digest).matches() ? digest.substring("sha256:".length())
                : io.kindling.frontend.auth.SignedRequest.EMPTY_PAYLOAD_SHA256;
    }

    ApiResult head(ApiCall call) throws RequestException, LocalImages.Rejected {
        String digest = call.path("Digest");
        if (!images.hasBlob(digest)) {
            throw new RequestException.NotFound("The local image store has no blob " + digest + ".");
        }
        return new ApiResult(200, null, null);
    }

    ApiResult putBlob(ApiCall call, long contentLength, InputStream body)
            throws RequestException, LocalImages.Rejected, IOException {
        if (contentLength < 0) {
            throw new RequestException.InvalidParameter("A blob upload needs a Content-Length: the blob's size in bytes"
                    + " (chunked uploads are not accepted).");
        }
        if (contentLength > Operation.Limits.IMAGE_BLOB) {
            throw new RequestException.TooLarge("A blob of the local image store must be at most "
                    + Operation.Limits.IMAGE_BLOB + " bytes (Lambda's image size limit); this one has " + contentLength + ".");
        }
        return new ApiResult(201, images.putBlob(call.path("Digest"), contentLength, body), null);
    }

    ApiResult putManifest(ApiCall call) throws LocalImages.Rejected, IOException {
        return new ApiResult(201, images.putManifest(call.path("Repository"), call.path("Tag"), call.body()), null);
    }
}
