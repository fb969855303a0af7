package io.kindling.chunks.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class GearTableTest {

    @Test
    void theTableNeverChanges() throws Exception {
        ByteBuffer bytes = ByteBuffer.allocate(256 * Long.BYTES);
        Arrays.stream(GearTable.values()).forEach(bytes::putLong);
        String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.array()));
        assertThat(digest).isEqualTo("76c28ab8bcb87ceafef8e123b1c82062d84ed34b760244415cebfcce6b2abbab");
    }

    @Test
    void theGeneratorIsSplitMix64() {
        // The reference output of SplitMix64 seeded with 0 (as in Vigna's splitmix64.c).
        assertThat(GearTable.generate(0)[0]).isEqualTo(0xE220A8397B1DCDAFL);
    }

    @Test
    void valuesAreDistinctAndTheirLowBitsBalanced() {
        long[] values = GearTable.values();
        assertThat(Arrays.stream(values).distinct().count()).isEqualTo(256);
        // A gear value with bit 63 clear as often as set is what makes the top-bit masks fair.
        long topSet = Arrays.stream(values).filter(v -> v < 0).count();
        assertThat(topSet).isBetween(100L, 156L);
    }
}
