package io.kindling.worker.sandbox;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh {@link SandboxHarness} per test, closed after it, so nothing a test starts outlives it. */
abstract class SandboxTest {
    SandboxHarness harness;

    @BeforeEach
    void openHarness() throws Exception {
        harness = new SandboxHarness();
    }

    @AfterEach
    void closeHarness() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }
}
