package io.kindling.server;

import io.kindling.worker.pool.ColdStartPhases;
import io.kindling.worker.pool.FunctionVersionSpec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every cold start's phases as Prometheus metrics ({@code GET /kindling/2026-11-27/metrics}):
 * {@code kindling_cold_start_phase_seconds{phase=...}} per phase of {@link ColdStartPhases}, the whole as
 * {@code kindling_cold_start_seconds}, {@code kindling_cold_starts_total{slot=precreated|made}}, and the first-use mounts
 * of code images as {@code kindling_code_image_tree_seconds}. Timers publish p50 and p99 over a decaying window, so
 * their memory is fixed whatever the traffic; not tagged by function, so the series stay few.
 */
final class ColdStartMetrics implements ColdStartPhases.Observer {
    private final Map<String, Timer> phases = new LinkedHashMap<>();
    private final Timer total;
    private final Counter precreated;
    private final Counter made;
    private final Timer codeTree;

    ColdStartMetrics(MeterRegistry registry) {
        for (String phase : ColdStartPhases.PHASES) {
            phases.put(phase, timer("kindling.cold.start.phase", "one phase of a cold start", registry)
                    .tag("phase", phase).register(registry));
        }
        total = timer("kindling.cold.start", "a cold start: the pool's decision to the first response", registry)
                .register(registry);
        precreated = Counter.builder("kindling.cold.starts").description("cold starts, by where their sandbox came from")
                .tag("slot", "precreated").register(registry);
        made = Counter.builder("kindling.cold.starts").description("cold starts, by where their sandbox came from")
                .tag("slot", "made").register(registry);
        codeTree = timer("kindling.code.image.tree", "a code image mounted (or materialized) for its first use",
                registry).register(registry);
    }

    private static Timer.Builder timer(String name, String description, MeterRegistry registry) {
        return Timer.builder(name).description(description).publishPercentiles(0.5, 0.99);
    }

    @Override
    public void coldStarted(FunctionVersionSpec function, ColdStartPhases phases) {
        phases.byName().forEach((name, took) -> this.phases.get(name).record(took));
        total.record(phases.total());
        (phases.sandbox().pooled() ? precreated : made).increment();
    }

    /** A code image's tree made for its first use (the mount a cold start of new code waits for). */
    void codeTreeMade(Duration took) {
        codeTree.record(took);
    }
}
