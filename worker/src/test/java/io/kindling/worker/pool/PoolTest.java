package io.kindling.worker.pool;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh {@link PoolHarness} per test, closed after it, so nothing a test starts outlives it. */
abstract class PoolTest {
    PoolHarness harness;

    @BeforeEach
    void openHarness() throws Exception {
        harness = new PoolHarness();
    }

    @AfterEach
    void closeHarness() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }
}
