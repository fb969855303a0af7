package io.kindling.assignment;

import java.time.Duration;
import java.util.Objects;

/**
 * The timeouts of the environment lifecycle.
 *
 * @param idleTimeout how long an environment stays warm (Idle or Frozen) after its last use before it is shut down.
 *     Default 10 minutes: Lambda does not publish its keep-alive, and this keeps the memory of a burst for a while
 *     without holding it all day. Must be positive.
 * @param freezeAfterIdle how long an Idle environment waits before its cgroup is frozen. Default 1 second: Lambda
 *     freezes at once, but a short delay lets back-to-back invokes skip a freeze and thaw (two cgroup writes each). A
 *     delay at or beyond {@code idleTimeout} means environments are never frozen. Zero or more.
 * @param shutdownGrace how long a runtime has to exit after SIGTERM before SIGKILL. Default 300 ms, Lambda's grace for
 *     a function without extensions. Zero or more.
 */
public record LifecycleSettings(Duration idleTimeout, Duration freezeAfterIdle, Duration shutdownGrace) {

    public static final LifecycleSettings DEFAULTS =
            new LifecycleSettings(Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofMillis(300));

    public LifecycleSettings {
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(freezeAfterIdle, "freezeAfterIdle");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        if (idleTimeout.isZero() || idleTimeout.isNegative()) {
            throw new IllegalArgumentException("idleTimeout must be positive: " + idleTimeout);
        }
        if (freezeAfterIdle.isNegative()) {
            throw new IllegalArgumentException("freezeAfterIdle must not be negative: " + freezeAfterIdle);
        }
        if (shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("shutdownGrace must not be negative: " + shutdownGrace);
        }
    }
}
