package io.kindling.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Figure 7: warm invokes. A 1 KB JSON event echoed by a {@code provided.al2023} function whose environment is already
 * running, in a closed loop, beside baseline B (the bare Jetty 1 KB echo) driven by the same client in the same
 * rounds: every target at 1 caller, the C and java21 ones at 1,769 MB also at 8 and 64 callers ({@code --quick}: 8). The client is the plain keep-alive {@link KeepAliveHttpPost} (body sent with the headers), the server runs
 * with {@code --auth none}: the SDK's url-connection client would add about 1 ms per call with a body (B′ in 1–3) and
 * SigV4 about 0.1 ms, neither of them Kindling's invoke path.
 */
final class WarmInvokeBench {
    static final int EVENT_BYTES = 1024;
    /** Callers per scenario: 1 for every target, more for {@link #manyCallers} ({@code --quick}: up to 8). */
    private static final int[] CONCURRENCIES = {1, 8, 64};
    private static final int[] QUICK_CONCURRENCIES = {1, 8};

    /** One measured scenario; {@code target} is null for the baseline. */
    record Measured(String id, String label, InvokeTarget target, int callers, Latency latency, double throughput) {}

    private final BenchSettings settings;
    private final BareJettyServer bareJetty;
    private final List<InvokeTarget> targets;
    private final List<InvokeTarget> manyCallers;

    /**
     * @param targets     measured at 1 caller each (the first is the headline: C at 1,769 MB)
     * @param manyCallers also measured at 8 and 64 callers (as many environments of one function), each beside B at
     *                    the same concurrency
     */
    WarmInvokeBench(BenchSettings settings, BareJettyServer bareJetty, List<InvokeTarget> targets,
                    List<InvokeTarget> manyCallers) {
        this.settings = settings;
        this.bareJetty = bareJetty;
        this.targets = targets;
        this.manyCallers = manyCallers;
    }

    private int[] concurrencies() {
        return settings.quick() ? QUICK_CONCURRENCIES : CONCURRENCIES;
    }

    /** A JSON document of exactly {@link #EVENT_BYTES} bytes. */
    static byte[] event() {
        String head = "{\"message\":\"";
        String tail = "\"}";
        StringBuilder json = new StringBuilder(head);
        for (int i = 0; json.length() < EVENT_BYTES - tail.length(); i++) {
            json.append((char) ('a' + i % 26));
        }
        byte[] bytes = json.append(tail).toString().getBytes(StandardCharsets.US_ASCII);
        if (bytes.length != EVENT_BYTES) {
            throw new IllegalStateException("event is " + bytes.length + " bytes");
        }
        return bytes;
    }

    List<Measured> run(Report report) throws Exception {
        CpuPressure pressure = CpuPressure.start();
        byte[] event = event();
        List<Measured> all = new ArrayList<>();
        for (int callers : concurrencies()) {
            List<ClosedLoopScenario> scenarios = new ArrayList<>();
            List<InvokeTarget> measured = callers == 1 ? targets : manyCallers;
            try {
                scenarios.add(new ClosedLoopScenario("B", callers, () -> echo(bareJetty.endpoint() + "/echo", event, false)));
                for (InvokeTarget target : measured) {
                    scenarios.add(new ClosedLoopScenario(target.id(), callers, () -> echo(target.invokeUrl(), event, true)));
                }
                if (callers > RAMP_STEP) {
                    for (InvokeTarget target : measured) {
                        rampUp(target, callers, event);
                    }
                }
                for (ClosedLoopScenario scenario : scenarios) {
                    RoundTripBench.progress("invoke: warming up " + scenario.name() + " with " + callers + " caller(s)");
                    scenario.warmUp(settings.warmup());
                }
                for (int round = 1; round <= settings.rounds(); round++) {
                    RoundTripBench.progress("invoke: round " + round + "/" + settings.rounds() + " with " + callers + " caller(s)");
                    for (ClosedLoopScenario scenario : scenarios) {
                        scenario.measureRound(settings.round());
                    }
                }
                ClosedLoopScenario baseline = scenarios.getFirst();
                all.add(new Measured("B", "B. bare Jetty 12 HTTP echo, 1 KB JSON (baseline)", null, callers,
                        baseline.latency(), baseline.throughputPerSecond()));
                for (int i = 0; i < measured.size(); i++) {
                    InvokeTarget target = measured.get(i);
                    ClosedLoopScenario scenario = scenarios.get(i + 1);
                    String label = target.bootstrap().reportsClock()
                            ? "**Kindling Invoke**, " + target.bootstrap().label()
                            : "Kindling Invoke, " + target.bootstrap().label();
                    all.add(new Measured(target.id(), label, target, callers, scenario.latency(), scenario.throughputPerSecond()));
                }
            } finally {
                scenarios.forEach(ClosedLoopScenario::close);
            }
        }
        double cpuPressure = pressure.percentSinceStart();
        render(report, all, cpuPressure);
        if (targets.getFirst().bootstrap().reportsClock()) {
            split(report, targets.getFirst());
        }
        return all;
    }

    /** Callers added at a time before a scenario of more: at most this many environments start together. */
    private static final int RAMP_STEP = 8;

    /**
     * Starts the target's environments for {@code callers} callers {@link #RAMP_STEP} at a time: 64 JVMs started at
     * once on 2 cores pass the 10 s init timeout (seen: Sandbox.Timedout in the warm-up). Unmeasured.
     */
    private void rampUp(InvokeTarget target, int callers, byte[] event) throws Exception {
        for (int c = 2 * RAMP_STEP; c < callers; c += RAMP_STEP) {
            RoundTripBench.progress("invoke: starting environments of " + target.id() + " for " + c + " callers");
            try (ClosedLoopScenario ramp = new ClosedLoopScenario(target.id(), c, () -> echo(target.invokeUrl(), event,
                    true))) {
                ramp.warmUp(Duration.ofMillis(200));
            }
        }
    }

    /**
     * Figure 7b: one caller, sequential invokes of the event {@code "clock"}, which the C runtime answers with the
     * monotonic time it had read the event (the clock of System.nanoTime): the way there and the way back.
     */
    private void split(Report report, InvokeTarget target) throws Exception {
        int samples = settings.quick() ? 300 : 3000;
        RoundTripBench.progress("invoke: " + samples + " split invokes of " + target.id());
        KeepAliveHttpPost post = new KeepAliveHttpPost(target.invokeUrl(),
                ProvidedBootstraps.CLOCK_EVENT.getBytes(StandardCharsets.US_ASCII), "application/json");
        ObjectMapper json = new ObjectMapper();
        Histogram there = Latency.newHistogram();
        Histogram back = Latency.newHistogram();
        Histogram total = Latency.newHistogram();
        int misaligned = 0;
        for (int i = -samples / 10; i < samples; i++) {
            long sent = System.nanoTime();
            KeepAliveHttpPost.Answer answer = post.exchange();
            long answered = System.nanoTime();
            if (answer.status() != 200 || answer.functionError() != null) {
                throw new IllegalStateException("Invoke " + target.invokeUrl() + " answered " + answer.status() + ": "
                        + answer.bodyText());
            }
            long read = json.readTree(answer.body()).path("next_ns").asLong(-1);
            if (i < 0) {
                continue;
            }
            if (read < sent || read > answered) {
                misaligned++;
                continue;
            }
            there.recordValue(read - sent);
            back.recordValue(answered - read);
            total.recordValue(answered - sent);
        }
        Report.Table table = report.table("7b. Where a warm invoke's time goes",
                "One caller, " + samples + " sequential invokes (after " + samples / 10 + " unmeasured) of " + target.id()
                        + " with the event `\"clock\"` (7 bytes, not 1 KB), which the C runtime answers with the time it had "
                        + "read the event (CLOCK_MONOTONIC, the clock of System.nanoTime)."
                        + (misaligned > 0 ? " " + misaligned + " samples with the runtime's time outside the call left out." : ""),
                "part", "n", "p50", "p90", "p99");
        String[][] parts = {
            {"there", "invoke sent → the runtime has read the event (HTTP, frontend, registry, pool, environment, "
                    + "Runtime API's /next answer)"},
            {"back", "the runtime has read the event → whole answer at the client (its POST /response, Runtime API, "
                    + "environment, frontend's answer)"},
            {"total", "total"}};
        Histogram[] histograms = {there, back, total};
        for (int i = 0; i < parts.length; i++) {
            Histogram h = histograms[i];
            Latency latency = Latency.of(h);
            report.latency("invoke.warm.split." + parts[i][0], parts[i][1], latency,
                    Map.of("p90_ms", h.getValueAtPercentile(90) / 1e6));
            table.row(parts[i][1], String.format("%,d", latency.count()), Format.millis(latency.p50Ms()),
                    Format.millis(h.getValueAtPercentile(90) / 1e6), Format.millis(latency.p99Ms()));
        }
    }

    /** POSTs the event and insists on 200, no function error, and the event back unchanged. */
    static ClosedLoopScenario.Call echo(String url, byte[] event, boolean invoke) throws Exception {
        KeepAliveHttpPost post = new KeepAliveHttpPost(url, event, "application/json");
        return () -> {
            KeepAliveHttpPost.Answer answer = post.exchange();
            if (answer.status() != 200 || answer.functionError() != null || !Arrays.equals(answer.body(), event)) {
                throw new IllegalStateException((invoke ? "Invoke " : "echo ") + url + " answered " + answer.status()
                        + (answer.functionError() == null ? "" : " (" + answer.functionError() + ")") + ": "
                        + new String(answer.body(), 0, Math.min(300, answer.body().length), StandardCharsets.UTF_8));
            }
        };
    }

    private void render(Report report, List<Measured> all, double cpuPressure) {
        Duration measured = settings.round().multipliedBy(settings.rounds());
        Report.Table table = report.table("7. Warm invoke: 1 KB JSON echo through Kindling beside a bare HTTP echo",
                "`POST /2015-03-31/functions/NAME/invocations` to a `provided.al2023` or `java21` function whose "
                        + "environment is already running (warmed up first), answered by its runtime echoing the event. Closed loop, every "
                        + "caller on its own keep-alive connection; the client is `HttpURLConnection` sending the body with "
                        + "the headers (B's client), the server runs with `--auth none` (no SigV4), so neither the SDK's "
                        + "client nor signing is in the figure. Per scenario: " + settings.warmup().toMillis()
                        + " ms warm-up, then " + settings.rounds() + " rounds of " + settings.round().toMillis()
                        + " ms, B and the invokes of one concurrency taking turns round by round (" + measured.toMillis()
                        + " ms measured each). At 1 caller every function; at " + concurrencyList()
                        + " callers the C and java21 functions at 1,769 MB, each then running as many environments as "
                        + "callers (started " + RAMP_STEP + " at a time before the warm-up), beside B at the same concurrency. Memory 1,769 MB = one full vCPU (Kindling caps a sandbox's CPU in "
                        + "proportion to its memory, as Lambda does); 512 MB = 29% of a core; 128 MB = 7%.",
                "path", "memory", "callers", "n", "p50", "p99", "throughput", "overhead p50 (− B p50)",
                "overhead ÷ B p50", "p50 ÷ B");
        for (int callers : concurrencies()) {
            Measured b = find(all, "B", callers);
            for (Measured m : all) {
                if (m.callers() != callers) {
                    continue;
                }
                String id = "invoke.warm." + m.id() + ".c" + callers;
                boolean isBaseline = m == b;
                report.latency(id, m.label(), m.latency(), isBaseline
                        ? Map.of("callers", callers, "throughput_per_s", m.throughput())
                        : Map.of("callers", callers, "throughput_per_s", m.throughput(), "memory_mb", m.target().memoryMb(),
                                "overhead_p50_ms", m.latency().p50Ms() - b.latency().p50Ms()));
                String overhead = isBaseline ? "—" : Format.millis(m.latency().p50Ms() - b.latency().p50Ms());
                String overheadRatio = isBaseline ? "—" : Format.ratio(report.ratio(id + ".overhead", "invoke.warm.B.c" + callers,
                        "p50", m.latency().p50Ms() - b.latency().p50Ms(), b.latency().p50Ms()));
                String ratio = isBaseline ? "—" : Format.ratio(report.ratio(id, "invoke.warm.B.c" + callers, "p50",
                        m.latency().p50Ms(), b.latency().p50Ms()));
                table.row(m.label(), isBaseline ? "—" : m.target().memory(), Integer.toString(callers),
                        String.format("%,d", m.latency().count()), Format.millis(m.latency().p50Ms()),
                        Format.millis(m.latency().p99Ms()), Format.perSecond(m.throughput()), overhead, overheadRatio, ratio);
            }
        }
        for (int callers : CONCURRENCIES) {
            Map<String, Latency> lines = new LinkedHashMap<>();
            for (Measured m : all) {
                if (m.callers() == callers) {
                    lines.put(m.target() == null ? "B: bare Jetty echo (baseline)"
                            : "Kindling, " + m.target().bootstrap().id() + ", " + m.target().memory(), m.latency());
                }
            }
            table.chart("7-warm-invoke-" + callers + "-caller" + (callers == 1 ? "" : "s"), Charts.percentiles(
                    "7. Warm invoke, 1 KB echo, " + callers + " caller" + (callers == 1 ? "" : "s"),
                    "latency of each call at the client; Kindling beside the bare HTTP echo B of the same rounds",
                    lines));
        }
        Measured b = find(all, "B", 1);
        Measured headline = find(all, targets.getFirst().id(), 1);
        table.note("Budgets (architecture): warm invoke p50 ≤ 1 ms, p99 ≤ 5 ms, overhead ≤ 3 raw loopback HTTP round trips "
                + "(3 × B p50 = " + Format.millis(3 * b.latency().p50Ms()) + " here). Kindling with the C runtime at 1 caller: p50 "
                + Format.millis(headline.latency().p50Ms()) + ", p99 " + Format.millis(headline.latency().p99Ms())
                + ", overhead " + Format.millis(headline.latency().p50Ms() - b.latency().p50Ms()) + " = "
                + Format.ratio((headline.latency().p50Ms() - b.latency().p50Ms()) / b.latency().p50Ms()) + " B. "
                + "Overhead includes the runtime's own time: microseconds for the C loop, two curl processes for sh, the "
                + "RIC's loop (JNI Runtime API client, dispatch to the handler) for java.");
        table.note("CPU pressure during this section: " + CpuPressure.describe(cpuPressure) + ".");
        report.runFact("cpu_pressure_pct.invoke_warm", cpuPressure);
    }

    /** The concurrencies above 1, e.g. {@code 8 and 64}. */
    private String concurrencyList() {
        return java.util.Arrays.stream(concurrencies()).filter(c -> c > 1).mapToObj(Integer::toString)
                .collect(java.util.stream.Collectors.joining(" and "));
    }

    static Measured find(List<Measured> all, String id, int callers) {
        return all.stream().filter(m -> m.id().equals(id) && m.callers() == callers).findFirst().orElseThrow();
    }
}
