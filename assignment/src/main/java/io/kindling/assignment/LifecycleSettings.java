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
 * @param keepWarm true for a provisioned environment: it never retires through {@code idleTimeout} (it is still
 *     frozen after {@code freezeAfterIdle}), because Lambda keeps provisioned concurrency initialized until it is
 *     removed; its pool shuts it down then. False by default. See {@link #keepingWarm()}.
 */
public record LifecycleSettings(Duration idleTimeout, Duration freezeAfterIdle, Duration shutdownGrace,
                                boolean keepWarm) {

    public static final LifecycleSettings DEFAULTS =
            new LifecycleSettings(Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofMillis(300));

    /** Settings of an on-demand environment, which retires after {@code idleTimeout}. */
    public LifecycleSettings(Duration idleTimeout, Duration freezeAfterIdle, Duration shutdownGrace) {
        this(idleTimeout, freezeAfterIdle, shutdownGrace, false);
    }

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

    /** These settings for a provisioned environment: the same timeouts, but no retirement through the idle timeout. */
    public LifecycleSettings keepingWarm() {
        return new LifecycleSettings(idleTimeout, freezeAfterIdle, shutdownGrace, true);
    }
}
