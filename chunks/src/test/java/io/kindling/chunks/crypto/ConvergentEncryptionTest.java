package io.kindling.chunks.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.MessageDigest;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class ConvergentEncryptionTest {

    private final ConvergentEncryption encryption = new ConvergentEncryption();
    private final SaltSchedule salts = new SaltSchedule(MasterKey.of(new byte[32]), java.time.Duration.ofDays(7),
            java.time.Clock.systemUTC());

    @Test
    void followsTheConstruction() throws Exception {
        byte[] plaintext = random(100_000, 1);
        Salt salt = salts.forEpoch(3);
        EncryptedChunk chunk = encryption.encrypt(plaintext, salt);

        byte[] h = MessageDigest.getInstance("SHA-256").digest(plaintext);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(salt.bytes(), "HmacSHA256"));
        assertThat(chunk.ref().plaintextHash().bytes()).isEqualTo(h);
        assertThat(chunk.ref().key().bytes()).isEqualTo(mac.doFinal(h));
        assertThat(chunk.ref().name().bytes())
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(chunk.ciphertext()));
        assertThat(chunk.ciphertext()).hasSameSizeAs(plaintext).isNotEqualTo(plaintext);
    }

    @Test
    void samePlaintextAndSaltGiveTheSameChunk() {
        byte[] plaintext = random(10_000, 2);
        EncryptedChunk first = encryption.encrypt(plaintext, salts.forEpoch(1));
        EncryptedChunk second = encryption.encrypt(plaintext.clone(), salts.forEpoch(1));
        assertThat(second.ref()).isEqualTo(first.ref());
        assertThat(second.ciphertext()).isEqualTo(first.ciphertext());
    }

    @Test
    void anotherEpochGivesAnotherNameAndKey() {
        byte[] plaintext = random(10_000, 3);
        ChunkRef first = encryption.encrypt(plaintext, salts.forEpoch(1)).ref();
        ChunkRef second = encryption.encrypt(plaintext, salts.forEpoch(2)).ref();
        assertThat(second.plaintextHash()).isEqualTo(first.plaintextHash());
        assertThat(second.name()).isNotEqualTo(first.name());
        assertThat(second.key()).isNotEqualTo(first.key());
    }

    @Test
    void decryptsWhatItEncrypted() throws Exception {
        byte[] plaintext = random(70_001, 4);
        EncryptedChunk chunk = encryption.encrypt(plaintext, salts.forEpoch(0));
        assertThat(encryption.decrypt(chunk.ref(), chunk.ciphertext())).isEqualTo(plaintext);
    }

    @Test
    void aChangedCiphertextIsCorruptNotDecrypted() {
        EncryptedChunk chunk = encryption.encrypt(random(5_000, 5), salts.forEpoch(0));
        byte[] tampered = chunk.ciphertext();
        tampered[1234] ^= 1;
        assertThatThrownBy(() -> encryption.decrypt(chunk.ref(), tampered))
                .isInstanceOf(ChunkCorruptException.class)
                .hasMessageContaining(chunk.ref().name().hex())
                .hasMessageContaining("name");
    }

    @Test
    void aWrongKeyIsCaughtByThePlaintextHash() {
        EncryptedChunk chunk = encryption.encrypt(random(5_000, 6), salts.forEpoch(0));
        ChunkRef wrongKey = new ChunkRef(chunk.ref().name(), chunk.ref().plaintextHash(),
                encryption.encrypt(random(10, 7), salts.forEpoch(0)).ref().key());
        assertThatThrownBy(() -> encryption.decrypt(wrongKey, chunk.ciphertext()))
                .isInstanceOf(ChunkCorruptException.class)
                .hasMessageContaining("plaintext");
    }

    @Test
    void recognizesAllZeroChunks() {
        assertThat(ConvergentEncryption.isAllZero(new byte[524_288])).isTrue();
        byte[] almost = new byte[524_288];
        almost[524_287] = 1;
        assertThat(ConvergentEncryption.isAllZero(almost)).isFalse();
    }

    @Test
    void keysAndSaltsAreNeverPrinted() {
        EncryptedChunk chunk = encryption.encrypt(random(100, 8), salts.forEpoch(0));
        String keyHex = java.util.HexFormat.of().formatHex(chunk.ref().key().bytes());
        assertThat(chunk.ref().toString()).doesNotContain(keyHex).contains(chunk.ref().name().hex());
        assertThat(salts.forEpoch(0).toString())
                .doesNotContain(java.util.HexFormat.of().formatHex(salts.forEpoch(0).bytes()));
    }

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }
}
