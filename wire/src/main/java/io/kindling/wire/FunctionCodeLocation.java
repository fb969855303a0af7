package io.kindling.wire;

/**
 * GetFunction's {@code Code}: for a zip, RepositoryType {@code S3} and a download Location; for an image, RepositoryType
 * {@code ECR} (Lambda's value; Kindling pulls from any OCI registry), the ImageUri as given and the ResolvedImageUri
 * pinned to the manifest digest.
 */
public record FunctionCodeLocation(String repositoryType, String location, String imageUri, String resolvedImageUri) {
    public static FunctionCodeLocation zip(String location) {
        return new FunctionCodeLocation("S3", location, null, null);
    }

    public static FunctionCodeLocation image(String imageUri, String resolvedImageUri) {
        return new FunctionCodeLocation("ECR", null, imageUri, resolvedImageUri);
    }
}
