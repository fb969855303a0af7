package io.kindling.worker.pool;

import io.kindling.assignment.LifecycleSettings;
import io.kindling.worker.runtimeapi.RuntimeApiServer;
import io.kindling.worker.sandbox.OutputSink;
import io.kindling.worker.sandbox.SandboxDriver;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;

/**
 * What every environment on the worker shares: the sandbox driver, the Runtime API server, the timer thread and the
 * lifecycle's timeouts. The caller owns all of them and closes them after the pools.
 *
 * @param timers fires environment timers; its tasks only queue an event, so one thread serves every environment
 * @param output where each environment's stdout and stderr go, by sandbox id
 * @param memory the cap on all sandboxes' memory together, shared by every pool of the worker
 */
public record EnvironmentContext(SandboxDriver driver, RuntimeApiServer runtimeApi, ScheduledExecutorService timers,
                                 LifecycleSettings settings, Clock clock, Function<String, OutputSink> output,
                                 MemoryBudget memory) {
    public EnvironmentContext {
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(runtimeApi, "runtimeApi");
        Objects.requireNonNull(timers, "timers");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(memory, "memory");
    }
}
