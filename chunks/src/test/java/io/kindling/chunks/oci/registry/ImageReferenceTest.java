package io.kindling.chunks.oci.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ImageReferenceTest {
    private static final String HEX = "a".repeat(64);
    private static final BlobDigest DIGEST = new BlobDigest(HEX);

    @Test
    void readsReferencesTheWayDockerDoes() {
        assertThat(ImageReference.parse("python")).isEqualTo(new ImageReference("docker.io", "library/python", Optional.of("latest"), Optional.empty()));
        assertThat(ImageReference.parse("python:3.13")).isEqualTo(new ImageReference("docker.io", "library/python", Optional.of("3.13"), Optional.empty()));
        assertThat(ImageReference.parse("docker.io/python")).isEqualTo(ImageReference.parse("python"));
        assertThat(ImageReference.parse("team/fn")).isEqualTo(new ImageReference("docker.io", "team/fn", Optional.of("latest"), Optional.empty()));
        assertThat(ImageReference.parse("127.0.0.1:5000/team/fn:v1")).isEqualTo(new ImageReference("127.0.0.1:5000", "team/fn", Optional.of("v1"), Optional.empty()));
        assertThat(ImageReference.parse("localhost/fn")).isEqualTo(new ImageReference("localhost", "fn", Optional.of("latest"), Optional.empty()));
        assertThat(ImageReference.parse("registry.example.com/a/b/c@sha256:" + HEX))
                .isEqualTo(new ImageReference("registry.example.com", "a/b/c", Optional.empty(), Optional.of(DIGEST)));
        assertThat(ImageReference.parse("[::1]:5000/fn:v1@sha256:" + HEX))
                .isEqualTo(new ImageReference("[::1]:5000", "fn", Optional.of("v1"), Optional.of(DIGEST)));
    }

    @Test
    void printsAndPinsAsWritten() {
        ImageReference image = ImageReference.parse("127.0.0.1:5000/team/fn:v1");
        assertThat(image).hasToString("127.0.0.1:5000/team/fn:v1");
        assertThat(image.pinned(DIGEST)).hasToString("127.0.0.1:5000/team/fn@sha256:" + HEX);
        assertThat(image.manifestReference()).isEqualTo("v1");
        assertThat(image.pinned(DIGEST).manifestReference()).isEqualTo("sha256:" + HEX);
        assertThat(ImageReference.parse("[::1]:5000/fn").host()).isEqualTo("::1");
        assertThat(ImageReference.parse("python").apiAuthority()).isEqualTo("registry-1.docker.io");
    }

    @Test
    void refusesWhatIsNotAReference() {
        assertThatThrownBy(() -> ImageReference.parse("")).hasMessage("an image reference is empty");
        assertThatThrownBy(() -> ImageReference.parse("Team/Fn")).hasMessageContaining("not a repository name");
        assertThatThrownBy(() -> ImageReference.parse("fn@md5:abc")).hasMessageContaining("only sha256 digests");
        assertThatThrownBy(() -> ImageReference.parse("fn@sha256:ABC")).hasMessageContaining("not a lowercase hex SHA-256");
        assertThatThrownBy(() -> ImageReference.parse("fn:bad/tag")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ImageReference.parse("host:5000/fn:" + "t".repeat(129))).hasMessageContaining("not a tag");
    }

    @Test
    void onlyLoopbackAndConfiguredRegistriesUsePlainHttp() {
        RegistrySettings settings = RegistrySettings.defaults().withInsecureRegistries(java.util.Set.of("lab.internal:5000"));
        assertThat(settings.usesPlainHttp(ImageReference.parse("127.0.0.1:5000/fn"))).isTrue();
        assertThat(settings.usesPlainHttp(ImageReference.parse("localhost:5000/fn"))).isTrue();
        assertThat(settings.usesPlainHttp(ImageReference.parse("[::1]:5000/fn"))).isTrue();
        assertThat(settings.usesPlainHttp(ImageReference.parse("lab.internal:5000/fn"))).isTrue();
        assertThat(settings.usesPlainHttp(ImageReference.parse("lab.internal/fn"))).as("another port is another registry").isFalse();
        assertThat(settings.usesPlainHttp(ImageReference.parse("registry.example.com/fn"))).isFalse();
        assertThat(settings.usesPlainHttp(ImageReference.parse("python"))).isFalse();
    }
}
