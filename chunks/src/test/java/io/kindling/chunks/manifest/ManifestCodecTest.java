package io.kindling.chunks.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kindling.chunks.crypto.MasterKey;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ManifestCodecTest {

    private static final String IMAGE = "sha256:0123";
    private final MasterKey key = MasterKey.generate();
    private final ManifestCodec codec = new ManifestCodec(key);
    private final Manifest manifest = ManifestTestData.manifest(1);

    @Test
    void opensWhatItSealed() throws Exception {
        assertThat(codec.open(codec.seal(manifest, IMAGE), IMAGE)).isEqualTo(manifest);
        assertThat(new ManifestCodec(MasterKey.of(keyBytes())).open(new ManifestCodec(MasterKey.of(keyBytes()))
                .seal(manifest, IMAGE), IMAGE)).isEqualTo(manifest);
    }

    @Test
    void isCompact() {
        // 8 stored chunks, 1 zero chunk: about 37 clear + 64 sealed bytes per stored chunk.
        assertThat(codec.seal(manifest, IMAGE).length).isLessThan(1000);
    }

    @Test
    void keysAndPlaintextHashesAreEncryptedButNamesReadable() {
        String sealed = HexFormat.of().formatHex(codec.seal(manifest, IMAGE));
        StoredChunk stored = (StoredChunk) manifest.part("blob").orElseThrow().chunks().getFirst();
        assertThat(sealed).contains(stored.ref().name().hex());
        assertThat(sealed).doesNotContain(HexFormat.of().formatHex(stored.ref().key().bytes()));
        assertThat(sealed).doesNotContain(stored.ref().plaintextHash().hex());
    }

    @Test
    void sealingTwiceUsesFreshNonces() throws Exception {
        byte[] first = codec.seal(manifest, IMAGE);
        byte[] second = codec.seal(manifest, IMAGE);
        assertThat(first).isNotEqualTo(second);
        assertThat(codec.open(second, IMAGE)).isEqualTo(codec.open(first, IMAGE));
    }

    @Test
    void everyChangedByteIsDetected() {
        byte[] sealed = codec.seal(manifest, IMAGE);
        for (int i = 0; i < sealed.length; i++) {
            byte[] tampered = sealed.clone();
            tampered[i] ^= 0x01;
            assertThatThrownBy(() -> codec.open(tampered, IMAGE)).as("byte %d flipped", i)
                    .isInstanceOf(ManifestCorruptException.class);
        }
    }

    @Test
    void everyTruncationIsDetected() {
        byte[] sealed = codec.seal(manifest, IMAGE);
        for (int length = 0; length < sealed.length; length++) {
            byte[] truncated = Arrays.copyOf(sealed, length);
            assertThatThrownBy(() -> codec.open(truncated, IMAGE)).as("cut to %d bytes", length)
                    .isInstanceOf(ManifestCorruptException.class);
        }
        byte[] extended = Arrays.copyOf(sealed, sealed.length + 1);
        assertThatThrownBy(() -> codec.open(extended, IMAGE)).isInstanceOf(ManifestCorruptException.class);
    }

    @Test
    void anotherMasterKeyCannotOpenIt() {
        byte[] sealed = codec.seal(manifest, IMAGE);
        assertThatThrownBy(() -> new ManifestCodec(MasterKey.generate()).open(sealed, IMAGE))
                .isInstanceOf(ManifestCorruptException.class).hasMessageContaining("another master key");
    }

    @Test
    void aManifestOpensOnlyForTheImageItWasSealedFor() {
        byte[] sealed = codec.seal(manifest, IMAGE);
        assertThatThrownBy(() -> codec.open(sealed, "sha256:0124"))
                .isInstanceOf(ManifestCorruptException.class).hasMessageContaining("another image");
        assertThatThrownBy(() -> codec.open(sealed, IMAGE + "0")).isInstanceOf(ManifestCorruptException.class);
    }

    @Test
    void garbageIsNoManifest() {
        assertThatThrownBy(() -> codec.open(new byte[200], IMAGE)).isInstanceOf(ManifestCorruptException.class);
        assertThatThrownBy(() -> codec.open(new byte[0], IMAGE)).isInstanceOf(ManifestCorruptException.class);
    }

    private static byte[] keyBytes() {
        byte[] bytes = new byte[32];
        Arrays.fill(bytes, (byte) 7);
        return bytes;
    }
}
