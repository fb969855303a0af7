package io.kindling.worker.images;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Paths with unusual characters are found in the mount table. */
class EscapesTest {
    @Test
    void mountinfoOctalEscapes() {
        assertThat(Unmounts.unescape("/data/my\\040dir/a\\134b")).isEqualTo("/data/my dir/a\\b");
        assertThat(Unmounts.unescape("/plain/path")).isEqualTo("/plain/path");
        assertThat(Unmounts.unescape("/trailing\\04")).as("not a full escape").isEqualTo("/trailing\\04");
    }
}
