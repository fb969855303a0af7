package io.kindling.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.GetFunctionConfigurationResponse;

/**
 * Figures 1–3: one small request and its answer, from the cheapest transport up to Kindling's
 * GetFunctionConfiguration, at 1 and at 8 concurrent callers. The scenarios of one concurrency take
 * turns round by round, so a noisy neighbour on the machine hits them all alike.
 */
final class RoundTripBench {
    static final int MESSAGE_BYTES = 1024;
    private static final int[] CONCURRENCIES = {1, 8};

    private final BenchSettings settings;
    private final LoopbackEchoServer tcpEcho;
    private final BareJettyServer bareJetty;
    private final String kindlingEndpoint;
    private final String kindlingWithoutAuthEndpoint;
    private final String function;

    RoundTripBench(BenchSettings settings, LoopbackEchoServer tcpEcho, BareJettyServer bareJetty, String kindlingEndpoint,
                   String kindlingWithoutAuthEndpoint, String function) {
        this.settings = settings;
        this.tcpEcho = tcpEcho;
        this.bareJetty = bareJetty;
        this.kindlingEndpoint = kindlingEndpoint;
        this.kindlingWithoutAuthEndpoint = kindlingWithoutAuthEndpoint;
        this.function = function;
    }

    private record Measured(String id, String label, int callers, Latency latency, double throughput) {}

    /** Runs the scenarios, adds their table, and returns Kindling's quiet GetFunctionConfiguration at 1 caller. */
    Latency run(Report report) throws Exception {
        CpuPressure pressure = CpuPressure.start();
        byte[] message = new byte[MESSAGE_BYTES];
        List<Measured> all = new ArrayList<>();
        try (SdkHttpClient http = UrlConnectionHttpClient.builder().build();
                LambdaClient sdkToBareJetty = KindlingUnderTest.client(bareJetty.endpoint());
                LambdaClient sdkToKindling = KindlingUnderTest.client(kindlingEndpoint);
                LambdaClient sdkToKindlingWithoutAuth = KindlingUnderTest.client(kindlingWithoutAuthEndpoint)) {
            for (int callers : CONCURRENCIES) {
                Map<String, String> labels = new LinkedHashMap<>();
                List<ClosedLoopScenario> scenarios = new ArrayList<>();
                try {
                    scenarios.add(new ClosedLoopScenario("A", callers, tcpEcho::connect));
                    labels.put("A", "A. raw loopback TCP echo, 1 KB (baseline)");
                    scenarios.add(new ClosedLoopScenario("B", callers,
                            () -> new KeepAliveHttpPost(bareJetty.endpoint() + "/echo", message)));
                    labels.put("B", "B. bare Jetty 12 HTTP echo, 1 KB, HttpURLConnection keep-alive (baseline)");
                    if (callers == 1) {
                        scenarios.add(new ClosedLoopScenario("B-sdk-client", callers,
                                () -> new RawHttpPost(http, bareJetty.endpoint() + "/echo", message, 200)));
                        labels.put("B-sdk-client", "B′. same echo through the SDK's url-connection client (streamed body)");
                    }
                    scenarios.add(new ClosedLoopScenario("C", callers, () -> getConfiguration(sdkToBareJetty)));
                    labels.put("C", "C. SDK GetFunctionConfiguration → bare Jetty, canned answer (SDK floor)");
                    scenarios.add(new ClosedLoopScenario("K", callers, () -> getConfiguration(sdkToKindling)));
                    labels.put("K", "K. **Kindling GetFunctionConfiguration** (SigV4, registry, JSON)");
                    if (callers == 1) {
                        scenarios.add(new ClosedLoopScenario("K-noauth", callers,
                                () -> getConfiguration(sdkToKindlingWithoutAuth)));
                        labels.put("K-noauth", "K′. Kindling GetFunctionConfiguration, server `--auth none`");
                    }
                    for (ClosedLoopScenario scenario : scenarios) {
                        progress("warming up " + scenario.name() + " with " + callers + " caller(s)");
                        scenario.warmUp(settings.warmup());
                    }
                    for (int round = 1; round <= settings.rounds(); round++) {
                        progress("round " + round + "/" + settings.rounds() + " with " + callers + " caller(s)");
                        for (ClosedLoopScenario scenario : scenarios) {
                            scenario.measureRound(settings.round());
                        }
                    }
                    for (ClosedLoopScenario scenario : scenarios) {
                        all.add(new Measured(scenario.name(), labels.get(scenario.name()), callers, scenario.latency(),
                                scenario.throughputPerSecond()));
                    }
                } finally {
                    scenarios.forEach(ClosedLoopScenario::close);
                }
            }
        }
        render(report, all, pressure.percentSinceStart());
        return find(all, "K", 1).latency();
    }

    private ClosedLoopScenario.Call getConfiguration(LambdaClient lambda) {
        return () -> {
            GetFunctionConfigurationResponse answer = lambda.getFunctionConfiguration(r -> r.functionName(function));
            if (!function.equals(answer.functionName())) {
                throw new IllegalStateException("GetFunctionConfiguration answered for " + answer.functionName());
            }
        };
    }

    private void render(Report report, List<Measured> all, double cpuPressure) {
        Duration measured = settings.round().multipliedBy(settings.rounds());
        Report.Table table = report.table("1–3. Round trips: baselines A, B, C and Kindling's GetFunctionConfiguration",
                "Closed loop: each caller sends its next request when the previous answer is complete; every caller has "
                        + "its own connection (HTTP keep-alive). Per scenario: " + settings.warmup().toMillis()
                        + " ms warm-up, then " + settings.rounds() + " rounds of " + settings.round().toMillis()
                        + " ms, the scenarios of one concurrency taking turns round by round (" + measured.toMillis()
                        + " ms measured each). Client and server share the machine's CPUs.",
                "path", "callers", "n", "p50", "p99", "throughput", "p50 ÷ A", "p50 ÷ B", "p99 ÷ B", "throughput ÷ B");
        for (int callers : CONCURRENCIES) {
            Measured a = find(all, "A", callers);
            Measured b = find(all, "B", callers);
            for (Measured m : all) {
                if (m.callers() != callers) {
                    continue;
                }
                String id = "roundtrip." + m.id() + ".c" + callers;
                report.latency(id, m.label(), m.latency(), Map.of("callers", callers, "throughput_per_s", m.throughput()));
                String vsA = m == a ? "—" : Format.ratio(report.ratio(id, "roundtrip.A.c" + callers, "p50",
                        m.latency().p50Ms(), a.latency().p50Ms()));
                String vsB = m == b ? "—" : Format.ratio(report.ratio(id, "roundtrip.B.c" + callers, "p50",
                        m.latency().p50Ms(), b.latency().p50Ms()));
                String p99vsB = m == b ? "—" : Format.ratio(report.ratio(id, "roundtrip.B.c" + callers, "p99",
                        m.latency().p99Ms(), b.latency().p99Ms()));
                String throughputVsB = m == b ? "—" : Format.ratio(report.ratio(id, "roundtrip.B.c" + callers,
                        "throughput", m.throughput(), b.throughput()));
                table.row(m.label(), Integer.toString(callers), String.format("%,d", m.latency().count()),
                        Format.millis(m.latency().p50Ms()), Format.millis(m.latency().p99Ms()), Format.perSecond(m.throughput()),
                        vsA, vsB, p99vsB, throughputVsB);
            }
        }
        for (int callers : CONCURRENCIES) {
            Map<String, Latency> lines = new LinkedHashMap<>();
            for (Measured m : all) {
                if (m.callers() == callers) {
                    lines.put(Charts.legend(m.label()), m.latency());
                }
            }
            table.chart("1-3-round-trips-" + callers + "-caller" + (callers == 1 ? "" : "s"), Charts.percentiles(
                    "1–3. Round trips, " + callers + " caller" + (callers == 1 ? "" : "s"),
                    "latency of each call at the client: Kindling's GetFunctionConfiguration beside baselines A, B and C",
                    lines));
        }
        Measured k = find(all, "K", 1);
        Measured b = find(all, "B", 1);
        Measured c = find(all, "C", 1);
        Measured open = find(all, "K-noauth", 1);
        table.note("Yardstick (architecture budgets): a warm invoke may add at most 3 raw loopback HTTP round trips (B). "
                + "Kindling's GetFunctionConfiguration at 1 caller takes " + Format.ratio(k.latency().p50Ms() / b.latency().p50Ms())
                + " of B at p50. Of its p50, about " + Format.millis(c.latency().p50Ms()) + " is the SDK, HTTP and Jetty with a server "
                + "that does nothing (C), and about " + Format.millis(k.latency().p50Ms() - c.latency().p50Ms())
                + " is what Kindling's handling adds (K − C); "
                + "turning SigV4 verification off changes p50 by " + Format.millis(k.latency().p50Ms() - open.latency().p50Ms())
                + " (K − K′).");
        Measured sdkClient = find(all, "B-sdk-client", 1);
        table.note("B′ is B sent the way the SDK's url-connection client sends any body (fixed-length streaming): on a reused "
                + "connection the JDK first probes that it is still open with a read that waits up to 1 ms. It costs "
                + Format.millis(sdkClient.latency().p50Ms() - b.latency().p50Ms()) + " at p50 here, on every SDK call with a body "
                + "(CreateFunction, Invoke) made through that client; GETs such as C and K do not pay it.");
        table.note("CPU pressure during this section (share of time some task waited for a CPU, /proc/pressure/cpu): "
                + CpuPressure.describe(cpuPressure) + ".");
        report.runFact("cpu_pressure_pct.roundtrips", cpuPressure);
    }

    private static Measured find(List<Measured> all, String id, int callers) {
        return all.stream().filter(m -> m.id().equals(id) && m.callers() == callers).findFirst().orElseThrow();
    }

    static void progress(String message) {
        System.err.println("bench: " + message);
    }
}
