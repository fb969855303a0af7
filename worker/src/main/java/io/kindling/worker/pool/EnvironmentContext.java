package io.kindling.worker.pool;

import io.kindling.assignment.LifecycleSettings;
import io.kindling.worker.runtimeapi.RuntimeApiServer;
import io.kindling.worker.logs.FunctionLogs;
import io.kindling.worker.sandbox.SandboxDriver;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What every environment on the worker shares: the sandbox driver, the Runtime API server, the timer thread and the
 * lifecycle's timeouts. The caller owns all of them and closes them after the pools.
 *
 * @param timers fires environment timers; its tasks only queue an event, so one thread serves every environment
 * @param logs where each environment's stdout and stderr go, framed per invocation (START, END, REPORT)
 * @param memory the cap on all sandboxes' memory together, shared by every pool of the worker
 * @param coldStarts hears every cold start's phases (metrics)
 */
public record EnvironmentContext(SandboxDriver driver, RuntimeApiServer runtimeApi, ScheduledExecutorService timers,
                                 LifecycleSettings settings, Clock clock, FunctionLogs logs,
                                 MemoryBudget memory, ColdStartPhases.Observer coldStarts) {
    public EnvironmentContext {
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(runtimeApi, "runtimeApi");
        Objects.requireNonNull(timers, "timers");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(logs, "logs");
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(coldStarts, "coldStarts");
    }

    /** A context whose cold starts nobody hears. */
    public EnvironmentContext(SandboxDriver driver, RuntimeApiServer runtimeApi, ScheduledExecutorService timers,
                              LifecycleSettings settings, Clock clock, FunctionLogs logs, MemoryBudget memory) {
        this(driver, runtimeApi, timers, settings, clock, logs, memory, ColdStartPhases.Observer.NONE);
    }
}
